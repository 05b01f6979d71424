//! The plan: a validated, expanded experiment. Pure — nothing here reads data or runs a
//! detector, so every rule is testable on config text alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oddity_core::{derive_seed, ParamValue, Params};
use oddity_eval::threshold::ThresholdRule;
use oddity_eval::{Bias, Cardinality, Compat, MetricOptions};
use oddity_preprocess::{Imputer, Scaler, Split, WindowScore, Windows};
use toml::Spanned;

use crate::config::{RawEvaluate, RawExperiment, RawPreprocess, Source};
use crate::limits::{self, Limits};
use crate::{registry, ConfigError};

/// Method keys that set the job's limits rather than detector parameters.
pub const LIMIT_KEYS: &[&str] = &["time_limit", "memory_limit"];

/// Method keys that any detector accepts: sliding windows over the rows.
pub const WINDOW_KEYS: &[&str] = &["window", "stride", "window_score"];

/// Metrics computed when no `[evaluate] metrics` is given.
pub const DEFAULT_METRICS: &[&str] = &["roc_auc", "average_precision", "best_f1"];

/// The label of the random baseline added to every experiment (unless
/// `[evaluate] random_baseline = false`).
pub const RANDOM_BASELINE: &str = "random";

/// One metric of a job, with its options.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// Registry name.
    pub name: String,
    /// Options (never a threshold: thresholds come from `[evaluate] threshold`).
    pub options: MetricOptions,
    /// Whether VUS's buffer is the period estimated from the test part's first feature
    /// (`buffer = "period"`, as TSB-AD's benchmark does).
    pub period: bool,
    /// The options as written into results (`k=50`, `buffer=period`), empty for none.
    pub described: String,
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
    /// The config line of the dataset's name, for messages.
    pub line: usize,
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
    pub window: Option<Windows>,
}

