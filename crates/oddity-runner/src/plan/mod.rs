//! The plan: a validated, expanded experiment. Pure — nothing here reads data or runs a
//! detector, so every rule is testable on config text alone (see the `check` cases in
//! `tests.rs`).
//!
//! [`Plan::new`] checks the parts in order: the [`header`], the [`datasets`], the
//! [`methods`] (lists expand into variants), [`evaluate`] (metrics, thresholds), then the
//! [`grid`] of jobs with stable ids.

mod datasets;
mod evaluate;
mod grid;
mod header;
mod methods;
#[cfg(test)]
mod tests;

pub use grid::{Shard, ShardError};

use std::path::{Path, PathBuf};

use oddity_core::Params;
use oddity_eval::threshold::ThresholdRule;
use oddity_eval::MetricOptions;
use oddity_preprocess::{Imputer, Scaler, Split, WindowNorm, Windows};

use crate::config::{RawExperiment, Source};
use crate::limits::Limits;
use crate::ConfigError;

/// Why `name` cannot be an experiment's, a dataset's or a method's name, if it cannot: a
/// control character (a newline would end a line of a Slurm script, a journal table row …)
/// anywhere; and for the names of datasets and methods (`names_files`), which name folders
/// and files of the output, a path separator or a name that is `.` or `..`.
pub(crate) fn name_problem(name: &str, names_files: bool) -> Option<String> {
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!(
            "`{}` contains the control character {c:?}: names are one line of printable text",
            name.escape_debug()
        ));
    }
    if !names_files {
        return None;
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Some(format!(
            "`{name}` contains `{c}`: names become file names, use another character (`_`, `-`)"
        ));
    }
    if name == "." || name == ".." {
        return Some(format!("`{name}` cannot name a file: choose another name"));
    }
    None
}

/// Method keys that set the job's limits rather than detector parameters.
pub const LIMIT_KEYS: &[&str] = &["time_limit", "memory_limit"];

/// Method keys that any detector accepts: sliding windows over the rows.
pub const WINDOW_KEYS: &[&str] =
    &["window", "stride", "window_score", "window_norm", "period_rank"];

/// Metrics computed when no `[evaluate] metrics` is given.
pub const DEFAULT_METRICS: &[&str] = &["roc_auc", "average_precision", "best_f1"];

/// Metrics computed under `protocol = "tsbad"` when no `[evaluate] metrics` is given: the
/// threshold-free ones of TSB-AD's `get_metrics` (the VUS buffer is the period).
pub const TSBAD_METRICS: &[&str] = &["roc_auc", "average_precision", "vus_roc", "vus_pr"];

/// The label of the random baseline added to every experiment (unless
/// `[evaluate] random_baseline = false`).
pub const RANDOM_BASELINE: &str = "random";

/// One metric of a job, with its options.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// Registry name.
    pub name: String,
    /// Options (never a threshold: thresholds come from `[evaluate] threshold`);
    /// `options.period` says whether VUS's buffer is the period estimated from the test
    /// part's first feature (`buffer = "period"`, as TSB-AD's benchmark does).
    pub options: MetricOptions,
    /// The options as written into results (`k=50`, `buffer=period`), empty for none.
    pub described: String,
}

impl MetricSpec {
    /// The metric with its options as one word: `roc_auc`, `pak_f1(k=50)`.
    pub fn key(&self) -> String {
        if self.described.is_empty() {
            self.name.clone()
        } else {
            format!("{}({})", self.name, self.described)
        }
    }
}

/// A threshold rule of `[evaluate] threshold`, with its label in results.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdSpec {
    /// `name`, or the rule's own label (`pot(q=0.001,level=0.98)`).
    pub label: String,
    /// The rule.
    pub rule: ThresholdRule,
}

/// Where a dataset's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// One file, split by the dataset's [`Split`].
    Single(PathBuf),
    /// Separate training and test files (SMD, ASD, SMAP/MSL layouts).
    Separate {
        /// Training part (labels, if any, are ignored).
        train: PathBuf,
        /// Test part.
        test: PathBuf,
        /// Labels of a header-less test matrix, one 0/1 per line.
        test_labels: Option<PathBuf>,
    },
}

/// Preprocessing of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preprocess {
    /// Imputation of missing values.
    pub impute: Imputer,
    /// Feature scaling.
    pub scale: Scaler,
}

