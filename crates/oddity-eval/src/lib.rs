//! Tie-aware, exact anomaly-detection metrics (ROC-AUC, average precision, best F1) that
//! match scikit-learn.
//!
//! Every metric is a pure function of a label slice (`0` = normal, `1` = anomaly) and a score
//! slice (higher = more anomalous) that returns `Result<f64, MetricError>`.
//! Tied scores are one threshold: a metric never depends on the order of equal scores.
//! The [`metrics`] registry lists every metric by its config name, so that the runner can
//! look one up with [`metric`].
//!
//! # Example: score two slices
//!
//! ```
//! use oddity_eval::{average_precision, best_f1, metric, roc_auc};
//!
//! let labels = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0];
//! let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
//! assert_eq!(roc_auc(&labels, &scores)?, 0.75);
//! assert!((average_precision(&labels, &scores)? - 61.0 / 90.0).abs() < 1e-15);
//! assert_eq!(best_f1(&labels, &scores)?, 2.0 / 3.0);
//!
//! // The same metric, looked up by its config name.
//! let entry = metric("roc_auc").ok_or("unknown metric")?;
//! assert_eq!((entry.compute)(&labels, &scores)?, 0.75);
//!
//! // A test part without anomalies makes the metric undefined, not the run invalid.
//! let err = roc_auc(&[0, 0], &[0.1, 0.2]).unwrap_err();
//! assert!(err.is_undefined());
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

mod error;
mod metrics;
mod registry;

pub use error::MetricError;
pub use metrics::{average_precision, best_f1, roc_auc};
pub use registry::{metric, metrics, MetricEntry};
