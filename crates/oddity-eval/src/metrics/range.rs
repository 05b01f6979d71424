//! Range-based precision, recall and F1 (Tatbul et al., NeurIPS 2018).

use super::curve::{tie_groups, validate, validate_pred, Needs};
use super::event::f1;
use super::segments::{pred_runs, segments};
use crate::MetricError;

/// How overlapping several ranges is rewarded (Tatbul et al.'s γ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cardinality {
    /// γ = 1: fragmenting a range costs nothing (prts `cardinality = "one"`).
    #[default]
    One,
    /// γ = 1 / x for a range overlapped by x ranges of the other side (prts `"reciprocal"`,
    /// TSB-AD's R-based F1).
    Reciprocal,
}

/// Positional bias δ(i, length) of the overlap reward, `i` the 1-based position in the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bias {
    /// δ = 1.
    #[default]
    Flat,
    /// δ = length − i + 1: early detection is worth more.
    Front,
    /// δ = i.
    Back,
    /// δ = i up to the middle, then length − i + 1.
    Middle,
}

/// Parameters of the range-based metrics.
///
/// Defaults: `alpha = 0`, [`Cardinality::One`], [`Bias::Flat`], prts' defaults (the `prts_*`
/// reference columns). TSB-AD's R-based F1 uses `alpha = 0.2` with
/// [`Cardinality::Reciprocal`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RangeParams {
    /// Weight α in `[0, 1]` of the existence reward in recall (precision always uses 0).
    pub alpha: f64,
    /// The cardinality factor γ, for both precision and recall.
    pub cardinality: Cardinality,
    /// The positional bias δ, for both precision and recall.
    pub bias: Bias,
}

impl RangeParams {
    fn check(&self) -> Result<(), MetricError> {
        if (0.0..=1.0).contains(&self.alpha) {
            Ok(())
        } else {
            let reason = format!("{} is not in [0, 1]", self.alpha);
            Err(MetricError::InvalidOption { name: "alpha", reason })
        }
    }
}

/// Range-based precision and recall of a binary prediction (Tatbul et al., "Precision and
/// Recall for Time Series", NeurIPS 2018), equal to prts' `ts_precision` / `ts_recall`.
///
/// Recall is the mean over label ranges `R` of `α · [R overlapped] + (1 − α) · γ(R) ·
/// ω(R)`, with ω the δ-weighted fraction of `R` that is predicted; precision is the same
/// with the roles of labels and prediction swapped and α = 0. Precision is 0 when nothing is
/// predicted.
///
/// # Errors
///
/// [`MetricError::InvalidOption`] for α outside `[0, 1]`, otherwise as
/// [`f1_at`](crate::f1_at).
pub fn range_precision_recall_at(
    labels: &[u8],
    pred: &[bool],
    params: &RangeParams,
) -> Result<(f64, f64), MetricError> {
    validate_pred(labels, pred)?;
    params.check()?;
    let label_ranges = segments(labels);
    let pred_ranges = pred_runs(pred);
    let is_label: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
    let recall = range_recall(&label_ranges, &pred_ranges, pred, params.alpha, params);
    let precision = range_recall(&pred_ranges, &label_ranges, &is_label, 0.0, params);
    Ok((precision, recall))
}

/// Range-based F1 of a binary prediction, `2PR / (P + R)` of [`range_precision_recall_at`]
/// (0 when both are 0).
///
/// # Errors
///
/// As [`range_precision_recall_at`].
pub fn range_f1_at(labels: &[u8], pred: &[bool], params: &RangeParams) -> Result<f64, MetricError> {
    let (p, r) = range_precision_recall_at(labels, pred, params)?;
    Ok(f1(p, r))
}

/// The best range-based F1 over every threshold (oracle): the maximum of [`range_f1_at`] of
/// `score >= t` over all distinct scores `t`.
///
/// `O(n log n)`: one sort, then a sweep that adds the points of each threshold to a
/// union of predicted runs and updates only the terms of the ranges they touch; the value at
/// the best threshold is recomputed from scratch, so it is exactly [`range_f1_at`].
///
/// # Errors
///
/// As [`range_precision_recall_at`], with scores instead of a prediction.
pub fn range_f1(labels: &[u8], scores: &[f64], params: &RangeParams) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    params.check()?;
    let n = labels.len();
    let real = segments(labels);
    let mut sweep = Sweep::new(labels, &real, *params);
    let (order, ends) = tie_groups(scores);
    let (mut best, mut best_end, mut start) = (f64::NEG_INFINITY, 0usize, 0usize);
    for &end in &ends {
        for &i in &order[start..end as usize] {
            sweep.add(i as usize);
        }
        let value = sweep.f1();
        if value > best {
            best = value;
            best_end = end as usize;
        }
        start = end as usize;
    }
    let pred = super::curve::top_prediction(&order, best_end, n);
    range_f1_at(labels, &pred, params)
}

