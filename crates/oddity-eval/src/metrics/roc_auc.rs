//! Area under the ROC curve.

use super::curve::{Curve, Needs, Point};
use crate::MetricError;

/// Area under the receiver operating characteristic curve, equal to scikit-learn's
/// `sklearn.metrics.roc_auc_score(labels, scores)`.
///
/// `labels` holds `0` (normal) or `1` (anomaly); `scores` are higher for more anomalous
/// points.
/// The curve has one point `(FPR, TPR)` per distinct score `t`, predicting `score >= t`,
/// plus `(0, 0)`; the area is the trapezoid rule over those points.
///
/// # Ties
///
/// Tied scores are one threshold, so a tied group moves the curve diagonally and the
/// trapezoid counts each tied (anomaly, normal) pair as one half.
/// The result is the probability that a random anomaly scores above a random normal point,
/// plus half the probability of a tie; it never depends on the order of tied scores.
///
/// # Exactness
///
/// Twice the area is summed in integers, `Σ ΔFP · (TP + TP_prev)`, and divided once by
/// `2 · P · N`, so the result is correctly rounded for any input under 2^27 rows.
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::NoPositives`] or [`MetricError::NoNegatives`] when a class is missing
/// (the metric is undefined), and [`MetricError::LengthMismatch`], [`MetricError::Empty`],
/// [`MetricError::InvalidLabel`] or [`MetricError::NonFinite`] for invalid input.
///
/// # Example
///
/// ```
/// // One tie between an anomaly and a normal point counts one half.
/// let auc = oddity_eval::roc_auc(&[0, 1, 0, 1], &[0.1, 0.5, 0.5, 0.9])?;
/// assert_eq!(auc, 0.875);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn roc_auc(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    let curve = Curve::new(labels, scores, Needs::BothClasses)?;
    let mut twice_area = 0u128;
    let mut prev = Point::default();
    for point in curve.points() {
        twice_area += u128::from(point.fp - prev.fp) * u128::from(point.tp + prev.tp);
        prev = point;
    }
    let twice_total = 2 * u128::from(curve.positives()) * u128::from(curve.negatives());
    Ok(twice_area as f64 / twice_total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_case_01() {
        // Negatives below each positive (reference README, case01): 8 + 7 + 6 + 3 = 24 of 32.
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
        assert_eq!(roc_auc(&labels, &scores), Ok(0.75));
    }

    #[test]
    fn hand_case_ties() {
        // Descending: 0.9(+) | 0.5(+) 0.5(-) 0.5(-) | 0.2(+) 0.2(-); P = 3, N = 3.
        // Curve (FPR, TPR): (0, 0), (0, 1/3), (2/3, 2/3), (1, 1).
        // Trapezoids: 0 + 2/3 · (1/3 + 2/3)/2 + 1/3 · (2/3 + 1)/2 = 1/3 + 5/18 = 11/18.
        // Pair count: 3 + (1/2 + 1/2 + 1) + 1/2 = 5.5 of 9 = 11/18.
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        assert_eq!(roc_auc(&labels, &scores), Ok(11.0 / 18.0));
    }

    #[test]
    fn all_tied_is_one_half() {
        assert_eq!(roc_auc(&[0, 1, 1, 0, 0], &[2.0; 5]), Ok(0.5));
    }

    #[test]
    fn perfect_and_reversed_rankings() {
        assert_eq!(roc_auc(&[0, 0, 1], &[0.1, 0.2, 0.3]), Ok(1.0));
        assert_eq!(roc_auc(&[0, 0, 1], &[0.3, 0.2, 0.1]), Ok(0.0));
    }
}
