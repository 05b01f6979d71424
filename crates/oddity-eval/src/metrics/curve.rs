//! The threshold sweep shared by every metric: validate once, sort once, and walk the
//! distinct thresholds from the highest score down with cumulative TP/FP counts.
//!
//! This is scikit-learn's `_binary_clf_curve`: one point per distinct score value, so a
//! group of tied scores enters (or leaves) the prediction as a whole.

use crate::MetricError;

/// Which classes must be present for a metric to be defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// At least one anomaly (label 1): recall is defined.
    Positives,
    /// At least one anomaly and one normal point: recall and fall-out are defined.
    BothClasses,
}

/// Cumulative counts when every score `>= threshold` is predicted anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Point {
    /// True positives: anomalies predicted anomalous.
    pub(crate) tp: u64,
    /// False positives: normal points predicted anomalous.
    pub(crate) fp: u64,
}

/// Validated input of one metric: the scores of each class, sorted highest first.
#[derive(Debug, Clone)]
pub(crate) struct Curve {
    /// Order keys (see [`order_key`]) of the anomalies' scores, highest first.
    positives: Vec<u64>,
    /// Order keys of the normal points' scores, highest first.
    negatives: Vec<u64>,
}

impl Curve {
    /// Validates the input and sorts the scores of each class, highest first.
    ///
    /// Input errors come first (length, emptiness, then the first bad label or score by
    /// index), then the class requirement of `needs`.
    /// Each class is sorted once as plain integers (`O(n log n)`), which is much faster than
    /// sorting `(score, label)` pairs or indices by score; [`Points`] merges the two.
    pub(crate) fn new(labels: &[u8], scores: &[f64], needs: Needs) -> Result<Self, MetricError> {
        let n_positives = validate(labels, scores, needs)?;
        let mut positives = Vec::with_capacity(n_positives);
        let mut negatives = Vec::with_capacity(labels.len() - n_positives);
        for (&label, &score) in labels.iter().zip(scores) {
            let class = if label == 1 { &mut positives } else { &mut negatives };
            class.push(order_key(score));
        }
        positives.sort_unstable_by(|a, b| b.cmp(a));
        negatives.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Self { positives, negatives })
    }

    /// The number of anomalies (label 1); at least 1.
    pub(crate) fn positives(&self) -> u64 {
        self.positives.len() as u64
    }

    /// The number of normal points (label 0).
    pub(crate) fn negatives(&self) -> u64 {
        self.negatives.len() as u64
    }

    /// One [`Point`] per distinct score, highest threshold first.
    ///
    /// The last point predicts everything, so it is `(positives, negatives)`.
    pub(crate) fn points(&self) -> Points<'_> {
        Points { positives: &self.positives, negatives: &self.negatives, at: Point::default() }
    }
}

/// Checks a metric's input and returns the number of anomalies.
///
/// Input errors come first (length, emptiness, then the first bad label or score by index),
/// then the class requirement of `needs`.
pub(crate) fn validate(labels: &[u8], scores: &[f64], needs: Needs) -> Result<usize, MetricError> {
    if labels.len() != scores.len() {
        return Err(MetricError::LengthMismatch { labels: labels.len(), scores: scores.len() });
    }
    if labels.is_empty() {
        return Err(MetricError::Empty);
    }
    let mut n_positives = 0;
    for (index, (&label, &score)) in labels.iter().zip(scores).enumerate() {
        if label > 1 {
            return Err(MetricError::InvalidLabel { index, value: label });
        }
        if !score.is_finite() {
            return Err(MetricError::NonFinite { index });
        }
        n_positives += usize::from(label);
    }
    if n_positives == 0 {
        return Err(MetricError::NoPositives);
    }
    if needs == Needs::BothClasses && n_positives == labels.len() {
        return Err(MetricError::NoNegatives);
    }
    Ok(n_positives)
}

/// Checks labels against a prediction of the same length and returns the number of anomalies.
pub(crate) fn validate_pred(labels: &[u8], pred: &[bool]) -> Result<usize, MetricError> {
    if labels.len() != pred.len() {
        return Err(MetricError::LengthMismatch { labels: labels.len(), scores: pred.len() });
    }
    if labels.is_empty() {
        return Err(MetricError::Empty);
    }
    let mut n_positives = 0;
    for (index, &label) in labels.iter().enumerate() {
        if label > 1 {
            return Err(MetricError::InvalidLabel { index, value: label });
        }
        n_positives += usize::from(label);
    }
    if n_positives == 0 {
        return Err(MetricError::NoPositives);
    }
    Ok(n_positives)
}

