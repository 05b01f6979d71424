//! The runner's subcommands: `run`, `report`, `slurm` and the hidden worker `__job`. Each
//! parses its arguments and makes its runner calls; the logic lives in `oddity_runner`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::progress::{Progress, ProgressMode};
use crate::slurm::SlurmJob;
use anyhow::Context;
use oddity_report as report;
use oddity_runner::config::Source;
use oddity_runner::run::WorkerCommand;
use oddity_runner::{Isolation, Plan, PlanOptions, RunOptions, Shard};

/// The hidden subcommand a worker process runs.
pub const WORKER_SUBCOMMAND: &str = "__job";

/// Arguments of `oddity run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment's TOML file.
    config: PathBuf,
    /// Folder that relative dataset paths resolve against (overrides `data_dir`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Output folder (overrides `output`).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Jobs run in parallel, 1 to 1024 (default: the number of cores; never more than the
    /// jobs to run). The cores are shared: each job's detector gets cores / jobs threads (at
    /// least 1).
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    jobs: Option<u32>,
    /// Continue the journal in the output folder: skip the jobs it already has.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Start over in an output folder that holds an earlier run (its journal is kept beside
    /// it as journal.jsonl.old). Without --resume or --force such a folder is refused.
    #[arg(long)]
    force: bool,
    /// Run only part I of N of the jobs (e.g. 2/4), in OUTPUT/shard-I-of-N.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Run jobs on threads of this process instead of one worker process per job (faster
    /// for many tiny jobs; time_limit and memory_limit are then not enforced).
    #[arg(long)]
    in_process: bool,
    /// Print nothing but errors and the final paths.
    #[arg(short, long)]
    quiet: bool,
}

/// Arguments of `oddity fit`.
#[derive(clap::Args)]
pub struct FitArgs {
    /// What to run, as for `oddity run`.
    #[command(flatten)]
    run: RunArgs,
    /// Folder for the model files, one per job: `DIR/<dataset>/<method>-seed<S>.oddity`
    /// (default with `save_models = true` in the config: OUTPUT/models).
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

/// Arguments of `oddity report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Output folders of `oddity run` (several: the shards of one experiment, merged).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where the merged journal, results and report go (default, for one folder: itself).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `oddity slurm`.
#[derive(clap::Args)]
pub struct SlurmArgs {
    /// The experiment's TOML file.
    config: PathBuf,
    /// Number of shards (array tasks).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    shards: u32,
    /// Folder that relative dataset paths resolve against (overrides `data_dir`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Output folder (overrides `output`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Slurm partition.
    #[arg(long)]
    partition: Option<String>,
    /// Time limit of each array task (Slurm syntax, e.g. 02:00:00).
    #[arg(long)]
    time: Option<String>,
    /// CPUs of each array task; each task runs that many jobs in parallel.
    #[arg(long)]
    cpus: Option<usize>,
    /// Memory of each array task (Slurm syntax, e.g. 8G).
    #[arg(long)]
    mem: Option<String>,
    /// Submit the scripts with sbatch instead of only writing them.
    #[arg(long)]
    submit: bool,
}

/// An absolute version of `p` (relative to the working directory).
fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) })
}

/// `oddity run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    run_saving(args, false, None)
}

/// `oddity fit`: `oddity run` that saves every fitted pipeline.
pub fn fit(args: FitArgs) -> anyhow::Result<ExitCode> {
    run_saving(args.run, true, args.save)
}

