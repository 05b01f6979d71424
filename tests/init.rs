//! `oddity init` end to end: starter configs for the bundled data that validate and run, and
//! one-line errors for what it cannot guess.

mod common;

use common::{folder, oddity, repo, results};

fn bundled(path: &str) -> String {
    repo().join("datasets").join(path).display().to_string()
}

#[test]
fn tabular_starter_for_a_bundled_csv_validates_and_runs() {
    let dir = folder(&[]);
    let run =
        oddity(dir.path(), &["init", &bundled("odds/cardio.csv"), "--out", "cfg/cardio.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("oddity validate cfg/cardio.toml"), "{}", run.stdout);
    let text = std::fs::read_to_string(dir.path().join("cfg/cardio.toml")).unwrap();
    assert!(text.contains("label = \"label\""), "{text}");
    assert!(text.contains("method = \"stratified\""), "{text}");
    let run = oddity(dir.path(), &["validate", "cfg/cardio.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 7 detectors + the random baseline, 3 seeds.
    assert!(run.stdout.contains("8 method variants × 3 seeds = 24 jobs"), "{}", run.stdout);
    let run = oddity(dir.path(), &["run", "cfg/cardio.toml", "--quiet", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    let auc = |method: &str| -> Vec<f64> {
        let rows = rows.iter().filter(|r| r["method"] == method && r["metric"] == "roc_auc");
        rows.map(|r| r["value"].parse().unwrap()).collect()
    };
    assert_eq!(auc("iforest").len(), 3);
    assert!(auc("iforest").iter().all(|&v| v > 0.85), "{:?}", auc("iforest"));
    assert!(rows.iter().all(|r| r["status"] == "ok"), "a job failed");
}

#[test]
fn timeseries_starter_for_a_nab_series_finds_the_timestamp_and_runs() {
    let dir = folder(&[]);
    let run = oddity(dir.path(), &["init", &bundled("nab/speed_7578.csv")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("speed_7578.toml")).unwrap();
    assert!(text.contains("oddity init --timeseries"), "{text}");
    assert!(text.contains("timestamp = \"timestamp\""), "{text}");
    assert!(text.contains("window = 56"), "{text}");
    assert!(text.contains("[report]\nmetric = \"vus_pr\""), "{text}");
    let run = oddity(dir.path(), &["run", "speed_7578.toml", "--quiet", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The run ends naming the winner by VUS-PR, as the reports do.
    assert!(run.stdout.contains("best on vus_pr"), "{}", run.stdout);
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(md.contains("**best on vus_pr"), "{md}");
    let rows = results(&dir.path().join("out"));
    for method in ["zscore", "knn", "iforest", "pca", "cnn_autoencoder", "random"] {
        let n = rows
            .iter()
            .filter(|r| r["method"] == method && r["metric"] == "vus_pr" && r["status"] == "ok")
            .count();
        assert_eq!(n, 3, "{method}");
    }
    // A second init does not overwrite the config.
    let run = oddity(dir.path(), &["init", &bundled("nab/speed_7578.csv")]);
    run.assert_one_line_error(&["speed_7578.toml exists", "--force"]);
    let run = oddity(dir.path(), &["init", &bundled("nab/speed_7578.csv"), "--tabular", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("speed_7578.toml")).unwrap();
    assert!(text.contains("method = \"stratified\""), "{text}");
}

#[test]
fn what_init_cannot_guess_is_a_one_line_error_with_a_hint() {
    let dir =
        folder(&[("two.csv", "a,b,c\n1,0,1\n2,1,0\n3,0,0\n"), ("t.csv", "a,label\nx,0\ny,1\n")]);
    let run = oddity(dir.path(), &["init", "two.csv"]);
    run.assert_one_line_error(&["two.csv", "no label column found", "`b`, `c`", "--label"]);
    let run = oddity(dir.path(), &["init", "two.csv", "--label", "c", "--timestamp", "zz"]);
    run.assert_one_line_error(&["two.csv", "no column `zz`"]);
    let run = oddity(dir.path(), &["init", "t.csv"]);
    run.assert_one_line_error(&["t.csv", "no numeric feature column"]);
    let run = oddity(dir.path(), &["init", "missing.csv"]);
    run.assert_one_line_error(&["missing.csv"]);
    let run = oddity(dir.path(), &["init", "two.csv", "--tabular", "--timeseries"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}