/// The prediction that flags the first `top` rows of `order` (the highest scores, as
/// [`tie_groups`] orders them) among `n` rows: the prediction at the best threshold of a sweep.
pub(crate) fn top_prediction(order: &[u32], top: usize, n: usize) -> Vec<bool> {
    let mut pred = vec![false; n];
    for &i in &order[..top] {
        pred[i as usize] = true;
    }
    pred
}

/// Row indices grouped by tied score, highest score first: `(order, group_ends)` where
/// group `g` is `order[group_ends[g - 1]..group_ends[g]]` (with `group_ends[-1] = 0`).
///
/// One sort of `(key, index)` pairs, `O(n log n)`.
pub(crate) fn tie_groups(scores: &[f64]) -> (Vec<u32>, Vec<u32>) {
    let mut keyed: Vec<(u64, u32)> =
        scores.iter().enumerate().map(|(i, &s)| (order_key(s), i as u32)).collect();
    keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut ends = Vec::new();
    for i in 1..keyed.len() {
        if keyed[i].0 != keyed[i - 1].0 {
            ends.push(i as u32);
        }
    }
    ends.push(keyed.len() as u32);
    (keyed.into_iter().map(|(_, i)| i).collect(), ends)
}

/// A `u64` that orders finite scores like `f64` does, with `-0.0` and `0.0` equal.
///
/// This is the key of `f64::total_cmp`: flip every bit of a negative number (so that larger
/// magnitudes come first) and only the sign bit of a positive one.
pub(crate) fn order_key(score: f64) -> u64 {
    // Adding 0.0 turns -0.0 into 0.0, so that `>=` ties stay ties.
    let bits = (score + 0.0).to_bits();
    let negative_mask = ((bits as i64) >> 63) as u64;
    bits ^ (negative_mask | (1 << 63))
}

/// Iterator over the distinct thresholds of a [`Curve`]; see [`Curve::points`].
///
/// It merges the two sorted classes: each step takes the highest remaining score and the
/// run of equal scores in each class, so tied scores enter together.
#[derive(Debug, Clone)]
pub(crate) struct Points<'a> {
    positives: &'a [u64],
    negatives: &'a [u64],
    at: Point,
}

/// Removes the leading run of `threshold` from a slice sorted highest first and returns
/// its length.
fn take_run(sorted: &mut &[u64], threshold: u64) -> u64 {
    let len = sorted.iter().position(|&key| key != threshold).unwrap_or(sorted.len());
    *sorted = &sorted[len..];
    len as u64
}

impl Iterator for Points<'_> {
    type Item = Point;

    fn next(&mut self) -> Option<Point> {
        let threshold = match (self.positives.first(), self.negatives.first()) {
            (None, None) => return None,
            (Some(&p), Some(&n)) => p.max(n),
            (Some(&key), None) | (None, Some(&key)) => key,
        };
        self.at.tp += take_run(&mut self.positives, threshold);
        self.at.fp += take_run(&mut self.negatives, threshold);
        Some(self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(labels: &[u8], scores: &[f64]) -> Vec<(u64, u64)> {
        let curve = Curve::new(labels, scores, Needs::Positives).unwrap();
        curve.points().map(|p| (p.tp, p.fp)).collect()
    }

    #[test]
    fn tied_scores_form_one_point() {
        // Descending: 0.9(+) | 0.5(+) 0.5(-) 0.5(-) | 0.2(+) 0.2(-).
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        assert_eq!(points(&labels, &scores), [(1, 0), (2, 2), (3, 3)]);
    }

    #[test]
    fn signed_zeros_are_one_threshold() {
        assert_eq!(points(&[1, 0, 1], &[0.0, -0.0, 1.0]), [(1, 0), (2, 1)]);
    }

    #[test]
    fn input_order_does_not_matter() {
        let labels = [0, 1, 0, 1, 1];
        let scores = [3.0, 1.0, 2.0, 3.0, -1.0];
        assert_eq!(points(&labels, &scores), [(1, 1), (1, 2), (2, 2), (3, 2)]);
    }

    #[test]
    fn order_key_orders_like_f64() {
        let sorted = [f64::MIN, -1.0, -f64::MIN_POSITIVE, -5e-324, 0.0, 5e-324, 1.0, f64::MAX];
        for pair in sorted.windows(2) {
            assert!(order_key(pair[0]) < order_key(pair[1]), "{pair:?}");
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
    }

    #[test]
    fn counts_classes() {
        let curve = Curve::new(&[1, 0, 0], &[0.1, 0.2, 0.3], Needs::BothClasses).unwrap();
        assert_eq!((curve.positives(), curve.negatives()), (1, 2));
    }
}
