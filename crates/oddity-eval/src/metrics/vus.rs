//! Volume under the range-based ROC and PR surfaces (VUS, Paparrizos et al., VLDB 2022).

use super::curve::{order_key, validate, Needs};
use super::segments::segments;
use crate::MetricError;

/// Which thresholds the range-based curves are drawn through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VusThresholds {
    /// TSB-AD's "opt" version: the scores at positions `⌊linspace(0, n − 1, m)⌋` of the
    /// scores sorted highest first (`m = 250` there).
    Grid(usize),
    /// Every distinct score (exact; `O(n)` points per buffer length).
    All,
}

/// Parameters of [`vus_roc`] and [`vus_pr`].
///
/// Defaults: buffer length 100 and 250 grid thresholds, TSB-AD's `get_metrics` defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VusParams {
    /// The largest buffer length `L`; the volume averages the areas for `w = 0, 1, …, L`.
    pub buffer: usize,
    /// The thresholds of every curve.
    pub thresholds: VusThresholds,
}

impl Default for VusParams {
    fn default() -> Self {
        Self { buffer: 100, thresholds: VusThresholds::Grid(250) }
    }
}

/// Volume under the range-based ROC surface, equal to TSB-AD's `generate_curve(labels,
/// score, slidingWindow = buffer, version = "opt", thre = 250)` `VUS_ROC` (Paparrizos et al.,
/// "Volume Under the Surface", VLDB 2022).
///
/// For each buffer length `w = 0 … L`, every label segment is extended by `⌊w/2⌋` points on
/// each side with weights `sqrt(1 − d / w)` (d = distance to the segment, sums capped at 1).
/// At a threshold `t` (predict `score >= t`), with `A` the predicted anomalies, `B` the
/// predicted buffer weight, `P` the anomalies and `N_pred` the predictions:
/// `TP = A + B`, `P' = P + B/2`, `TPR = min(TP / P', 1) · (extended segments hit / extended
/// segments)`, `FPR = (N_pred − TP) / (n − P')`, precision `TP / N_pred`. The ROC area is the
/// trapezoid rule through `(0, 0)`, the thresholds and `(1, 1)`; the PR area is
/// `Σ ΔTPR · precision`. VUS is the mean over the `L + 1` buffer lengths.
///
/// `O(n log n + L · (m + S · L))` for `m` thresholds and `S` segments, instead of TSB-AD's
/// `O(L · m · n)`: each point's first predicting threshold is found once by binary search,
/// and per buffer length only the buffer weights are bucketed and prefix-summed.
///
/// # Errors
///
/// [`MetricError::NoPositives`] or [`MetricError::NoNegatives`] when a class is missing (the
/// false positive rate divides by zero), [`MetricError::InvalidOption`] for a grid of fewer
/// than 1 threshold, and the input errors of [`roc_auc`](crate::roc_auc).
///
/// # Example
///
/// ```
/// use oddity_eval::{vus_roc, VusParams};
/// let labels = [0, 0, 1, 1, 0, 0, 0, 0];
/// let scores = [0.1, 0.2, 0.9, 0.8, 0.3, 0.1, 0.0, 0.2];
/// // A perfect ranking has a range-based ROC area of 1 at every buffer length.
/// assert!((vus_roc(&labels, &scores, &VusParams { buffer: 4, ..VusParams::default() })? - 1.0).abs() < 1e-12);
/// Ok::<(), oddity_eval::MetricError>(())
/// ```
pub fn vus_roc(labels: &[u8], scores: &[f64], params: &VusParams) -> Result<f64, MetricError> {
    Ok(vus(labels, scores, params)?.0)
}

/// Volume under the range-based precision-recall surface, TSB-AD's `VUS_PR`; see
/// [`vus_roc`] for the definition.
///
/// # Errors
///
/// As [`vus_roc`].
pub fn vus_pr(labels: &[u8], scores: &[f64], params: &VusParams) -> Result<f64, MetricError> {
    Ok(vus(labels, scores, params)?.1)
}