/// `oddity run` saving models into `save` (else the config's `save_models` folder, if any);
/// with `must_save` (`oddity fit`), a run with no folder for them is an error.
fn run_saving(args: RunArgs, must_save: bool, save: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let RunArgs { config, data_dir, out, jobs, resume, force, shard, in_process, quiet } = args;
    // A file where the model folder should be would fail every job after it ran.
    if let Some(dir) = save.as_ref().filter(|d| d.exists() && !d.is_dir()) {
        anyhow::bail!("--save `{}` is a file: give a folder for the model files", dir.display());
    }
    let source = Source::read(&config)?;
    let opts = PlanOptions { data_dir: data_dir.clone(), output: out, shard, save_models: save };
    let plan = Plan::new(&source, source.parse()?, &opts)?;
    if must_save && plan.save_models.is_none() {
        anyhow::bail!(
            "`{}` gives no folder for the models; hint: pass --save DIR, or set save_models = true in [experiment]",
            config.display()
        );
    }
    // Inside a Slurm task, the task's CPUs are the budget, not the node's.
    let cores = std::env::var("SLURM_CPUS_PER_TASK")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    // More workers than jobs only cost start-up time.
    let jobs = jobs.map_or(cores, |j| j as usize).min(plan.selected().len().max(1));
    let isolation = if in_process {
        Isolation::InProcess
    } else {
        let program = std::env::current_exe().context("cannot find the oddity executable")?;
        Isolation::Process(WorkerCommand {
            program,
            args: vec![WORKER_SUBCOMMAND.into()],
            config: source,
            data_dir,
        })
    };
    let run_opts = RunOptions { jobs, threads: cores.max(jobs), resume, force, isolation };
    if !quiet {
        let shard = plan.shard.map(|s| format!(" (shard {s}: {} jobs)", plan.selected().len()));
        crate::out::outln!(
            "{}: {} datasets × {} method variants × {} seeds = {} jobs{} on {} workers",
            plan.experiment,
            plan.datasets.len(),
            plan.variants.len(),
            plan.seeds.len(),
            plan.jobs.len(),
            shard.unwrap_or_default(),
            jobs
        );
    }
    let mut progress = Progress::new(ProgressMode::detect(quiet), jobs);
    let summary = oddity_runner::run(&plan, &run_opts, |event| progress.event(&plan, event));
    progress.finish();
    let summary = summary.with_context(|| format!("run of `{}` stopped", config.display()))?;
    // The run ends with its journal; the derived outputs come from the record, as with
    // `oddity report DIR`.
    let written = report::write_outputs(&summary.output)?;
    for note in &written.notes {
        eprintln!("note: {note}");
    }
    if let Some(best) = &written.best {
        crate::out::outln!("{best}");
    }
    crate::out::outln!("results: {}", summary.output.join(report::RESULTS_FILE).display());
    crate::out::outln!("report: {}", summary.output.join(report::REPORT_FILE).display());
    crate::out::outln!("html report: {}", summary.output.join(report::HTML_FILE).display());
    if let Some(models) = &plan.save_models {
        crate::out::outln!("models: {}", models.display());
    }
    if summary.failed > 0 {
        eprintln!("{} of {} jobs failed (see the report)", summary.failed, summary.total);
        return Ok(crate::exit::jobs_failed());
    }
    Ok(crate::exit::success())
}

/// `oddity report`.
pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let out = match (&args.out, args.dirs.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [one]) => one.clone(),
        (None, _) => anyhow::bail!("give --out: where to write the merge of several folders"),
    };
    let summary = report::merge(&args.dirs, &out)?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    for d in &summary.duplicates {
        eprintln!("warning: duplicate job {d} (the first is kept)");
    }
    for m in &summary.missing {
        eprintln!("warning: missing job {m}");
    }
    if let Some(best) = &summary.best {
        crate::out::outln!("{best}");
    }
    crate::out::outln!("results: {}", out.join(report::RESULTS_FILE).display());
    crate::out::outln!("report: {}", out.join(report::REPORT_FILE).display());
    crate::out::outln!("html report: {}", out.join(report::HTML_FILE).display());
    if !summary.missing.is_empty() {
        eprintln!("{} jobs missing from the merged results", summary.missing.len());
        return Ok(crate::exit::jobs_failed());
    }
    Ok(crate::exit::success())
}

/// `oddity slurm`.
pub fn slurm(args: SlurmArgs) -> anyhow::Result<ExitCode> {
    let opts =
        PlanOptions { data_dir: args.data_dir.clone(), output: args.out, ..PlanOptions::default() };
    let plan = Plan::from_file(&args.config, &opts)?;
    oddity_runner::prepare(&plan)?;
    let job = SlurmJob {
        experiment: plan.experiment.clone(),
        exe: std::env::current_exe().context("cannot find the oddity executable")?,
        config: absolute(&args.config)?,
        data_dir: args.data_dir.as_deref().map(absolute).transpose()?,
        output: absolute(&plan.output)?,
        workdir: std::env::current_dir()?,
        shards: args.shards as usize,
        partition: args.partition,
        time: args.time,
        cpus: args.cpus,
        mem: args.mem,
    };
    let (array, merge) = job.write()?;
    crate::out::outln!("array job: {}", crate::slurm::shell_word(&array.to_string_lossy()));
    crate::out::outln!("merge job: {}", crate::slurm::shell_word(&merge.to_string_lossy()));
    if args.submit {
        let (a, m) = crate::slurm::submit(&array, &merge)?;
        crate::out::outln!("submitted: array job {a}, merge job {m} (after {a})");
    } else {
        let (array, merge) = crate::slurm::submit_commands(&array, &merge);
        crate::out::outln!("submit with: {array} and then {merge}");
    }
    Ok(crate::exit::success())
}

/// `oddity __job`: a worker process; the request on stdin, the record on stdout.
pub fn worker() -> anyhow::Result<ExitCode> {
    oddity_runner::run::worker::serve(std::io::stdin().lock(), std::io::stdout().lock())?;
    Ok(crate::exit::success())
}
