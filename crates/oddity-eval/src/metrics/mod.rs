//! The metrics, one file each, on top of the shared threshold sweep in `curve`.

mod affiliation;
mod average_precision;
mod best_f1;
mod curve;
mod event;
mod point;
mod point_adjust;
mod range;
mod roc_auc;
mod segments;
pub mod tsbad;
mod vus;

pub use affiliation::{affiliation_f1, affiliation_f1_at, affiliation_precision_recall_at};
pub use average_precision::average_precision;
pub use best_f1::best_f1;
pub use event::{event_f1, event_f1_at, event_recall_at};
pub use point::{f1_at, precision_recall_at};
pub use point_adjust::{pa_f1, pa_f1_at, pak_f1, pak_f1_at};
pub use range::{range_f1, range_f1_at, range_precision_recall_at, Bias, Cardinality, RangeParams};
pub use roc_auc::roc_auc;
pub use segments::{predict, segments};
pub use vus::{vus, vus_pr, vus_roc, VusParams, VusThresholds};

/// Validates labels and scores (the input errors every metric reports first).
pub(crate) fn check(labels: &[u8], scores: &[f64]) -> Result<usize, crate::MetricError> {
    curve::validate(labels, scores, curve::Needs::Positives)
}
