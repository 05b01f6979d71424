//! Worker processes: each job of a CLI run runs in a process of its own, so that its time
//! limit can stop it (the process is killed), its memory limit can cap it (`RLIMIT_AS` on the
//! process) and a crash (abort, stack overflow, out of memory) stays that job's failure.
//!
//! The parent starts [`WorkerCommand`] (the `oddity` binary re-running itself as
//! `oddity __job`), writes one [`WorkerRequest`] as JSON on its stdin and reads one
//! [`JobRecord`] as JSON from its stdout; [`serve`] is the worker's side.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::job::{load_dataset, new_record, run_job};
use crate::config::Source;
use crate::plan::{Job, Plan, PlanOptions};
use crate::record::{JobRecord, JobStatus};
use crate::RunError;

/// How to start a worker: a program and its arguments (the CLI passes its own executable
/// and its hidden `__job` subcommand), plus the config the plan was built from.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    /// The program, e.g. [`std::env::current_exe`].
    pub program: PathBuf,
    /// Its arguments, e.g. `["__job"]`.
    pub args: Vec<String>,
    /// The config text and path the plan was built from.
    pub config: Source,
    /// The `--data-dir` override the plan was built with.
    pub data_dir: Option<PathBuf>,
}

/// What a worker is asked to do: rebuild the plan from the config and run one job of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerRequest {
    /// Path of the config (relative paths resolve against its folder).
    pub config_path: PathBuf,
    /// Text of the config.
    pub config_text: String,
    /// The `--data-dir` override, if any.
    pub data_dir: Option<PathBuf>,
    /// The id of the job to run.
    pub job: String,
    /// Threads the detector may use.
    pub threads: usize,
    /// The run's output folder (the job writes its score tracks there).
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// The folder the job saves its model in, if any.
    #[serde(default)]
    pub save_models: Option<PathBuf>,
}

/// The worker's side: reads a [`WorkerRequest`] from `input`, runs the job and writes its
/// [`JobRecord`] (peak memory included) as one JSON line to `output`. A job that fails is
/// still a record; only a request that cannot be served is an error.
pub fn serve(mut input: impl Read, mut output: impl Write) -> Result<(), RunError> {
    let mut text = String::new();
    let bad = |message: String| RunError::Worker { message };
    input.read_to_string(&mut text).map_err(|e| bad(format!("cannot read the request: {e}")))?;
    let req: WorkerRequest =
        serde_json::from_str(&text).map_err(|e| bad(format!("bad request: {e}")))?;
    let source = Source { path: req.config_path, text: req.config_text };
    let opts = PlanOptions { data_dir: req.data_dir, ..PlanOptions::default() };
    let mut plan = Plan::new(&source, source.parse()?, &opts)?;
    // The parent resolved these (shard folder, `--out`, `fit --save`): use its paths.
    if let Some(output) = req.output {
        plan.output = output;
    }
    plan.save_models = req.save_models;
    let job = plan
        .jobs
        .iter()
        .find(|j| j.id == req.job)
        .ok_or_else(|| bad(format!("no job `{}` in the config", req.job)))?;
    let mut record = match load_dataset(&plan, job.dataset) {
        Ok(loaded) => run_job(&plan, job, &loaded, req.threads),
        Err(e) => {
            let mut r = new_record(&plan, job);
            r.status = JobStatus::Failed;
            r.error = Some(e.to_string());
            r
        }
    };
    record.peak_rss_bytes = peak_rss();
    let mut line = serde_json::to_string(&record).map_err(|e| bad(e.to_string()))?;
    line.push('\n');
    output
        .write_all(line.as_bytes())
        .and_then(|()| output.flush())
        .map_err(|e| bad(format!("cannot write the record: {e}")))
}

/// This process's peak resident memory in bytes (`VmHWM`), where the system tells it.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// The last non-empty line of a worker's stderr, for messages.
fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string()
}

