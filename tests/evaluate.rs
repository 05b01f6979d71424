//! `oddity evaluate` end to end on the reference time-series cases
//! (`shared/reference/metrics/`, values from its README and `expected.csv`).

mod common;

use common::{folder, oddity, shared_dir};

fn case(name: &str) -> String {
    shared_dir().join(format!("reference/metrics/{name}.csv")).display().to_string()
}

/// The `"value"` of `metric` in the JSON output (`None` when it is null or absent).
fn value(json: &str, metric: &str) -> Option<f64> {
    let out: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let metrics = out["metrics"].as_array().expect("a metrics array");
    metrics.iter().find(|m| m["metric"] == metric)?["value"].as_f64()
}

#[test]
fn json_has_every_metric_of_the_hand_case() {
    let dir = folder(&[]);
    let run = oddity(dir.path(), &["evaluate", &case("case01"), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.stdout.trim();
    assert!(json.starts_with('{') && json.ends_with('}'), "{json}");
    // Reference README, case01.
    assert_eq!(value(json, "roc_auc"), Some(0.75));
    assert_eq!(value(json, "best_f1"), Some(2.0 / 3.0));
    assert_eq!(value(json, "pa_f1"), Some(8.0 / 9.0));
    assert_eq!(value(json, "pak_f1"), Some(8.0 / 9.0));
    assert!((value(json, "vus_pr").unwrap() - 0.9844663701547444).abs() < 1e-9);
    assert!(json.contains("\"metric\":\"best_f1\",\"oracle\":true"), "{json}");
    assert!(json.contains("\"metric\":\"roc_auc\",\"oracle\":false"), "{json}");
}

#[test]
fn threshold_rule_adds_the_metrics_at_that_threshold() {
    let dir = folder(&[]);
    // fixed:0.79 is the README's prediction threshold for case01: pred = {3, 10}.
    let args = ["evaluate", &case("case01"), "--threshold", "fixed:0.79", "--json"];
    let run = oddity(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.stdout.trim();
    assert_eq!(value(json, "f1@threshold"), Some(1.0 / 3.0));
    assert_eq!(value(json, "pa_f1@threshold"), Some(0.75));
    assert_eq!(value(json, "event_f1@threshold"), Some(0.5));
    assert_eq!(value(json, "precision@threshold"), Some(0.5));
    assert!(json.contains("\"threshold\":0.79"), "{json}");
    assert!(json.contains("\"metric\":\"pa_f1@threshold\",\"oracle\":false"), "{json}");
}

#[test]
fn streaming_spot_rule_reports_its_last_threshold_and_event_recall() {
    let dir = folder(&[]);
    // case06: uniform scores, n = 10 000; SPOT calibrated on the same scores (no --train-scores).
    let args = ["evaluate", &case("case06"), "--threshold", "spot:0.001:0.98", "--json"];
    let run = oddity(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.stdout.trim();
    let recall = value(json, "event_recall@threshold").unwrap();
    assert!((0.0..=1.0).contains(&recall), "{json}");
    assert!(value(json, "f1@threshold").is_some(), "{json}");
    // Uniform scores are bounded: the fitted tail lies just below 1.
    let out: serde_json::Value = serde_json::from_str(json).unwrap();
    let t = out["threshold"].as_f64().unwrap();
    assert!(t > 0.95 && t < 1.05, "{t}");
    let bad = oddity(dir.path(), &["evaluate", &case("case06"), "--threshold", "spot"]);
    bad.assert_one_line_error(&["threshold spot", "needs `q`"]);
}

#[test]
fn tsbad_compat_reproduces_its_numbers_on_a_real_case() {
    let dir = folder(&[]);
    let args = ["evaluate", &case("case05"), "--compat", "tsbad", "--metrics", "pa_f1", "--json"];
    let run = oddity(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // expected.csv: case05 tsbad_PA-F1 (index 0 never back-filled) against the exact 1.0.
    let got = value(run.stdout.trim(), "pa_f1").unwrap();
    assert!((got - 0.9887640449438202).abs() < 1e-12, "{got}");
}

#[test]
fn table_output_and_bad_arguments() {
    let dir = folder(&[("s.csv", "s,y\n0.1,0\n0.9,1\n0.2,0\n")]);
    let run = oddity(dir.path(), &["evaluate", "s.csv", "--score-col", "s", "--label-col", "y"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("roc_auc"), "{}", run.stdout);
    assert!(run.stdout.lines().any(|l| l.contains("best_f1") && l.contains('†')), "{}", run.stdout);
    let run = oddity(
        dir.path(),
        &["evaluate", "s.csv", "--score-col", "s", "--label-col", "y", "--metrics", "accuracy"],
    );
    run.assert_one_line_error(&["unknown metric", "accuracy"]);
    let run = oddity(
        dir.path(),
        &["evaluate", "s.csv", "--score-col", "s", "--label-col", "y", "--threshold", "magic:1"],
    );
    run.assert_one_line_error(&["magic"]);
    let run = oddity(dir.path(), &["evaluate", "s.csv"]);
    run.assert_one_line_error(&["s.csv"]);
}
