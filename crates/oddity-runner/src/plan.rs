//! The plan: a validated, expanded experiment. Pure — nothing here reads data or runs a
//! detector, so every rule is testable on config text alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oddity_core::{derive_seed, ParamValue, Params};
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
    /// Explicit feature columns, if any.
    pub features: Option<Vec<String>>,
    /// How a single file is split ([`Split::None`] never applies to separate files).
    pub split: Split,
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub metrics: Vec<String>,
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
    /// Datasets in config order.
    pub datasets: Vec<DatasetPlan>,
    /// Method variants in config order.
    pub variants: Vec<Variant>,
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
            datasets.push(DatasetPlan {
                name,
                source: source_files,
                label: d.label.clone().unwrap_or_else(|| "label".into()),
                timestamp: d.timestamp.clone(),
                features: d.features.clone(),
                split,
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
                            id: job_id(&experiment, dataset, variant, seed, &preprocess, &metrics),
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
        Ok(Self { experiment, seeds, output, shard: opts.shard, datasets, variants, jobs })
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
    metrics: &[String],
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
    let data = format!(
        "{files}|{}|{:?}|{:?}|{:?}",
        dataset.label, dataset.timestamp, dataset.features, dataset.split
    );
    let params = variant.describe_params();
    let seed = seed.to_string();
    let preprocess = format!("{preprocess:?}");
    let metrics = metrics.join(",");
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

/// The most specific metric list among `layers`, checked against the registry.
fn pick_metrics(
    source: &Source,
    layers: &[Option<&RawEvaluate>],
) -> Result<Vec<String>, ConfigError> {
    let Some(list) = layers.iter().flatten().find_map(|e| e.metrics.as_ref()) else {
        return Ok(DEFAULT_METRICS.iter().map(|s| s.to_string()).collect());
    };
    if list.get_ref().is_empty() {
        return Err(source.error(
            Some(list.span()),
            "evaluate.metrics",
            "must list at least one metric",
        ));
    }
    for m in list.get_ref() {
        if oddity_eval::metric(m).is_none() {
            let known: Vec<_> = oddity_eval::metrics().iter().map(|e| e.name).collect();
            return Err(source.error(
                Some(list.span()),
                "evaluate.metrics",
                format!("unknown metric `{m}` (known: {})", known.join(", ")),
            ));
        }
    }
    Ok(list.get_ref().clone())
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
    let evaluate =
        sub("evaluate")?.map(|v| v.try_into::<RawEvaluate>()).transpose().map_err(|e| {
            source.error(
                table.get("evaluate").map(|v| v.span()),
                key("evaluate"),
                e.message().trim(),
            )
        })?;

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
