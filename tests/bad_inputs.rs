//! Every bad input gives a non-zero exit and one error line naming the file or field —
//! never a panic. A constant column is not an error: it runs and gives finite scores.
//! The rules that config text alone decides are the planner's `check` cases
//! (`crates/oddity-runner/src/plan/tests.rs`); here are the ones that need the binary, the
//! data or the file system.

mod common;

use common::{folder, oddity, results, Run};

const DATA: &str =
    "x0,x1,label\n1.0,2.0,0\n2.0,1.0,0\n3.0,4.0,0\n4.0,3.0,1\n5.0,6.0,0\n6.0,5.0,1\n";

/// A config over `data.csv` with `extra` appended to the dataset block and `method` as the
/// method block.
fn config(dataset_extra: &str, method: &str) -> String {
    format!(
        "[experiment]\nname = \"bad\"\n\n[[dataset]]\nname = \"d\"\npath = \"data.csv\"\n{dataset_extra}\n\n[[method]]\n{method}\n"
    )
}

fn run_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Run) {
    let dir = folder(files);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet"]);
    (dir, run)
}

const CHRONO: &str = "split = { method = \"chronological\", train = 0.5 }";
const ZSCORE: &str = "detector = \"zscore\"";

#[test]
fn missing_file() {
    let (dir, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE))]);
    run.assert_one_line_error(&["data.csv", "not found"]);
    // Nothing is written when the inputs are bad: an earlier run's output stays intact.
    assert!(!dir.path().join("out").exists());
}

#[test]
fn missing_config() {
    let dir = folder(&[]);
    oddity(dir.path(), &["run", "nope.toml"]).assert_one_line_error(&["nope.toml"]);
}