/// `(VUS-ROC, VUS-PR)` in one pass; see [`vus_roc`].
///
/// # Errors
///
/// As [`vus_roc`].
pub fn vus(labels: &[u8], scores: &[f64], params: &VusParams) -> Result<(f64, f64), MetricError> {
    let positives = validate(labels, scores, Needs::BothClasses)?;
    let n = labels.len();
    let mut keys: Vec<u64> = scores.iter().map(|&s| order_key(s)).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    // Threshold keys, highest first (repeats allowed, as in TSB-AD).
    let thresholds: Vec<u64> = match params.thresholds {
        VusThresholds::Grid(0) => {
            let reason = "a grid needs at least one threshold".to_owned();
            return Err(MetricError::InvalidOption { name: "thresholds", reason });
        }
        VusThresholds::Grid(m) => linspace_indices(n, m).into_iter().map(|i| keys[i]).collect(),
        VusThresholds::All => {
            let mut distinct = keys.clone();
            distinct.dedup();
            distinct
        }
    };
    let m = thresholds.len();
    // The first threshold index at which a score is predicted (m: never).
    let level = |s: f64| thresholds.partition_point(|&t| t > order_key(s));
    let levels: Vec<usize> = scores.iter().map(|&s| level(s)).collect();
    let mut n_pred = vec![0u64; m + 1];
    let mut hits = vec![0u64; m + 1];
    for (i, &lv) in levels.iter().enumerate() {
        n_pred[lv] += 1;
        hits[lv] += u64::from(labels[i]);
    }
    prefix_sum(&mut n_pred);
    prefix_sum(&mut hits);
    let seq = segments(labels);
    let range_max = RangeMax::new(scores);
    let mut acc = vec![0.0f64; n];
    let mut touched = Vec::new();
    let (mut sum_roc, mut sum_pr) = (0.0, 0.0);
    let p = positives as f64;
    for w in 0..=params.buffer {
        let half = w / 2;
        // Buffer weights, added segment by segment in order (right side, then left side).
        touched.clear();
        for &(s, e) in &seq {
            let right = (e + half + 1).min(n);
            for (x, v) in acc.iter_mut().enumerate().take(right).skip(e + 1) {
                *v += (1.0 - (x - e) as f64 / w as f64).sqrt();
                touched.push(x);
            }
            for (x, v) in acc.iter_mut().enumerate().take(s).skip(s.saturating_sub(half)) {
                *v += (1.0 - (s - x) as f64 / w as f64).sqrt();
                touched.push(x);
            }
        }
        let mut buffer = vec![0.0f64; m + 1];
        for &x in &touched {
            if acc[x] > 0.0 {
                if labels[x] == 0 {
                    buffer[levels[x]] += acc[x].min(1.0);
                }
                acc[x] = 0.0;
            }
        }
        for k in 1..=m {
            buffer[k] += buffer[k - 1];
        }
        // Extended segments (merged when their buffers meet) and when each is first hit.
        let spans = merged_spans(&seq, half, n);
        let mut existence = vec![0u64; m + 1];
        for &(a, b) in &spans {
            existence[level(range_max.max(a, b))] += 1;
        }
        prefix_sum(&mut existence);
        let (mut roc, mut pr) = (0.0, 0.0);
        let (mut prev_tpr, mut prev_fpr) = (0.0, 0.0);
        for k in 0..m {
            let b = buffer[k];
            let tp = hits[k] as f64 + b;
            let p_new = (p + (p + b)) / 2.0;
            let recall = (tp / p_new).min(1.0);
            let tpr = recall * (existence[k] as f64 / spans.len() as f64);
            let fpr = (n_pred[k] as f64 - tp) / (n as f64 - p_new);
            let precision = tp / n_pred[k] as f64;
            roc += (fpr - prev_fpr) * ((tpr + prev_tpr) / 2.0);
            pr += (tpr - prev_tpr) * precision;
            (prev_tpr, prev_fpr) = (tpr, fpr);
        }
        roc += (1.0 - prev_fpr) * ((1.0 + prev_tpr) / 2.0);
        sum_roc += roc;
        sum_pr += pr;
    }
    let count = (params.buffer + 1) as f64;
    Ok((sum_roc / count, sum_pr / count))
}

/// `numpy.linspace(0, n − 1, m).astype(int)`, reproduced in floating point.
pub(crate) fn linspace_indices(n: usize, m: usize) -> Vec<usize> {
    if m == 1 {
        return vec![0];
    }
    let step = (n - 1) as f64 / (m - 1) as f64;
    let mut out: Vec<usize> = (0..m).map(|k| (k as f64 * step) as usize).collect();
    out[m - 1] = n - 1;
    out
}

fn prefix_sum(v: &mut [u64]) {
    for k in 1..v.len() {
        v[k] += v[k - 1];
    }
}

/// TSB-AD's `new_sequence`: segments extended by `half` on each side, merged when the
/// extensions do not leave a gap, the first start and last end clipped to the series.
pub(crate) fn merged_spans(seq: &[(usize, usize)], half: usize, n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(seq.len());
    let mut a = seq[0].0.saturating_sub(half);
    for pair in seq.windows(2) {
        if pair[0].1 + half < pair[1].0.saturating_sub(half) {
            out.push((a, pair[0].1 + half));
            a = pair[1].0 - half;
        }
    }
    out.push((a, (seq[seq.len() - 1].1 + half).min(n - 1)));
    out
}

/// Range maximum queries in `O(1)` after an `O(n log n)` sparse table.
struct RangeMax {
    table: Vec<Vec<f64>>,
}

impl RangeMax {
    fn new(values: &[f64]) -> Self {
        let mut table = vec![values.to_vec()];
        let mut width = 1;
        while 2 * width <= values.len() {
            let prev = &table[table.len() - 1];
            let next =
                (0..=values.len() - 2 * width).map(|i| prev[i].max(prev[i + width])).collect();
            table.push(next);
            width *= 2;
        }
        Self { table }
    }

    /// The maximum over `[a, b]` (inclusive).
    fn max(&self, a: usize, b: usize) -> f64 {
        let level = (usize::BITS - 1 - (b - a + 1).leading_zeros()) as usize;
        let row = &self.table[level];
        row[a].max(row[b + 1 - (1 << level)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_numpy() {
        // numpy.linspace(0, 11, 250).astype(int)[:6] = [0, 0, 0, 0, 0, 0]; last = 11.
        let idx = linspace_indices(12, 250);
        assert_eq!(idx.len(), 250);
        assert_eq!((idx[0], idx[23], idx[249]), (0, 1, 11));
        assert_eq!(linspace_indices(5, 5), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn spans_merge_and_clip() {
        assert_eq!(merged_spans(&[(2, 3), (8, 9)], 2, 11), [(0, 5), (6, 10)]);
        assert_eq!(merged_spans(&[(2, 3), (7, 9)], 2, 11), [(0, 10)]);
    }

    #[test]
    fn range_max_is_the_max() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let rm = RangeMax::new(&v);
        for a in 0..v.len() {
            for b in a..v.len() {
                assert_eq!(rm.max(a, b), v[a..=b].iter().copied().fold(f64::MIN, f64::max));
            }
        }
    }
}
