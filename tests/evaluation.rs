//! End to end: `[evaluate]` in a real run — metric options, `buffer = "period"`, threshold
//! rules fitted on training scores (incl. POT and SPOT), the automatic random baseline, the
//! ranking section of the report, labels from NAB windows — and the period estimate against
//! TSB-AD's own `find_length_rank` on the shared series.

mod common;

use common::{oddity, repo, results, shared_dir, Row};
use oddity_ingest::{read_table, ReadOptions};

/// TSB-AD's `find_length_rank(x, rank=1)` on each file's first feature column
/// (`tests/fixtures/periods.csv`, computed with TSB-AD's `slidingWindows.py`, statsmodels
/// 0.15.0, SciPy 1.17.1, NumPy 2.4.6).
#[test]
fn period_matches_tsbad_on_the_shared_series() {
    let fixture = std::fs::read_to_string(repo().join("tests/fixtures/periods.csv")).unwrap();
    let mut checked = 0;
    for line in fixture.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let path = shared_dir().join("datasets").join(f[0]);
        let opts = ReadOptions {
            label: None,
            features: Some(vec![f[1].into()]),
            ..ReadOptions::default()
        };
        let table = read_table(&path, "series", &opts).unwrap();
        let series = table.dataset.features.column(0).to_vec();
        let want: usize = f[2].parse().unwrap();
        assert_eq!(oddity_eval::estimate_period(&series), want, "{}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 15);
}

fn config(evaluate: &str) -> String {
    let data = shared_dir().join("datasets");
    format!(
        r#"[experiment]
name = "evaluation"
seeds = [0, 1]
data_dir = "{}"

[preprocess]
scale = "standard"

[[dataset]]
name = "speed_7578"
path = "nab/data/realTraffic/speed_7578.csv"
timestamp = "timestamp"
label_windows = "nab/labels/combined_windows.json"
split = {{ method = "chronological", train = 0.4 }}

[[dataset]]
name = "ucr_135"
path = "ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199.csv"
split = {{ method = "prefix", train_rows = 1200 }}

[[dataset]]
name = "asd_omi_1"
train = "asd/train/omi-1.txt"
test = "asd/test/omi-1.txt"
test_labels = "asd/test_label/omi-1.txt"

[[method]]
detector = "zscore"

[[method]]
detector = "knn"
k = 5

[[method]]
detector = "iforest"
window = 8

{evaluate}
"#,
        data.display()
    )
}

fn rows_where(rows: &[Row], f: impl Fn(&Row) -> bool) -> Vec<&Row> {
    rows.iter().filter(|r| f(r)).collect()
}

#[test]
fn thresholds_baseline_period_and_ranking_in_a_real_run() {
    let dir = tempfile::tempdir().unwrap();
    let evaluate = r#"[evaluate]
metrics = ["roc_auc", "pa_f1", "vus_roc", { metric = "vus_pr", buffer = "period" }, { metric = "pak_f1", k = 50 }]
threshold = [
  { method = "contamination", rate = 0.05 },
  { method = "pot", q = 1e-3, level = 0.98 },
  { method = "spot", q = 1e-3, name = "spot" },
  { method = "pot", q = 0.5, name = "too_risky" },
]
"#;
    std::fs::write(dir.path().join("e.toml"), config(evaluate)).unwrap();
    let run = oddity(dir.path(), &["run", "e.toml", "--out", "out", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));

    // 3 datasets × (3 methods + the random baseline) × 2 seeds, all ok.
    let jobs = rows_where(&rows, |r| r["metric"] == "roc_auc");
    assert_eq!(jobs.len(), 24);
    assert!(jobs.iter().all(|r| r["status"] == "ok"), "{jobs:?}");
    let random = rows_where(&rows, |r| r["method"] == "random" && r["metric"] == "roc_auc");
    assert_eq!(random.len(), 6);
    let mean: f64 = random.iter().map(|r| r["value"].parse::<f64>().unwrap()).sum::<f64>() / 6.0;
    assert!((mean - 0.5).abs() < 0.1, "random baseline ROC-AUC {mean}");

    // Oracle flags; options and the period written into the results.
    for r in rows_where(&rows, |r| r["threshold"].is_empty() && r["status"] == "ok") {
        let oracle = matches!(r["metric"].as_str(), "pa_f1" | "pak_f1");
        assert_eq!(r["oracle"], oracle.to_string(), "{r:?}");
    }
    let speed = rows_where(&rows, |r| r["dataset"] == "speed_7578" && r["metric"] == "vus_pr");
    assert!(
        speed.iter().all(|r| r["metric_options"].starts_with("buffer=period;period=")),
        "{speed:?}"
    );
    let vus = rows_where(&rows, |r| r["metric"] == "vus_pr");
    assert!(
        vus.iter().all(|r| r["metric_options"].starts_with("buffer=period;period=")),
        "{vus:?}"
    );
    let roc = rows_where(&rows, |r| r["metric"] == "vus_roc");
    assert!(roc.len() == 24 && roc.iter().all(|r| r["metric_options"] == "buffer=100"), "{roc:?}");
    let pak = rows_where(&rows, |r| r["metric"] == "pak_f1" && r["threshold"].is_empty());
    assert!(pak.iter().all(|r| r["metric_options"] == "k=50"));

    // Every rule: a threshold value and P / R / F1 at it, consistent with each other.
    for rule in ["contamination(rate=0.05)", "pot(q=0.001,level=0.98)", "spot"] {
        for job in &jobs {
            let at = |metric: &str| -> f64 {
                let hit = rows_where(&rows, |r| {
                    r["dataset"] == job["dataset"]
                        && r["method"] == job["method"]
                        && r["seed"] == job["seed"]
                        && r["threshold"] == rule
                        && r["metric"] == metric
                });
                assert_eq!(hit.len(), 1, "{rule} {metric} {job:?}");
                assert_eq!(hit[0]["status"], "ok", "{:?}", hit[0]);
                assert_eq!(hit[0]["oracle"], "false");
                hit[0]["value"].parse().unwrap()
            };
            let (t, p, r, f1) = (at("threshold"), at("precision"), at("recall"), at("f1"));
            assert!(t.is_finite());
            let want = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
            assert!((f1 - want).abs() < 1e-12, "{rule}: f1 {f1} vs {want}");
            let (er, ef1) = (at("event_recall"), at("event_f1"));
            let want = if p + er == 0.0 { 0.0 } else { 2.0 * p * er / (p + er) };
            assert!((ef1 - want).abs() < 1e-12, "{rule}: event f1 {ef1} vs {want}");
            assert!(at("pa_f1") >= f1 - 1e-12);
            at("pak_f1");
        }
    }
    // A rule that cannot be fitted is a failed metric with its reason; the job is kept.
    let risky = rows_where(&rows, |r| r["threshold"] == "too_risky");
    assert_eq!(risky.len(), 24, "{risky:?}");
    assert!(risky.iter().all(|r| r["status"] == "failed" && r["error"].contains("excess rate")));

    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    for needle in [
        "Oracle metrics in this report: pa_f1, pak_f1 [k=50].",
        "## f1 @ pot(q=0.001,level=0.98)",
        "## Ranking across datasets",
        "### roc_auc",
        "3 datasets × 4 methods. Friedman χ² = ",
        "Nemenyi critical difference: ",
        "| random | ",
    ] {
        assert!(report.contains(needle), "report lacks `{needle}`:\n{report}");
    }
}

#[test]
fn random_baseline_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let evaluate = "[evaluate]\nmetrics = [\"roc_auc\"]\nrandom_baseline = false\n";
    std::fs::write(dir.path().join("e.toml"), config(evaluate)).unwrap();
    let run = oddity(dir.path(), &["run", "e.toml", "--out", "out", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r["method"] != "random"));
}
