//! The dispatcher: jobs onto a rayon pool (in-process or one worker process each), their
//! records into the journal on the calling thread, and events to the caller.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;

use super::{job, worker, Isolation, JobEvent, RunOptions, RunSummary};
use crate::data::{self, Loaded};
use crate::plan::{DataSource, Job, Plan, Protocol};
use crate::record::{tracks, JobRecord, JobStatus, Journal, Manifest, OutputLock};
use crate::RunError;

/// Loads every dataset of `plan` and checks every split it will need, so that a bad file or
/// split stops the run before any job starts.
pub fn prepare(plan: &Plan) -> Result<Vec<Loaded>, RunError> {
    (0..plan.datasets.len()).map(|di| job::load_dataset(plan, di)).collect()
}

/// Refuses an output folder that holds (at any depth) a dataset file of `plan` or its
/// config file: a run writes and replaces files in its output folder, and must never
/// overwrite what it reads. A folder that does not exist yet holds nothing.
pub fn check_output(plan: &Plan) -> Result<(), RunError> {
    let Ok(out) = std::fs::canonicalize(&plan.output) else { return Ok(()) };
    let data = plan.datasets.iter().flat_map(|d| match &d.source {
        DataSource::Single(p) => vec![p.as_path()],
        DataSource::Separate { train, test, test_labels } => {
            [Some(train.as_path()), Some(test.as_path()), test_labels.as_deref()]
                .into_iter()
                .flatten()
                .collect()
        }
    });
    for input in std::iter::once(plan.config.as_path()).chain(data) {
        let Ok(file) = std::fs::canonicalize(input) else { continue };
        if file.starts_with(&out) {
            return Err(RunError::output(
                &plan.output,
                format!(
                    "holds the input file `{}`, and a run writes into its output folder; choose another --out",
                    input.display()
                ),
            ));
        }
    }
    Ok(())
}

/// A message sent from the pool to the journal writer.
enum Msg {
    Started(usize, usize),
    Done(Box<JobRecord>),
}

/// Runs `plan` (or its shard), calling `on_event` as jobs start and finish. Returns when the
/// journal holds every job's record; the derived outputs (results tables, reports) are
/// `oddity-report`'s, written from the record afterwards.
pub fn run(
    plan: &Plan,
    opts: &RunOptions,
    mut on_event: impl FnMut(JobEvent<'_>),
) -> Result<RunSummary, RunError> {
    check_output(plan)?;
    // Read and check every dataset first: a bad input leaves an earlier run's output untouched.
    let loaded = prepare(plan)?;
    let out = &plan.output;
    if out.exists() && !out.is_dir() {
        return Err(RunError::output(out, "exists and is not a folder"));
    }
    // Held until the caller drops the summary: two runs into one folder would interleave.
    let lock = OutputLock::acquire(out)?;

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
        keep_earlier_journal(out, opts.force)?;
        (Journal::create(out)?, HashSet::new())
    };
    crate::record::write_manifest(out, &Manifest::of(plan))?;
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
                            job::run_job(plan, job, &loaded[job.dataset], threads)
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
    Ok(RunSummary { total, skipped, failed, output: out.clone(), lock })
}

/// Writes the series track of every time series that has a job of the plan's first seed
/// among `jobs` (once per dataset; each job adds its own score track): the scored part's raw
/// `plot_feature` (by default the first feature) and its labels.
fn write_series_tracks(plan: &Plan, loaded: &[Loaded], jobs: &[&Job]) -> Result<(), RunError> {
    let Some(&seed) = plan.seeds.first() else { return Ok(()) };
    for (di, dataset) in plan.datasets.iter().enumerate() {
        if !tracks::is_series(dataset) || !jobs.iter().any(|j| j.dataset == di && j.seed == seed) {
            continue;
        }
        // Under TSB-AD's protocol every job scores the whole series.
        let test = if dataset.protocol == Protocol::Tsbad {
            data::whole_series(&loaded[di])
        } else {
            data::parts(dataset, &loaded[di], seed)
                .map_err(|e| RunError::Data {
                    dataset: dataset.name.clone(),
                    message: e.to_string(),
                })?
                .1
        };
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

/// Refuses to start a new journal over an earlier run's, unless `force`: then the old one is
/// renamed to the first free `journal.jsonl.old`, `journal.jsonl.old.2` …
fn keep_earlier_journal(out: &Path, force: bool) -> Result<(), RunError> {
    let path = out.join(crate::record::journal::JOURNAL_FILE);
    let len = std::fs::metadata(&path).map_or(0, |m| m.len());
    if len == 0 {
        return Ok(());
    }
    if !force {
        return Err(RunError::output(
            out,
            "holds the journal of an earlier run: give --resume to continue it, or --force to start over (the old journal is kept beside it as journal.jsonl.old)",
        ));
    }
    let aside = (1..)
        .map(|n| {
            let name = if n == 1 {
                "journal.jsonl.old".to_string()
            } else {
                format!("journal.jsonl.old.{n}")
            };
            out.join(name)
        })
        .find(|p| !p.exists())
        .expect("a free name");
    std::fs::rename(&path, &aside)
        .map_err(|e| RunError::output(&path, format!("cannot move it aside: {e}")))
}