impl Variant {
    /// The `params` column of results: detector parameters, then the window settings.
    pub fn describe_params(&self) -> String {
        let mut s = self.params.describe();
        if let Some(w) = &self.window {
            let stride = w.stride.map_or("auto".to_string(), |s| s.to_string());
            let score = match w.score {
                WindowScore::Mean => "mean",
                WindowScore::Max => "max",
            };
            let sep = if s.is_empty() { "" } else { ";" };
            s = format!("{s}{sep}window={};stride={stride};window_score={score}", w.size);
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

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected a shard like 2/5 (part 2 of 5), got `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard `{s}`: the part must be between 1 and the count"));
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
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
}

/// A `[[method]]` block after expansion, before the grid.
struct MethodBlock {
    variants: Vec<Variant>,
    limits: Limits,
    preprocess: Option<RawPreprocess>,
    evaluate: Option<RawEvaluate>,
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
        let experiment = raw.experiment.name.clone();
        if experiment.trim().is_empty() {
            return Err(source.error(None, "experiment.name", "must not be empty"));
        }
        let seeds = match &raw.experiment.seeds {
            None => vec![0],
            Some(s) if s.get_ref().is_empty() => {
                return Err(source.error(
                    Some(s.span()),
                    "experiment.seeds",
                    "must list at least one seed",
                ))
            }
            Some(s) => s.get_ref().clone(),
        };
        let config_dir = source.path.parent().unwrap_or(Path::new("")).to_path_buf();
        let data_dir = match (&opts.data_dir, &raw.experiment.data_dir) {
            (Some(d), _) => d.clone(),
            (None, Some(d)) => config_dir.join(d),
            (None, None) => config_dir,
        };
        let mut output = opts
            .output
            .clone()
            .or_else(|| raw.experiment.output.clone())
            .unwrap_or_else(|| Path::new("results").join(&experiment));
        if let Some(shard) = &opts.shard {
            output = output.join(shard.folder_name());
        }
        let save_models = opts
            .save_models
            .clone()
            .or_else(|| raw.experiment.save_models.then(|| output.join("models")));
        let global_limits = limits_of(
            source,
            "experiment",
            raw.experiment.time_limit.as_ref(),
            raw.experiment.memory_limit.as_ref(),
        )?;

        if raw.datasets.is_empty() {
            return Err(source.error(None, "dataset", "the config has no [[dataset]] block"));
        }
        if raw.methods.is_empty() {
            return Err(source.error(None, "method", "the config has no [[method]] block"));
        }
        let mut datasets: Vec<DatasetPlan> = Vec::new();
        let mut dataset_overrides = Vec::new();
        for (i, d) in raw.datasets.iter().enumerate() {
            let name = d.name.get_ref().clone();
            let line = source.line_of(d.name.span().start);
            if let Some(first) = datasets.iter().find(|p| p.name == name) {
                return Err(source.error(
                    Some(d.name.span()),
                    format!("dataset[{i}].name"),
                    format!("duplicate dataset name `{name}` (first used at line {})", first.line),
                ));
            }
            if name.trim().is_empty() {
                return Err(source.error(
                    Some(d.name.span()),
                    format!("dataset[{i}].name"),
                    "must not be empty",
                ));
            }
            let resolve = |p: &Spanned<PathBuf>| data_dir.join(p.get_ref());
            let key = |k: &str| format!("dataset[{i}].{k}");
            let source_files = match (&d.path, &d.train, &d.test) {
                (Some(p), None, None) => {
                    if let Some(t) = &d.test_labels {
                        return Err(source.error(
                            Some(t.span()),
                            key("test_labels"),
                            "only valid with `train` and `test`",
                        ));
                    }
                    DataSource::Single(resolve(p))
                }
                (None, Some(train), Some(test)) => {
                    if let Some(s) = &d.split {
                        return Err(source.error(
                            Some(s.span()),
                            key("split"),
                            "not valid with separate `train` and `test` files (they are the split)",
                        ));
                    }
                    DataSource::Separate {
                        train: resolve(train),
                        test: resolve(test),
                        test_labels: d.test_labels.as_ref().map(resolve),
                    }
                }
                (Some(p), _, _) => {
                    return Err(source.error(
                        Some(p.span()),
                        key("path"),
                        "give either `path` or `train` + `test`, not both",
                    ))
                }
                (None, Some(t), None) | (None, None, Some(t)) => {
                    return Err(source.error(
                        Some(t.span()),
                        key("train"),
                        "`train` and `test` must be given together",
                    ))
                }
                (None, None, None) => {
                    return Err(source.error(
                        Some(d.name.span()),
                        key("path"),
                        "missing `path` (or `train` + `test`)",
                    ))
                }
            };
            let split = match &d.split {
                None => match source_files {
                    DataSource::Single(_) => Split::Stratified { train: 0.6 },
                    DataSource::Separate { .. } => Split::None,
                },
                Some(s) => {
                    let split = s.get_ref().clone();
                    split
                        .validate()
                        .map_err(|e| source.error(Some(s.span()), key("split"), e.to_string()))?;
                    split
                }
            };
            let label_windows = match (&d.label_windows, &d.label_windows_key, &source_files) {
                (None, None, _) => None,
                (None, Some(k), _) => {
                    return Err(source.error(
                        Some(k.span()),
                        key("label_windows_key"),
                        "only valid with `label_windows`",
                    ))
                }
                (Some(w), _, DataSource::Separate { .. }) => {
                    return Err(source.error(
                        Some(w.span()),
                        key("label_windows"),
                        "only valid with a single `path` (a whole series)",
                    ))
                }
                (Some(w), k, DataSource::Single(p)) => {
                    if d.timestamp.is_none() {
                        return Err(source.error(
                            Some(w.span()),
                            key("label_windows"),
                            "needs `timestamp`: rows are labelled by the windows their time falls in",
                        ));
                    }
                    if d.label.is_some() {
                        return Err(source.error(
                            Some(w.span()),
                            key("label_windows"),
                            "give either `label` (a column) or `label_windows`, not both",
                        ));
                    }
                    let default_key = || {
                        let parts: Vec<String> = p
                            .components()
                            .rev()
                            .take(2)
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect();
                        parts.into_iter().rev().collect::<Vec<_>>().join("/")
                    };
                    let k = k.as_ref().map_or_else(default_key, |k| k.get_ref().clone());
                    Some((resolve(w), k))
                }
            };
            datasets.push(DatasetPlan {
                name,
                source: source_files,
                label: d.label.clone().unwrap_or_else(|| "label".into()),
                timestamp: d.timestamp.clone(),
                label_windows,
                features: d.features.clone(),
                split,
                plot_feature: d
                    .plot_feature
                    .as_ref()
                    .map(|f| (f.get_ref().clone(), source.line_of(f.span().start))),
                line,
            });
            dataset_overrides.push((d.preprocess.clone(), d.evaluate.clone()));
        }

        let mut blocks = Vec::new();
        for (i, table) in raw.methods.iter().enumerate() {
            blocks.push(method_block(source, i, table)?);
        }
        let mut variants: Vec<Variant> = Vec::new();
        for block in &blocks {
            for v in &block.variants {
                if variants.iter().any(|w| w.label == v.label) {
                    return Err(source.error(
                        None,
                        "method.name",
                        format!(
                            "two methods are labelled `{}`: give them distinct `name`s",
                            v.label
                        ),
                    ));
                }
                variants.push(v.clone());
            }
        }

        for (i, e) in dataset_overrides.iter().filter_map(|(_, e)| e.as_ref()).enumerate() {
            top_level_only(source, &format!("dataset[{i}].evaluate"), e)?;
        }
        for (i, b) in blocks.iter().enumerate() {
            if let Some(e) = &b.evaluate {
                top_level_only(source, &format!("method[{i}].evaluate"), e)?;
            }
        }
        let thresholds = threshold_specs(source, raw.evaluate.threshold.as_ref())?;
        let random_baseline = raw.evaluate.random_baseline.as_ref().is_none_or(|b| *b.get_ref());
        if random_baseline && !variants.iter().any(|v| v.label == RANDOM_BASELINE) {
            let entry = registry::detector(RANDOM_BASELINE).ok_or_else(|| {
                source.error(None, "evaluate.random_baseline", "no `random` detector")
            })?;
            let (params, _) = entry
                .instantiate(&Params::default())
                .map_err(|e| source.error(None, "evaluate.random_baseline", e.to_string()))?;
            let variant = Variant {
                label: RANDOM_BASELINE.into(),
                detector: RANDOM_BASELINE.into(),
                params,
                window: None,
            };
            variants.push(variant.clone());
            blocks.push(MethodBlock {
                variants: vec![variant],
                limits: Limits::default(),
                preprocess: None,
                evaluate: None,
            });
        }

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

        let mut jobs = Vec::new();
        for (di, dataset) in datasets.iter().enumerate() {
            let (d_pre, d_eval) = &dataset_overrides[di];
            let mut vi = 0;
            for block in &blocks {
                let preprocess = merge_preprocess(&[
                    block.preprocess.as_ref(),
                    d_pre.as_ref(),
                    Some(&raw.preprocess),
                ]);
                let metrics = pick_metrics(
                    source,
                    &[block.evaluate.as_ref(), d_eval.as_ref(), Some(&raw.evaluate)],
                )?;
                for variant in &block.variants {
                    for &seed in &seeds {
                        jobs.push(Job {
                            id: job_id(
                                &experiment,
                                dataset,
                                variant,
                                seed,
                                &preprocess,
                                &metrics,
                                &thresholds,
                            ),
                            index: jobs.len(),
                            dataset: di,
                            variant: vi,
                            seed,
                            preprocess,
                            metrics: metrics.clone(),
                            limits: global_limits.overridden_by(block.limits),
                        });
                    }
                    vi += 1;
                }
            }
        }
        Ok(Self {
            experiment,
            seeds,
            output,
            shard: opts.shard,
            save_models,
            datasets,
            variants,
            thresholds,
            jobs,
        })
    }
}

/// The limits set by `time_limit` and `memory_limit` under `table`.
fn limits_of(
    source: &Source,
    table: &str,
    time: Option<&Spanned<toml::Value>>,
    memory: Option<&Spanned<toml::Value>>,
) -> Result<Limits, ConfigError> {
    let time = time
        .map(|v| {
            limits::parse_time(v.get_ref())
                .map_err(|e| source.error(Some(v.span()), format!("{table}.time_limit"), e))
        })
        .transpose()?;
    let memory = memory
        .map(|v| {
            limits::parse_memory(v.get_ref())
                .map_err(|e| source.error(Some(v.span()), format!("{table}.memory_limit"), e))
        })
        .transpose()?;
    Ok(Limits { time, memory })
}

/// A stable id for a job: a hash of everything that defines its result — the experiment,
/// the dataset (file names, columns, split; not the folder, so moving the data keeps the
/// ids), the variant, the seed, the preprocessing and the metrics. Limits are left out: a
/// finished job's result does not depend on them.
fn job_id(
    experiment: &str,
    dataset: &DatasetPlan,
    variant: &Variant,
    seed: u64,
    preprocess: &Preprocess,
    metrics: &[MetricSpec],
    thresholds: &[ThresholdSpec],
) -> String {
    let name =
        |p: &Path| p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let files = match &dataset.source {
        DataSource::Single(p) => name(p),
        DataSource::Separate { train, test, test_labels } => format!(
            "{}|{}|{}",
            name(train),
            name(test),
            test_labels.as_deref().map(name).unwrap_or_default()
        ),
    };
    let mut data = format!(
        "{files}|{}|{:?}|{:?}|{:?}",
        dataset.label, dataset.timestamp, dataset.features, dataset.split
    );
    if let Some((windows, key)) = &dataset.label_windows {
        data.push_str(&format!("|windows={}:{key}", name(windows)));
    }
    let params = variant.describe_params();
    let seed = seed.to_string();
    let preprocess = format!("{preprocess:?}");
    let mut metrics = metrics
        .iter()
        .map(|m| {
            if m.described.is_empty() {
                m.name.clone()
            } else {
                format!("{}({})", m.name, m.described)
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    for t in thresholds {
        metrics.push_str(&format!("|{}={}", t.label, t.rule.label()));
    }
    let h = derive_seed(
        0,
        &[
            experiment,
            &dataset.name,
            &data,
            &variant.label,
            &variant.detector,
            &params,
            &seed,
            &preprocess,
            &metrics,
        ],
    );
    format!("{h:016x}")
}

/// The first value set among `layers` (most specific first) for each step.
fn merge_preprocess(layers: &[Option<&RawPreprocess>]) -> Preprocess {
    Preprocess {
        impute: layers.iter().flatten().find_map(|p| p.impute).unwrap_or_default(),
        scale: layers.iter().flatten().find_map(|p| p.scale).unwrap_or_default(),
    }
}

/// The most specific metric list among `layers`, checked against the registry, with each
/// metric's options (and the most specific `compat`).
fn pick_metrics(
    source: &Source,
    layers: &[Option<&RawEvaluate>],
) -> Result<Vec<MetricSpec>, ConfigError> {
    let compat = match layers.iter().flatten().find_map(|e| e.compat.as_ref()) {
        None => None,
        Some(c) => Some(parse_compat(c.get_ref()).ok_or_else(|| {
            source.error(
                Some(c.span()),
                "evaluate.compat",
                format!("expected \"exact\" or \"tsbad\", got `{}`", c.get_ref()),
            )
        })?),
    };
    let plain = |name: &str| -> Result<MetricSpec, String> {
        let mut spec = metric_spec(name, &BTreeMap::new())?;
        apply_compat(&mut spec, compat);
        Ok(spec)
    };
    let Some(list) = layers.iter().flatten().find_map(|e| e.metrics.as_ref()) else {
        return DEFAULT_METRICS
            .iter()
            .map(|m| plain(m).map_err(|e| source.error(None, "evaluate.metrics", e)))
            .collect();
    };
    if list.get_ref().is_empty() {
        return Err(source.error(
            Some(list.span()),
            "evaluate.metrics",
            "must list at least one metric",
        ));
    }
    let mut specs: Vec<MetricSpec> = Vec::new();
    for (i, item) in list.get_ref().iter().enumerate() {
        let err = |e: String| source.error(Some(list.span()), format!("evaluate.metrics[{i}]"), e);
        let mut spec = match item {
            toml::Value::String(name) => plain(name).map_err(err)?,
            toml::Value::Table(table) => {
                let Some(toml::Value::String(name)) = table.get("metric") else {
                    return Err(err("a metric table needs `metric = \"name\"`".into()));
                };
                let options: BTreeMap<String, toml::Value> = table
                    .iter()
                    .filter(|(k, _)| k.as_str() != "metric")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut spec = metric_spec(name, &options).map_err(err)?;
                if !options.contains_key("compat") {
                    apply_compat(&mut spec, compat);
                }
                spec
            }
            other => {
                return Err(err(format!(
                    "expected a metric name or a table {{ metric = \"...\", ... }}, got {}",
                    other.type_str()
                )))
            }
        };
        if specs.iter().any(|s| s.name == spec.name && s.described == spec.described) {
            return Err(err(format!(
                "metric `{}` is listed twice with the same options",
                spec.name
            )));
        }
        spec.described = spec.described.trim_matches(';').to_string();
        specs.push(spec);
    }
    Ok(specs)
}

