//! The quickstart runs on the bundled data and writes its journal, results and report;
//! `oddity report` rebuilds the same files from the journal.

mod common;

use common::{oddity, repo, results};

#[test]
fn quickstart_runs_and_writes_results_and_report() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("qs");
    let run = oddity(
        &repo(),
        &["run", "configs/quickstart.toml", "--out", out_dir.to_str().unwrap(), "--jobs", "2"],
    );
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("report: "), "{}", run.stdout);

    // 4 datasets × (5 methods + the random baseline) × 3 seeds × 3 metrics.
    let rows = results(&out_dir);
    assert_eq!(rows.len(), 4 * 6 * 3 * 3);
    for row in &rows {
        assert_eq!(row["status"], "ok", "{row:?}");
        let v: f64 = row["value"].parse().unwrap();
        assert!((0.0..=1.0).contains(&v), "{row:?}");
    }
    let methods: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["method"].as_str()).collect();
    assert_eq!(
        methods.into_iter().collect::<Vec<_>>(),
        vec!["gmm2", "iforest", "knn", "random", "robust_zscore", "zscore"]
    );

    let report = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    for needle in [
        "# Report: quickstart",
        "## roc_auc",
        "## best_f1 †",
        "| cardio |",
        "| nab_speed_7578 |",
        "*average rank*",
        "## Ranking across datasets",
        "4 datasets × 6 methods. Friedman χ² = ",
    ] {
        assert!(report.contains(needle), "report lacks `{needle}`:\n{report}");
    }
    assert_eq!(std::fs::read_to_string(out_dir.join("journal.jsonl")).unwrap().lines().count(), 72);

    // The report is derived from the journal alone.
    let csv = std::fs::read_to_string(out_dir.join("results.csv")).unwrap();
    std::fs::remove_file(out_dir.join("results.csv")).unwrap();
    std::fs::remove_file(out_dir.join("report.md")).unwrap();
    let rebuilt = oddity(&repo(), &["report", out_dir.to_str().unwrap()]);
    assert_eq!(rebuilt.code, 0, "{}", rebuilt.stderr);
    assert_eq!(std::fs::read_to_string(out_dir.join("results.csv")).unwrap(), csv);
    assert_eq!(std::fs::read_to_string(out_dir.join("report.md")).unwrap(), report);
}

#[test]
fn same_config_gives_same_values_with_one_or_two_jobs() {
    let out = tempfile::tempdir().unwrap();
    let values = |jobs: &str| {
        let dir = out.path().join(jobs);
        let run = oddity(
            &repo(),
            &[
                "run",
                "configs/quickstart.toml",
                "--out",
                dir.to_str().unwrap(),
                "--jobs",
                jobs,
                "--quiet",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        results(&dir)
            .into_iter()
            .map(|r| {
                (
                    r["dataset"].clone(),
                    r["method"].clone(),
                    r["seed"].clone(),
                    r["metric"].clone(),
                    r["value"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(values("1"), values("2"));
}

#[test]
fn validate_and_list() {
    let run = oddity(&repo(), &["validate", "configs/quickstart.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("72 jobs"), "{}", run.stdout);

    let list = oddity(&repo(), &["list"]);
    assert_eq!(list.code, 0);
    for needle in
        ["zscore", "robust_zscore", "ddof", "1.4826", "roc_auc", "average_precision", "best_f1"]
    {
        assert!(list.stdout.contains(needle), "list lacks `{needle}`:\n{}", list.stdout);
    }
    assert!(
        list.stdout.lines().any(|l| l.contains("best_f1") && l.contains('†')),
        "{}",
        list.stdout
    );
}
