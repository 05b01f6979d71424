//! Property tests of the oracle sweeps: on random series (ties, segments at both ends,
//! one-point segments), every best-threshold metric equals the maximum of its `*_at` form
//! over every distinct threshold, and lies in [0, 1].

use oddity_eval::{
    affiliation_f1, affiliation_f1_at, event_f1, event_f1_at, pa_f1, pa_f1_at, pak_f1, pak_f1_at,
    range_f1, range_f1_at, vus, Bias, Cardinality, RangeParams, VusParams, VusThresholds,
};
use proptest::prelude::*;

/// Labels with at least one anomaly and scores on a coarse grid (frequent ties).
fn series() -> impl Strategy<Value = (Vec<u8>, Vec<f64>)> {
    prop::collection::vec((prop::bool::weighted(0.3), 0u8..8), 1..60)
        .prop_map(|v| v.into_iter().map(|(a, s)| (u8::from(a), f64::from(s) / 4.0)).unzip())
        .prop_filter("needs an anomaly", |(l, _): &(Vec<u8>, Vec<f64>)| l.contains(&1))
}

fn brute_force(scores: &[f64], f: impl Fn(&[bool]) -> f64) -> f64 {
    let mut thresholds = scores.to_vec();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    thresholds
        .iter()
        .map(|&t| f(&scores.iter().map(|&s| s >= t).collect::<Vec<_>>()))
        .fold(0.0, f64::max)
}

fn params() -> impl Strategy<Value = RangeParams> {
    (
        prop_oneof![Just(0.0), Just(0.2), Just(1.0)],
        prop_oneof![Just(Cardinality::One), Just(Cardinality::Reciprocal)],
        prop_oneof![Just(Bias::Flat), Just(Bias::Front), Just(Bias::Back), Just(Bias::Middle)],
    )
        .prop_map(|(alpha, cardinality, bias)| RangeParams { alpha, cardinality, bias })
}

proptest! {
    #[test]
    fn sweeps_equal_brute_force((labels, scores) in series(), k in 0.0..100.0f64, p in params()) {
        let checks: [(&str, f64, f64); 5] = [
            ("pa_f1", pa_f1(&labels, &scores).unwrap(),
                brute_force(&scores, |x| pa_f1_at(&labels, x).unwrap())),
            ("pak_f1", pak_f1(&labels, &scores, k).unwrap(),
                brute_force(&scores, |x| pak_f1_at(&labels, x, k).unwrap())),
            ("event_f1", event_f1(&labels, &scores).unwrap(),
                brute_force(&scores, |x| event_f1_at(&labels, x).unwrap())),
            ("range_f1", range_f1(&labels, &scores, &p).unwrap(),
                brute_force(&scores, |x| range_f1_at(&labels, x, &p).unwrap())),
            ("affiliation_f1", affiliation_f1(&labels, &scores).unwrap(),
                brute_force(&scores, |x| affiliation_f1_at(&labels, x).unwrap())),
        ];
        for (name, got, want) in checks {
            prop_assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
            prop_assert!((0.0..=1.0 + 1e-12).contains(&got), "{name}: {got}");
        }
    }

    #[test]
    fn vus_is_in_the_unit_interval((labels, scores) in series(), buffer in 0usize..12) {
        prop_assume!(labels.contains(&0));
        for thresholds in [VusThresholds::Grid(250), VusThresholds::All, VusThresholds::Grid(7)] {
            let (roc, pr) = vus(&labels, &scores, &VusParams { buffer, thresholds }).unwrap();
            prop_assert!((0.0..=1.0 + 1e-12).contains(&roc), "{roc}");
            prop_assert!((0.0..=1.0 + 1e-12).contains(&pr), "{pr}");
        }
    }
}
