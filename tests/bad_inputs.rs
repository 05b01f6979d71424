//! Every bad input gives a non-zero exit and one error line naming the file or field —
//! never a panic. A constant column is not an error: it runs and gives finite scores.

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
    assert!(results(&dir.path().join("out")).iter().all(|r| r[9] == "ok"));
}

#[test]
fn constant_column_works_with_finite_scores() {
    let data = "x0,x1,label\n1.0,7.0,0\n2.0,7.0,0\n3.0,7.0,1\n4.0,7.0,0\n2.5,7.0,1\n9.0,7.0,0\n";
    let cfg = config(CHRONO, ZSCORE) + "\n[preprocess]\nscale = \"standard\"\n";
    let (dir, run) = run_with(&[("c.toml", &cfg), ("data.csv", data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for row in results(&dir.path().join("out")) {
        assert_eq!(row[9], "ok", "{row:?}");
        assert!(row[6].parse::<f64>().unwrap().is_finite());
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
fn unknown_keys_name_line_and_key() {
    let (_d, run) = run_with(&[("c.toml", &config("splt = 3", ZSCORE)), ("data.csv", DATA)]);
    run.assert_one_line_error(&["c.toml", "line 7", "splt"]);
    let (_d, run) = run_with(&[
        ("c.toml", &config(CHRONO, "detector = \"zscore\"\nk = 3")),
        ("data.csv", DATA),
    ]);
    run.assert_one_line_error(&["c.toml", "line 11", "method[0].k", "unknown parameter"]);
    let cfg = config(CHRONO, ZSCORE) + "\n[preprocess]\nscale = \"zz\"\n";
    let (_d, run) = run_with(&[("c.toml", &cfg), ("data.csv", DATA)]);
    run.assert_one_line_error(&["c.toml", "line 13", "zz"]);
}

#[test]
fn bad_parameter_value_names_key() {
    let (_d, run) = run_with(&[
        ("c.toml", &config(CHRONO, "detector = \"robust_zscore\"\nc = -1.0")),
        ("data.csv", DATA),
    ]);
    run.assert_one_line_error(&["line 11", "method[0].c", "positive"]);
    let (_d, run) = run_with(&[
        ("c.toml", &config(CHRONO, "detector = \"zscore\"\nddof = \"one\"")),
        ("data.csv", DATA),
    ]);
    run.assert_one_line_error(&["method[0].ddof", "expected int"]);
}

#[test]
fn zero_negative_and_too_large_fractions() {
    for (split, needle) in [
        ("split = { method = \"chronological\", train = 0.0 }", "between 0 and 1"),
        ("split = { method = \"stratified\", train = -0.5 }", "between 0 and 1"),
        ("split = { method = \"stratified\", train = 1.0 }", "between 0 and 1"),
        ("split = { method = \"chronological\", train = 1.5 }", "between 0 and 1"),
        ("split = { method = \"prefix\", train_rows = -3 }", "train_rows"),
        ("split = { method = \"prefix\", train_rows = 6 }", "train_rows"),
    ] {
        let (_d, run) = run_with(&[("c.toml", &config(split, ZSCORE)), ("data.csv", DATA)]);
        run.assert_one_line_error(&["d", needle]);
    }
    let (_d, run) = run_with(&[
        ("c.toml", &config("split = { method = \"chronological\", train = 0.0 }", ZSCORE)),
        ("data.csv", DATA),
    ]);
    run.assert_one_line_error(&["c.toml", "line 7", "dataset[0].split"]);
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
fn duplicate_dataset_names() {
    let cfg = config(CHRONO, ZSCORE) + "\n[[dataset]]\nname = \"d\"\npath = \"data.csv\"\n";
    let (_d, run) = run_with(&[("c.toml", &cfg), ("data.csv", DATA)]);
    run.assert_one_line_error(&["c.toml", "line 13", "duplicate dataset name `d`", "line 5"]);
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
fn undefined_metric_is_recorded_with_its_reason() {
    // The test part (rows 3..6 of a chronological split) has no anomaly.
    let data = "x0,label\n1.0,1\n2.0,0\n3.0,1\n4.0,0\n5.0,0\n6.0,0\n";
    let (dir, run) = run_with(&[("c.toml", &config(CHRONO, ZSCORE)), ("data.csv", data)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    assert!(
        rows.iter().all(|r| r[9] == "undefined" && r[6].is_empty() && r[10].contains("no anomaly")),
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
    let failed: Vec<_> = rows.iter().filter(|r| r[9] == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert_eq!(failed[0][2], "zscore[ddof=1]");
    assert!(failed[0][10].contains("ddof 1"), "{:?}", failed[0]);
    assert_eq!(rows.iter().filter(|r| r[2] == "zscore[ddof=0]" && r[9] == "ok").count(), 3);
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("## Failed jobs") && report.contains("failed"), "{report}");
}

#[test]
fn zero_negative_and_misplaced_windows() {
    for (method, needles) in [
        ("detector = \"zscore\"\nwindow = 0", vec!["line 11", "method[0].window", "at least 2"]),
        ("detector = \"zscore\"\nwindow = -3", vec!["line 11", "method[0].window", "at least 2"]),
        ("detector = \"zscore\"\nwindow = 3\nstride = 0", vec!["method[0].stride", "at least 1"]),
        ("detector = \"zscore\"\nstride = 2", vec!["method[0].stride", "needs `window`"]),
        (
            "detector = \"zscore\"\nwindow = 3\nwindow_score = \"median\"",
            vec!["method[0].window_score"],
        ),
    ] {
        let (_d, run) = run_with(&[("c.toml", &config(CHRONO, method)), ("data.csv", DATA)]);
        run.assert_one_line_error(&needles);
    }
    let stratified = "split = { method = \"stratified\", train = 0.5 }";
    let (_d, run) = run_with(&[
        ("c.toml", &config(stratified, "detector = \"zscore\"\nwindow = 2")),
        ("data.csv", DATA),
    ]);
    run.assert_one_line_error(&["line 5", "stratified"]);
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
        rows.iter().filter(|r| r[2] == "zscore[window=2]" && r[9] == "ok").count(),
        3,
        "{rows:?}"
    );
    let failed: Vec<_> = rows.iter().filter(|r| r[9] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0][10].contains("longer than the training part"), "{:?}", failed[0]);
    assert!(failed[0][3].contains("window=4;stride=auto;window_score=mean"), "{:?}", failed[0]);
}