/// Σ δ(i, len) for i in 1..=len.
fn bias_total(bias: Bias, len: u64) -> u64 {
    match bias {
        Bias::Flat => len,
        Bias::Front | Bias::Back => len * (len + 1) / 2,
        Bias::Middle => {
            let h = len / 2;
            h * (h + 1) / 2 + (len - h) * (len - h + 1) / 2
        }
    }
}

/// δ(i, len), `i` 1-based.
fn bias_at(bias: Bias, i: u64, len: u64) -> u64 {
    match bias {
        Bias::Flat => 1,
        Bias::Front => len - i + 1,
        Bias::Back => i,
        Bias::Middle => {
            if 2 * i <= len {
                i
            } else {
                len - i + 1
            }
        }
    }
}

/// γ for a range overlapped by `overlaps` ranges (0 when none).
fn gamma(cardinality: Cardinality, overlaps: usize) -> f64 {
    match (overlaps, cardinality) {
        (0, _) => 0.0,
        (_, Cardinality::One) => 1.0,
        (x, Cardinality::Reciprocal) => 1.0 / x as f64,
    }
}

/// Mean over `ranges` of `α · existence + (1 − α) · γ · ω` against `others` (`covered[i]`
/// = position `i` lies in one of `others`).
fn range_recall(
    ranges: &[(usize, usize)],
    others: &[(usize, usize)],
    covered: &[bool],
    alpha: f64,
    params: &RangeParams,
) -> f64 {
    if ranges.is_empty() {
        return 0.0;
    }
    let (mut existence, mut overlap) = (0u64, 0.0);
    let mut first_other = 0;
    for &(s, e) in ranges {
        while first_other < others.len() && others[first_other].1 < s {
            first_other += 1;
        }
        let overlaps = others[first_other..].iter().take_while(|o| o.0 <= e).count();
        if overlaps == 0 {
            continue;
        }
        existence += 1;
        let len = (e - s + 1) as u64;
        let mine: u64 = (s..=e)
            .filter(|&i| covered[i])
            .map(|i| bias_at(params.bias, (i - s + 1) as u64, len))
            .sum();
        let omega = mine as f64 / bias_total(params.bias, len) as f64;
        overlap += omega * gamma(params.cardinality, overlaps);
    }
    (alpha * existence as f64 + (1.0 - alpha) * overlap) / ranges.len() as f64
}

/// Incremental state of the oracle sweep: predicted runs grow and merge as the threshold
/// falls; each update touches the run around the new point and the label range holding it.
struct Sweep<'a> {
    params: RangeParams,
    real: &'a [(usize, usize)],
    /// Label range of each position (`u32::MAX` if normal).
    range_of: Vec<u32>,
    pred: Vec<bool>,
    /// For a run `[s, e]`: `other_end[s] = e` and `other_end[e] = s`.
    other_end: Vec<usize>,
    /// Prefix sums over positions of (is anomaly) and (position · is anomaly).
    anomaly_count: Vec<u64>,
    anomaly_pos: Vec<u64>,
    n_runs: u64,
    precision_sum: f64,
    /// Per label range: δ-weight predicted so far, number of runs overlapping it, its term.
    hit_weight: Vec<u64>,
    runs_over: Vec<usize>,
    recall_term: Vec<f64>,
    recall_sum: f64,
}

impl<'a> Sweep<'a> {
    fn new(labels: &[u8], real: &'a [(usize, usize)], params: RangeParams) -> Self {
        let n = labels.len();
        let mut range_of = vec![u32::MAX; n];
        for (k, &(s, e)) in real.iter().enumerate() {
            range_of[s..=e].fill(k as u32);
        }
        let mut anomaly_count = vec![0u64; n + 1];
        let mut anomaly_pos = vec![0u64; n + 1];
        for i in 0..n {
            let a = u64::from(labels[i] == 1);
            anomaly_count[i + 1] = anomaly_count[i] + a;
            anomaly_pos[i + 1] = anomaly_pos[i] + a * i as u64;
        }
        Self {
            params,
            real,
            range_of,
            pred: vec![false; n],
            other_end: vec![0; n],
            anomaly_count,
            anomaly_pos,
            n_runs: 0,
            precision_sum: 0.0,
            hit_weight: vec![0; real.len()],
            runs_over: vec![0; real.len()],
            recall_term: vec![0.0; real.len()],
            recall_sum: 0.0,
        }
    }

    /// Number of anomalies and the sum of their positions in `[s, e]`.
    fn anomalies(&self, s: usize, e: usize) -> (u64, u64) {
        (
            self.anomaly_count[e + 1] - self.anomaly_count[s],
            self.anomaly_pos[e + 1] - self.anomaly_pos[s],
        )
    }

