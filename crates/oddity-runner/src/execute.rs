//! Running a plan: load every dataset once, check every split, then run the jobs on a
//! rayon pool, each in a worker process of its own ([`Isolation::Process`], what the CLI
//! uses: limits are enforced and a crash stays a job failure) or on the pool's threads
//! ([`Isolation::InProcess`]). Each finished job is appended to the journal as it finishes;
//! a failing or panicking job becomes a `failed` record and the run goes on.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use oddity_core::{derive_seed, Dataset, FitContext};
use oddity_eval::MetricOptions;
use oddity_preprocess::Imputer;
use rayon::prelude::*;

use crate::data::{self, Loaded};
use crate::journal::{JobRecord, JobStatus, Journal, MetricRecord, MetricStatus, FORMAT_VERSION};
use crate::model::{model_path, windowed, FittedPipeline, ModelInfo, Preprocessing, SavedModel};
use crate::plan::{Job, Plan, ThresholdSpec};
use crate::tracks;
use crate::worker::{self, WorkerCommand};
use crate::{registry, report, RunError};
/// Where each job runs.
#[derive(Debug, Clone, Default)]
pub enum Isolation {
    /// On the runner's own rayon threads: cheapest, but `time_limit` and `memory_limit`
    /// cannot be enforced (they are ignored with a note) and a crash (abort, stack overflow)
    /// takes the whole run down. Peak memory is not recorded.
    #[default]
    InProcess,
    /// In a worker process per job (see [`WorkerCommand`]): killed at its time limit, its
    /// address space capped at its memory limit, its peak memory measured.
    Process(WorkerCommand),
}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Jobs run in parallel (at least 1).
    pub jobs: usize,
    /// Total thread budget (at least 1): each job's detector gets `max(1, threads / jobs)`
    /// threads ([`FitContext::threads`]; a worker process's rayon pool is sized to it).
    pub threads: usize,
    /// Continue the journal in the output folder: jobs already in it are skipped.
    pub resume: bool,
    /// Where each job runs.
    pub isolation: Isolation,
}

impl RunOptions {
    /// `jobs` jobs in parallel, in-process, sharing a budget of `jobs` threads.
    pub fn new(jobs: usize) -> Self {
        Self {
            jobs: jobs.max(1),
            threads: jobs.max(1),
            resume: false,
            isolation: Isolation::InProcess,
        }
    }

    /// Threads each job's detector may use.
    pub fn threads_per_job(&self) -> usize {
        (self.threads / self.jobs.max(1)).max(1)
    }
}

/// What a run reports as it goes, in order, on the calling thread.
#[derive(Debug)]
pub enum JobEvent<'a> {
    /// The jobs are about to start: `total` selected, `skipped` of them already done.
    Planned {
        /// Jobs of the plan (or shard).
        total: usize,
        /// Jobs found in the journal and not run again.
        skipped: usize,
    },
    /// Something the user should know (a dropped journal line, a changed job, an ignored
    /// limit).
    Note(&'a str),
    /// Worker `worker` started `job`.
    Started {
        /// The worker slot (0-based, below [`RunOptions::jobs`]).
        worker: usize,
        /// The job.
        job: &'a Job,
    },
    /// A job finished and is in the journal.
    Finished {
        /// Its record.
        record: &'a JobRecord,
        /// Jobs done so far, skipped ones included.
        done: usize,
        /// Jobs of the plan (or shard).
        total: usize,
    },
}

/// What a finished run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Jobs of the plan (or shard).
    pub total: usize,
    /// Jobs skipped because the journal already had them.
    pub skipped: usize,
    /// Jobs run that did not end `ok` (failed, timeout or oom).
    pub failed: usize,
    /// The output folder.
    pub output: PathBuf,
}

/// Loads every dataset of `plan` and checks every split it will need, so that a bad file or
/// split stops the run before any job starts.
pub fn prepare(plan: &Plan) -> Result<Vec<Loaded>, RunError> {
    (0..plan.datasets.len()).map(|di| load_dataset(plan, di)).collect()
}

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
            .map_err(|message| RunError::Data { dataset: d.name.clone(), message })?;
    }
    Ok(loaded)
}

/// A message sent from the pool to the journal writer.
enum Msg {
    Started(usize, usize),
    Done(Box<JobRecord>),
}

