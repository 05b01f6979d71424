//! Event-wise F1 (composite F1 of Garg et al.).

use super::curve::{tie_groups, validate, validate_pred, Needs};
use super::segments::{segment_ids, segments, NONE};
use crate::MetricError;

/// The best composite F1 over every threshold (oracle; Garg et al., "An Evaluation of Anomaly
/// Detection and Diagnosis in Multivariate Time Series", IEEE TNNLS 2021).
///
/// For a threshold `t` (predict `score >= t`), recall is event-wise (the fraction of label
/// segments with at least one predicted point) and precision is point-wise (`TP / (TP +
/// FP)` of the raw prediction); the F1 is `2PR / (P + R)`. The maximum over all distinct
/// thresholds is returned.
///
/// `O(n log n)`: one sort, one sweep.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly, and the input errors of
/// [`roc_auc`](crate::roc_auc).
pub fn event_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    let segs = segments(labels);
    let ids = segment_ids(labels.len(), &segs);
    let mut detected = vec![false; segs.len()];
    let (order, ends) = tie_groups(scores);
    let (mut tp, mut n_pred, mut n_detected, mut best, mut start) = (0u64, 0u64, 0u64, 0.0, 0);
    for &end in &ends {
        for &i in &order[start..end as usize] {
            n_pred += 1;
            let id = ids[i as usize];
            if id != NONE {
                tp += 1;
                if !detected[id as usize] {
                    detected[id as usize] = true;
                    n_detected += 1;
                }
            }
        }
        let precision = tp as f64 / n_pred as f64;
        let recall = n_detected as f64 / segs.len() as f64;
        best = f64::max(best, f1(precision, recall));
        start = end as usize;
    }
    Ok(best)
}

/// Composite F1 of a binary prediction: event recall times point precision, `2PR / (P + R)`
/// (0 when both are 0).
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn event_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    let recall = event_recall_at(labels, pred)?;
    let (tp, n_pred) = super::point::counts(labels, pred);
    let precision = if n_pred == 0 { 0.0 } else { tp as f64 / n_pred as f64 };
    Ok(f1(precision, recall))
}

/// Event-wise recall of a binary prediction: the fraction of anomaly segments with at least
/// one predicted point (the recall of [`event_f1_at`]).
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn event_recall_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    validate_pred(labels, pred)?;
    let segs = segments(labels);
    let detected = segs.iter().filter(|&&(s, e)| pred[s..=e].contains(&true)).count();
    Ok(detected as f64 / segs.len() as f64)
}

/// `2PR / (P + R)`, 0 when both are 0.
pub(crate) fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_case_01_at_threshold() {
        // pred {3, 10}: recall 1/2, precision 1/2 (reference README).
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let mut pred = [false; 12];
        pred[3] = true;
        pred[10] = true;
        assert_eq!(event_f1_at(&labels, &pred), Ok(0.5));
        // Segments [2..4] and [8]: pred {3, 10} hits the first only; adding 8 hits both.
        assert_eq!(event_recall_at(&labels, &pred), Ok(0.5));
        pred[8] = true;
        assert_eq!(event_recall_at(&labels, &pred), Ok(1.0));
        assert!(event_recall_at(&labels, &pred[..3]).is_err());
    }

    #[test]
    fn oracle_picks_the_best_threshold() {
        // t = 0.7: both events hit, precision 2/3 → F1 0.8; t = 0.9: recall 1/2, precision 1.
        let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
        let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
        assert!((event_f1(&labels, &scores).unwrap() - 0.8).abs() < 1e-15);
    }
}
