//! The serde mirror of the experiment TOML. These are the only `Deserialize` types of the
//! runner's input; [`crate::Plan::new`] turns them into a validated plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oddity_preprocess::{Imputer, Scaler, Split};
use serde::Deserialize;
use toml::Spanned;

use crate::ConfigError;

/// The whole experiment file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    /// `[experiment]`: name, seeds, folders.
    pub experiment: RawHeader,
    /// `[[dataset]]` blocks.
    #[serde(default, rename = "dataset")]
    pub datasets: Vec<RawDataset>,
    /// `[preprocess]`: defaults for every dataset and method.
    #[serde(default)]
    pub preprocess: RawPreprocess,
    /// `[[method]]` blocks: detector, label and parameters (checked against the registry).
    #[serde(default, rename = "method")]
    pub methods: Vec<BTreeMap<String, Spanned<toml::Value>>>,
    /// `[evaluate]`: metrics for every dataset and method.
    #[serde(default)]
    pub evaluate: RawEvaluate,
    /// `[report]`: how the reports choose what they show.
    #[serde(default)]
    pub report: RawReport,
}

/// `[report]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// The metric the reports rank by, name the best method with, and draw their figures of
    /// (a threshold-free metric of the run, by name: `"vus_pr"`). Default: the first listed.
    #[serde(default)]
    pub metric: Option<Spanned<String>>,
}

/// `[experiment]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    /// Experiment name, written into every result row.
    pub name: String,
    /// Seeds; every (dataset, method variant) runs once per seed. Default `[0]`.
    #[serde(default)]
    pub seeds: Option<Spanned<Vec<u64>>>,
    /// Folder that relative dataset paths resolve against (itself relative to the config
    /// file's folder). Default: the config file's folder.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Output folder (relative to the working directory). Default `results/<name>`.
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Save every fitted pipeline (preprocessing + detector) as a model file under
    /// `OUTPUT/models/`, for `oddity score`. Default false.
    #[serde(default)]
    pub save_models: bool,
    /// Wall-clock limit of every job: seconds or `"30s"`, `"10m"`, `"2h"` (a method's own
    /// `time_limit` wins). Default: none.
    #[serde(default)]
    pub time_limit: Option<Spanned<toml::Value>>,
    /// Memory (address space) limit of every job: bytes or `"512MB"`, `"2GiB"` (a method's
    /// own `memory_limit` wins). Default: none.
    #[serde(default)]
    pub memory_limit: Option<Spanned<toml::Value>>,
    /// The protocol of every dataset that does not name its own: `"standard"` (fit on the
    /// training part, score the test part) or `"tsbad"` (TSB-AD's). Default `"standard"`.
    #[serde(default)]
    pub protocol: Option<Spanned<String>>,
}

/// `[[dataset]]`: one labelled file split inside, or separate train / test files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    /// Unique name.
    pub name: Spanned<String>,
    /// One file holding every row (split with `split`).
    #[serde(default)]
    pub path: Option<Spanned<PathBuf>>,
    /// Training-part file (separate-files layout).
    #[serde(default)]
    pub train: Option<Spanned<PathBuf>>,
    /// Test-part file (separate-files layout).
    #[serde(default)]
    pub test: Option<Spanned<PathBuf>>,
    /// Labels of the test part, one 0/1 per line (SMD/ASD layout, for header-less `test`).
    #[serde(default)]
    pub test_labels: Option<Spanned<PathBuf>>,
    /// Label column (default `label`).
    #[serde(default)]
    pub label: Option<String>,
    /// Timestamp column, parsed to epoch seconds.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Labels from anomaly windows instead of a label column: a NAB `combined_windows.json`
    /// (rows whose timestamp lies inside a window of the series are 1). Needs `timestamp`.
    #[serde(default)]
    pub label_windows: Option<Spanned<PathBuf>>,
    /// The series' key in `label_windows` (default: the last two parts of `path`, e.g.
    /// `realTraffic/speed_7578.csv`).
    #[serde(default)]
    pub label_windows_key: Option<Spanned<String>>,
    /// Explicit feature columns (default: every other column).
    #[serde(default)]
    pub features: Option<Vec<String>>,
    /// The feature drawn as the series in the HTML report (default: the first feature).
    #[serde(default)]
    pub plot_feature: Option<Spanned<String>>,
    /// How `path` is split (default `stratified` with `train = 0.6`).
    #[serde(default)]
    pub split: Option<Spanned<Split>>,
    /// `"standard"` or `"tsbad"`: TSB-AD's protocol (unsupervised detectors fit on and
    /// score the whole series, semi-supervised ones fit on its training part; metrics on the
    /// whole series, VUS buffer = the period). Default: `[experiment] protocol`.
    #[serde(default)]
    pub protocol: Option<Spanned<String>>,
    /// The family the report groups this dataset in (default: the name's part before its
    /// first `_`).
    #[serde(default)]
    pub family: Option<Spanned<String>>,
    /// Overrides of `[preprocess]` for this dataset.
    #[serde(default)]
    pub preprocess: Option<RawPreprocess>,
    /// Overrides of `[evaluate]` for this dataset.
    #[serde(default)]
    pub evaluate: Option<RawEvaluate>,
}

/// `[preprocess]` (also per dataset and per method).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreprocess {
    /// `none` (NaN is an error), `mean` or `median`.
    #[serde(default)]
    pub impute: Option<Imputer>,
    /// `none`, `standard`, `robust` or `minmax`.
    #[serde(default)]
    pub scale: Option<Scaler>,
}

/// `[evaluate]` (also per dataset and per method; `threshold` and `random_baseline` only in
/// the top-level table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvaluate {
    /// Metrics from the `oddity-eval` registry: a name, or a table
    /// `{ metric = "pak_f1", k = 50 }` with the metric's options.
    #[serde(default)]
    pub metrics: Option<Spanned<Vec<toml::Value>>>,
    /// `"exact"` (default) or `"tsbad"`: TSB-AD's definitions for every metric that has them.
    #[serde(default)]
    pub compat: Option<Spanned<String>>,
    /// A threshold rule `{ method = "pot", q = 1e-3 }`, or a list of them: each is fitted on
    /// the training scores and the threshold-dependent metrics are computed at it.
    #[serde(default)]
    pub threshold: Option<Spanned<toml::Value>>,
    /// Whether a `random` detector (seeded uniform scores) joins every experiment (default
    /// true).
    #[serde(default)]
    pub random_baseline: Option<Spanned<bool>>,
}

/// The config text together with its path, for errors that point at a line.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path of the config file as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Source {
    /// Reads the config file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            key: None,
            message: if e.kind() == std::io::ErrorKind::NotFound {
                "file not found".into()
            } else {
                format!("cannot read: {e}")
            },
        })?;
        Ok(Self { path: path.to_path_buf(), text })
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.text.as_bytes()[..offset.min(self.text.len())].iter().filter(|&&b| b == b'\n').count()
            + 1
    }

    /// An error at `span` about `key`.
    pub fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.path.clone(),
            line: span.map(|s| self.line_of(s.start)),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// Parses the text into the raw mirror.
    pub fn parse(&self) -> Result<RawExperiment, ConfigError> {
        toml::from_str(&self.text).map_err(|e| ConfigError {
            file: self.path.clone(),
            line: e.span().map(|s| self.line_of(s.start)),
            key: None,
            message: e.message().trim().replace('\n', " "),
        })
    }
}