/// Runs `job` in a fresh worker process and returns its record: the worker's own, or one
/// that says how the worker ended (`timeout`, `oom`, `failed`).
pub(crate) fn run_in_worker(
    cmd: &WorkerCommand,
    plan: &Plan,
    job: &Job,
    threads: usize,
) -> JobRecord {
    let mut record = new_record(plan, job);
    let mut fail = |status: JobStatus, error: String| {
        record.status = status;
        record.error = Some(error.replace('\n', " "));
        record.clone()
    };
    let request = WorkerRequest {
        config_path: cmd.config.path.clone(),
        config_text: cmd.config.text.clone(),
        data_dir: cmd.data_dir.clone(),
        job: job.id.clone(),
        threads,
        output: Some(plan.output.clone()),
        save_models: plan.save_models.clone(),
    };
    let request = match serde_json::to_vec(&request) {
        Ok(r) => r,
        Err(e) => return fail(JobStatus::Failed, format!("cannot encode the job: {e}")),
    };
    let mut command = Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env("RUST_BACKTRACE", "0");
    limit_child(&mut command, job.limits.memory);
    let start = Instant::now();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) if job.limits.memory.is_some() && e.raw_os_error() == Some(12) => {
            return fail(
                JobStatus::Oom,
                format!(
                    "memory limit of {} exceeded: the worker could not start ({e})",
                    mib(job.limits.memory)
                ),
            )
        }
        Err(e) => return fail(JobStatus::Failed, format!("cannot start a worker process: {e}")),
    };
    let (mut stdin, mut stdout, mut stderr) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());
    // Write the request and drain both pipes on their own threads, so that no pipe can fill
    // up and block the worker while this thread waits for its time limit.
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&request);
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    let output = match job.limits.time {
        None => rx.recv().ok(),
        Some(limit) => rx.recv_timeout(limit.saturating_sub(start.elapsed())).ok(),
    };
    if output.is_none() {
        let _ = child.kill();
    }
    let status = child.wait();
    let _ = writer.join();
    let stderr = err_reader.join().unwrap_or_default();
    let Some(output) = output else {
        let limit = job.limits.time.map_or(0.0, |t| t.as_secs_f64());
        return fail(
            JobStatus::Timeout,
            format!("time limit of {limit} s exceeded: the job was stopped"),
        );
    };
    let parsed = String::from_utf8_lossy(&output)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<JobRecord>(l).ok());
    match (status, parsed) {
        (Ok(s), Some(r)) if s.success() && r.job == job.id => r,
        (status, _) => {
            let how = match status {
                Ok(s) => s.to_string(),
                Err(e) => format!("unknown status ({e})"),
            };
            let text = String::from_utf8_lossy(&stderr);
            // Rust's allocation-failure handler prints this line before aborting.
            let alloc = text.lines().find(|l| l.contains("memory allocation of"));
            match (job.limits.memory, alloc) {
                (Some(_), Some(line)) => fail(
                    JobStatus::Oom,
                    format!("memory limit of {} exceeded: {}", mib(job.limits.memory), line.trim()),
                ),
                (Some(_), None) => fail(
                    JobStatus::Failed,
                    format!(
                        "worker process ended with {how} under a memory limit of {} (too low to start?): {}",
                        mib(job.limits.memory),
                        last_line(&stderr)
                    ),
                ),
                (None, _) => fail(
                    JobStatus::Failed,
                    format!("worker process ended with {how}: {}", last_line(&stderr)),
                ),
            }
        }
    }
}

/// A memory limit for messages.
fn mib(bytes: Option<u64>) -> String {
    format!("{:.0} MiB", bytes.unwrap_or(0) as f64 / (1024.0 * 1024.0))
}

/// Caps the worker's address space at `memory` bytes and kills it if the runner dies.
#[cfg(target_os = "linux")]
fn limit_child(command: &mut Command, memory: Option<u64>) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls are made (prctl, setrlimit),
    // with no allocation.
    unsafe {
        command.pre_exec(move || {
            // A worker whose runner was killed (kill -9) stops too instead of running on.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if let Some(bytes) = memory {
                let limit = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Elsewhere the memory limit cannot be set on the worker; the time limit still applies.
#[cfg(not(target_os = "linux"))]
fn limit_child(_command: &mut Command, _memory: Option<u64>) {}
