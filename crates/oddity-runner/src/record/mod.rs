//! The record of a run: the journal (the ground state), the manifest of the plan and the
//! score tracks of time series. Everything else in an output folder is derived from these.

use std::collections::{HashMap, HashSet};
use std::path::Path;

pub mod journal;
pub mod lock;
pub mod manifest;
pub mod tracks;
mod write;

pub use journal::{JobRecord, JobStatus, Journal, MetricRecord, MetricStatus};
pub use lock::{OutputLock, LOCK_FILE};
pub use manifest::{read_manifest, write_manifest, Manifest, ManifestJob, MANIFEST_FILE};
pub use write::write_whole;

use crate::RunError;

/// What an output folder holds, as far as derived tables are concerned.
pub struct Current {
    /// The last record of each job, only jobs of the manifest, in plan order.
    pub records: Vec<JobRecord>,
    /// The manifest, when the run wrote one.
    pub manifest: Option<Manifest>,
    /// Warnings from reading the journal.
    pub warnings: Vec<String>,
}

/// The records of `dir` that count: the last record of each job, only jobs of the manifest
/// (when there is one), in plan order; plus warnings.
pub fn current_records(dir: &Path) -> Result<Current, RunError> {
    let contents = journal::read(dir)?;
    let manifest = read_manifest(dir)?;
    let mut warnings = contents.warnings;
    let known: Option<HashSet<&str>> =
        manifest.as_ref().map(|m| m.jobs.iter().map(|j| j.job.as_str()).collect());
    let mut latest: HashMap<String, JobRecord> = HashMap::new();
    let mut stale = 0;
    for r in contents.records {
        if known.as_ref().is_some_and(|k| !k.contains(r.job.as_str())) {
            stale += 1;
            continue;
        }
        latest.insert(r.job.clone(), r);
    }
    if stale > 0 {
        warnings.push(format!(
            "`{}`: left out {stale} journal records of jobs that the config no longer has (changed or removed)",
            dir.display()
        ));
    }
    let mut records: Vec<JobRecord> = latest.into_values().collect();
    records.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.job.cmp(&b.job)));
    Ok(Current { records, manifest, warnings })
}