fn parse_compat(s: &str) -> Option<Compat> {
    match s {
        "exact" => Some(Compat::Exact),
        "tsbad" => Some(Compat::Tsbad),
        _ => None,
    }
}

/// Sets `compat` on a metric that reads it, and says so in its description.
fn apply_compat(spec: &mut MetricSpec, compat: Option<Compat>) {
    let reads = oddity_eval::metric(&spec.name).is_some_and(|e| e.options.contains(&"compat"));
    if let (true, Some(Compat::Tsbad)) = (reads, compat) {
        spec.options.compat = Compat::Tsbad;
        spec.described = format!("{};compat=tsbad", spec.described);
    }
}

/// The metric `name` with `options` (config keys and values), checked against what the
/// registry entry reads.
fn metric_spec(name: &str, options: &BTreeMap<String, toml::Value>) -> Result<MetricSpec, String> {
    let Some(entry) = oddity_eval::metric(name) else {
        let known: Vec<_> = oddity_eval::metrics().iter().map(|e| e.name).collect();
        return Err(format!("unknown metric `{name}` (known: {})", known.join(", ")));
    };
    if entry.needs_threshold {
        return Err(format!(
            "`{name}` needs a threshold: set `[evaluate] threshold` and it is computed at every threshold"
        ));
    }
    let mut spec = MetricSpec {
        name: name.to_string(),
        options: MetricOptions::default(),
        period: false,
        described: String::new(),
    };
    let mut described = Vec::new();
    for (key, value) in options {
        let readable: Vec<&str> =
            entry.options.iter().copied().filter(|o| *o != "threshold").collect();
        if !readable.contains(&key.as_str()) {
            let takes = if readable.is_empty() {
                "takes no options".to_string()
            } else {
                format!("takes {}", readable.join(", "))
            };
            return Err(format!("metric `{name}`: unknown option `{key}` ({name} {takes})"));
        }
        let bad = |want: &str| {
            format!("metric `{name}`: option `{key}` must be {want}, got `{}`", show(value))
        };
        let o = &mut spec.options;
        match (key.as_str(), value) {
            ("k", v) => {
                o.k =
                    Some(number_in(v, 0.0..=100.0).ok_or_else(|| bad("a percentage in [0, 100]"))?)
            }
            ("buffer", toml::Value::String(s)) if s == "period" => spec.period = true,
            ("buffer", toml::Value::Integer(b)) if *b >= 0 => o.buffer = Some(*b as usize),
            ("buffer", _) => return Err(bad("an integer >= 0 or \"period\"")),
            ("thresholds", toml::Value::String(s)) if s == "all" => o.all_thresholds = true,
            ("thresholds", toml::Value::String(s)) if s == "opt" => o.all_thresholds = false,
            ("thresholds", _) => {
                return Err(bad("\"all\" (every distinct score) or \"opt\" (TSB-AD's 250)"))
            }
            ("alpha", v) => {
                o.range.alpha = number_in(v, 0.0..=1.0).ok_or_else(|| bad("a number in [0, 1]"))?
            }
            ("cardinality", toml::Value::String(s)) => {
                o.range.cardinality = match s.as_str() {
                    "one" => Cardinality::One,
                    "reciprocal" => Cardinality::Reciprocal,
                    _ => return Err(bad("\"one\" or \"reciprocal\"")),
                }
            }
            ("bias", toml::Value::String(s)) => {
                o.range.bias = match s.as_str() {
                    "flat" => Bias::Flat,
                    "front" => Bias::Front,
                    "back" => Bias::Back,
                    "middle" => Bias::Middle,
                    _ => return Err(bad("\"flat\", \"front\", \"back\" or \"middle\"")),
                }
            }
            ("compat", toml::Value::String(s)) => {
                o.compat = parse_compat(s).ok_or_else(|| bad("\"exact\" or \"tsbad\""))?
            }
            _ => return Err(bad("of another type")),
        }
        described.push(format!("{key}={}", show(value)));
    }
    // The VUS buffer length is always written into the results, default or not.
    if entry.options.contains(&"buffer") && !options.contains_key("buffer") {
        described.insert(0, format!("buffer={}", oddity_eval::DEFAULT_VUS_BUFFER));
    }
    spec.described = described.join(";");
    Ok(spec)
}

