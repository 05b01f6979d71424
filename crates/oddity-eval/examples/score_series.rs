//! ROC-AUC and VUS-PR of a detector's scores on a labelled series, with `oddity-eval` alone.
//!
//! A sine wave with one anomalous stretch, scored by the distance to the value one period
//! earlier. `cargo xtask reuse` builds this program outside the workspace (its only
//! dependency is `oddity-eval`) and runs it; inside: `cargo run -p oddity-eval --example
//! score_series`.

use oddity_eval::{roc_auc, vus_pr, MetricError, VusParams};

fn main() -> Result<(), MetricError> {
    let period = 50;
    let mut values: Vec<f64> =
        (0..1000).map(|i| (i as f64 * std::f64::consts::TAU / period as f64).sin()).collect();
    let mut labels = vec![0u8; values.len()];
    for i in 600..620 {
        values[i] += 1.5;
        labels[i] = 1;
    }
    // Score: how far each value is from the one a period earlier.
    let scores: Vec<f64> = (0..values.len())
        .map(|i| if i < period { 0.0 } else { (values[i] - values[i - period]).abs() })
        .collect();

    let auc = roc_auc(&labels, &scores)?;
    let vus = vus_pr(&labels, &scores, &VusParams { buffer: period, ..VusParams::default() })?;
    println!("roc_auc {auc:.4}");
    println!("vus_pr {vus:.4}");
    assert!(auc > 0.9 && vus > 0.3, "the anomaly should stand out");
    Ok(())
}