/// Runs `plan` (or its shard), calling `on_event` as jobs start and finish, then writes the
/// derived results (`results.csv`, `results.parquet`, `report.md`) from the journal.
pub fn run(
    plan: &Plan,
    opts: &RunOptions,
    mut on_event: impl FnMut(JobEvent<'_>),
) -> Result<RunSummary, RunError> {
    // Read and check every dataset first: a bad input leaves an earlier run's output untouched.
    let loaded = prepare(plan)?;
    let out = &plan.output;
    if out.exists() && !out.is_dir() {
        return Err(RunError::output(out, "exists and is not a folder"));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| RunError::output(out, format!("cannot create folder: {e}")))?;

    let selected = plan.selected();
    let total = selected.len();
    let (mut journal, done_ids) = if opts.resume {
        let (journal, contents) = Journal::resume(out)?;
        for w in &contents.warnings {
            on_event(JobEvent::Note(w));
        }
        let done: HashSet<String> = contents.records.iter().map(|r| r.job.clone()).collect();
        for job in selected.iter().filter(|j| !done.contains(&j.id)) {
            let (dataset, method) =
                (&plan.datasets[job.dataset].name, &plan.variants[job.variant].label);
            let changed = contents
                .records
                .iter()
                .any(|r| &r.dataset == dataset && &r.method == method && r.seed == job.seed);
            if changed {
                on_event(JobEvent::Note(&format!(
                    "job {dataset} / {method} / seed {} changed since the journal was started: running it again",
                    job.seed
                )));
            }
        }
        (journal, done)
    } else {
        (Journal::create(out)?, HashSet::new())
    };
    report::write_manifest(out, &report::Manifest::of(plan))?;
    write_series_tracks(plan, &loaded, &selected)?;
    let todo: Vec<&Job> = selected.into_iter().filter(|j| !done_ids.contains(&j.id)).collect();
    let skipped = total - todo.len();
    on_event(JobEvent::Planned { total, skipped });
    if matches!(opts.isolation, Isolation::InProcess) && todo.iter().any(|j| j.limits.any()) {
        on_event(JobEvent::Note(
            "time_limit and memory_limit are not enforced when jobs run in-process",
        ));
    }
    let loaded = match opts.isolation {
        // Workers read their own dataset: free the parent's copy.
        Isolation::Process(_) => None,
        Isolation::InProcess => Some(loaded),
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| RunError::output(out, format!("cannot start worker threads: {e}")))?;
    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Msg>();
    let threads = opts.threads_per_job();
    let mut failed = 0;
    let mut done = skipped;
    let mut write_error = None;
    std::thread::scope(|s| {
        let abort = &abort;
        let loaded = &loaded;
        let todo = &todo;
        s.spawn(move || {
            pool.install(|| {
                todo.par_iter().for_each_with(tx, |tx, job| {
                    if abort.load(Ordering::Relaxed) {
                        return;
                    }
                    let slot = rayon::current_thread_index().unwrap_or(0);
                    let _ = tx.send(Msg::Started(slot, job.index));
                    let record = match (&opts.isolation, loaded) {
                        (Isolation::Process(cmd), _) => {
                            worker::run_in_worker(cmd, plan, job, threads)
                        }
                        (Isolation::InProcess, Some(loaded)) => {
                            run_job(plan, job, &loaded[job.dataset], threads)
                        }
                        (Isolation::InProcess, None) => {
                            unreachable!("in-process runs keep their data")
                        }
                    };
                    let _ = tx.send(Msg::Done(Box::new(record)));
                })
            })
        });
        for msg in rx {
            if write_error.is_some() {
                continue;
            }
            let record = match msg {
                Msg::Started(worker, index) => {
                    on_event(JobEvent::Started { worker, job: &plan.jobs[index] });
                    continue;
                }
                Msg::Done(record) => *record,
            };
            if let Err(e) = journal.append(&record) {
                abort.store(true, Ordering::Relaxed);
                write_error = Some(e);
                continue;
            }
            failed += usize::from(record.status != JobStatus::Ok);
            done += 1;
            on_event(JobEvent::Finished { record: &record, done, total });
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    for w in report::write_outputs(out)? {
        on_event(JobEvent::Note(&w));
    }
    Ok(RunSummary { total, skipped, failed, output: out.clone() })
}

/// Writes the series track of every time series that has a job of the plan's first seed
/// among `jobs` (once per dataset; each job adds its own score track): the test part's raw
/// `plot_feature` (by default the first feature) and its labels.
fn write_series_tracks(plan: &Plan, loaded: &[Loaded], jobs: &[&Job]) -> Result<(), RunError> {
    let Some(&seed) = plan.seeds.first() else { return Ok(()) };
    for (di, dataset) in plan.datasets.iter().enumerate() {
        if !tracks::is_series(dataset) || !jobs.iter().any(|j| j.dataset == di && j.seed == seed) {
            continue;
        }
        let (_, test) = data::parts(dataset, &loaded[di], seed)
            .map_err(|message| RunError::Data { dataset: dataset.name.clone(), message })?;
        let column = dataset
            .plot_feature
            .as_ref()
            .and_then(|(f, _)| test.feature_names.iter().position(|n| n == f))
            .unwrap_or(0);
        let series = tracks::SeriesTrack {
            feature: test.feature_names[column].clone(),
            values: test.features.column(column).to_vec(),
            labels: test.labels.as_ref().map(|l| l.to_vec()),
        };
        tracks::write_series(&plan.output, &dataset.name, &series)
            .map_err(|e| RunError::output(&plan.output, format!("series track: {e}")))?;
    }
    Ok(())
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
        Ok(Err(e)) => e,
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

/// Split, preprocess (fit on train), fit, score the test part, evaluate.
fn try_job(
    plan: &Plan,
    job: &Job,
    loaded: &Loaded,
    threads: usize,
    record: &mut JobRecord,
) -> Result<(), String> {
    let dataset = &plan.datasets[job.dataset];
    let variant = &plan.variants[job.variant];
    let (train, test) = data::parts(dataset, loaded, job.seed)?;
    record.n_train = train.n_rows();
    record.n_test = test.n_rows();

    let (preprocessing, train) =
        Preprocessing::fit(job.preprocess.impute, job.preprocess.scale, &train)?;
    let test = preprocessing.apply(&test)?;

    let entry = registry::detector(&variant.detector)
        .ok_or_else(|| format!("unknown detector `{}`", variant.detector))?;
    let (_, detector) = entry.instantiate(&variant.params).map_err(|e| e.to_string())?;
    let ctx = FitContext::new(derive_seed(job.seed, &[&dataset.name, &variant.label]))
        .with_threads(threads);

    // With windows, the detector sees flattened windows; every test step gets back one score.
    let fit_windows;
    let fit_on: &Dataset = match &variant.window {
        None => &train,
        Some(w) => {
            fit_windows = windowed(w, &train, w.train_stride(train.n_rows()), "training")?;
            &fit_windows
        }
    };

    let t0 = Instant::now();
    let fitted = detector.fit(fit_on, &ctx).map_err(|e| format!("fit: {e}"))?;
    record.fit_seconds = t0.elapsed().as_secs_f64();
    let pipeline = FittedPipeline { preprocessing, window: variant.window, detector: fitted };

    let t1 = Instant::now();
    let scores = pipeline.score_preprocessed(&test, "test")?;
    record.score_seconds = t1.elapsed().as_secs_f64();
    // Thresholds are fitted on the training part's scores, never on test labels.
    let train_scores = if plan.thresholds.is_empty() {
        None
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
        SavedModel { info, pipeline }.write(&path).map_err(|e| format!("save: {e}"))?;
    }
    if tracks::is_series(dataset) && plan.seeds.first() == Some(&job.seed) {
        tracks::write_scores(&plan.output, &job.id, &scores)
            .map_err(|e| format!("score track: {e}"))?;
    }

    let labels = test.labels.as_ref().map(|l| l.to_vec());
    let period = job
        .metrics
        .iter()
        .any(|m| m.period)
        .then(|| oddity_eval::estimate_period(&test.features.column(0).to_vec()));
    let mut metrics = Vec::new();
    for spec in &job.metrics {
        let mut options = spec.options;
        let used = period.filter(|_| spec.period);
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

/// The records of one threshold rule: the threshold itself, then at the rule's alarms
/// point-wise precision, recall and F1, event-wise recall and composite F1, PA-F1, range F1
/// and affiliation F1 (with the options the job's metric list gives them), and any other
/// oracle metric of the list (`pak_f1`).
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
    let options_of = |name: &str| {
        let configured = job.metrics.iter().find(|m| m.name == name);
        let mut options = configured.map(|m| m.options).unwrap_or_default();
        options.threshold = Some(0.5);
        (options, configured.map(|m| m.described.clone()).filter(|d| !d.is_empty()))
    };
    let mut add = |name: &str, registry_name: &str| {
        let (options, described) = options_of(registry_name);
        out.push(metric_record(name, registry_name, labels, &alarms, &options, label, described));
    };
    for (name, registry_name) in [
        ("precision", "precision"),
        ("recall", "recall"),
        ("f1", "best_f1"),
        ("event_recall", "event_recall"),
        ("event_f1", "event_f1"),
        ("pa_f1", "pa_f1"),
        ("range_f1", "range_f1"),
        ("affiliation_f1", "affiliation_f1"),
    ] {
        add(name, registry_name);
    }
    // Other oracle metrics of the list (`pak_f1`, or a second configuration of one above).
    for spec in &job.metrics {
        let oracle = oddity_eval::metric(&spec.name).is_some_and(|e| e.oracle);
        let done = ["best_f1", "event_f1", "pa_f1", "range_f1", "affiliation_f1"]
            .contains(&spec.name.as_str())
            && job.metrics.iter().find(|m| m.name == spec.name) == Some(spec);
        if oracle && !done {
            let (mut options, _) = options_of(&spec.name);
            options.k = spec.options.k;
            options.range = spec.options.range;
            options.compat = spec.options.compat;
            let described = Some(spec.described.clone()).filter(|d| !d.is_empty());
            out.push(metric_record(
                &spec.name, &spec.name, labels, &alarms, &options, label, described,
            ));
        }
    }
    out
}