/// One dataset of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetPlan {
    /// Unique name.
    pub name: String,
    /// Its files, resolved against the data folder.
    pub source: DataSource,
    /// Label column of CSV / Parquet files.
    pub label: String,
    /// Timestamp column, if any.
    pub timestamp: Option<String>,
    /// Labels from anomaly windows: the windows file and the series' key in it.
    pub label_windows: Option<(PathBuf, String)>,
    /// Explicit feature columns, if any.
    pub features: Option<Vec<String>>,
    /// How a single file is split ([`Split::None`] never applies to separate files).
    pub split: Split,
    /// The feature the HTML report draws as the series, and its config line (default: the
    /// first feature).
    pub plot_feature: Option<(String, usize)>,
    /// How jobs on this dataset fit, score and evaluate.
    pub protocol: Protocol,
    /// The family the report groups it in.
    pub family: String,
    /// The config line of the dataset's name, for messages.
    pub line: usize,
}

/// How the jobs of a dataset use its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Fit the preprocessing and the detector on the training part, score and evaluate the
    /// test part.
    #[default]
    Standard,
    /// TSB-AD's benchmark protocol (`Run_Detector_U.py` / `_M.py`) on a series: an
    /// unsupervised detector fits on and scores the whole series (its scores are those of
    /// [`oddity_core::Detector::fit_score`]); a semi-supervised one fits on the training
    /// part and scores the whole series; every metric is computed on the whole series,
    /// with TSB-AD's metric definitions and the VUS buffer = the period of the series.
    /// The whole series is the single file, or the test file of separate files (whose
    /// training file is then the training part).
    Tsbad,
}

impl Protocol {
    /// The config name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Tsbad => "tsbad",
        }
    }

    /// Reads a config name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(Self::Standard),
            "tsbad" => Some(Self::Tsbad),
            _ => None,
        }
    }
}

/// The family of a dataset named `name` when the config gives none: the part before the
/// first `_` (`nab_art_daily` → `nab`), or the whole name.
pub fn default_family(name: &str) -> String {
    name.split('_').next().filter(|f| !f.is_empty()).unwrap_or(name).to_string()
}

/// One method variant: a detector with fully resolved parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The label in results: the method's name, plus the expanded values when a list
    /// expanded into several variants.
    pub label: String,
    /// The registry name of the detector.
    pub detector: String,
    /// Resolved parameters (defaults filled in).
    pub params: Params,
    /// Sliding windows applied before the detector, if any.
    pub window: Option<WindowPlan>,
}

/// A variant's sliding windows as the config gives them: a length in rows or the series'
/// period, fixed per job by [`WindowPlan::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPlan {
    /// The window length.
    pub size: WindowSize,
    /// The windows once the length is known (`size` is a placeholder while it is the
    /// period).
    pub windows: Windows,
}

/// How long a window is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSize {
    /// A fixed number of rows (`window = 100`).
    Rows(usize),
    /// The period of the series the detector fits on (`window = "period"`): TSB-AD's
    /// `find_length_rank` with `period_rank` 1, 2 or 3.
    Period {
        /// Which local maximum of the autocorrelation.
        rank: u8,
    },
}

impl WindowPlan {
    /// The windows for a detector fitting on `series` (its first feature gives the period).
    pub fn resolve(&self, series: &oddity_core::Dataset) -> Windows {
        match self.size {
            WindowSize::Rows(_) => self.windows,
            WindowSize::Period { rank } => {
                let first = series.features.column(0).to_vec();
                let size = oddity_eval::estimate_period_rank(&first, usize::from(rank)).max(2);
                Windows { size, ..self.windows }
            }
        }
    }

    /// The settings as the `params` column writes them:
    /// `window=period(rank=1);stride=auto;window_score=mean`, plus `window_norm` when set.
    pub fn describe(&self) -> String {
        let w = &self.windows;
        let size = match self.size {
            WindowSize::Rows(n) => n.to_string(),
            WindowSize::Period { rank } => format!("period(rank={rank})"),
        };
        let stride = w.stride.map_or("auto".to_string(), |s| s.to_string());
        let mut s = format!("window={size};stride={stride};window_score={}", w.score.as_str());
        if w.norm != WindowNorm::None {
            s.push_str(&format!(";window_norm={}", w.norm.as_str()));
        }
        s
    }
}