/// A TOML number (integer or float) inside `range`.
fn number_in(v: &toml::Value, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    let x = v.as_float().or(v.as_integer().map(|i| i as f64))?;
    range.contains(&x).then_some(x)
}

/// A scalar TOML value as written in messages and results.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.type_str().to_string(),
    }
}

/// Refuses `threshold` and `random_baseline` outside the top-level `[evaluate]`: they apply
/// to every method alike.
fn top_level_only(source: &Source, table: &str, e: &RawEvaluate) -> Result<(), ConfigError> {
    if let Some(t) = &e.threshold {
        return Err(source.error(
            Some(t.span()),
            format!("{table}.threshold"),
            "only valid in the top-level [evaluate] (thresholds apply to every method alike)",
        ));
    }
    if let Some(b) = &e.random_baseline {
        return Err(source.error(
            Some(b.span()),
            format!("{table}.random_baseline"),
            "only valid in the top-level [evaluate]",
        ));
    }
    Ok(())
}

/// The rules of `[evaluate] threshold`: one table or a list of tables
/// `{ method = "...", name = "...", <numeric parameters> }`.
fn threshold_specs(
    source: &Source,
    value: Option<&Spanned<toml::Value>>,
) -> Result<Vec<ThresholdSpec>, ConfigError> {
    let Some(value) = value else { return Ok(vec![]) };
    let tables: Vec<&toml::Value> = match value.get_ref() {
        toml::Value::Array(items) if items.is_empty() => {
            return Err(source.error(
                Some(value.span()),
                "evaluate.threshold",
                "an empty list gives no threshold",
            ))
        }
        toml::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut specs: Vec<ThresholdSpec> = Vec::new();
    for (i, t) in tables.into_iter().enumerate() {
        let key = if matches!(value.get_ref(), toml::Value::Array(_)) {
            format!("evaluate.threshold[{i}]")
        } else {
            "evaluate.threshold".to_string()
        };
        let err = |m: String| source.error(Some(value.span()), key.clone(), m);
        let toml::Value::Table(table) = t else {
            return Err(err(format!(
                "expected a table like {{ method = \"pot\", q = 1e-3 }}, got {}",
                t.type_str()
            )));
        };
        let Some(toml::Value::String(method)) = table.get("method") else {
            return Err(err(
                "missing `method = \"...\"` (contamination, fixed, sigma, mad, top_k, pot, spot)"
                    .into(),
            ));
        };
        let mut params: Vec<(&str, f64)> = Vec::new();
        let mut name = None;
        for (k, v) in table {
            match (k.as_str(), v) {
                ("method", _) => {}
                ("name", toml::Value::String(s)) => name = Some(s.clone()),
                (k, toml::Value::Float(f)) => params.push((k, *f)),
                (k, toml::Value::Integer(n)) => params.push((k, *n as f64)),
                (k, other) => {
                    return Err(err(format!("`{k}` must be a number, got {}", other.type_str())))
                }
            }
        }
        let rule = ThresholdRule::from_params(method, &params).map_err(|e| err(e.to_string()))?;
        let label = name.unwrap_or_else(|| rule.label());
        if specs.iter().any(|s| s.label == label) {
            return Err(err(format!("two thresholds are labelled `{label}`: give one a `name`")));
        }
        specs.push(ThresholdSpec { label, rule });
    }
    Ok(specs)
}

/// Reads one `[[method]]` table: detector, name, overrides, and parameters (lists expand).
fn method_block(
    source: &Source,
    i: usize,
    table: &BTreeMap<String, Spanned<toml::Value>>,
) -> Result<MethodBlock, ConfigError> {
    let key = |k: &str| format!("method[{i}].{k}");
    let string = |k: &str| -> Result<Option<String>, ConfigError> {
        match table.get(k) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                toml::Value::String(s) => Ok(Some(s.clone())),
                other => Err(source.error(
                    Some(v.span()),
                    key(k),
                    format!("expected a string, got {}", other.type_str()),
                )),
            },
        }
    };
    let Some(detector_name) = string("detector")? else {
        let span = table.values().next().map(|v| v.span());
        return Err(source.error(span, key("detector"), "missing `detector`"));
    };
    let entry = registry::detector(&detector_name).ok_or_else(|| {
        let known: Vec<_> = registry::detectors().iter().map(|d| d.name).collect();
        source.error(
            table.get("detector").map(|v| v.span()),
            key("detector"),
            format!("unknown detector `{detector_name}` (known: {})", known.join(", ")),
        )
    })?;
    let name = string("name")?.unwrap_or_else(|| detector_name.clone());
    let sub = |k: &str| -> Result<Option<toml::Value>, ConfigError> {
        Ok(table.get(k).map(|v| v.get_ref().clone()))
    };
    let preprocess =
        sub("preprocess")?.map(|v| v.try_into::<RawPreprocess>()).transpose().map_err(|e| {
            source.error(
                table.get("preprocess").map(|v| v.span()),
                key("preprocess"),
                e.message().trim(),
            )
        })?;
    let evaluate = table.get("evaluate").map(|v| method_evaluate(source, i, v)).transpose()?;

    let limits = limits_of(
        source,
        &format!("method[{i}]"),
        table.get("time_limit"),
        table.get("memory_limit"),
    )?;

    // Parameters: every other key; a list gives one variant per value (cartesian product).
    let mut axes: Vec<(String, Vec<ParamValue>, std::ops::Range<usize>)> = Vec::new();
    for (k, v) in table {
        if ["detector", "name", "preprocess", "evaluate"].contains(&k.as_str())
            || LIMIT_KEYS.contains(&k.as_str())
        {
            continue;
        }
        let values = match v.get_ref() {
            toml::Value::Array(items) if items.is_empty() => {
                return Err(source.error(Some(v.span()), key(k), "an empty list gives no variant"))
            }
            toml::Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
            other => scalar(other).map(|s| vec![s]),
        }
        .ok_or_else(|| {
            source.error(
                Some(v.span()),
                key(k),
                "expected a number, string, boolean or a list of them",
            )
        })?;
        axes.push((k.clone(), values, v.span()));
    }
    let mut combos: Vec<Vec<(String, ParamValue)>> = vec![vec![]];
    for (k, values, _) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let expanded: Vec<&str> =
        axes.iter().filter(|(_, v, _)| v.len() > 1).map(|(k, _, _)| k.as_str()).collect();
    let mut variants = Vec::new();
    for combo in combos {
        let window = window_of(&combo).map_err(|(k, msg)| {
            let span = axes.iter().find(|(a, _, _)| a == k).map(|(_, _, s)| s.clone());
            source.error(span, key(k), msg)
        })?;
        let given = Params(
            combo.iter().filter(|(k, _)| !WINDOW_KEYS.contains(&k.as_str())).cloned().collect(),
        );
        let (params, _) = entry.instantiate(&given).map_err(|e| {
            let bad = match &e {
                oddity_core::Error::UnknownParameter { name, .. } => Some(name.clone()),
                oddity_core::Error::InvalidParameter { name, .. } => Some(name.clone()),
                _ => None,
            };
            let span = bad
                .as_ref()
                .and_then(|b| axes.iter().find(|(k, _, _)| k == b))
                .map(|(_, _, s)| s.clone());
            source.error(span, key(bad.as_deref().unwrap_or("detector")), e.to_string())
        })?;
        let label = if expanded.is_empty() {
            name.clone()
        } else {
            let tags: Vec<String> = combo
                .iter()
                .filter(|(k, _)| expanded.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("{name}[{}]", tags.join(","))
        };
        variants.push(Variant { label, detector: detector_name.clone(), params, window });
    }
    Ok(MethodBlock { variants, limits, preprocess, evaluate })
}

