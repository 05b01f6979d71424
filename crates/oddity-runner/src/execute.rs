//! Running a plan: load every dataset once, check every split, then run the jobs on a
//! rayon pool. Each finished job is appended to the journal as it finishes; a failing or
//! panicking job becomes a `failed` record and the run goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use oddity_core::{derive_seed, Dataset, FitContext};
use oddity_preprocess::{Imputer, Windows};
use rayon::prelude::*;

use crate::data::{self, Loaded};
use crate::journal::{JobRecord, JobStatus, Journal, MetricRecord, MetricStatus, FORMAT_VERSION};
use crate::plan::{Job, Plan};
use crate::{registry, report, RunError};

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Jobs run in parallel (at least 1).
    pub jobs: usize,
}

/// What a finished run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Jobs run.
    pub total: usize,
    /// Jobs that failed.
    pub failed: usize,
    /// The output folder.
    pub output: PathBuf,
}

/// Loads every dataset of `plan` and checks every split it will need, so that a bad file or
/// split stops the run before any job starts.
pub fn prepare(plan: &Plan) -> Result<Vec<Loaded>, RunError> {
    plan.datasets
        .iter()
        .enumerate()
        .map(|(di, d)| {
            // Missing values are allowed at read time only if some job imputes them.
            let jobs = plan.jobs.iter().filter(|j| j.dataset == di);
            let allow_missing = jobs.clone().any(|j| j.preprocess.impute != Imputer::None);
            let loaded = data::load(d, allow_missing)?;
            for seed in &plan.seeds {
                data::split(d, &loaded, *seed)
                    .map_err(|message| RunError::Data { dataset: d.name.clone(), message })?;
            }
            Ok(loaded)
        })
        .collect()
}

