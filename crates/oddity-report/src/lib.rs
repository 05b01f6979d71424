//! Reports of oddity runs: one [`Summary`] of a run's records — datasets, methods, metric
//! keys, cells, means, ranks and the one rule for which datasets are complete enough to
//! rank — that `results.csv` / `results.parquet`, `report.md` (with its ranking section) and
//! `report.html` all read; and the merge of shard folders into one.
//!
//! This crate reads only the record of a run ([`oddity_runner::record`]: the journal, the
//! manifest and the score tracks); it never runs a job. The `oddity` CLI calls
//! [`write_outputs`] after a run exactly as `oddity report DIR` does (through [`merge`] of a
//! single folder).
//!
//! # Example: summarise records and write the Markdown report
//!
//! ```
//! use oddity_report::{report_md, Summary};
//! use oddity_runner::record::{JobRecord, JobStatus, MetricRecord, MetricStatus};
//!
//! # fn job(dataset: &str, method: &str, auc: f64) -> JobRecord {
//! #     let metric = MetricRecord {
//! #         metric: "roc_auc".into(), oracle: false, value: Some(auc), status: MetricStatus::Ok,
//! #         error: None, threshold: None, options: None, period: None,
//! #     };
//! #     JobRecord {
//! #         v: oddity_runner::record::journal::FORMAT_VERSION, job: format!("{dataset}-{method}"),
//! #         index: 0, experiment: "demo".into(), dataset: dataset.into(), method: method.into(),
//! #         detector: method.into(), params: String::new(), seed: 0, status: JobStatus::Ok,
//! #         error: None, n_train: 10, n_test: 10, fit_seconds: 0.0, score_seconds: 0.0,
//! #         peak_rss_bytes: None, metrics: vec![metric],
//! #     }
//! # }
//! // Two datasets; `lof` has no record on `wine`, so only `cardio` is complete.
//! let records = vec![job("cardio", "knn", 0.9), job("cardio", "lof", 0.8), job("wine", "knn", 0.7)];
//! let summary = Summary::new(&records);
//! let auc = summary.metric("roc_auc").ok_or("no roc_auc")?;
//! assert_eq!(auc.means()[0], [Some(0.9), Some(0.8)]);
//! assert_eq!(auc.complete().datasets(), [0]);
//! assert_eq!(auc.complete().left_out(), [1]);
//! let text = report_md(&summary);
//! assert!(text.contains("| cardio | **0.9000** | 0.8000 |"));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

mod error;
mod html;
mod markdown;
mod merge;
mod outputs;
mod ranking;
mod summary;
mod tables;

use std::path::Path;

use oddity_runner::record::{current_records, Current};

pub use error::ReportError;
pub use html::{report_html, HTML_FILE};
pub use markdown::{report_md, REPORT_FILE};
pub use merge::{merge, MergeSummary};
pub use summary::{
    descending_ranks, metric_key, Cell, Complete, MetricSummary, Summary, BASELINE_MARGIN,
    FEW_DATASETS,
};
pub use tables::{results_csv, MEASURED_COLUMNS, PARQUET_FILE, RESULTS_COLUMNS, RESULTS_FILE};

/// What [`write_outputs`] found while writing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Notes about the record: a dropped half-written line, records of jobs the config no
    /// longer has.
    pub notes: Vec<String>,
    /// The line naming the best method on the ranking metric ([`Summary::headline`]).
    pub best: Option<String>,
}

/// Reads the journal (and manifest) of `dir` and (re)writes `results.csv`,
/// `results.parquet`, `report.md` and `report.html` there.
pub fn write_outputs(dir: &Path) -> Result<Written, ReportError> {
    let Current { records, warnings, .. } = current_records(dir)?;
    let best = outputs::write_all(dir, &records)?;
    Ok(Written { notes: warnings, best })
}
