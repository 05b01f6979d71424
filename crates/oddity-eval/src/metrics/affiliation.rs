//! Affiliation precision, recall and F1 (Huet et al., KDD 2022).
//!
//! Point `i` is the interval `[i, i + 1)` and the series is `[0, n)`. Each ground-truth event
//! `J` owns the affiliation zone `E` of the times closer to it than to any other event.
//! Precision of `J` is the mean over the predicted time inside `E` of the probability that
//! a random time of `E` lies farther from `J`; recall of `J` is the mean over `J` of the same
//! probability for the distance to the nearest prediction. Precision is averaged over the
//! events whose zone holds a prediction, recall over every event.
//! The integrals are the closed forms of the authors' package (`affiliation`, which TSB-AD
//! ships).

use super::curve::{tie_groups, validate, validate_pred, Needs};
use super::segments::{pred_runs, segments};
use crate::MetricError;

/// A half-open time interval `[start, stop)`.
type Iv = (f64, f64);

/// Affiliation precision and recall of a binary prediction (Huet et al., "Local Evaluation of
/// Time Series Anomaly Detection Algorithms", KDD 2022).
///
/// Precision is NaN when nothing is predicted (no event has a prediction in its zone), as in
/// the authors' code.
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn affiliation_precision_recall_at(
    labels: &[u8],
    pred: &[bool],
) -> Result<(f64, f64), MetricError> {
    validate_pred(labels, pred)?;
    let gt = intervals(&segments(labels));
    let predicted = intervals(&pred_runs(pred));
    Ok(precision_recall(&gt, &predicted, labels.len()))
}

/// Affiliation F1 of a binary prediction, `2PR / (P + R)` (0 when nothing is predicted).
///
/// # Errors
///
/// As [`f1_at`](crate::f1_at).
pub fn affiliation_f1_at(labels: &[u8], pred: &[bool]) -> Result<f64, MetricError> {
    let (p, r) = affiliation_precision_recall_at(labels, pred)?;
    Ok(if p.is_nan() { 0.0 } else { super::event::f1(p, r) })
}

/// The best affiliation F1 over every threshold (oracle): the maximum of
/// [`affiliation_f1_at`] of `score >= t` over all distinct scores `t`.
///
/// The sweep keeps, per affiliation zone, the predicted runs in an ordered map with their
/// precision integrals and recall contributions; a new point changes only its run and the
/// two neighbouring runs (whose nearest-prediction cells move), so each point costs
/// `O(log n)` and each threshold `O(z)` for `z` ground-truth events: `O(n log n + n · z)`.
/// The value at the best threshold is recomputed from scratch, so it is exactly
/// [`affiliation_f1_at`].
///
/// # Errors
///
/// As [`best_f1`](crate::best_f1).
pub fn affiliation_f1(labels: &[u8], scores: &[f64]) -> Result<f64, MetricError> {
    validate(labels, scores, Needs::Positives)?;
    let n = labels.len();
    let gt = intervals(&segments(labels));
    let mut states: Vec<Zone> = zones(&gt, (0.0, n as f64))
        .into_iter()
        .zip(&gt)
        .map(|(e, &j)| Zone::new(e, j, n))
        .collect();
    let (order, ends) = tie_groups(scores);
    let (mut best, mut best_end, mut start) = (f64::NEG_INFINITY, 0usize, 0usize);
    for &end in &ends {
        for &i in &order[start..end as usize] {
            let i = i as usize;
            let first = states.partition_point(|z| z.window.1 <= i);
            for zone in states[first..].iter_mut().take_while(|z| z.window.0 <= i) {
                zone.add(i);
            }
        }
        let precision: Vec<f64> = states.iter().map(Zone::precision).collect();
        let recall: Vec<f64> = states.iter().map(|z| z.recall_sum / (z.j.1 - z.j.0)).collect();
        let (p, r) = average(&precision, &recall);
        let value = if p.is_nan() { 0.0 } else { super::event::f1(p, r) };
        if value > best {
            best = value;
            best_end = end as usize;
        }
        start = end as usize;
    }
    let pred = super::curve::top_prediction(&order, best_end, n);
    affiliation_f1_at(labels, &pred)
}

/// One affiliation zone during the oracle sweep: the predicted runs inside its window,
/// kept as a bit set plus run ends, so that neighbours are found by scanning words.
struct Zone {
    e: Iv,
    j: Iv,
    /// The points whose `[i, i + 1)` meets the zone: `window.0..window.1`.
    window: (usize, usize),
    /// Predicted points, relative to `window.0`.
    bits: Vec<u64>,
    /// For a run `[s, e]` (relative): `other_end[s] = e` and `other_end[e] = s`.
    other_end: Vec<usize>,
    /// Recall contribution of the run starting at each (relative) position.
    recall_of: Vec<f64>,
    runs: usize,
    precision_sum: f64,
    length_sum: f64,
    recall_sum: f64,
}