/// A method's `evaluate = { ... }` table. Read by hand rather than through serde: `Spanned`
/// fields cannot be deserialized from an already parsed `toml::Value`, so every value takes
/// the span of the whole table.
fn method_evaluate(
    source: &Source,
    i: usize,
    value: &Spanned<toml::Value>,
) -> Result<RawEvaluate, ConfigError> {
    let span = value.span();
    let key = |k: &str| format!("method[{i}].evaluate{k}");
    let toml::Value::Table(table) = value.get_ref() else {
        return Err(source.error(Some(span), key(""), "expected a table"));
    };
    let mut raw = RawEvaluate::default();
    for (k, v) in table {
        let spanned = |v: toml::Value| Some(Spanned::new(span.clone(), v));
        match (k.as_str(), v) {
            ("metrics", toml::Value::Array(items)) => {
                raw.metrics = Some(Spanned::new(span.clone(), items.clone()))
            }
            ("compat", toml::Value::String(s)) => {
                raw.compat = Some(Spanned::new(span.clone(), s.clone()))
            }
            ("threshold", v) => raw.threshold = spanned(v.clone()),
            ("random_baseline", toml::Value::Boolean(b)) => {
                raw.random_baseline = Some(Spanned::new(span.clone(), *b))
            }
            ("metrics" | "compat" | "random_baseline", other) => {
                return Err(source.error(
                    Some(span.clone()),
                    key(&format!(".{k}")),
                    format!("unexpected {}", other.type_str()),
                ))
            }
            (other, _) => {
                return Err(source.error(
                    Some(span.clone()),
                    key(&format!(".{other}")),
                    "unknown key (known: metrics, compat)",
                ))
            }
        }
    }
    Ok(raw)
}