#[test]
fn non_numeric_column() {
    let data = "x0,x1,label\n1.0,a,0\n2.0,b,1\n3.0,c,0\n4.0,d,1\n";
    let (_d, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
    run.assert_one_line_error(&["data.csv", "x1"]);
}

#[test]
fn nan_without_imputer_names_column_and_row_and_imputer_fixes_it() {
    let data = "x0,x1,label\n1.0,2.0,0\n2.0,NaN,1\n3.0,4.0,0\n4.0,3.0,1\n";
    let (_d, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
    run.assert_one_line_error(&["data.csv", "x1", "row"]);

    let imputed = config(CHRONO, ZSCORE) + "\n[preprocess]\nimpute = \"median\"\n";
    let (dir, run) = run_with(&[("c.toml", &imputed), ("data.csv", data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(results(&dir.path().join("out")).iter().all(|r| r["status"] == "ok"));
}

#[test]
fn constant_column_works_with_finite_scores() {
    let data = "x0,x1,label\n1.0,7.0,0\n2.0,7.0,0\n3.0,7.0,1\n4.0,7.0,0\n2.5,7.0,1\n9.0,7.0,0\n";
    let cfg = config(CHRONO, ZSCORE) + "\n[preprocess]\nscale = \"standard\"\n";
    let (dir, run) = run_with(&[("c.toml", &cfg), ("data.csv", data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for row in results(&dir.path().join("out")) {
        assert_eq!(row["status"], "ok", "{row:?}");
        assert!(row["value"].parse::<f64>().unwrap().is_finite());
    }
}

#[test]
fn empty_file_and_header_only() {
    for data in ["", "x0,x1,label\n"] {
        let (_d, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
        run.assert_one_line_error(&["data.csv"]);
    }
}

#[test]
fn unknown_detector_names_line_and_key() {
    let (_d, run) =
        run_with(&[("c.toml", &config(CHRONO, "detector = \"zscroe\"")), ("data.csv", DATA)]);
    run.assert_one_line_error(&["c.toml", "line 10", "method[0].detector", "zscroe", "known: "]);
}

#[test]
fn a_prefix_longer_than_the_data_is_refused() {
    // The config-only split rules are planner cases (`oddity-runner`'s plan tests); this
    // one needs the data: 6 training rows leave no test row.
    let split = "split = { method = \"prefix\", train_rows = 6 }";
    let (_d, run) = run_with(&[("c.toml", &config(split, ZSCORE)), ("data.csv", DATA)]);
    run.assert_one_line_error(&["d", "train_rows"]);
}

#[test]
fn label_column_absent() {
    let (_d, run) =
        run_with(&[("c.toml", &config("label = \"target\"", ZSCORE)), ("data.csv", DATA)]);
    run.assert_one_line_error(&["data.csv", "target"]);
}

#[test]
fn labels_not_binary() {
    let data = "x0,label\n1.0,0\n2.0,2\n3.0,0\n4.0,1\n";
    let (_d, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
    run.assert_one_line_error(&["data.csv", "label", "row"]);
}

#[test]
fn output_folder_not_writable() {
    let dir =
        folder(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", DATA), ("blocker", "a file")]);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "blocker/out"]);
    run.assert_one_line_error(&["blocker/out"]);
}

#[test]
fn zero_jobs_is_rejected() {
    let dir = folder(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", DATA)]);
    let run = oddity(dir.path(), &["run", "c.toml", "--jobs", "0"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--jobs"), "{}", run.stderr);
}

#[test]
fn ten_thousand_jobs_is_rejected_and_save_to_a_file_fails_before_any_job() {
    let dir = folder(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", DATA), ("f", "x")]);
    let run = oddity(dir.path(), &["run", "c.toml", "--jobs", "10000"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--jobs") && run.stderr.contains("1..=1024"), "{}", run.stderr);
    let run = oddity(dir.path(), &["fit", "c.toml", "--save", "f"]);
    run.assert_one_line_error(&["--save `f` is a file"]);
    assert!(!dir.path().join("results").exists(), "no job ran");
}

#[test]
fn a_vus_buffer_as_long_as_the_series_is_a_failed_metric_not_a_saturated_value() {
    // 3 test rows and a buffer of 3: every point lies near the anomaly.
    let cfg = format!(
        "{}\n[evaluate]\nrandom_baseline = false\nmetrics = [{{ metric = \"vus_pr\", buffer = 3 }}, {{ metric = \"vus_pr\", buffer = 1 }}]\n",
        config(CHRONO, ZSCORE)
    );
    let (dir, run) = run_with(&[("c.toml", &cfg), ("data.csv", DATA)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    let long = rows.iter().find(|r| r["metric_options"] == "buffer=3").unwrap();
    assert_eq!(long["status"], "failed", "{long:?}");
    assert!(long["error"].contains("buffer 3 is not below the 3 scored rows"), "{long:?}");
    let short = rows.iter().find(|r| r["metric_options"] == "buffer=1").unwrap();
    assert_eq!(short["status"], "ok", "{short:?}");
}

#[test]
fn undefined_metric_is_recorded_with_its_reason() {
    // The test part (rows 3..6 of a chronological split) has no anomaly.
    let data = "x0,label\n1.0,1\n2.0,0\n3.0,1\n4.0,0\n5.0,0\n6.0,0\n";
    let (dir, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    assert!(
        rows.iter().all(|r| r["status"] == "undefined"
            && r["value"].is_empty()
            && r["error"].contains("no anomaly")),
        "{rows:?}"
    );
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("## Undefined metrics"), "{report}");
}

#[test]
fn failing_job_is_recorded_and_the_run_goes_on() {
    // One training row: ddof = 1 cannot fit, ddof = 0 can.
    let split = "split = { method = \"chronological\", train = 0.2 }";
    let (dir, run) = run_with(&[
        ("c.toml", &config(split, "detector = \"zscore\"\nddof = [0, 1]")),
        ("data.csv", DATA),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    let failed: Vec<_> = rows.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert_eq!(failed[0]["method"], "zscore[ddof=1]");
    assert!(failed[0]["error"].contains("ddof 1"), "{:?}", failed[0]);
    assert_eq!(
        rows.iter().filter(|r| r["method"] == "zscore[ddof=0]" && r["status"] == "ok").count(),
        3
    );
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("## Failed jobs") && report.contains("failed"), "{report}");
}

#[test]
fn windows_give_one_score_per_row_and_a_too_long_window_fails_its_job() {
    // Test part: rows 3..6 (3 rows). window = 2 works, window = 4 is longer than it.
    let (dir, run) = run_with(&[
        ("c.toml", &config(CHRONO, "detector = \"zscore\"\nwindow = [2, 4]")),
        ("data.csv", DATA),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    assert_eq!(
        rows.iter().filter(|r| r["method"] == "zscore[window=2]" && r["status"] == "ok").count(),
        3,
        "{rows:?}"
    );
    let failed: Vec<_> = rows.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["error"].contains("longer than the training part"), "{:?}", failed[0]);
    assert!(
        failed[0]["params"].contains("window=4;stride=auto;window_score=mean"),
        "{:?}",
        failed[0]
    );
}
