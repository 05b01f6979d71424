//! Reads a labelled CSV file with `oddity-ingest` alone: features, labels and the checks'
//! errors.
//!
//! `cargo xtask reuse` builds this program outside the workspace and runs it; inside:
//! `cargo run -p oddity-ingest --example read_csv`.

use oddity_ingest::{read_table, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("oddity-read-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("sensors.csv");
    std::fs::write(
        &path,
        "timestamp,temperature,pressure,is_anomaly\n\
         2024-01-01 00:00,20.5,1.01,0\n\
         2024-01-01 00:01,20.7,1.02,0\n\
         2024-01-01 00:02,35.0,0.70,1\n",
    )?;

    let opts = ReadOptions {
        label: Some("is_anomaly".into()),
        timestamp: Some("timestamp".into()),
        ..ReadOptions::default()
    };
    let data = read_table(&path, "sensors", &opts)?.dataset;
    println!(
        "{} rows × {} features {:?}, {} anomalies",
        data.n_rows(),
        data.n_features(),
        data.feature_names,
        data.n_anomalies().unwrap_or(0)
    );
    assert_eq!((data.n_rows(), data.n_features(), data.n_anomalies()), (3, 2, Some(1)));

    // A non-numeric feature is an error that names the file and the column.
    std::fs::write(
        &path,
        "timestamp,temperature,is_anomaly\n2024-01-01 00:00,20.5,0\n2024-01-01 00:01,hot,1\n",
    )?;
    let err = read_table(&path, "sensors", &opts).unwrap_err();
    println!("error: {err}");
    assert!(err.to_string().contains("temperature"));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
