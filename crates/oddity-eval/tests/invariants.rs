//! Property tests: ranges, rank invariance, label flipping, tie-order independence, and
//! agreement with brute-force definitions that rescan the data per threshold.

use oddity_eval::{average_precision, best_f1, roc_auc};
use proptest::prelude::*;

/// Scores on a coarse grid, so that ties are frequent and transforms stay exact.
fn grid_score() -> impl Strategy<Value = f64> {
    (-40i32..40).prop_map(|k| f64::from(k) / 4.0)
}

/// Any finite score, or a grid score (ties).
fn any_score() -> impl Strategy<Value = f64> {
    prop_oneof![grid_score(), -1e300..1e300f64, -1.0..1.0f64, Just(0.0), Just(-0.0)]
}

/// Labels and scores of the same length, with at least one anomaly.
fn data(score: impl Strategy<Value = f64>) -> impl Strategy<Value = (Vec<u8>, Vec<f64>)> {
    prop::collection::vec((0u8..=1, score), 1..120)
        .prop_map(|pairs| pairs.into_iter().unzip())
        .prop_filter("needs an anomaly", |(labels, _): &(Vec<u8>, Vec<f64>)| labels.contains(&1))
}

/// Labels and scores with both classes present.
fn both_classes(score: impl Strategy<Value = f64>) -> impl Strategy<Value = (Vec<u8>, Vec<f64>)> {
    data(score).prop_filter("needs a normal point", |(labels, _)| labels.contains(&0))
}

/// Distinct thresholds, highest first, with (TP, FP) of `score >= t` counted by rescanning.
fn brute_force_points(labels: &[u8], scores: &[f64]) -> Vec<(f64, f64)> {
    let mut thresholds = scores.to_vec();
    thresholds.sort_by(|a, b| b.total_cmp(a));
    thresholds.dedup_by(|a, b| a == b);
    thresholds
        .iter()
        .map(|&t| {
            let hit = |class| {
                labels.iter().zip(scores).filter(|&(&l, &s)| l == class && s >= t).count() as f64
            };
            (hit(1), hit(0))
        })
        .collect()
}

proptest! {
    #[test]
    fn roc_auc_is_in_unit_interval((labels, scores) in both_classes(any_score())) {
        let auc = roc_auc(&labels, &scores).unwrap();
        prop_assert!((0.0..=1.0).contains(&auc), "{auc}");
    }

    #[test]
    fn average_precision_and_best_f1_are_in_half_open_unit_interval(
        (labels, scores) in data(any_score())
    ) {
        let ap = average_precision(&labels, &scores).unwrap();
        prop_assert!(ap > 0.0 && ap <= 1.0, "{ap}");
        let f1 = best_f1(&labels, &scores).unwrap();
        prop_assert!(f1 > 0.0 && f1 <= 1.0, "{f1}");
    }

    #[test]
    fn strictly_increasing_transforms_change_nothing(
        (labels, scores) in both_classes(grid_score()),
        transform in 0..3usize,
    ) {
        // Exact on the grid: scores are k/4 with |k| < 40.
        let f = [|x: f64| 3.0 * x - 7.0, |x: f64| (x / 2.0).exp(), |x: f64| x * x * x + x][transform];
        let moved: Vec<f64> = scores.iter().map(|&x| f(x)).collect();
        prop_assert_eq!(roc_auc(&labels, &scores), roc_auc(&labels, &moved));
        prop_assert_eq!(average_precision(&labels, &scores), average_precision(&labels, &moved));
        prop_assert_eq!(best_f1(&labels, &scores), best_f1(&labels, &moved));
    }

    #[test]
    fn flipping_labels_gives_one_minus_auc((labels, scores) in both_classes(any_score())) {
        let flipped: Vec<u8> = labels.iter().map(|&l| 1 - l).collect();
        let (auc, flipped_auc) = (roc_auc(&labels, &scores).unwrap(), roc_auc(&flipped, &scores).unwrap());
        prop_assert!((auc + flipped_auc - 1.0).abs() < 1e-12, "{auc} + {flipped_auc}");
    }

    #[test]
    fn order_of_rows_changes_nothing((labels, scores) in both_classes(any_score())) {
        // Reversing swaps the order inside every group of tied scores.
        let rev_labels: Vec<u8> = labels.iter().rev().copied().collect();
        let rev_scores: Vec<f64> = scores.iter().rev().copied().collect();
        prop_assert_eq!(roc_auc(&labels, &scores), roc_auc(&rev_labels, &rev_scores));
        prop_assert_eq!(
            average_precision(&labels, &scores),
            average_precision(&rev_labels, &rev_scores)
        );
        prop_assert_eq!(best_f1(&labels, &scores), best_f1(&rev_labels, &rev_scores));
    }

    #[test]
    fn roc_auc_is_the_pairwise_win_rate((labels, scores) in both_classes(any_score())) {
        // P(anomaly scores higher) + P(tie) / 2, over all (anomaly, normal) pairs.
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (_, &sa) in labels.iter().zip(&scores).filter(|&(&l, _)| l == 1) {
            for (_, &sn) in labels.iter().zip(&scores).filter(|&(&l, _)| l == 0) {
                wins += if sa > sn { 1.0 } else if sa == sn { 0.5 } else { 0.0 };
                pairs += 1.0;
            }
        }
        let auc = roc_auc(&labels, &scores).unwrap();
        prop_assert!((auc - wins / pairs).abs() < 1e-12, "{auc} vs {}", wins / pairs);
    }

    #[test]
    fn average_precision_and_best_f1_match_brute_force((labels, scores) in data(any_score())) {
        let positives = labels.iter().filter(|&&l| l == 1).count() as f64;
        let points = brute_force_points(&labels, &scores);
        let (mut ap, mut prev_recall) = (0.0, 0.0);
        for &(tp, fp) in &points {
            ap += (tp / positives - prev_recall) * tp / (tp + fp);
            prev_recall = tp / positives;
        }
        let f1 = points.iter().map(|&(tp, fp)| 2.0 * tp / (2.0 * tp + fp + positives - tp));
        let f1 = f1.fold(0.0, f64::max);
        let got_ap = average_precision(&labels, &scores).unwrap();
        prop_assert!((got_ap - ap).abs() < 1e-12, "{got_ap} vs {ap}");
        let got_f1 = best_f1(&labels, &scores).unwrap();
        prop_assert!((got_f1 - f1).abs() < 1e-12, "{got_f1} vs {f1}");
    }
}
