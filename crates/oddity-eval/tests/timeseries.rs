//! The time-series metrics against every column of `shared/reference/metrics/expected.csv`
//! (own exact definitions, tadpak, prts and TSB-AD's own code; see the reference README).
//!
//! Each column is checked on all 12 cases; the largest difference per column is printed
//! (`cargo nextest run --no-capture`) so that it can be reported.

mod common;

use std::collections::BTreeMap;

use common::{parse, reference_path, Csv};
use oddity_eval::tsbad::{
    tsbad_affiliation_f1, tsbad_affiliation_f1_at, tsbad_event_f1, tsbad_event_f1_at, tsbad_pa_f1,
    tsbad_pa_f1_at, tsbad_range_f1, tsbad_range_f1_at, tsbad_standard_f1, tsbad_vus_pred,
};
use oddity_eval::{
    affiliation_f1_at, average_precision, event_f1_at, f1_at, pa_f1, pa_f1_at, pak_f1, predict,
    range_f1_at, range_precision_recall_at, roc_auc, vus, Bias, Cardinality, MetricError,
    RangeParams, VusParams, VusThresholds,
};

/// One case: labels, scores, the stored prediction threshold and the expected values.
struct Case {
    name: String,
    labels: Vec<u8>,
    scores: Vec<f64>,
    pred: Vec<bool>,
    want: BTreeMap<String, f64>,
}

fn cases() -> Vec<Case> {
    let expected = Csv::read(reference_path("metrics/expected.csv"));
    let (case, name, value) =
        (expected.column("case"), expected.column("metric"), expected.column("value"));
    let mut want: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for row in &expected.rows {
        let v = parse(&row[value], &format!("expected.csv {} {}", row[case], row[name]));
        want.entry(row[case].clone()).or_default().insert(row[name].clone(), v);
    }
    assert_eq!(want.len(), 12, "cases in expected.csv");
    want.into_iter()
        .map(|(name, want)| {
            let csv = Csv::read(reference_path(&format!("metrics/{name}.csv")));
            let labels: Vec<u8> = csv.parse_column("label");
            let scores: Vec<f64> = csv.parse_column("score");
            let pred = predict(&scores, want["pred_threshold"]);
            assert_eq!(pred.iter().filter(|&&p| p).count() as f64, want["n_pred"], "{name}");
            Case { name, labels, scores, pred, want }
        })
        .collect()
}

