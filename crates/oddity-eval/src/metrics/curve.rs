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

/// Validated, score-sorted input of one metric.
#[derive(Debug, Clone)]
pub(crate) struct Curve {
    /// `(score, is_anomaly)`, highest score first; tied scores are adjacent.
    sorted: Vec<(f64, bool)>,
    positives: u64,
}

impl Curve {
    /// Validates the input and sorts it by score, highest first.
    ///
    /// Input errors come first (length, emptiness, then the first bad label or score by
    /// index), then the class requirement of `needs`.
    /// Sorting is `O(n log n)`, once; `f64::total_cmp` gives a total order on the (all
    /// finite) scores, with `-0.0` next to `0.0`, so equal scores stay adjacent.
    pub(crate) fn new(labels: &[u8], scores: &[f64], needs: Needs) -> Result<Self, MetricError> {
        if labels.len() != scores.len() {
            return Err(MetricError::LengthMismatch { labels: labels.len(), scores: scores.len() });
        }
        if labels.is_empty() {
            return Err(MetricError::Empty);
        }
        let mut sorted = Vec::with_capacity(labels.len());
        let mut positives = 0u64;
        for (index, (&label, &score)) in labels.iter().zip(scores).enumerate() {
            if label > 1 {
                return Err(MetricError::InvalidLabel { index, value: label });
            }
            if !score.is_finite() {
                return Err(MetricError::NonFinite { index });
            }
            positives += u64::from(label);
            sorted.push((score, label == 1));
        }
        let negatives = sorted.len() as u64 - positives;
        if positives == 0 {
            return Err(MetricError::NoPositives);
        }
        if needs == Needs::BothClasses && negatives == 0 {
            return Err(MetricError::NoNegatives);
        }
        sorted.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        Ok(Self { sorted, positives })
    }

    /// The number of anomalies (label 1); at least 1.
    pub(crate) fn positives(&self) -> u64 {
        self.positives
    }

    /// The number of normal points (label 0).
    pub(crate) fn negatives(&self) -> u64 {
        self.sorted.len() as u64 - self.positives
    }

    /// One [`Point`] per distinct score, highest threshold first.
    ///
    /// The last point predicts everything, so it is `(positives, negatives)`.
    pub(crate) fn points(&self) -> Points<'_> {
        Points { rest: &self.sorted, at: Point::default() }
    }
}

/// Iterator over the distinct thresholds of a [`Curve`]; see [`Curve::points`].
#[derive(Debug, Clone)]
pub(crate) struct Points<'a> {
    rest: &'a [(f64, bool)],
    at: Point,
}

impl Iterator for Points<'_> {
    type Item = Point;

    fn next(&mut self) -> Option<Point> {
        let &(threshold, _) = self.rest.first()?;
        // Scores are finite, so `!=` splits exactly at the next distinct value
        // (and treats -0.0 and 0.0 as one threshold, like `>=` does).
        let len = self.rest.iter().position(|&(s, _)| s != threshold).unwrap_or(self.rest.len());
        let (group, rest) = self.rest.split_at(len);
        let tp = group.iter().filter(|&&(_, anomaly)| anomaly).count() as u64;
        self.at.tp += tp;
        self.at.fp += len as u64 - tp;
        self.rest = rest;
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
    fn counts_classes() {
        let curve = Curve::new(&[1, 0, 0], &[0.1, 0.2, 0.3], Needs::BothClasses).unwrap();
        assert_eq!((curve.positives(), curve.negatives()), (1, 2));
    }
}
