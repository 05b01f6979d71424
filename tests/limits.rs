//! Isolation and limits: each job runs in a worker process; a job past its `time_limit` is
//! stopped and recorded `timeout`, one past its `memory_limit` is recorded `oom`, with the
//! reason, and the run goes on. Every job records its peak memory.

mod common;

use std::path::Path;

use common::{folder, oddity, repo, split_csv_line};

fn config(limits: &str) -> String {
    format!(
        r#"
[experiment]
name = "limits"
data_dir = "{}"

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"

[[method]]
detector = "zscore"

[[method]]
name = "limited"
detector = "robust_zscore"
{limits}
"#,
        repo().join("datasets").display()
    )
}

/// (method, status, error, peak memory) of each job.
fn jobs(out: &Path) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut rows: Vec<(String, String, String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f = split_csv_line(l);
            (f[2].clone(), f[9].clone(), f[10].clone(), f[11].clone())
        })
        .collect();
    rows.dedup_by(|a, b| a.0 == b.0);
    rows
}

#[test]
fn a_job_past_its_time_limit_is_stopped_and_the_run_goes_on() {
    // No worker can start, read cardio and fit within a microsecond.
    let dir = folder(&[("c.toml", &config("time_limit = \"0.001ms\""))]);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("TIMEOUT cardio limited"), "{}", run.stdout);
    let jobs = jobs(&dir.path().join("out"));
    assert_eq!(jobs[0].0, "zscore");
    assert_eq!(jobs[0].1, "ok");
    assert_eq!(jobs[1].0, "limited");
    assert_eq!(jobs[1].1, "timeout");
    assert!(jobs[1].2.contains("time limit of 0.000001 s exceeded"), "{:?}", jobs[1]);
}

#[test]
fn a_job_past_its_memory_limit_is_recorded_oom() {
    // Windows of 200 rows × 21 features: a 4200 × 4200 covariance (141 MB) cannot fit in
    // 100 MiB, while a worker starts in well under 64 MiB.
    let limited = config("memory_limit = \"100MiB\"")
        .replace("detector = \"robust_zscore\"", "detector = \"mahalanobis\"\nwindow = 200")
        .replace(
            "path = \"odds/cardio.csv\"",
            "path = \"odds/cardio.csv\"\nsplit = { method = \"chronological\", train = 0.6 }",
        );
    let dir = folder(&[("c.toml", &limited)]);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let jobs = jobs(&dir.path().join("out"));
    assert_eq!(jobs[0].1, "ok", "{jobs:?}");
    assert_eq!(jobs[1].1, "oom", "{jobs:?}");
    assert!(
        jobs[1].2.contains("memory limit of 100 MiB exceeded: memory allocation of"),
        "{:?}",
        jobs[1]
    );
}

#[test]
fn every_job_records_its_peak_memory() {
    let dir = folder(&[("c.toml", &config("memory_limit = \"4GiB\"\ntime_limit = 600"))]);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (method, status, _, peak) in jobs(&dir.path().join("out")) {
        assert_eq!(status, "ok", "{method}");
        let bytes: u64 = peak.parse().unwrap_or_else(|_| panic!("{method}: peak `{peak}`"));
        // At least the 770 kB file that the worker read, at most the limit.
        assert!(bytes > 770_000 && bytes < 4 << 30, "{method}: {bytes}");
    }
}

#[test]
fn limits_are_checked_in_the_config() {
    let dir = folder(&[("c.toml", &config("time_limit = \"soon\""))]);
    let run = oddity(dir.path(), &["validate", "c.toml"]);
    run.assert_one_line_error(&["method[1].time_limit", "soon"]);
    let dir = folder(&[("c.toml", &config("memory_limit = 0"))]);
    let run = oddity(dir.path(), &["validate", "c.toml"]);
    run.assert_one_line_error(&["method[1].memory_limit"]);
}
