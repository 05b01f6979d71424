//! The grid: datasets × variants × seeds as jobs with stable ids, and shards of it.

use oddity_core::derive_seed;
use oddity_preprocess::{Imputer, Scaler, Split};

use super::datasets::Overrides;
use super::evaluate::pick_metrics;
use super::header::Header;
use super::methods::MethodBlock;
use super::{
    DataSource, DatasetPlan, Job, MetricSpec, Preprocess, Protocol, ThresholdSpec, Variant,
};
use crate::config::{RawExperiment, RawPreprocess, Source};
use crate::ConfigError;

/// One of `count` deterministic parts of a plan (`--shard index/count`, 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1 to `count`.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Shard {
    /// Whether job `id` belongs to this shard: its hash modulo `count`, so a job's shard
    /// depends on its definition only, not on its neighbours in the config.
    pub fn contains(&self, id: &str) -> bool {
        let h = u64::from_str_radix(id, 16).unwrap_or_else(|_| derive_seed(0, &[id]));
        (h % self.count as u64) as usize == self.index - 1
    }

    /// The shard's own output folder inside the experiment's output folder.
    pub fn folder_name(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// Why a `--shard` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// Occurs when the value is not two numbers around a `/`.
    #[error("expected a shard like 2/5 (part 2 of 5), got `{0}`")]
    Syntax(String),
    /// Occurs when the part is 0 or above the count.
    #[error("shard `{0}`: the part must be between 1 and the count")]
    OutOfRange(String),
}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, ShardError> {
        let bad = || ShardError::Syntax(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(ShardError::OutOfRange(s.to_string()));
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Refuses sliding windows on a dataset whose split puts rows out of time order.
pub(super) fn check_windows(
    source: &Source,
    variants: &[Variant],
    datasets: &[DatasetPlan],
) -> Result<(), ConfigError> {
    if let Some(v) = variants.iter().find(|v| v.window.is_some()) {
        if let Some(d) = datasets.iter().find(|d| matches!(d.split, Split::Stratified { .. })) {
            return Err(ConfigError {
                file: source.path.clone(),
                line: Some(d.line),
                key: Some("split".into()),
                message: format!(
                    "method `{}` uses `window` but dataset `{}` has a stratified split, which puts rows out of time order: use chronological, prefix, none, column or separate files",
                    v.label, d.name
                ),
            });
        }
    }

    Ok(())
}

/// Every job: for each dataset, each variant, each seed.
pub(super) fn jobs(
    source: &Source,
    raw: &RawExperiment,
    header: &Header,
    datasets: &[DatasetPlan],
    dataset_overrides: &[Overrides],
    blocks: &[MethodBlock],
    thresholds: &[ThresholdSpec],
) -> Result<Vec<Job>, ConfigError> {
    let mut jobs = Vec::new();
    for (di, dataset) in datasets.iter().enumerate() {
        let (d_pre, d_eval) = &dataset_overrides[di];
        let mut vi = 0;
        for block in blocks {
            let preprocess = merge_preprocess(&[
                block.preprocess.as_ref(),
                d_pre.as_ref(),
                Some(&raw.preprocess),
            ]);
            let metrics = pick_metrics(
                source,
                &[block.evaluate.as_ref(), d_eval.as_ref(), Some(&raw.evaluate)],
                dataset.protocol,
            )?;
            for variant in &block.variants {
                for &seed in &header.seeds {
                    let key = JobKey {
                        experiment: &header.experiment,
                        dataset,
                        variant,
                        seed,
                        preprocess: &preprocess,
                        metrics: &metrics,
                        thresholds,
                    };
                    jobs.push(Job {
                        id: key.id(),
                        index: jobs.len(),
                        dataset: di,
                        variant: vi,
                        seed,
                        preprocess,
                        metrics: metrics.clone(),
                        limits: header.limits.overridden_by(block.limits),
                    });
                }
                vi += 1;
            }
        }
    }
    Ok(jobs)
}

/// The first value set among `layers` (most specific first) for each step.
fn merge_preprocess(layers: &[Option<&RawPreprocess>]) -> Preprocess {
    Preprocess {
        impute: layers.iter().flatten().find_map(|p| p.impute).unwrap_or_default(),
        scale: layers.iter().flatten().find_map(|p| p.scale).unwrap_or_default(),
    }
}

/// Version of the job-id encoding: changing [`JobKey::encode`] in any way that changes an id
/// must bump it (the pinned ids in the tests fail otherwise).
pub const JOB_ID_VERSION: u32 = 1;

/// Everything that defines a job's result, for its stable id: the experiment, the dataset
/// (file names, columns, split; not the folder, so moving the data keeps the ids), the
/// variant, the seed, the preprocessing, the metrics and the threshold rules. Limits are left
/// out: a finished job's result does not depend on them.
struct JobKey<'a> {
    experiment: &'a str,
    dataset: &'a DatasetPlan,
    variant: &'a Variant,
    seed: u64,
    preprocess: &'a Preprocess,
    metrics: &'a [MetricSpec],
    thresholds: &'a [ThresholdSpec],
}

impl JobKey<'_> {
    /// The canonical encoding: one `name=value` line per field, in a fixed order, every value
    /// written in the config's own vocabulary (never a `Debug` form, so renaming a Rust field
    /// or type changes no id).
    fn encode(&self) -> String {
        let file = |p: &std::path::Path| {
            p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
        };
        let files = match &self.dataset.source {
            DataSource::Single(p) => file(p),
            DataSource::Separate { train, test, test_labels } => format!(
                "{}|{}|{}",
                file(train),
                file(test),
                test_labels.as_deref().map(file).unwrap_or_default()
            ),
        };
        let split = match &self.dataset.split {
            Split::Stratified { train } => format!("stratified(train={train})"),
            Split::Chronological { train } => format!("chronological(train={train})"),
            Split::Prefix { train_rows } => format!("prefix(train_rows={train_rows})"),
            Split::None => "none".to_string(),
            Split::Column { column } => format!("column(column={column})"),
        };
        let impute = match self.preprocess.impute {
            Imputer::None => "none",
            Imputer::Mean => "mean",
            Imputer::Median => "median",
        };
        let scale = match self.preprocess.scale {
            Scaler::None => "none",
            Scaler::Standard => "standard",
            Scaler::Robust => "robust",
            Scaler::MinMax => "minmax",
        };
        let metrics: Vec<String> = self.metrics.iter().map(MetricSpec::key).collect();
        let thresholds: Vec<String> =
            self.thresholds.iter().map(|t| format!("{}={}", t.label, t.rule.label())).collect();
        let d = self.dataset;
        let fields: [(&str, String); 16] = [
            ("experiment", self.experiment.to_string()),
            ("dataset", d.name.clone()),
            ("files", files),
            ("label", d.label.clone()),
            ("timestamp", d.timestamp.clone().unwrap_or_default()),
            ("features", d.features.as_ref().map(|f| f.join(",")).unwrap_or_default()),
            ("split", split),
            (
                "label_windows",
                d.label_windows
                    .as_ref()
                    .map(|(w, k)| format!("{}:{k}", file(w)))
                    .unwrap_or_default(),
            ),
            ("method", self.variant.label.clone()),
            ("detector", self.variant.detector.clone()),
            ("params", self.variant.describe_params()),
            ("seed", self.seed.to_string()),
            ("impute", impute.to_string()),
            ("scale", scale.to_string()),
            ("metrics", metrics.join(",")),
            ("thresholds", thresholds.join("|")),
        ];
        let mut text = format!("oddity-job v{JOB_ID_VERSION}\n");
        // Fields added after v1 are written only when they differ from what v1 meant, so
        // every earlier id stays valid.
        let later = (d.protocol != Protocol::Standard)
            .then(|| ("protocol", d.protocol.as_str().to_string()));
        for (name, value) in fields.into_iter().chain(later) {
            // A value holding a line break cannot be confused with the next field: escape it.
            let value = value.replace('\\', "\\\\").replace('\n', "\\n");
            text.push_str(&format!("{name}={value}\n"));
        }
        text
    }

    /// The id: 16 hex digits of a hash of [`JobKey::encode`].
    fn id(&self) -> String {
        format!("{:016x}", derive_seed(0, &[&self.encode()]))
    }
}
