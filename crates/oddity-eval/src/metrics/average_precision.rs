//! Average precision (area under the precision-recall curve, step-wise).

use super::curve::{Curve, Needs};
use crate::MetricError;

/// Average precision, equal to scikit-learn's
/// `sklearn.metrics.average_precision_score(labels, scores)`.
///
/// `labels` holds `0` (normal) or `1` (anomaly); `scores` are higher for more anomalous
/// points.
/// With one threshold `t_k` per distinct score, predicting `score >= t_k` (highest first),
/// `AP = Σ_k (R_k − R_{k−1}) · P_k`, where `R_k` and `P_k` are recall and precision at
/// `t_k` and `R_0 = 0`.
/// This is the step-wise sum, with no interpolation between points (which would be
/// optimistic).
///
/// # Ties
///
/// Tied scores are one threshold: a tied group adds all its anomalies to recall at once, at
/// the precision of the whole group.
/// The result never depends on the order of tied scores.
///
/// # Exactness
///
/// Each term is `ΔTP · TP / (TP + FP)` from integer counts, summed with Neumaier
/// compensation and divided once by `P`, so the error is a few ulps whatever `n` is.
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly (recall is undefined), and
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`], [`MetricError::InvalidLabel`]
/// or [`MetricError::NonFinite`] for invalid input.
/// Without normal points the result is 1.
///
/// # Example
///
/// ```
/// // Anomalies at ranks 1 and 3: (1 + 2/3) / 2.
/// let ap = oddity_eval::average_precision(&[1, 0, 1, 0], &[0.9, 0.8, 0.7, 0.1])?;
/// assert!((ap - 5.0 / 6.0).abs() < 1e-15);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn average_precision(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    let curve = Curve::new(labels, scores, Needs::Positives)?;
    let mut sum = NeumaierSum::default();
    let mut prev_tp = 0;
    for point in curve.points() {
        if point.tp > prev_tp {
            let recall_step = (point.tp - prev_tp) as f64;
            sum.add(recall_step * point.tp as f64 / (point.tp + point.fp) as f64);
        }
        prev_tp = point.tp;
    }
    Ok(sum.total() / curve.positives() as f64)
}

/// Compensated (Neumaier) summation: the rounding error of each addition is kept aside and
/// added back at the end.
#[derive(Debug, Clone, Copy, Default)]
struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.compensation +=
            if self.sum.abs() >= x.abs() { (self.sum - t) + x } else { (x - t) + self.sum };
        self.sum = t;
    }

    fn total(self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: Result<f64, MetricError>, want: f64) {
        let got = got.unwrap();
        assert!((got - want).abs() < 1e-15, "got {got}, want {want}");
    }

    #[test]
    fn hand_case_01() {
        // Anomalies at ranks 1, 3, 5, 9 (no ties): (1 + 2/3 + 3/5 + 4/9) / 4 = 61/90.
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
        assert_close(average_precision(&labels, &scores), 61.0 / 90.0);
    }

    #[test]
    fn hand_case_ties() {
        // Descending: 0.9(+) | 0.5(+) 0.5(-) 0.5(-) | 0.2(+) 0.2(-); P = 3.
        // (R, P) per threshold: (1/3, 1/1), (2/3, 2/4), (1, 3/6).
        // AP = 1/3 · 1 + 1/3 · 1/2 + 1/3 · 1/2 = 2/3.
        // Ranking the tied anomaly first would wrongly give (1 + 1 + 3/5) / 3 = 13/15.
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        assert_close(average_precision(&labels, &scores), 2.0 / 3.0);
    }

    #[test]
    fn all_tied_is_the_anomaly_rate() {
        assert_close(average_precision(&[0, 1, 1, 0, 0], &[2.0; 5]), 0.4);
    }

    #[test]
    fn only_anomalies_is_one() {
        assert_close(average_precision(&[1, 1], &[0.3, 0.1]), 1.0);
    }

    #[test]
    fn neumaier_keeps_small_terms() {
        let mut sum = NeumaierSum::default();
        for x in [1.0, 1e100, 1.0, -1e100] {
            sum.add(x);
        }
        assert_eq!(sum.total(), 2.0);
    }
}
