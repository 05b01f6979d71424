//! Point-wise precision, recall and F1 of a binary prediction.

use super::curve::validate_pred;
use crate::MetricError;

/// Point-wise precision and recall of a binary prediction (`pred[i]` = row `i` predicted
/// anomalous): `TP / (TP + FP)` (0 when nothing is predicted) and `TP / P`.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly, and [`MetricError::LengthMismatch`],
/// [`MetricError::Empty`] or [`MetricError::InvalidLabel`] for invalid input.
pub fn precision_recall_at(labels: &[u8], pred: &[bool]) -> Result<(f64, f64), MetricError> {
    let positives = validate_pred(labels, pred)?;
    let (tp, n_pred) = counts(labels, pred);
    let precision = if n_pred == 0 { 0.0 } else { tp as f64 / n_pred as f64 };
    Ok((precision, tp as f64 / positives as f64))
}

/// Point-wise F1 of a binary prediction, `2TP / (P + N_pred)` from integer counts (so it
/// equals scikit-learn's `f1_score(labels, pred)` bit for bit).
///
/// # Errors
///
/// As [`precision_recall_at`].
///
/// # Example
///
/// ```
/// let f1 = oddity_eval::f1_at(&[0, 1, 1, 0], &[false, true, false, true])?;
/// assert_eq!(f1, 0.5);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    let positives = validate_pred(labels, pred)?;
    let (tp, n_pred) = counts(labels, pred);
    Ok((2 * tp) as f64 / (positives + n_pred) as f64)
}

/// `(TP, number predicted)`.
pub(crate) fn counts(labels: &[u8], pred: &[bool]) -> (usize, usize) {
    let mut tp = 0;
    let mut n_pred = 0;
    for (&l, &p) in labels.iter().zip(pred) {
        n_pred += usize::from(p);
        tp += usize::from(p && l == 1);
    }
    (tp, n_pred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_case_01_at_threshold() {
        // pred = {3, 10}: TP 1, FP 1, FN 3 (reference README).
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let mut pred = [false; 12];
        pred[3] = true;
        pred[10] = true;
        assert_eq!(f1_at(&labels, &pred), Ok(1.0 / 3.0));
        assert_eq!(precision_recall_at(&labels, &pred), Ok((0.5, 0.25)));
    }

    #[test]
    fn nothing_predicted_is_zero() {
        assert_eq!(f1_at(&[1, 0], &[false, false]), Ok(0.0));
        assert_eq!(precision_recall_at(&[1, 0], &[false, false]), Ok((0.0, 0.0)));
    }
}
