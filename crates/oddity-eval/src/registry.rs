//! The registry of metrics by config name.
//!
//! Adding a metric is one function in `metrics/` plus one entry in [`METRICS`].

use crate::{average_precision, best_f1, roc_auc, MetricError};

/// One metric as a config file and the runner see it.
#[derive(Debug, Clone, Copy)]
pub struct MetricEntry {
    /// The config name, equal to the function's name (`"roc_auc"`).
    pub name: &'static str,
    /// Whether the metric uses the test labels to choose something (such as a threshold), so
    /// it is an optimistic upper bound rather than a deployable score.
    pub oracle: bool,
    /// One line saying what the metric computes.
    pub summary: &'static str,
    /// The metric itself: labels (0 or 1) and scores (higher = more anomalous) in, value out.
    pub compute: fn(&[u8], &[f64]) -> Result<f64, MetricError>,
}

/// Every metric, in report order.
static METRICS: &[MetricEntry] = &[
    MetricEntry {
        name: "roc_auc",
        oracle: false,
        summary: "area under the ROC curve, ties count one half (scikit-learn roc_auc_score)",
        compute: roc_auc,
    },
    MetricEntry {
        name: "average_precision",
        oracle: false,
        summary: "step-wise area under the precision-recall curve \
                  (scikit-learn average_precision_score)",
        compute: average_precision,
    },
    MetricEntry {
        name: "best_f1",
        oracle: true,
        summary: "best point-wise F1 over all thresholds, chosen with the test labels",
        compute: best_f1,
    },
];

/// Every metric, in report order.
///
/// # Example
///
/// ```
/// let names: Vec<_> = oddity_eval::metrics().iter().map(|m| m.name).collect();
/// assert_eq!(names, ["roc_auc", "average_precision", "best_f1"]);
/// ```
pub fn metrics() -> &'static [MetricEntry] {
    METRICS
}

/// The metric with this config name, if there is one.
///
/// # Example
///
/// ```
/// assert!(oddity_eval::metric("best_f1").is_some_and(|m| m.oracle));
/// assert!(oddity_eval::metric("accuracy").is_none());
/// ```
pub fn metric(name: &str) -> Option<&'static MetricEntry> {
    METRICS.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Metric = fn(&[u8], &[f64]) -> Result<f64, MetricError>;

    #[test]
    fn names_are_unique_snake_case() {
        for (i, entry) in METRICS.iter().enumerate() {
            assert!(
                entry
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                entry.name
            );
            assert!(METRICS[..i].iter().all(|other| other.name != entry.name), "{}", entry.name);
            assert!(!entry.summary.is_empty());
        }
    }

    #[test]
    fn lookup_finds_each_entry() {
        for entry in metrics() {
            assert!(std::ptr::eq(metric(entry.name).unwrap(), entry));
        }
        assert!(metric("ROC_AUC").is_none());
        assert!(metric("").is_none());
    }

    #[test]
    fn only_best_f1_is_an_oracle() {
        let oracles: Vec<_> = METRICS.iter().filter(|m| m.oracle).map(|m| m.name).collect();
        assert_eq!(oracles, ["best_f1"]);
    }

    #[test]
    fn entries_compute_their_function() {
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        let functions: [(&str, Metric); 3] =
            [("roc_auc", roc_auc), ("average_precision", average_precision), ("best_f1", best_f1)];
        for (name, function) in functions {
            let entry = metric(name).unwrap();
            assert_eq!((entry.compute)(&labels, &scores), function(&labels, &scores), "{name}");
        }
    }
}
