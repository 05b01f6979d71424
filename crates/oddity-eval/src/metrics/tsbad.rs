//! TSB-AD compatibility (`compat = "tsbad"`): the numbers of TSB-AD's `get_metrics` and
//! `get_metrics_pred` (TheDatumOrg/TSB-AD, `TSB_AD/evaluation/`), quirks included.
//!
//! The exact metrics of this crate differ from TSB-AD in these ways, all reproduced here:
//! * the oracle PA, event, range and affiliation F1 scan only 100 thresholds
//!   `linspace(min, max, 100)` with `score > t` (the exact metrics scan every distinct score);
//! * the oracle standard F1 is `2PR / (P + R + 1e-5)` over the PR curve, event and
//!   affiliation F1 add `1e-15` to their denominators;
//! * point adjustment never back-fills index 0: a segment starting at 0 whose first detection
//!   is later keeps index 0 as a miss;
//! * an event that runs to the last index ends one point early, so a one-point anomaly at
//!   the last index is never detected;
//! * R-based F1 is range F1 with recall `α = 0.2`, reciprocal cardinality, flat bias;
//! * affiliation precision without any prediction is NaN (Python's `max` skips it in the
//!   oracle scan).

use super::curve::{validate, validate_pred, Curve, Needs};
use super::range::{range_f1_at, Bias, Cardinality, RangeParams};
use super::segments::{predict, segments};
use crate::MetricError;

/// TSB-AD's R-based F1 parameters.
const TSBAD_RANGE: RangeParams =
    RangeParams { alpha: 0.2, cardinality: Cardinality::Reciprocal, bias: Bias::Flat };

/// TSB-AD's oracle threshold grid: `numpy.linspace(min(score), max(score), 100)`.
pub(crate) fn grid(scores: &[f64]) -> Vec<f64> {
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let step = (max - min) / 99.0;
    let mut out: Vec<f64> =
        (0..100)
            .map(|k| {
                if step == 0.0 {
                    k as f64 / 99.0 * (max - min) + min
                } else {
                    k as f64 * step + min
                }
            })
            .collect();
    out[99] = max;
    out
}

/// Maximum over the grid, skipping NaN unless it comes first (Python's `max`).
fn grid_max(scores: &[f64], f: impl Fn(&[bool]) -> f64) -> f64 {
    let mut best: Option<f64> = None;
    for t in grid(scores) {
        let value = f(&predict(scores, t));
        best = Some(match best {
            None => value,
            Some(b) if value > b => value,
            Some(b) => b,
        });
    }
    best.unwrap_or(f64::NAN)
}

/// TSB-AD `Standard-F1`: with scores, the maximum of `2PR / (P + R + 1e-5)` over
/// scikit-learn's precision-recall curve; with a prediction, scikit-learn's `f1_score`.
///
/// # Errors
///
/// [`MetricError::NoPositives`] without an anomaly, and the input errors.
pub fn tsbad_standard_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    let curve = Curve::new(labels, scores, Needs::Positives)?;
    let positives = curve.positives() as f64;
    // The curve's last point (P = 1, R = 0) gives 0.
    let best = curve
        .points()
        .map(|p| {
            let precision = p.tp as f64 / (p.tp + p.fp) as f64;
            let recall = p.tp as f64 / positives;
            2.0 * (precision * recall) / (precision + recall + 0.00001)
        })
        .fold(0.0, f64::max);
    Ok(best)
}

/// TSB-AD `PA-F1` of a prediction (`_adjust_predicts` then `f1_score`): index 0 is never
/// back-filled.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn tsbad_pa_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    let positives = validate_pred(labels, pred)?;
    Ok(pa_quirk(labels, pred, positives))
}

fn pa_quirk(labels: &[u8], pred: &[bool], positives: usize) -> f64 {
    let mut adjusted = pred.to_vec();
    for (s, e) in segments(labels) {
        if let Some(first) = (s..=e).find(|&i| pred[i]) {
            let from = if s == 0 && first > 0 { 1 } else { s };
            adjusted[from..=e].fill(true);
        }
    }
    let (tp, n_pred) = super::point::counts(labels, &adjusted);
    (2 * tp) as f64 / (positives + n_pred) as f64
}

/// TSB-AD oracle `PA-F1`: [`tsbad_pa_f1_at`] maximized over the 100-threshold grid.
///
/// # Errors
///
/// As [`best_f1`](crate::best_f1).
pub fn tsbad_pa_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    let positives = validate(labels, scores, Needs::Positives)?;
    Ok(grid_max(scores, |pred| pa_quirk(labels, pred, positives)))
}

/// TSB-AD `Event-based-F1` of a prediction: event recall (events from `_get_events`, whose
/// last event ends one point early) and point precision, `2PR / (P + R + 1e-15)`.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn tsbad_event_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    validate_pred(labels, pred)?;
    Ok(event_quirk(labels, pred))
}

