//! What one job does: split its dataset, fit the preprocessing and the detector on the
//! training part, score the test part, compute the metrics, and (when asked) save the model
//! and the score track. The dispatcher's in-process path and the worker process both call
//! [`run_job`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use oddity_core::{derive_seed, Dataset, FitContext, Supervision};
use oddity_eval::MetricOptions;
use oddity_preprocess::{Imputer, Windows};

use crate::data::{self, Loaded};
use crate::model::{
    model_path, windowed, FittedPipeline, ModelInfo, PipelineError, Preprocessing, SavedModel,
};
use crate::plan::{Job, Plan, Protocol, ThresholdSpec};
use crate::record::journal::FORMAT_VERSION;
use crate::record::{tracks, JobRecord, JobStatus, MetricRecord, MetricStatus};
use crate::{registry, RunError};

/// Loads dataset `di` of `plan` and checks its splits for every seed.
pub(crate) fn load_dataset(plan: &Plan, di: usize) -> Result<Loaded, RunError> {
    let d = &plan.datasets[di];
    // Missing values are allowed at read time only if some job imputes them.
    let allow_missing =
        plan.jobs.iter().any(|j| j.dataset == di && j.preprocess.impute != Imputer::None);
    let loaded = data::load(d, allow_missing)?;
    if let Some((feature, line)) = &d.plot_feature {
        let names = match &loaded {
            Loaded::Single { rows, .. } => &rows.feature_names,
            Loaded::Separate { test, .. } => &test.feature_names,
        };
        if !names.contains(feature) {
            return Err(RunError::Data {
                dataset: d.name.clone(),
                message: format!(
                    "plot_feature `{feature}` (config line {line}) is not one of its features: {}",
                    names.join(", ")
                ),
            });
        }
    }
    for seed in &plan.seeds {
        data::split(d, &loaded, *seed)
            .map_err(|e| RunError::Data { dataset: d.name.clone(), message: e.to_string() })?;
    }
    Ok(loaded)
}

/// A record for `job` before it ran: identity filled in, status `ok`, nothing measured.
pub(crate) fn new_record(plan: &Plan, job: &Job) -> JobRecord {
    let dataset = &plan.datasets[job.dataset];
    let variant = &plan.variants[job.variant];
    JobRecord {
        v: FORMAT_VERSION,
        job: job.id.clone(),
        index: job.index,
        experiment: plan.experiment.clone(),
        dataset: dataset.name.clone(),
        method: variant.label.clone(),
        detector: variant.detector.clone(),
        params: variant.describe_params(),
        seed: job.seed,
        status: JobStatus::Ok,
        error: None,
        n_train: 0,
        n_test: 0,
        fit_seconds: 0.0,
        score_seconds: 0.0,
        peak_rss_bytes: None,
        metrics: vec![],
    }
}

/// Runs one job in this process, turning every error and panic into a `failed` record.
pub(crate) fn run_job(plan: &Plan, job: &Job, loaded: &Loaded, threads: usize) -> JobRecord {
    let mut record = new_record(plan, job);
    let outcome =
        catch_unwind(AssertUnwindSafe(|| try_job(plan, job, loaded, threads, &mut record)));
    let error = match outcome {
        Ok(Ok(())) => return record,
        Ok(Err(e)) => e.to_string(),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            format!("panic: {msg}")
        }
    };
    record.status = JobStatus::Failed;
    record.error = Some(error.replace('\n', " "));
    record.metrics.clear();
    record
}