impl Variant {
    /// The `params` column of results: detector parameters, then the window settings.
    pub fn describe_params(&self) -> String {
        let mut s = self.params.describe();
        if let Some(w) = &self.window {
            let sep = if s.is_empty() { "" } else { ";" };
            s = format!("{s}{sep}{}", w.describe());
        }
        s
    }
}

/// One unit of work: a dataset, a variant and a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Stable id: a hash of the job's definition.
    pub id: String,
    /// Position in the whole plan (shards keep the positions of the whole plan).
    pub index: usize,
    /// Index into [`Plan::datasets`].
    pub dataset: usize,
    /// Index into [`Plan::variants`].
    pub variant: usize,
    /// The experiment seed.
    pub seed: u64,
    /// Preprocessing for this job.
    pub preprocess: Preprocess,
    /// Metrics to compute.
    pub metrics: Vec<MetricSpec>,
    /// Time and memory limits.
    pub limits: Limits,
}

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Replaces `[experiment] data_dir`.
    pub data_dir: Option<PathBuf>,
    /// Replaces `[experiment] output`.
    pub output: Option<PathBuf>,
    /// Runs only this part of the jobs, in the folder `shard-I-of-N` inside the output.
    pub shard: Option<Shard>,
    /// Saves every fitted pipeline into this folder (`oddity fit --save DIR`); replaces
    /// `[experiment] save_models`.
    pub save_models: Option<PathBuf>,
}

/// A validated experiment: datasets × variants × seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Experiment name.
    pub experiment: String,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// The config file the plan was read from (a run never writes over it).
    pub config: PathBuf,
    /// Output folder (a shard's own folder when `shard` is set).
    pub output: PathBuf,
    /// The part of the jobs this plan runs, if not all.
    pub shard: Option<Shard>,
    /// Where each job saves its fitted pipeline as a model file, if anywhere
    /// ([`crate::model::model_path`]).
    pub save_models: Option<PathBuf>,
    /// Datasets in config order.
    pub datasets: Vec<DatasetPlan>,
    /// Method variants in config order.
    pub variants: Vec<Variant>,
    /// Threshold rules: each is fitted on every job's training scores, and the
    /// threshold-dependent metrics are computed at it.
    pub thresholds: Vec<ThresholdSpec>,
    /// Jobs: for each dataset, each variant, each seed (all of them, whatever the shard).
    pub jobs: Vec<Job>,
    /// `[report] metric`: the metric the reports rank by, if the config chose one.
    pub report_metric: Option<String>,
}

impl Plan {
    /// Reads, parses and validates the config at `path`.
    pub fn from_file(path: &Path, opts: &PlanOptions) -> Result<Self, ConfigError> {
        let source = Source::read(path)?;
        let raw = source.parse()?;
        Self::new(&source, raw, opts)
    }

    /// The jobs this plan runs: all of them, or those of its shard, in plan order.
    pub fn selected(&self) -> Vec<&Job> {
        self.jobs.iter().filter(|j| self.shard.is_none_or(|s| s.contains(&j.id))).collect()
    }

    /// Validates `raw` (parsed from `source`) and expands the grid.
    pub fn new(
        source: &Source,
        raw: RawExperiment,
        opts: &PlanOptions,
    ) -> Result<Self, ConfigError> {
        let header = header::check(source, &raw, opts)?;
        let (datasets, dataset_overrides) =
            datasets::check(source, &raw, &header.data_dir, header.protocol)?;
        let mut blocks = methods::check(source, &raw)?;
        evaluate::check_layers(source, &dataset_overrides, &blocks)?;
        let thresholds = evaluate::threshold_specs(source, raw.evaluate.threshold.as_ref())?;
        methods::add_random_baseline(source, &raw, &mut blocks)?;
        let variants: Vec<Variant> = blocks.iter().flat_map(|b| b.variants.clone()).collect();
        grid::check_windows(source, &variants, &datasets)?;
        let jobs =
            grid::jobs(source, &raw, &header, &datasets, &dataset_overrides, &blocks, &thresholds)?;
        let report_metric = evaluate::report_metric(source, raw.report.metric.as_ref(), &jobs)?;
        Ok(Self {
            experiment: header.experiment,
            seeds: header.seeds,
            config: source.path.clone(),
            output: header.output,
            shard: opts.shard,
            save_models: header.save_models,
            datasets,
            variants,
            thresholds,
            jobs,
            report_metric,
        })
    }
}
