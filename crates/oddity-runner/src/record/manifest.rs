//! The manifest (`plan.json`): every job of the plan and the shard a folder ran, written when
//! a run starts, so that derived tables leave out stale records and merges can tell missing
//! jobs.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, Shard};
use crate::record::journal;
use crate::RunError;

/// File name of the manifest: every job of the plan, written when a run starts.
pub const MANIFEST_FILE: &str = "plan.json";

/// One job of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestJob {
    /// The job's stable id.
    pub job: String,
    /// Its position in the plan.
    pub index: usize,
    /// Dataset name.
    pub dataset: String,
    /// Method variant label.
    pub method: String,
    /// Experiment seed.
    pub seed: u64,
}

/// What a run was asked to do: every job of the whole plan and the shard it ran, so that
/// derived tables leave out journal records of jobs the config no longer has, and merges
/// can tell missing jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format major version (same as the journal's).
    pub v: u32,
    /// Experiment name.
    pub experiment: String,
    /// The shard (`I/N`) this folder ran, if not all jobs.
    pub shard: Option<String>,
    /// Every job of the plan, in plan order.
    pub jobs: Vec<ManifestJob>,
    /// The family of each dataset whose family is not its own name (the report's
    /// per-family table groups datasets by it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub families: BTreeMap<String, String>,
    /// `[report] metric`: the metric the reports rank by, when the config chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_metric: Option<String>,
}

impl Manifest {
    /// The manifest of `plan`.
    pub fn of(plan: &Plan) -> Self {
        Self {
            v: journal::FORMAT_VERSION,
            experiment: plan.experiment.clone(),
            shard: plan.shard.map(|s| s.to_string()),
            jobs: plan
                .jobs
                .iter()
                .map(|j| ManifestJob {
                    job: j.id.clone(),
                    index: j.index,
                    dataset: plan.datasets[j.dataset].name.clone(),
                    method: plan.variants[j.variant].label.clone(),
                    seed: j.seed,
                })
                .collect(),
            families: plan
                .datasets
                .iter()
                .filter(|d| d.family != d.name)
                .map(|d| (d.name.clone(), d.family.clone()))
                .collect(),
            report_metric: plan.report_metric.clone(),
        }
    }

    /// The jobs this folder was meant to run (its shard's, or all).
    pub fn expected(&self) -> Vec<&ManifestJob> {
        let shard: Option<Shard> = self.shard.as_deref().and_then(|s| s.parse().ok());
        self.jobs.iter().filter(|j| shard.is_none_or(|s| s.contains(&j.job))).collect()
    }
}

/// Writes `manifest` into `dir` (through a temporary file, so it is whole or absent).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), RunError> {
    let path = dir.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(manifest).map_err(|e| RunError::output(&path, e))?;
    super::write_whole(&path, text).map_err(|e| RunError::output(&path, e))
}

/// Reads the manifest of `dir`, if the run wrote one.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, RunError> {
    let path = dir.join(MANIFEST_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| RunError::output(&path, e))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| RunError::Journal {
        path: path.clone(),
        line: e.line(),
        message: e.to_string(),
    })?;
    if m.v != journal::FORMAT_VERSION {
        return Err(RunError::Journal {
            path,
            line: 1,
            message: format!(
                "format version {} is not supported (expected {})",
                m.v,
                journal::FORMAT_VERSION
            ),
        });
    }
    Ok(Some(m))
}
