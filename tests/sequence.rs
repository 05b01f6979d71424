//! Sequence detectors through the runner: windows flattened by the runner, each window's
//! error at every step from the detector (`score_steps`), spread back to one score per row.

mod common;

use common::{folder, oddity, repo, results};

#[test]
fn windowed_deep_and_row_detectors_score_every_row_of_a_real_series() {
    let series = repo().join("datasets/nab/speed_7578.csv");
    let config = format!(
        r#"
[experiment]
name = "windows"
seeds = [0]

[[dataset]]
name = "speed"
path = "{}"
timestamp = "timestamp"
split = {{ method = "none" }}

[preprocess]
scale = "standard"

[[method]]
detector = "cnn_autoencoder"
window = 8
epochs = 1
channels = 4

[[method]]
detector = "lstm_autoencoder"
window = 4
epochs = 1
hidden = 4
layers = 1

[[method]]
detector = "iforest"
window = 16
window_score = "max"

[evaluate]
metrics = ["roc_auc"]
random_baseline = false
"#,
        series.display()
    );
    let dir = folder(&[("c.toml", &config)]);
    let out = dir.path().join("out");
    let run = oddity(dir.path(), &["run", "c.toml", "--out", out.to_str().unwrap(), "--jobs", "2"]);
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let rows = results(&out);
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row["status"], "ok", "{row:?}");
        let auc: f64 = row["value"].parse().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{row:?}");
    }
    // Every row of the 1 127-step series got a score (n_test in the journal).
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"n_test\":1127").count(), 3, "{journal}");
}
