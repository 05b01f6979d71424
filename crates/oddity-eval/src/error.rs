//! The one error type of every metric.

/// Why a metric could not be computed.
///
/// [`NoPositives`](MetricError::NoPositives) and [`NoNegatives`](MetricError::NoNegatives)
/// are properties of the data: the metric is undefined there (see
/// [`is_undefined`](MetricError::is_undefined)).
/// Every other variant is an invalid input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricError {
    /// Occurs when the label and score slices have different lengths.
    #[error("labels and scores differ in length: {labels} labels, {scores} scores")]
    LengthMismatch {
        /// The number of labels.
        labels: usize,
        /// The number of scores.
        scores: usize,
    },
    /// Occurs when the label and score slices are both empty.
    #[error("no data: labels and scores are empty")]
    Empty,
    /// Occurs when no label is `1`, so recall (and the true positive rate) divide by zero.
    #[error("undefined: no anomaly (label 1) in the evaluated part")]
    NoPositives,
    /// Occurs when no label is `0`, so the false positive rate divides by zero (ROC-AUC, VUS).
    #[error("undefined: no normal point (label 0) in the evaluated part")]
    NoNegatives,
    /// Occurs when a score is NaN or infinite, which has no place in a ranking of thresholds.
    #[error("score at index {index} is not finite")]
    NonFinite {
        /// The index of the first non-finite score.
        index: usize,
    },
    /// Occurs when a label is neither `0` (normal) nor `1` (anomaly).
    #[error("label at index {index} is {value}, expected 0 (normal) or 1 (anomaly)")]
    InvalidLabel {
        /// The index of the first invalid label.
        index: usize,
        /// The label found there.
        value: u8,
    },
    /// Occurs when a metric option is out of range or missing (`k` outside `[0, 100]`, a
    /// negative `alpha`, a metric that needs a threshold without one).
    #[error("invalid metric option {name}: {reason}")]
    InvalidOption {
        /// The option's name (`k`, `alpha`, `buffer`, `threshold`).
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl MetricError {
    /// Whether the metric is undefined for this data (one class is missing), as opposed to
    /// the input being invalid.
    ///
    /// The runner records an undefined metric as "undefined" rather than as a failure.
    pub fn is_undefined(&self) -> bool {
        matches!(self, Self::NoPositives | Self::NoNegatives)
    }
}
