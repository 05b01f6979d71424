//! Point-adjusted F1 (PA) and PA%K.

use super::curve::{tie_groups, validate, validate_pred, Needs};
use super::segments::{segment_ids, segments, NONE};
use crate::MetricError;

/// The best F1 with point adjustment over every threshold (oracle): for a threshold `t`,
/// every label segment with at least one point `score >= t` counts as entirely detected
/// (all its points are true positives), normal points with `score >= t` are false positives,
/// and the maximum of `2TP / (2TP + FP + FN)` over all distinct `t` is returned.
///
/// Point adjustment is the protocol of Xu et al. (WWW 2018) used by many deep
/// time-series papers; it rewards one lucky hit per segment, so random scores reach high
/// values on long segments (Kim et al., AAAI 2022). Report it next to [`best_f1`](crate::best_f1),
/// never alone. It equals [`pak_f1`] with `k = 0`.
///
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly, and the input errors of
/// [`roc_auc`](crate::roc_auc).
///
/// # Example
///
/// ```
/// // Threshold 0.7 hits segment [2..4] at index 3 and [8]: TP 4, FP 1 (index 10).
/// let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
/// let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
/// assert_eq!(oddity_eval::pa_f1(&labels, &scores)?, 8.0 / 9.0);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn pa_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    pak_f1(labels, scores, 0.0)
}

/// The best PA%K F1 over every threshold (oracle; Kim et al., "Towards a Rigorous Evaluation
/// of Time-Series Anomaly Detection", AAAI 2022).
///
/// For a threshold `t`, a label segment is filled (all its points true positives) only when
/// the number of its points with `score >= t` is **greater than** `k / 100 · length`
/// (strict, as the authors' package `tadpak`); otherwise only its detected points count.
/// `k = 0` is point adjustment ([`pa_f1`]), `k = 100` is plain point-wise F1.
/// The maximum over all distinct thresholds is returned (equal to `tadpak.pak` maximized
/// over every distinct score).
///
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::InvalidOption`] when `k` is not in `[0, 100]`, otherwise as [`pa_f1`].
pub fn pak_f1(labels: &[u8], scores: &[f64], k: f64) -> Result<f64, MetricError> {
    let positives = validate(labels, scores, Needs::Positives)? as u64;
    check_k(k)?;
    let segs = segments(labels);
    let ids = segment_ids(labels.len(), &segs);
    let need: Vec<u64> = segs.iter().map(|&(s, e)| fill_count(k, e - s + 1)).collect();
    let mut hit = vec![0u64; segs.len()];
    let (order, ends) = tie_groups(scores);
    let (mut tp, mut fp, mut best, mut start) = (0u64, 0u64, 0.0f64, 0usize);
    for &end in &ends {
        for &i in &order[start..end as usize] {
            let id = ids[i as usize];
            if id == NONE {
                fp += 1;
                continue;
            }
            let id = id as usize;
            hit[id] += 1;
            let len = (segs[id].1 - segs[id].0 + 1) as u64;
            if hit[id] < need[id] {
                tp += 1;
            } else if hit[id] == need[id] {
                // The segment is filled now: its earlier hits were already counted.
                tp += len - (hit[id] - 1);
            }
        }
        best = best.max((2 * tp) as f64 / (tp + fp + positives) as f64);
        start = end as usize;
    }
    Ok(best)
}

/// Point-adjusted F1 of a binary prediction: every label segment with a predicted point
/// becomes entirely predicted (all indices, index 0 included), then point-wise F1.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn pa_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    pak_f1_at(labels, pred, 0.0)
}

/// PA%K F1 of a binary prediction: a segment is filled when more than `k / 100 · length`
/// of its points are predicted.
///
/// # Errors
///
/// As [`pak_f1`], with a prediction instead of scores.
pub fn pak_f1_at(labels: &[u8], pred: &[bool], k: f64) -> Result<f64, MetricError> {
    let positives = validate_pred(labels, pred)? as u64;
    check_k(k)?;
    let (mut tp, mut fp) = (0u64, 0u64);
    for (i, &l) in labels.iter().enumerate() {
        fp += u64::from(pred[i] && l == 0);
    }
    for (s, e) in segments(labels) {
        let len = (e - s + 1) as u64;
        let hits = pred[s..=e].iter().filter(|&&p| p).count() as u64;
        tp += if hits >= fill_count(k, len as usize) { len } else { hits };
    }
    Ok((2 * tp) as f64 / (tp + fp + positives) as f64)
}

fn check_k(k: f64) -> Result<(), MetricError> {
    if (0.0..=100.0).contains(&k) {
        Ok(())
    } else {
        Err(MetricError::InvalidOption { name: "k", reason: format!("{k} is not in [0, 100]") })
    }
}

/// The smallest hit count that fills a segment: the least integer `c > k / 100 · len`.
fn fill_count(k: f64, len: usize) -> u64 {
    (k / 100.0 * len as f64).floor() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [u8; 12] = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
    const SCORES: [f64; 12] = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];

    #[test]
    fn hand_case_01() {
        // Reference README: PA 8/9, PA%50 0.8 (t = 0.4 fills [2..4] with 2 of 3 > 1.5).
        assert_eq!(pa_f1(&LABELS, &SCORES), Ok(8.0 / 9.0));
        assert_eq!(pak_f1(&LABELS, &SCORES, 50.0), Ok(0.8));
    }

    #[test]
    fn k_100_is_point_f1() {
        assert_eq!(pak_f1(&LABELS, &SCORES, 100.0), crate::best_f1(&LABELS, &SCORES));
    }

    #[test]
    fn at_threshold_hand_case() {
        // pred {3, 10}: [2..4] filled, TP 3, FP 1, FN 1 → 0.75.
        let mut pred = [false; 12];
        pred[3] = true;
        pred[10] = true;
        assert_eq!(pa_f1_at(&LABELS, &pred), Ok(0.75));
    }

    #[test]
    fn k_out_of_range_is_an_option_error() {
        for k in [-1.0, 100.5, f64::NAN] {
            let got = pak_f1(&LABELS, &SCORES, k);
            assert!(matches!(got, Err(MetricError::InvalidOption { name: "k", .. })), "{got:?}");
        }
    }
}
