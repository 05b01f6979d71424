//! The metrics against the numbers in `shared/reference` (scikit-learn and own exact
//! definitions; see `shared/reference/README.md`).

mod common;

use std::collections::BTreeMap;

use common::{check_reference, parse, reference_path, Csv};
use oddity_eval::{metric, MetricError};

/// The three metrics under test, by the name used in both reference files.
const METRICS: [&str; 3] = ["roc_auc", "average_precision", "best_f1"];

/// Runs the metric `name` from the registry.
fn compute(name: &str, labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    (metric(name).unwrap_or_else(|| panic!("no metric {name}")).compute)(labels, scores)
}

#[test]
fn matches_expected_on_metric_cases() {
    // Part B: rational values, only rounding differs (README tolerance table).
    const TOL: f64 = 1e-12;
    let expected = Csv::read(reference_path("metrics/expected.csv"));
    let (case, name, value) =
        (expected.column("case"), expected.column("metric"), expected.column("value"));
    let mut want: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for row in &expected.rows {
        if METRICS.contains(&row[name].as_str()) {
            let v = parse(&row[value], &format!("expected.csv {} {}", row[case], row[name]));
            want.entry(row[case].as_str()).or_default().insert(row[name].as_str(), v);
        }
    }
    assert_eq!(want.len(), 12, "cases in expected.csv");

    let mut failures = Vec::new();
    for (case, values) in &want {
        let csv = Csv::read(reference_path(&format!("metrics/{case}.csv")));
        let labels: Vec<u8> = csv.parse_column("label");
        let scores: Vec<f64> = csv.parse_column("score");
        assert!(!labels.is_empty(), "{case} has rows");
        assert_eq!(values.len(), METRICS.len(), "{case}: a row per metric");
        for (name, &want) in values {
            let got = compute(name, &labels, &scores);
            failures.extend(check_reference(&format!("{case} {name}"), got, want, TOL));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn matches_summary_on_tabular_scores() {
    // Part A: summary.csv was computed with scikit-learn on the same score columns.
    const TOL: f64 = 1e-9;
    let summary = Csv::read(reference_path("tabular/summary.csv"));
    let (dataset, detector) = (summary.column("dataset"), summary.column("detector"));
    let mut tables: BTreeMap<String, Csv> = BTreeMap::new();
    let (mut checked, mut undefined, mut failures) = (0, Vec::new(), Vec::new());
    for row in &summary.rows {
        let (dataset, detector) = (&row[dataset], &row[detector]);
        let table = tables
            .entry(dataset.clone())
            .or_insert_with(|| Csv::read(reference_path(&format!("tabular/{dataset}_scores.csv"))));
        let labels: Vec<u8> = table.parse_column("label");
        let scores: Vec<f64> = table.parse_column(detector);
        for name in METRICS {
            let what = format!("{dataset} {detector} {name}");
            let want: f64 = parse(&row[summary.column(name)], &what);
            let got = compute(name, &labels, &scores);
            if want.is_nan() {
                // sklearn gives nan for infinite scores; here they are an input error.
                let first = scores.iter().position(|s| !s.is_finite());
                assert!(first.is_some(), "{what}: nan in summary but all scores finite");
                assert!(
                    matches!(got, Err(MetricError::NonFinite { index }) if Some(index) == first),
                    "{what}: got {got:?}, want NonFinite at {first:?}"
                );
                undefined.push(what);
            } else {
                failures.extend(check_reference(&what, got, want, TOL));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 17 * 3, "summary rows times metrics");
    assert_eq!(
        undefined,
        ["cardio pca roc_auc", "cardio pca average_precision", "cardio pca best_f1"]
    );
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
