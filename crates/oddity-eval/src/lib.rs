//! Anomaly-detection evaluation: tie-aware exact metrics (point-wise and time-series), thresholds
//! fitted on training scores, and statistics for comparing methods across datasets.
//!
//! Every metric is a pure function of a label slice (`0` = normal, `1` = anomaly) and a score
//! slice (higher = more anomalous) that returns `Result<f64, MetricError>`.
//! Tied scores are one threshold: a metric never depends on the order of equal scores.
//!
//! * Threshold-free: [`roc_auc`], [`average_precision`] (scikit-learn), [`vus_roc`] and
//!   [`vus_pr`] (TSB-AD's "opt" volume under the surface, or exact with every threshold).
//! * Oracle (best threshold chosen with the test labels, an upper bound): [`best_f1`],
//!   [`pa_f1`], [`pak_f1`], [`event_f1`], [`range_f1`], [`affiliation_f1`], each exact over
//!   every distinct threshold in `O(n log n)` (affiliation: `O(n log n + n · events)`).
//! * At a given prediction: [`f1_at`], [`precision_recall_at`], [`pa_f1_at`], [`pak_f1_at`],
//!   [`event_f1_at`], [`range_f1_at`], [`affiliation_f1_at`].
//! * [`tsbad`]: TSB-AD's published numbers, quirks included (`compat = "tsbad"`).
//! * [`threshold`]: contamination, fixed, sigma, MAD, top-k, POT and SPOT thresholds.
//! * [`stats`]: average ranks, Friedman / Iman–Davenport, Nemenyi CD, Wilcoxon + Holm.
//!
//! The [`metrics`] registry lists every metric by its config name, so that the runner can
//! look one up with [`metric`] and pass per-metric [`MetricOptions`]. This crate owns the
//! evaluation vocabulary: the options ([`MetricOptions::set`], [`MetricOptions::describe`],
//! [`Compat`]), a metric with its options ([`MetricChoice`]), the metrics computed at a
//! threshold rule ([`at_threshold`], decided by [`MetricEntry::at_threshold`]), the threshold
//! rules and their parameters ([`threshold::ThresholdRule`], its `describe` table), and
//! the identity of a result ([`MetricKey`]).
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
mod key;
mod metrics;
mod options;
mod period;
mod registry;
pub mod stats;
pub mod threshold;

pub use error::MetricError;
pub use key::MetricKey;
pub use metrics::tsbad;
pub use metrics::{
    affiliation_f1, affiliation_f1_at, affiliation_precision_recall_at, average_precision, best_f1,
    event_f1, event_f1_at, event_recall_at, f1_at, pa_f1, pa_f1_at, pak_f1, pak_f1_at,
    precision_recall_at, predict, range_f1, range_f1_at, range_precision_recall_at, roc_auc,
    segments, vus, vus_pr, vus_roc, Bias, Cardinality, RangeParams, VusParams, VusThresholds,
};
pub use options::{
    Compat, MetricOptions, OptionError, OptionSpec, OptionValue, DEFAULT_VUS_BUFFER,
};
pub use period::{estimate_period, estimate_period_rank, FALLBACK_PERIOD};
pub use registry::{
    at_threshold, metric, metrics, AtThreshold, MetricChoice, MetricEntry, MetricWithOptions,
    ThresholdMetric,
};
