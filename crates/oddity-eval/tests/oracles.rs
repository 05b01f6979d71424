//! The oracle (best-threshold) sweeps against brute force: the metric at every distinct
//! threshold computed from scratch with the `*_at` functions, maximized. Also the registry
//! options and the exact VUS option.

mod common;

use common::{reference_path, Csv};
use oddity_eval::{
    affiliation_f1, affiliation_f1_at, event_f1, event_f1_at, metric, pak_f1, pak_f1_at, range_f1,
    range_f1_at, vus, Bias, Cardinality, Compat, MetricError, MetricOptions, RangeParams,
    VusParams, VusThresholds,
};

/// The reference cases small enough for an `O(n²)` brute force in a debug build.
fn small_cases() -> Vec<(String, Vec<u8>, Vec<f64>)> {
    ["case01", "case02", "case03", "case04", "case05", "case08", "case09"]
        .iter()
        .map(|name| {
            let csv = Csv::read(reference_path(&format!("metrics/{name}.csv")));
            (name.to_string(), csv.parse_column("label"), csv.parse_column("score"))
        })
        .collect()
}

/// The maximum over every distinct score `t` of `f(score >= t)`.
fn brute_force(scores: &[f64], f: impl Fn(&[bool]) -> f64) -> f64 {
    let mut thresholds = scores.to_vec();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    thresholds
        .iter()
        .map(|&t| f(&scores.iter().map(|&s| s >= t).collect::<Vec<_>>()))
        .fold(0.0, f64::max)
}

fn assert_close(what: &str, got: Result<f64, MetricError>, want: f64, tol: f64) {
    let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

#[test]
fn event_and_pak_sweeps_equal_brute_force() {
    for (name, labels, scores) in small_cases() {
        let want = brute_force(&scores, |p| event_f1_at(&labels, p).unwrap());
        assert_close(&format!("{name} event_f1"), event_f1(&labels, &scores), want, 1e-15);
        for k in [0.0, 20.0, 50.0, 90.0] {
            let want = brute_force(&scores, |p| pak_f1_at(&labels, p, k).unwrap());
            assert_close(&format!("{name} pak_f1 {k}"), pak_f1(&labels, &scores, k), want, 1e-15);
        }
    }
}

#[test]
fn range_sweep_equals_brute_force_for_every_setting() {
    for (name, labels, scores) in small_cases() {
        for alpha in [0.0, 0.2, 1.0] {
            for cardinality in [Cardinality::One, Cardinality::Reciprocal] {
                for bias in [Bias::Flat, Bias::Front, Bias::Back, Bias::Middle] {
                    let params = RangeParams { alpha, cardinality, bias };
                    let want = brute_force(&scores, |p| range_f1_at(&labels, p, &params).unwrap());
                    let what = format!("{name} range_f1 {params:?}");
                    assert_close(&what, range_f1(&labels, &scores, &params), want, 1e-12);
                }
            }
        }
    }
}

#[test]
fn affiliation_sweep_equals_brute_force() {
    for (name, labels, scores) in small_cases() {
        let want = brute_force(&scores, |p| affiliation_f1_at(&labels, p).unwrap());
        assert_close(
            &format!("{name} affiliation_f1"),
            affiliation_f1(&labels, &scores),
            want,
            1e-12,
        );
    }
}

#[test]
fn exact_vus_equals_the_grid_when_the_grid_holds_every_rank() {
    // With n <= 250 the 250-point grid visits every rank, so only repeated points differ,
    // and they add no area.
    for (name, labels, scores) in small_cases().into_iter().filter(|c| c.1.len() <= 250) {
        for buffer in [0, 3, 20] {
            let grid =
                vus(&labels, &scores, &VusParams { buffer, thresholds: VusThresholds::Grid(250) });
            let all = vus(&labels, &scores, &VusParams { buffer, thresholds: VusThresholds::All });
            let (grid, all) = (grid.unwrap(), all.unwrap());
            assert!((grid.0 - all.0).abs() < 1e-12, "{name} {buffer}: {grid:?} {all:?}");
            assert!((grid.1 - all.1).abs() < 1e-12, "{name} {buffer}: {grid:?} {all:?}");
        }
    }
}

#[test]
fn registry_options_select_threshold_and_compat() {
    let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
    let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
    let run = |name: &str, options: MetricOptions| {
        (metric(name).unwrap().compute_with)(&labels, &scores, &options).unwrap()
    };
    let at = MetricOptions { threshold: Some(0.79), ..MetricOptions::default() };
    let tsbad = MetricOptions { compat: Compat::Tsbad, ..MetricOptions::default() };
    // Values from the reference README (case01).
    assert_eq!(run("best_f1", at), 1.0 / 3.0);
    assert_eq!(run("pa_f1", at), 0.75);
    assert_eq!(run("event_f1", at), 0.5);
    assert_eq!(run("event_f1", MetricOptions { compat: Compat::Tsbad, ..at }), 0.49999999999999944);
    assert_eq!(run("precision", at), 0.5);
    assert_eq!(run("recall", at), 0.25);
    assert_eq!(run("best_f1", tsbad), 0.6666617284316411);
    assert_eq!(run("pak_f1", MetricOptions { k: Some(50.0), ..MetricOptions::default() }), 0.8);
    assert_eq!(run("range_f1", at), 0.25);
    let tsbad_range =
        RangeParams { alpha: 0.2, cardinality: Cardinality::Reciprocal, bias: Bias::Flat };
    assert!(
        (run("range_f1", MetricOptions { range: tsbad_range, ..at }) - 0.3181818181818182).abs()
            < 1e-16
    );
    let vus20 = MetricOptions { buffer: Some(20), ..MetricOptions::default() };
    assert!((run("vus_pr", vus20) - 0.9252906374109138).abs() < 1e-12);
    assert!((run("vus_roc", vus20) - 0.9560371438953554).abs() < 1e-12);
}
