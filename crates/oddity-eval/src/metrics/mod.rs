//! The metrics, one file each, on top of the shared threshold sweep in `curve`.

mod average_precision;
mod best_f1;
mod curve;
mod roc_auc;

pub use average_precision::average_precision;
pub use best_f1::best_f1;
pub use roc_auc::roc_auc;