impl Zone {
    fn new(e: Iv, j: Iv, n: usize) -> Self {
        let window = (e.0.floor().max(0.0) as usize, (e.1.ceil() as usize).min(n));
        let width = window.1 - window.0;
        Self {
            e,
            j,
            window,
            bits: vec![0; width / 64 + 1],
            other_end: vec![0; width],
            recall_of: vec![0.0; width],
            runs: 0,
            precision_sum: 0.0,
            length_sum: 0.0,
            recall_sum: 0.0,
        }
    }

    fn is_set(&self, x: usize) -> bool {
        self.bits[x / 64] >> (x % 64) & 1 == 1
    }

    /// The largest predicted (relative) position below `x`.
    fn prev_set(&self, x: usize) -> Option<usize> {
        if x == 0 {
            return None;
        }
        let x = x - 1;
        let (mut w, bit) = (x / 64, x % 64);
        let mut word = self.bits[w] & (u64::MAX >> (63 - bit));
        loop {
            if word != 0 {
                return Some(w * 64 + 63 - word.leading_zeros() as usize);
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            word = self.bits[w];
        }
    }

    /// The smallest predicted (relative) position above `x`.
    fn next_set(&self, x: usize) -> Option<usize> {
        let x = x + 1;
        if x >= self.other_end.len() {
            return None;
        }
        let (mut w, bit) = (x / 64, x % 64);
        let mut word = self.bits[w] & (u64::MAX << bit);
        loop {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            w += 1;
            if w >= self.bits.len() {
                return None;
            }
            word = self.bits[w];
        }
    }

    /// The run `[s, e]` (relative) as an interval clipped to the zone.
    fn piece(&self, s: usize, e: usize) -> Iv {
        let a = self.window.0;
        (((s + a) as f64).max(self.e.0), ((e + a + 1) as f64).min(self.e.1))
    }

    fn precision(&self) -> f64 {
        if self.runs == 0 {
            f64::NAN
        } else {
            self.precision_sum / self.length_sum
        }
    }

    fn remove_run(&mut self, s: usize, e: usize) {
        let piece = self.piece(s, e);
        self.recall_sum -= self.recall_of[s];
        self.precision_sum -= precision_integral(piece, self.j, self.e);
        self.length_sum -= piece.1 - piece.0;
        self.runs -= 1;
    }

    /// Recomputes the recall contribution of the run starting at `s` from its cell.
    fn refresh(&mut self, s: usize) {
        let e = self.other_end[s];
        let piece = self.piece(s, e);
        let left = match self.prev_set(s) {
            Some(pe) => (self.piece(self.other_end[pe], pe).1 + piece.0) / 2.0,
            None => self.e.0,
        };
        let right = match self.next_set(e) {
            Some(ns) => (piece.1 + self.piece(ns, self.other_end[ns]).0) / 2.0,
            None => self.e.1,
        };
        let recall =
            recall_integral(piece, intersection(Some(self.j), Some((left, right))), self.e);
        self.recall_sum += recall - self.recall_of[s];
        self.recall_of[s] = recall;
    }

    /// Predicts the point `p` (absolute).
    fn add(&mut self, p: usize) {
        let x = p - self.window.0;
        let left = x > 0 && self.is_set(x - 1);
        let right = x + 1 < self.other_end.len() && self.is_set(x + 1);
        let (mut start, mut end) = (x, x);
        if left {
            start = self.other_end[x - 1];
            self.remove_run(start, x - 1);
        }
        if right {
            end = self.other_end[x + 1];
            self.remove_run(x + 1, end);
        }
        self.bits[x / 64] |= 1 << (x % 64);
        self.other_end[start] = end;
        self.other_end[end] = start;
        self.recall_of[start] = 0.0;
        let piece = self.piece(start, end);
        self.runs += 1;
        self.precision_sum += precision_integral(piece, self.j, self.e);
        self.length_sum += piece.1 - piece.0;
        let prev = self.prev_set(start).map(|pe| self.other_end[pe]);
        let next = self.next_set(end);
        for s in [prev, Some(start), next].into_iter().flatten() {
            self.refresh(s);
        }
    }
}

/// Inclusive index runs to half-open time intervals.
fn intervals(runs: &[(usize, usize)]) -> Vec<Iv> {
    runs.iter().map(|&(s, e)| (s as f64, (e + 1) as f64)).collect()
}

/// Affiliation precision and recall of predicted events against ground-truth events.
pub(crate) fn precision_recall(gt: &[Iv], predicted: &[Iv], n: usize) -> (f64, f64) {
    let zones = zones(gt, (0.0, n as f64));
    let mut precision = Vec::with_capacity(gt.len());
    let mut recall = Vec::with_capacity(gt.len());
    let mut first = 0;
    for (j, &e) in zones.iter().enumerate() {
        while first < predicted.len() && predicted[first].1 <= e.0 {
            first += 1;
        }
        let inside: Vec<Iv> = predicted[first..]
            .iter()
            .take_while(|iv| iv.0 < e.1)
            .filter_map(|&iv| intersection(Some(iv), Some(e)))
            .collect();
        precision.push(precision_proba(&inside, gt[j], e));
        recall.push(recall_proba(&inside, gt[j], e));
    }
    average(&precision, &recall)
}

/// Mean of the defined precisions (NaN if none) and mean of the recalls.
fn average(precision: &[f64], recall: &[f64]) -> (f64, f64) {
    let defined: Vec<f64> = precision.iter().copied().filter(|p| !p.is_nan()).collect();
    let p = if defined.is_empty() {
        f64::NAN
    } else {
        defined.iter().sum::<f64>() / defined.len() as f64
    };
    (p, recall.iter().sum::<f64>() / recall.len() as f64)
}

/// The affiliation zone of every event within `trange`: from the middle between an event and
/// its predecessor to the middle between it and its successor (the range ends mirrored).
fn zones(events: &[Iv], trange: Iv) -> Vec<Iv> {
    let k = events.len();
    let stop = |j: isize| -> f64 {
        if j == -1 {
            2.0 * trange.0 - events[0].0
        } else {
            events[j as usize].1
        }
    };
    let start = |j: usize| -> f64 {
        if j == k {
            2.0 * trange.1 - events[k - 1].1
        } else {
            events[j].0
        }
    };
    (0..k)
        .map(|j| ((stop(j as isize - 1) + start(j)) / 2.0, (stop(j as isize) + start(j + 1)) / 2.0))
        .collect()
}

fn intersection(a: Option<Iv>, b: Option<Iv>) -> Option<Iv> {
    let (a, b) = (a?, b?);
    let iv = (a.0.max(b.0), a.1.min(b.1));
    (iv.0 < iv.1).then_some(iv)
}

/// `I` cut into the parts before, inside and after `J`.
fn cut_into_three(i: Option<Iv>, j: Iv) -> (Option<Iv>, Option<Iv>, Option<Iv>) {
    let Some(i) = i else { return (None, None, None) };
    let inter = intersection(Some(i), Some(j));
    if inter == Some(i) {
        (None, inter, None)
    } else if i.1 <= j.0 {
        (Some(i), inter, None)
    } else if i.0 >= j.1 {
        (None, inter, Some(i))
    } else {
        // I crosses a border of J, so the intersection is not empty.
        let x = inter.unwrap_or(j);
        let before = (i.0 <= j.0).then_some((i.0, x.0));
        let after = (i.1 >= j.1).then_some((x.1, i.1));
        (before, inter, after)
    }
}

/// The border of `J` closest to `I` (I outside J).
fn pivot(i: Iv, j: Iv) -> f64 {
    if i.1 <= j.0 {
        j.0
    } else {
        j.1
    }
}

/// ∫_{x ∈ I} F̄(d(x, J)) dx for `I` outside `J`, with F̄ the survival function of the distance
/// from a uniform time of `E` to `J`.
fn precision_outside(i: Iv, j: Iv, e: Iv) -> f64 {
    let d_min = (i.0 - j.1).max(j.0 - i.1);
    let d_max = (i.1 - j.1).max(j.0 - i.0);
    let m = (j.0 - e.0).min(e.1 - j.1);
    let a = d_max.min(m).powi(2) - d_min.min(m).powi(2);
    let b = d_max.max(m) - d_min.max(m);
    let min_piece = 0.5 * a + m * b;
    let linear_piece = 0.5 * (d_max.powi(2) - d_min.powi(2));
    let remaining = (j.1 - j.0) * (i.1 - i.0);
    (i.1 - i.0) - (1.0 / (e.1 - e.0)) * (min_piece + linear_piece + remaining)
}

fn precision_integral(i: Iv, j: Iv, e: Iv) -> f64 {
    let (before, middle, after) = cut_into_three(Some(i), j);
    let outside = |piece: Option<Iv>| piece.map_or(0.0, |p| precision_outside(p, j, e));
    outside(before) + middle.map_or(0.0, |m| m.1 - m.0) + outside(after)
}

/// Individual precision of one event: NaN without a prediction in its zone.
fn precision_proba(inside: &[Iv], j: Iv, e: Iv) -> f64 {
    if inside.is_empty() {
        return f64::NAN;
    }
    let total: f64 = inside.iter().map(|&i| precision_integral(i, j, e)).sum();
    let length: f64 = inside.iter().map(|i| i.1 - i.0).sum();
    total / length
}

/// `J` cut at `mean`: the parts before and after.
fn cut_at(j: Option<Iv>, mean: f64) -> (Option<Iv>, Option<Iv>) {
    match j {
        None => (None, None),
        Some(j) if mean >= j.1 => (Some(j), None),
        Some(j) if mean <= j.0 => (None, Some(j)),
        Some(j) => (Some((j.0, mean)), Some((mean, j.1))),
    }
}

/// ∫_{y ∈ J} F̄_y(d(y, I)) dy for `J` outside `I`.
fn recall_outside(i: Iv, j: Iv, e: Iv) -> f64 {
    let p = pivot(j, i);
    if p <= e.0 || p >= e.1 {
        return 0.0;
    }
    let e_mean = (e.0 + e.1) / 2.0;
    let (j_before, j_after) = cut_at(Some(j), e_mean);
    let (before_close_e, before_close_i) = cut_at(j_before, (e.0 + p) / 2.0);
    let (after_close_i, after_close_e) = cut_at(j_after, (e.1 + p) / 2.0);
    let parts: [Option<f64>; 4] = if p >= j.1 {
        [
            before_close_e.map(|(a, b)| (p - e.0) * (b - a)),
            before_close_i.map(|(a, b)| 2.0 * p * (b - a) - (b * b - a * a)),
            after_close_i.map(|(a, b)| 2.0 * p * (b - a) - (b * b - a * a)),
            after_close_e.map(|(a, b)| (e.1 + p) * (b - a) - (b * b - a * a)),
        ]
    } else {
        [
            before_close_e.map(|(a, b)| (b * b - a * a) - (e.0 + p) * (b - a)),
            before_close_i.map(|(a, b)| (b * b - a * a) - 2.0 * p * (b - a)),
            after_close_i.map(|(a, b)| (b * b - a * a) - 2.0 * p * (b - a)),
            after_close_e.map(|(a, b)| (e.1 - p) * (b - a)),
        ]
    };
    let integral: f64 = parts.iter().flatten().sum();
    (j.1 - j.0) - (1.0 / (e.1 - e.0)) * integral
}

fn recall_integral(i: Iv, j: Option<Iv>, e: Iv) -> f64 {
    let (before, middle, after) = cut_into_three(j, i);
    let outside = |piece: Option<Iv>| piece.map_or(0.0, |p| recall_outside(i, p, e));
    outside(before) + middle.map_or(0.0, |m| m.1 - m.0) + outside(after)
}

/// Individual recall of one event: 0 without a prediction in its zone.
fn recall_proba(inside: &[Iv], j: Iv, e: Iv) -> f64 {
    if inside.is_empty() {
        return 0.0;
    }
    // The zones of the predictions inside E split J by nearest prediction.
    let pred_zones = zones(inside, e);
    let total: f64 = inside
        .iter()
        .zip(&pred_zones)
        .map(|(&i, &z)| recall_integral(i, intersection(Some(j), Some(z)), e))
        .sum();
    total / (j.1 - j.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_prediction_is_one() {
        let labels = [0, 0, 1, 1, 0, 0, 1, 0];
        let pred: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
        assert_eq!(affiliation_precision_recall_at(&labels, &pred), Ok((1.0, 1.0)));
    }

    #[test]
    fn nothing_predicted_has_undefined_precision() {
        let (p, r) = affiliation_precision_recall_at(&[0, 1, 0], &[false; 3]).unwrap();
        assert!(p.is_nan());
        assert_eq!(r, 0.0);
        assert_eq!(affiliation_f1_at(&[0, 1, 0], &[false; 3]), Ok(0.0));
    }

    #[test]
    fn zones_split_at_midpoints() {
        assert_eq!(zones(&[(2.0, 3.0), (6.0, 8.0)], (0.0, 10.0)), [(0.0, 4.5), (4.5, 10.0)]);
    }
}