/// Compares `column` on every case with tolerance `tol`; returns the max |difference|.
fn check(
    cases: &[Case],
    column: &str,
    tol: f64,
    f: impl Fn(&Case) -> Result<f64, MetricError>,
) -> f64 {
    let mut worst = 0.0f64;
    let mut failures = Vec::new();
    for case in cases {
        let want = case.want[column];
        match f(case) {
            Ok(got) if (got - want).abs() <= tol || (got.is_nan() && want.is_nan()) => {
                worst = worst.max((got - want).abs());
            }
            Ok(got) => failures.push(format!("{} {column}: got {got:?}, want {want:?}", case.name)),
            Err(e) => failures.push(format!("{} {column}: error {e}", case.name)),
        }
    }
    println!("{column:<28} max |diff| {worst:.3e}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    worst
}

const EXACT: f64 = 1e-12;

#[test]
fn exact_metrics_match_own_tadpak_and_prts_columns() {
    let cases = cases();
    check(&cases, "best_f1_pa", EXACT, |c| pa_f1(&c.labels, &c.scores));
    check(&cases, "best_f1_pak20", EXACT, |c| pak_f1(&c.labels, &c.scores, 20.0));
    check(&cases, "best_f1_pak50", EXACT, |c| pak_f1(&c.labels, &c.scores, 50.0));
    check(&cases, "f1_at_threshold", EXACT, |c| f1_at(&c.labels, &c.pred));
    check(&cases, "pa_f1_at_threshold", EXACT, |c| pa_f1_at(&c.labels, &c.pred));
    check(&cases, "event_f1_at_threshold", EXACT, |c| event_f1_at(&c.labels, &c.pred));
    let prts = RangeParams::default();
    let pr = |c: &Case| range_precision_recall_at(&c.labels, &c.pred, &prts);
    check(&cases, "prts_range_precision", EXACT, |c| pr(c).map(|v| v.0));
    check(&cases, "prts_range_recall", EXACT, |c| pr(c).map(|v| v.1));
    check(&cases, "prts_range_f1", EXACT, |c| range_f1_at(&c.labels, &c.pred, &prts));
    let tsbad = RangeParams { alpha: 0.2, cardinality: Cardinality::Reciprocal, bias: Bias::Flat };
    check(&cases, "prts_range_f1_tsbad_params", EXACT, |c| range_f1_at(&c.labels, &c.pred, &tsbad));
}

#[test]
fn vus_matches_tsbad_at_both_buffer_lengths() {
    let cases = cases();
    for (buffer, suffix) in [(100, ""), (20, "_w20")] {
        let params = VusParams { buffer, thresholds: VusThresholds::Grid(250) };
        let v = |c: &Case| vus(&c.labels, &c.scores, &params);
        check(&cases, &format!("tsbad_VUS-ROC{suffix}"), 1e-9, |c| v(c).map(|v| v.0));
        check(&cases, &format!("tsbad_VUS-PR{suffix}"), 1e-9, |c| v(c).map(|v| v.1));
    }
}

#[test]
fn affiliation_at_threshold_matches_tsbad() {
    let cases = cases();
    // The exact F1 has no +1e-15 in its denominator.
    check(&cases, "tsbad_pred_Affiliation-F", 1e-9, |c| affiliation_f1_at(&c.labels, &c.pred));
}

#[test]
fn tsbad_compat_reproduces_get_metrics() {
    let cases = cases();
    check(&cases, "tsbad_AUC-ROC", EXACT, |c| roc_auc(&c.labels, &c.scores));
    check(&cases, "tsbad_AUC-PR", EXACT, |c| average_precision(&c.labels, &c.scores));
    check(&cases, "tsbad_Standard-F1", EXACT, |c| tsbad_standard_f1(&c.labels, &c.scores));
    check(&cases, "tsbad_PA-F1", EXACT, |c| tsbad_pa_f1(&c.labels, &c.scores));
    check(&cases, "tsbad_Event-based-F1", EXACT, |c| tsbad_event_f1(&c.labels, &c.scores));
    check(&cases, "tsbad_R-based-F1", EXACT, |c| tsbad_range_f1(&c.labels, &c.scores));
    check(&cases, "tsbad_Affiliation-F", EXACT, |c| tsbad_affiliation_f1(&c.labels, &c.scores));
}

#[test]
fn tsbad_compat_reproduces_get_metrics_pred() {
    let cases = cases();
    check(&cases, "tsbad_pred_Standard-F1", EXACT, |c| f1_at(&c.labels, &c.pred));
    check(&cases, "tsbad_pred_PA-F1", EXACT, |c| tsbad_pa_f1_at(&c.labels, &c.pred));
    check(&cases, "tsbad_pred_Event-based-F1", EXACT, |c| tsbad_event_f1_at(&c.labels, &c.pred));
    check(&cases, "tsbad_pred_R-based-F1", EXACT, |c| tsbad_range_f1_at(&c.labels, &c.pred));
    check(&cases, "tsbad_pred_Affiliation-F", EXACT, |c| {
        tsbad_affiliation_f1_at(&c.labels, &c.pred)
    });
    let v = |c: &Case| tsbad_vus_pred(&c.labels, &c.pred, 100);
    check(&cases, "tsbad_pred_VUS-Recall", EXACT, |c| v(c).map(|v| v.0));
    check(&cases, "tsbad_pred_VUS-Precision", EXACT, |c| v(c).map(|v| v.1));
    check(&cases, "tsbad_pred_VUS-F", EXACT, |c| v(c).map(|v| v.2));
}
