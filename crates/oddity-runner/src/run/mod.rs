//! Running a plan: load every dataset once, check every split, then run the jobs on a
//! rayon pool, each in a worker process of its own ([`Isolation::Process`], what the CLI
//! uses: limits are enforced and a crash stays a job failure) or on the pool's threads
//! ([`Isolation::InProcess`]). Each finished job is appended to the journal as it finishes;
//! a failing or panicking job becomes a `failed` record and the run goes on.
//!
//! `dispatch` schedules the jobs and writes the journal, `job` is what one job does
//! (used both on the pool's threads and in a worker process), [`worker`] runs a job in a
//! process of its own. They share only the types of this module.

use std::path::PathBuf;

use crate::plan::Job;
use crate::record::JobRecord;

mod dispatch;
mod job;
pub mod worker;

pub use dispatch::{check_output, prepare, run};
pub use worker::WorkerCommand;

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
    /// threads ([`oddity_core::FitContext::threads`]; a worker process's rayon pool is sized to it).
    pub threads: usize,
    /// Continue the journal in the output folder: jobs already in it are skipped.
    pub resume: bool,
    /// Start over when the output folder holds an earlier run's journal: it is moved aside
    /// (`journal.jsonl.old`, `journal.jsonl.old.2` …) first. Without `resume` or `force`, such
    /// a folder is refused: a finished run is never overwritten silently.
    pub force: bool,
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
            force: false,
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
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Jobs of the plan (or shard).
    pub total: usize,
    /// Jobs skipped because the journal already had them.
    pub skipped: usize,
    /// Jobs run that did not end `ok` (failed, timeout or oom).
    pub failed: usize,
    /// The output folder.
    pub output: PathBuf,
    /// The output folder's lock, held from before the journal is opened until the summary
    /// (and its clones) are dropped, so that the caller writes the derived outputs under it.
    pub lock: crate::record::OutputLock,
}