fn event_quirk(labels: &[u8], pred: &[bool]) -> f64 {
    let n = labels.len();
    let events = segments(labels);
    let detected = events
        .iter()
        .filter(|&&(s, e)| {
            let e = if e == n - 1 { e as isize - 1 } else { e as isize };
            (s as isize..=e).any(|i| pred[i as usize])
        })
        .count();
    let recall = detected as f64 / events.len() as f64;
    let (tp, n_pred) = super::point::counts(labels, pred);
    let precision = if n_pred == 0 { 0.0 } else { tp as f64 / n_pred as f64 };
    2.0 * recall * precision / (recall + precision + 1e-15)
}

/// TSB-AD oracle `Event-based-F1` over the 100-threshold grid.
///
/// # Errors
///
/// As [`best_f1`](crate::best_f1).
pub fn tsbad_event_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    Ok(grid_max(scores, |pred| event_quirk(labels, pred)))
}

/// TSB-AD `R-based-F1` of a prediction: [`range_f1_at`] with recall α = 0.2, reciprocal
/// cardinality and flat bias.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn tsbad_range_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    range_f1_at(labels, pred, &TSBAD_RANGE)
}

/// TSB-AD oracle `R-based-F1` over the 100-threshold grid.
///
/// # Errors
///
/// As [`best_f1`](crate::best_f1).
pub fn tsbad_range_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    Ok(grid_max(scores, |pred| range_f1_at(labels, pred, &TSBAD_RANGE).expect("validated input")))
}

/// TSB-AD `Affiliation-F` of a prediction: `2PR / (P + R + 1e-15)`, NaN when nothing is
/// predicted.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn tsbad_affiliation_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    let (p, r) = super::affiliation::affiliation_precision_recall_at(labels, pred)?;
    Ok(2.0 * p * r / (p + r + 1e-15))
}

/// TSB-AD oracle `Affiliation-F` over the 100-threshold grid.
///
/// # Errors
///
/// As [`best_f1`](crate::best_f1).
pub fn tsbad_affiliation_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    Ok(grid_max(scores, |pred| tsbad_affiliation_f1_at(labels, pred).expect("validated input")))
}

/// TSB-AD `get_metrics_pred`'s `(VUS-Recall, VUS-Precision, VUS-F)` of a prediction with
/// buffer lengths `0..=buffer`, including its quirk: each buffer length extends the label
/// vector left by the previous one (the loop overwrites its `labels` argument).
///
/// `O(buffer · n)`.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn tsbad_vus_pred(
    labels: &[u8],
    pred: &[bool],
    buffer: usize,
) -> Result<(f64, f64, f64), MetricError> {
    let positives = validate_pred(labels, pred)? as f64;
    let n = labels.len();
    let seq = segments(labels);
    let n_pred = pred.iter().filter(|&&p| p).count() as f64;
    let p_of = |x: bool| if x { 1.0 } else { 0.0 };
    let mut current: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
    let (mut sum_r, mut sum_p, mut sum_f) = (0.0, 0.0, 0.0);
    for w in 0..=buffer {
        let half = w / 2;
        let mut extended = current.clone();
        for &(s, e) in &seq {
            let right = (e + half + 1).min(n);
            for (x, v) in extended.iter_mut().enumerate().take(right).skip(e + 1) {
                *v += (1.0 - (x - e) as f64 / w as f64).sqrt();
            }
            for (x, v) in extended.iter_mut().enumerate().take(s).skip(s.saturating_sub(half)) {
                *v += (1.0 - (s - x) as f64 / w as f64).sqrt();
            }
        }
        for v in &mut extended {
            *v = v.min(1.0);
        }
        let spans = super::vus::merged_spans(&seq, half, n);
        let mut next = extended.clone();
        for &(a, b) in &spans {
            for x in a..=b {
                next[x] = extended[x] * p_of(pred[x]);
            }
        }
        for &(s, e) in &seq {
            next[s..=e].fill(1.0);
        }
        let (mut tp, mut n_labels) = (0.0, 0.0);
        for &(a, b) in &super::vus::merged_spans(&seq, buffer / 2, n) {
            for x in a..=b {
                tp += next[x] * p_of(pred[x]);
                n_labels += next[x];
            }
        }
        let p_new = (positives + n_labels) / 2.0;
        let recall = (tp / p_new).min(1.0);
        let precision = tp / n_pred;
        sum_r += recall;
        sum_p += precision;
        sum_f += if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        current = next;
    }
    let count = (buffer + 1) as f64;
    Ok((sum_r / count, sum_p / count, sum_f / count))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [u8; 12] = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
    const SCORES: [f64; 12] = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];

    #[test]
    fn standard_f1_hand_case() {
        // Reference README: 2 · 0.6 · 0.75 / (1.35 + 1e-5).
        assert_eq!(tsbad_standard_f1(&LABELS, &SCORES), Ok(0.6666617284316411));
    }

    #[test]
    fn index_zero_is_never_back_filled() {
        let labels = [1, 1, 1, 0];
        assert_eq!(tsbad_pa_f1_at(&labels, &[false, true, false, false]), Ok(0.8));
        assert_eq!(crate::pa_f1_at(&labels, &[false, true, false, false]), Ok(1.0));
    }

    #[test]
    fn last_point_event_is_never_detected() {
        let labels = [0, 0, 1];
        assert_eq!(tsbad_event_f1_at(&labels, &[false, false, true]), Ok(0.0));
    }
}
