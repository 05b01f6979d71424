//! Best point-wise F1 over all thresholds.

use super::curve::{Curve, Needs};
use crate::MetricError;

/// The best F1 over every threshold: the maximum over each distinct score `t` of the F1 of
/// predicting `score >= t`, with `F1 = 2TP / (2TP + FP + FN)`.
///
/// `labels` holds `0` (normal) or `1` (anomaly); `scores` are higher for more anomalous
/// points.
/// It equals the maximum of `2PR / (P + R)` over scikit-learn's
/// `sklearn.metrics.precision_recall_curve(labels, scores)`.
///
/// This is an **oracle** metric: it picks the threshold with the test labels, so it is an
/// upper bound on what a deployed threshold achieves (the registry marks it `oracle`).
///
/// # Ties
///
/// Tied scores are one threshold: a tied group is predicted anomalous as a whole or not at
/// all, so the result never depends on the order of tied scores.
///
/// # Exactness
///
/// Each candidate is one division of integer counts, `2TP / (TP + FP + P)`, so the result is
/// correctly rounded.
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly (F1 is undefined), and
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`], [`MetricError::InvalidLabel`]
/// or [`MetricError::NonFinite`] for invalid input.
///
/// # Example
///
/// ```
/// // The best threshold is 0.7: TP = 2, FP = 1, FN = 0.
/// let f1 = oddity_eval::best_f1(&[1, 0, 1, 0], &[0.9, 0.8, 0.7, 0.1])?;
/// assert_eq!(f1, 0.8);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn best_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    let curve = Curve::new(labels, scores, Needs::Positives)?;
    let positives = curve.positives();
    // 2TP + FP + FN = TP + FP + P, never 0 because P >= 1.
    let best = curve
        .points()
        .map(|point| (2 * point.tp) as f64 / (point.tp + point.fp + positives) as f64)
        .fold(0.0, f64::max);
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_case_01() {
        // With the top k predicted, F1 = 2TP / (k + 4); best is k = 5 with TP = 3: 6/9 = 2/3.
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
        assert_eq!(best_f1(&labels, &scores), Ok(2.0 / 3.0));
    }

    #[test]
    fn hand_case_ties() {
        // Descending: 0.9(+) | 0.5(+) 0.5(-) 0.5(-) | 0.2(+) 0.2(-); P = 3.
        // F1 = 2TP / (TP + FP + P): t = 0.9: 2/4, t = 0.5: 4/7, t = 0.2: 6/9 = 2/3 (best).
        // Predicting the tied anomaly without its tied normals would wrongly give 4/5.
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        assert_eq!(best_f1(&labels, &scores), Ok(2.0 / 3.0));
    }

    #[test]
    fn all_tied_predicts_everything() {
        // TP = 2, FP = 3, FN = 0: 4/7.
        assert_eq!(best_f1(&[0, 1, 1, 0, 0], &[2.0; 5]), Ok(4.0 / 7.0));
    }

    #[test]
    fn perfect_separation_is_one() {
        assert_eq!(best_f1(&[0, 1, 0, 1], &[0.1, 0.8, 0.2, 0.9]), Ok(1.0));
    }
}