    /// The precision term of the predicted run `[s, e]` (α = 0).
    fn run_term(&self, s: usize, e: usize) -> f64 {
        let first = self.real.partition_point(|r| r.1 < s);
        let last = self.real.partition_point(|r| r.0 <= e);
        let overlaps = last.saturating_sub(first);
        if overlaps == 0 {
            return 0.0;
        }
        let len = (e - s + 1) as u64;
        // Σ δ over anomalies at 1-based offsets j = p − s + 1 in [a, b].
        let weighted = |a: usize, b: usize, f: &dyn Fn(u64, u64) -> u64| -> u64 {
            if a > b {
                return 0;
            }
            let (c, sum) = self.anomalies(a, b);
            f(c, sum)
        };
        let s64 = s as u64;
        let mine = match self.params.bias {
            Bias::Flat => self.anomalies(s, e).0,
            // len − j + 1 = e − p + 1.
            Bias::Front => weighted(s, e, &|c, sum| c * (e as u64 + 1) - sum),
            // j = p − s + 1.
            Bias::Back => weighted(s, e, &|c, sum| sum + c - c * s64),
            Bias::Middle => {
                let h = (len / 2) as usize;
                let back = |c: u64, sum: u64| sum + c - c * s64;
                let first = if h == 0 { 0 } else { weighted(s, s + h - 1, &back) };
                first + weighted(s + h, e, &|c, sum| c * (e as u64 + 1) - sum)
            }
        };
        mine as f64 / bias_total(self.params.bias, len) as f64
            * gamma(self.params.cardinality, overlaps)
    }

    fn update_recall(&mut self, k: usize) {
        let len = (self.real[k].1 - self.real[k].0 + 1) as u64;
        let omega = self.hit_weight[k] as f64 / bias_total(self.params.bias, len) as f64;
        let exist = if self.runs_over[k] > 0 { 1.0 } else { 0.0 };
        let term = self.params.alpha * exist
            + (1.0 - self.params.alpha) * gamma(self.params.cardinality, self.runs_over[k]) * omega;
        self.recall_sum += term - self.recall_term[k];
        self.recall_term[k] = term;
    }

    fn add(&mut self, i: usize) {
        let n = self.pred.len();
        let left = i > 0 && self.pred[i - 1];
        let right = i + 1 < n && self.pred[i + 1];
        let (mut s, mut e) = (i, i);
        if left {
            s = self.other_end[i - 1];
            self.precision_sum -= self.run_term(s, i - 1);
            self.n_runs -= 1;
        }
        if right {
            e = self.other_end[i + 1];
            self.precision_sum -= self.run_term(i + 1, e);
            self.n_runs -= 1;
        }
        self.pred[i] = true;
        self.other_end[s] = e;
        self.other_end[e] = s;
        self.precision_sum += self.run_term(s, e);
        self.n_runs += 1;
        let k = self.range_of[i];
        if k != u32::MAX {
            let k = k as usize;
            let (rs, re) = self.real[k];
            let len = (re - rs + 1) as u64;
            self.hit_weight[k] += bias_at(self.params.bias, (i - rs + 1) as u64, len);
            let touched_left = left && i > rs;
            let touched_right = right && i < re;
            self.runs_over[k] =
                self.runs_over[k] + 1 - usize::from(touched_left) - usize::from(touched_right);
            self.update_recall(k);
        }
    }

    fn f1(&self) -> f64 {
        let precision = self.precision_sum / self.n_runs as f64;
        let recall = self.recall_sum / self.real.len() as f64;
        f1(precision, recall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [u8; 12] = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];

    fn pred_3_10() -> [bool; 12] {
        let mut pred = [false; 12];
        pred[3] = true;
        pred[10] = true;
        pred
    }

    #[test]
    fn hand_case_01_prts_defaults() {
        // Reference README: precision 1/2, recall 1/6, F1 1/4.
        let params = RangeParams::default();
        let (p, r) = range_precision_recall_at(&LABELS, &pred_3_10(), &params).unwrap();
        assert_eq!(p, 0.5);
        assert!((r - 1.0 / 6.0).abs() < 1e-16);
        assert!((range_f1_at(&LABELS, &pred_3_10(), &params).unwrap() - 0.25).abs() < 1e-16);
    }

    #[test]
    fn hand_case_01_tsbad_params() {
        // Recall ((0.2 + 0.8/3) + 0)/2, precision 1/2 → 0.318181…
        let params =
            RangeParams { alpha: 0.2, cardinality: Cardinality::Reciprocal, bias: Bias::Flat };
        let f1 = range_f1_at(&LABELS, &pred_3_10(), &params).unwrap();
        assert!((f1 - 0.3181818181818182).abs() < 1e-15, "{f1}");
    }

    #[test]
    fn bias_totals_match_their_sums() {
        for bias in [Bias::Flat, Bias::Front, Bias::Back, Bias::Middle] {
            for len in 1..12 {
                let sum: u64 = (1..=len).map(|i| bias_at(bias, i, len)).sum();
                assert_eq!(sum, bias_total(bias, len), "{bias:?} {len}");
            }
        }
    }

    #[test]
    fn alpha_out_of_range_is_an_option_error() {
        let params = RangeParams { alpha: 1.5, ..RangeParams::default() };
        let got = range_f1_at(&LABELS, &pred_3_10(), &params);
        assert!(matches!(got, Err(MetricError::InvalidOption { name: "alpha", .. })));
    }
}