/// The window settings among a variant's values, or `(key, message)`.
fn window_of(combo: &[(String, ParamValue)]) -> Result<Option<Windows>, (&'static str, String)> {
    let get = |k: &str| combo.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let int = |k: &'static str| match get(k) {
        None => Ok(None),
        Some(ParamValue::Int(v)) => Ok(Some(*v)),
        Some(other) => Err((k, format!("expected an integer, got `{other}`"))),
    };
    let score = match get("window_score") {
        None => WindowScore::Mean,
        Some(ParamValue::Str(s)) if s == "mean" => WindowScore::Mean,
        Some(ParamValue::Str(s)) if s == "max" => WindowScore::Max,
        Some(other) => {
            return Err(("window_score", format!("expected \"mean\" or \"max\", got `{other}`")))
        }
    };
    let (size, stride) = (int("window")?, int("stride")?);
    let Some(size) = size else {
        return match WINDOW_KEYS[1..].iter().find(|k| get(k).is_some()) {
            Some(k) => Err((k, "needs `window`".into())),
            None => Ok(None),
        };
    };
    Windows::new(size, stride, score).map(Some).map_err(|e| {
        (if stride.is_some_and(|s| s < 1) { "stride" } else { "window" }, e.to_string())
    })
}

/// A scalar TOML value as a parameter value.
fn scalar(v: &toml::Value) -> Option<ParamValue> {
    match v {
        toml::Value::Integer(i) => Some(ParamValue::Int(*i)),
        toml::Value::Float(f) => Some(ParamValue::Float(*f)),
        toml::Value::Boolean(b) => Some(ParamValue::Bool(*b)),
        toml::Value::String(s) => Some(ParamValue::Str(s.clone())),
        _ => None,
    }
}
