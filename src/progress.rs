//! What a run shows while it goes: on a terminal, an indicatif display (jobs done / total,
//! failed count, ETA, the job running on each worker); otherwise one line per finished job;
//! with `quiet`, nothing but notes.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use oddity_runner::record::{JobRecord, JobStatus};
use oddity_runner::{JobEvent, Plan};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Nothing but notes (on stderr).
    Quiet,
    /// One line per finished job on stdout.
    Lines,
    /// Live bars on the terminal.
    Bars,
}

impl ProgressMode {
    /// `Quiet` if asked, `Bars` when stdout is a terminal, `Lines` otherwise.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            Self::Quiet
        } else if std::io::stdout().is_terminal() {
            Self::Bars
        } else {
            Self::Lines
        }
    }
}

/// The live display of one run; feed it every [`JobEvent`].
pub struct Progress {
    mode: ProgressMode,
    failed: usize,
    bars: Option<(MultiProgress, ProgressBar, Vec<ProgressBar>)>,
    /// The plan index of the job each worker runs, so a finished worker shows `idle`.
    running: Vec<Option<usize>>,
}

/// A one-line description of how a job ended: its metrics, or its error.
pub fn describe(record: &JobRecord) -> String {
    match record.status {
        JobStatus::Ok => record
            .metrics
            .iter()
            // Threshold-free and oracle metrics only: a line per job stays short.
            .filter(|m| m.threshold.is_none())
            .map(|m| match m.value {
                Some(v) => format!("{}={v:.4}", m.metric),
                None => format!("{}=undefined", m.metric),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => format!("error: {}", record.error.as_deref().unwrap_or("")),
    }
}

/// `[done/total] STATUS dataset method seed=… details`.
fn line(r: &JobRecord, done: usize, total: usize) -> String {
    let status = match r.status {
        JobStatus::Ok => "ok".to_string(),
        other => other.as_str().to_uppercase(),
    };
    format!("[{done}/{total}] {status} {} {} seed={} {}", r.dataset, r.method, r.seed, describe(r))
}

impl Progress {
    /// A display in `mode` for a run of `workers` parallel jobs.
    pub fn new(mode: ProgressMode, workers: usize) -> Self {
        let bars = (mode == ProgressMode::Bars).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
            let main = multi.add(ProgressBar::new(0));
            main.set_style(
                ProgressStyle::with_template(
                    "{bar:30.cyan/blue} {pos}/{len} jobs · {msg} · {elapsed_precise} elapsed · ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            main.set_message("0 failed");
            main.enable_steady_tick(Duration::from_millis(200));
            let workers = (0..workers.max(1))
                .map(|i| {
                    let w = multi.add(ProgressBar::new_spinner());
                    w.set_style(
                        ProgressStyle::with_template("  {spinner} worker {prefix}: {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    w.set_prefix((i + 1).to_string());
                    w.set_message("idle");
                    w
                })
                .collect();
            (multi, main, workers)
        });
        Self { mode, failed: 0, bars, running: vec![None; workers.max(1)] }
    }

    /// Shows `event` of a run of `plan`.
    pub fn event(&mut self, plan: &Plan, event: JobEvent<'_>) {
        match event {
            JobEvent::Note(note) => match &self.bars {
                Some((multi, ..)) => {
                    multi.suspend(|| eprintln!("note: {note}"));
                }
                None => eprintln!("note: {note}"),
            },
            JobEvent::Planned { total, skipped } => {
                if let Some((_, main, _)) = &self.bars {
                    main.set_length(total as u64);
                    main.set_position(skipped as u64);
                    main.reset_eta();
                }
                if self.mode != ProgressMode::Quiet && skipped > 0 {
                    self.println(&format!(
                        "resuming: {skipped} of {total} jobs already in the journal"
                    ));
                }
            }
            JobEvent::Started { worker, job } => {
                if let Some(slot) = self.running.get_mut(worker) {
                    *slot = Some(job.index);
                }
                if let Some((_, _, workers)) = &self.bars {
                    if let Some(w) = workers.get(worker) {
                        w.set_message(format!(
                            "{} / {} / seed {}",
                            plan.datasets[job.dataset].name,
                            plan.variants[job.variant].label,
                            job.seed
                        ));
                        w.tick();
                    }
                }
            }
            JobEvent::Finished { record, done, total } => {
                self.failed += usize::from(record.status != JobStatus::Ok);
                if let Some(w) = self.running.iter().position(|r| *r == Some(record.index)) {
                    self.running[w] = None;
                    if let Some((_, _, workers)) = &self.bars {
                        workers[w].set_message("idle");
                    }
                }
                match (&self.bars, self.mode) {
                    (Some((multi, main, _)), _) => {
                        main.set_position(done as u64);
                        main.set_message(format!("{} failed", self.failed));
                        if record.status != JobStatus::Ok {
                            let _ = multi.println(line(record, done, total));
                        }
                    }
                    (None, ProgressMode::Lines) => {
                        crate::out::outln!("{}", line(record, done, total))
                    }
                    (None, _) => {}
                }
            }
        }
    }

    /// Prints a line above the bars (or plainly).
    fn println(&self, text: &str) {
        match &self.bars {
            Some((multi, ..)) => {
                let _ = multi.println(text);
            }
            None => crate::out::outln!("{text}"),
        }
    }

    /// Clears the bars, leaving a summary line.
    pub fn finish(&mut self) {
        if let Some((_, main, workers)) = self.bars.take() {
            for w in workers {
                w.finish_and_clear();
            }
            main.finish();
        }
    }
}