/// Why a job failed (its record's `error`).
#[derive(Debug, thiserror::Error)]
enum JobError {
    /// The dataset could not be split.
    #[error(transparent)]
    Split(#[from] oddity_preprocess::PreprocessError),
    /// Preprocessing, windowing or scoring failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The variant's detector is not in the registry.
    #[error("{}", crate::registry::left_out(.0).unwrap_or_else(|| format!("unknown detector `{}`", .0)))]
    UnknownDetector(String),
    /// The detector could not be built from the variant's parameters.
    #[error("{0}")]
    Build(oddity_core::Error),
    /// The detector failed to fit.
    #[error("fit: {0}")]
    Fit(oddity_core::Error),
    /// The model file could not be written.
    #[error("save: {0}")]
    Save(RunError),
    /// The score track could not be written.
    #[error("score track: {0}")]
    Track(tracks::TrackError),
}

/// Split, preprocess (fit on train), fit, score the test part, evaluate.
fn try_job(
    plan: &Plan,
    job: &Job,
    loaded: &Loaded,
    threads: usize,
    record: &mut JobRecord,
) -> Result<(), JobError> {
    let dataset = &plan.datasets[job.dataset];
    let variant = &plan.variants[job.variant];
    let entry = registry::detector(&variant.detector)
        .ok_or_else(|| JobError::UnknownDetector(variant.detector.clone()))?;
    let (train, test) = data::parts(dataset, loaded, job.seed)?;
    // Under TSB-AD's protocol the whole series is scored and evaluated, and an unsupervised
    // detector fits on it too (`own`: its scores are those of its own training rows).
    let tsbad = dataset.protocol == Protocol::Tsbad;
    let own = tsbad && entry.supervision == Supervision::Unsupervised;
    let (train, test) = match (tsbad, own) {
        (false, _) => (train, test),
        (true, false) => (train, data::whole_series(loaded)),
        (true, true) => {
            let series = data::whole_series(loaded);
            (series.clone(), series)
        }
    };
    // A semi-supervised detector under TSB-AD's protocol that fits on the series' own prefix
    // gets the whole series and the prefix length, so that settings it derives from the data
    // (a period-length window) come from the whole series as in TSB-AD's code.
    let prefix_rows = (tsbad && !own && variant.window.is_none() && is_prefix(&train, &test))
        .then_some(train.n_rows());
    record.n_train = train.n_rows();
    record.n_test = test.n_rows();

    let (preprocessing, train) =
        Preprocessing::fit(job.preprocess.impute, job.preprocess.scale, &train)?;
    let test = if own { train.clone() } else { preprocessing.apply(&test)? };

    let (_, detector) = entry.instantiate(&variant.params).map_err(JobError::Build)?;
    let ctx = FitContext::new(derive_seed(job.seed, &[&dataset.name, &variant.label]))
        .with_threads(threads);

    // With windows, the detector sees flattened windows; every test step gets back one score.
    // A window of `period` rows takes the period of the part the detector fits on.
    let window = variant.window.map(|w| w.resolve(&train));
    // TSB-AD fits on every window; the standard protocol caps their number.
    let stride =
        |w: &Windows| if tsbad { w.stride.unwrap_or(1) } else { w.train_stride(train.n_rows()) };
    let fit_windows;
    let fit_on: &Dataset = match &window {
        None => &train,
        Some(w) => {
            fit_windows = windowed(w, &train, stride(w), "training")?;
            &fit_windows
        }
    };
    // The detector's scores of its own training rows are the series' scores when it fits on
    // the stride-1 windows (or rows) of the scored series.
    let scores_own = own && window.as_ref().is_none_or(|w| stride(w) == 1);

    let t0 = Instant::now();
    let (fitted, own_scores) = if let Some(rows) = prefix_rows {
        let (fitted, scores) =
            detector.fit_prefix_score(&test, rows, &ctx).map_err(JobError::Fit)?;
        (fitted, Some(scores))
    } else if scores_own {
        let (fitted, scores) = detector.fit_score(fit_on, &ctx).map_err(JobError::Fit)?;
        (fitted, Some(scores))
    } else {
        (detector.fit(fit_on, &ctx).map_err(JobError::Fit)?, None)
    };
    record.fit_seconds = t0.elapsed().as_secs_f64();
    let pipeline = FittedPipeline { preprocessing, window, detector: fitted };

    let t1 = Instant::now();
    let scores = match own_scores {
        Some(own_scores) => pipeline.step_scores(test.n_rows(), own_scores, "series")?,
        None => pipeline.score_preprocessed(&test, "test")?,
    };
    record.score_seconds = t1.elapsed().as_secs_f64();
    // Thresholds are fitted on the training part's scores, never on test labels.
    // Under TSB-AD's protocol an unsupervised detector's training part is the series.
    let train_scores = if plan.thresholds.is_empty() {
        None
    } else if own {
        Some(scores.clone())
    } else {
        Some(pipeline.score_preprocessed(&train, "training")?)
    };
    if let Some(dir) = &plan.save_models {
        let info = ModelInfo::of(
            record,
            train.feature_names.clone(),
            dataset.label.clone(),
            dataset.timestamp.clone(),
        );
        let path = model_path(dir, &dataset.name, &variant.label, job.seed);
        SavedModel { info, pipeline }.write(&path).map_err(JobError::Save)?;
    }
    if tracks::is_series(dataset) && plan.seeds.first() == Some(&job.seed) {
        tracks::write_scores(&plan.output, &job.id, &scores).map_err(JobError::Track)?;
    }

    let labels = test.labels.as_ref().map(|l| l.to_vec());
    let period = job
        .metrics
        .iter()
        .any(|m| m.options.period)
        .then(|| oddity_eval::estimate_period(&test.features.column(0).to_vec()));
    let mut metrics = Vec::new();
    for spec in &job.metrics {
        let mut options = spec.options;
        let used = period.filter(|_| spec.options.period);
        if used.is_some() {
            options.buffer = used;
        }
        let described = Some(spec.described.clone()).filter(|d| !d.is_empty());
        let mut record = metric_record(
            &spec.name,
            &spec.name,
            labels.as_deref(),
            &scores,
            &options,
            None,
            described,
        );
        record.period = used;
        // A VUS buffer as long as the scored part labels every point near an anomaly: the
        // metric saturates (a random detector reached VUS-PR 0.99999). Said, not reported.
        if let Some(b) = options.buffer.filter(|&b| b > 0 && b >= scores.len()) {
            if record.status == MetricStatus::Ok {
                record.value = None;
                record.status = MetricStatus::Failed;
                record.error = Some(format!(
                    "buffer {b} is not below the {} scored rows: VUS would saturate; give a smaller `buffer`",
                    scores.len()
                ));
            }
        }
        metrics.push(record);
    }
    if let Some(train_scores) = &train_scores {
        for t in &plan.thresholds {
            metrics.extend(threshold_records(job, t, labels.as_deref(), train_scores, &scores));
        }
    }
    record.metrics = metrics;
    Ok(())
}

/// One metric computed on `scores` with `options`: its value, or why it is undefined or
/// failed. `name` is the name in results (`f1` for `best_f1` at a threshold).
fn metric_record(
    name: &str,
    registry_name: &str,
    labels: Option<&[u8]>,
    scores: &[f64],
    options: &MetricOptions,
    threshold: Option<&str>,
    described: Option<String>,
) -> MetricRecord {
    let entry = oddity_eval::metric(registry_name);
    let oracle = entry.is_some_and(|e| e.is_oracle(options));
    let result = match (labels, entry) {
        (None, _) => {
            Err((MetricStatus::Undefined, "undefined: the test part has no labels".into()))
        }
        (_, None) => Err((MetricStatus::Failed, format!("unknown metric `{registry_name}`"))),
        (Some(labels), Some(entry)) => (entry.compute_with)(labels, scores, options).map_err(|e| {
            let status =
                if e.is_undefined() { MetricStatus::Undefined } else { MetricStatus::Failed };
            (status, e.to_string())
        }),
    };
    let (value, status, error) = match result {
        Ok(v) => (Some(v), MetricStatus::Ok, None),
        Err((status, e)) => (None, status, Some(e)),
    };
    MetricRecord {
        metric: name.to_string(),
        oracle,
        value,
        status,
        error,
        threshold: threshold.map(str::to_string),
        options: described,
        period: None,
    }
}

/// The records of one threshold rule: the threshold itself, then at the rule's alarms the
/// metrics `oddity_eval::at_threshold` gives for the job's metric list (point-wise precision,
/// recall and F1, event-wise recall and composite F1, PA-F1, range F1 and affiliation F1,
/// then `pak_f1` and second configurations as listed), with the options of their listing.
fn threshold_records(
    job: &Job,
    spec: &ThresholdSpec,
    labels: Option<&[u8]>,
    train_scores: &[f64],
    scores: &[f64],
) -> Vec<MetricRecord> {
    let label = Some(spec.label.as_str());
    let applied = match spec.rule.apply(train_scores, scores) {
        Ok(a) => a,
        Err(e) => {
            return vec![MetricRecord {
                metric: "threshold".into(),
                oracle: false,
                value: None,
                status: MetricStatus::Failed,
                error: Some(format!("threshold {}: {e}", spec.label)),
                threshold: label.map(str::to_string),
                options: None,
                period: None,
            }]
        }
    };
    let mut out = vec![MetricRecord {
        metric: "threshold".into(),
        oracle: false,
        value: Some(applied.threshold),
        status: MetricStatus::Ok,
        error: None,
        threshold: label.map(str::to_string),
        options: None,
        period: None,
    }];
    // The alarms as 0/1 scores at threshold 0.5: one path for fitted rules and for SPOT,
    // whose threshold moves along the test scores.
    let alarms: Vec<f64> = applied.alarms.iter().map(|&a| f64::from(u8::from(a))).collect();
    // What is computed at a rule is the registry's `at_threshold` flag, nothing here.
    let listed: Vec<&str> = job.metrics.iter().map(|m| m.name.as_str()).collect();
    for m in oddity_eval::at_threshold(&listed) {
        let spec = m.listed.map(|i| &job.metrics[i]);
        let mut options = spec.map(|s| s.options).unwrap_or_default();
        options.threshold = Some(0.5);
        let described = spec.map(|s| s.described.clone()).filter(|d| !d.is_empty());
        out.push(metric_record(m.name, m.entry.name, labels, &alarms, &options, label, described));
    }
    out
}

/// Whether `part` is the first rows of `series` (the training prefix of a single file).
fn is_prefix(part: &Dataset, series: &Dataset) -> bool {
    let k = part.n_rows();
    k < series.n_rows()
        && part.n_features() == series.n_features()
        && part.features == series.features.slice(ndarray::s![..k, ..])
}