/// Runs `plan`, calling `on_finish(record, done, total)` as each job finishes, then writes
/// `results.csv` and `report.md` from the journal.
pub fn run(
    plan: &Plan,
    opts: &RunOptions,
    mut on_finish: impl FnMut(&JobRecord, usize, usize),
) -> Result<RunSummary, RunError> {
    // Read and check every dataset first: a bad input leaves an earlier run's output untouched.
    let loaded = prepare(plan)?;
    let out = &plan.output;
    if out.exists() && !out.is_dir() {
        return Err(RunError::output(out, "exists and is not a folder"));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| RunError::output(out, format!("cannot create folder: {e}")))?;
    let mut journal = Journal::create(out)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| RunError::output(out, format!("cannot start worker threads: {e}")))?;
    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<JobRecord>();
    let total = plan.jobs.len();
    let mut failed = 0;
    let mut write_error = None;
    std::thread::scope(|s| {
        let abort = &abort;
        let loaded = &loaded;
        s.spawn(move || {
            pool.install(|| {
                plan.jobs.par_iter().enumerate().for_each_with(tx, |tx, (index, job)| {
                    if !abort.load(Ordering::Relaxed) {
                        let _ = tx.send(run_job(plan, index, job, loaded));
                    }
                })
            })
        });
        for (done, record) in rx.into_iter().enumerate() {
            if write_error.is_some() {
                continue;
            }
            if let Err(e) = journal.append(&record) {
                abort.store(true, Ordering::Relaxed);
                write_error = Some(e);
                continue;
            }
            failed += usize::from(record.status == JobStatus::Failed);
            on_finish(&record, done + 1, total);
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    report::write_outputs(out)?;
    Ok(RunSummary { total, failed, output: out.clone() })
}

/// Runs one job, turning every error and panic into a `failed` record.
fn run_job(plan: &Plan, index: usize, job: &Job, loaded: &[Loaded]) -> JobRecord {
    let dataset = &plan.datasets[job.dataset];
    let variant = &plan.variants[job.variant];
    let mut record = JobRecord {
        v: FORMAT_VERSION,
        job: job.id.clone(),
        index,
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
        metrics: vec![],
    };
    let outcome =
        catch_unwind(AssertUnwindSafe(|| try_job(plan, job, &loaded[job.dataset], &mut record)));
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
fn try_job(plan: &Plan, job: &Job, loaded: &Loaded, record: &mut JobRecord) -> Result<(), String> {
    let dataset = &plan.datasets[job.dataset];
    let variant = &plan.variants[job.variant];
    let (train, test) = data::parts(dataset, loaded, job.seed)?;
    record.n_train = train.n_rows();
    record.n_test = test.n_rows();

    let names = &train.feature_names;
    let imputer = job.preprocess.impute.fit(&train.features, names).map_err(|e| e.to_string())?;
    let x_train = imputer.transform(&train.features, names).map_err(|e| e.to_string())?;
    let x_test = imputer.transform(&test.features, names).map_err(|e| e.to_string())?;
    let scaler = job.preprocess.scale.fit(&x_train).map_err(|e| e.to_string())?;
    let train = train.with_features(scaler.transform(&x_train)).map_err(|e| e.to_string())?;
    let test = test.with_features(scaler.transform(&x_test)).map_err(|e| e.to_string())?;

    let entry = registry::detector(&variant.detector)
        .ok_or_else(|| format!("unknown detector `{}`", variant.detector))?;
    let (_, detector) = entry.instantiate(&variant.params).map_err(|e| e.to_string())?;
    let ctx = FitContext::new(derive_seed(job.seed, &[&dataset.name, &variant.label]));

    // With windows, the detector sees flattened windows; every test step gets back one score.
    let windowed = |w: &Windows, part: &Dataset, stride, name| -> Result<Dataset, String> {
        let x = w.flatten(part.features.view(), stride, name).map_err(|e| e.to_string())?;
        Ok(Dataset::from_features(part.name.clone(), x))
    };
    let (fit_on, score_on) = match &variant.window {
        None => (train, test.clone()),
        Some(w) => (
            windowed(w, &train, w.train_stride(train.n_rows()), "training")?,
            windowed(w, &test, 1, "test")?,
        ),
    };

    let t0 = Instant::now();
    let fitted = detector.fit(&fit_on, &ctx).map_err(|e| format!("fit: {e}"))?;
    record.fit_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut scores = fitted.score(&score_on).map_err(|e| format!("score: {e}"))?;
    if let Some(w) = &variant.window {
        if scores.len() == score_on.n_rows() {
            scores = w.spread(test.n_rows(), &scores.to_vec()).into();
        }
    }
    record.score_seconds = t1.elapsed().as_secs_f64();
    if scores.len() != test.n_rows() {
        return Err(format!(
            "detector returned {} scores for {} rows",
            scores.len(),
            test.n_rows()
        ));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(format!("detector returned a non-finite score at test row {i}"));
    }

    let labels = test.labels.as_ref().map(|l| l.to_vec());
    let scores = scores.to_vec();
    record.metrics = job
        .metrics
        .iter()
        .map(|name| {
            let entry = oddity_eval::metric(name);
            let oracle = entry.is_some_and(|e| e.oracle);
            let result = match (&labels, entry) {
                (None, _) => {
                    Err((MetricStatus::Undefined, "undefined: the test part has no labels".into()))
                }
                (_, None) => Err((MetricStatus::Failed, format!("unknown metric `{name}`"))),
                (Some(labels), Some(entry)) => (entry.compute)(labels, &scores).map_err(|e| {
                    let status = if e.is_undefined() {
                        MetricStatus::Undefined
                    } else {
                        MetricStatus::Failed
                    };
                    (status, e.to_string())
                }),
            };
            match result {
                Ok(value) => MetricRecord {
                    metric: name.clone(),
                    oracle,
                    value: Some(value),
                    status: MetricStatus::Ok,
                    error: None,
                },
                Err((status, error)) => MetricRecord {
                    metric: name.clone(),
                    oracle,
                    value: None,
                    status,
                    error: Some(error),
                },
            }
        })
        .collect();
    Ok(())
}
