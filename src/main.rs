//! The `oddity` command line: parses arguments, makes one runner call per subcommand and
//! maps the outcome to an exit code (0 = success, 1 = the run finished with failed jobs,
//! 2 = bad config, data, arguments or output).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use oddity_runner::journal::JobStatus;
use oddity_runner::{report, Plan, PlanOptions, RunOptions};

/// Anomaly-detection experiments from one TOML file.
#[derive(Parser)]
#[command(name = "oddity", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment: every dataset × method variant × seed, then write results and report.
    ///
    /// Example: oddity run configs/quickstart.toml --jobs 2
    Run {
        /// The experiment's TOML file.
        config: PathBuf,
        /// Folder that relative dataset paths resolve against (overrides `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Output folder (overrides `output`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Jobs run in parallel (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Print nothing but errors and the final paths.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a config and that every dataset file exists, parses and splits, without running.
    ///
    /// Example: oddity validate configs/odds.toml --data-dir ../shared/datasets
    Validate {
        /// The experiment's TOML file.
        config: PathBuf,
        /// Folder that relative dataset paths resolve against (overrides `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// List the detectors (with parameters, types and defaults) and the metrics.
    ///
    /// Example: oddity list
    List,
    /// Rebuild results.csv and report.md of an output folder from its journal.
    ///
    /// Example: oddity report results/quickstart
    Report {
        /// An output folder of `oddity run`.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run { config, data_dir, out, jobs, quiet } => {
            run_experiment(config, PlanOptions { data_dir, output: out }, jobs, quiet)
        }
        Command::Validate { config, data_dir } => {
            validate(config, PlanOptions { data_dir, output: None })
        }
        Command::List => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { dir } => {
            for w in report::write_outputs(&dir)? {
                eprintln!("warning: {w}");
            }
            println!("results: {}", dir.join(report::RESULTS_FILE).display());
            println!("report: {}", dir.join(report::REPORT_FILE).display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_experiment(
    config: PathBuf,
    opts: PlanOptions,
    jobs: Option<u32>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let plan = Plan::from_file(&config, &opts)?;
    let jobs = match jobs {
        Some(j) => j as usize,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    if !quiet {
        println!(
            "{}: {} datasets × {} method variants × {} seeds = {} jobs on {} workers",
            plan.experiment,
            plan.datasets.len(),
            plan.variants.len(),
            plan.seeds.len(),
            plan.jobs.len(),
            jobs
        );
    }
    let summary = oddity_runner::run(&plan, &RunOptions { jobs }, |r, done, total| {
        if quiet {
            return;
        }
        let detail = match r.status {
            JobStatus::Ok => r
                .metrics
                .iter()
                .map(|m| match m.value {
                    Some(v) => format!("{}={v:.4}", m.metric),
                    None => format!("{}=undefined", m.metric),
                })
                .collect::<Vec<_>>()
                .join(" "),
            JobStatus::Failed => format!("error: {}", r.error.as_deref().unwrap_or("")),
        };
        let status = if r.status == JobStatus::Ok { "ok" } else { "FAILED" };
        println!("[{done}/{total}] {status} {} {} seed={} {detail}", r.dataset, r.method, r.seed);
    })
    .with_context(|| format!("run of `{}` stopped", config.display()))?;
    println!("results: {}", summary.output.join(report::RESULTS_FILE).display());
    println!("report: {}", summary.output.join(report::REPORT_FILE).display());
    if summary.failed > 0 {
        eprintln!("{} of {} jobs failed (see the report)", summary.failed, summary.total);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(config: PathBuf, opts: PlanOptions) -> anyhow::Result<ExitCode> {
    let plan = Plan::from_file(&config, &opts)?;
    oddity_runner::prepare(&plan)?;
    println!(
        "{}: ok — {} datasets × {} method variants × {} seeds = {} jobs",
        config.display(),
        plan.datasets.len(),
        plan.variants.len(),
        plan.seeds.len(),
        plan.jobs.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn list() {
    let param = |name: &str, kind: &str, default: &str, doc: &str| {
        println!("  {:<16}   {name:<13} {kind:<22} default {default:<8} {doc}", "");
    };
    println!("Detectors (parameters: name, type, default):");
    for d in oddity_runner::registry::detectors() {
        println!("  {:<16} {}", d.name, d.summary);
        if d.params.is_empty() {
            println!("  {:<16}   (no parameters)", "");
        }
        for p in &d.params {
            param(p.name, &p.kind.to_string(), &p.default.to_string(), p.doc);
        }
    }
    println!("\nEvery detector also takes sliding windows over ordered rows (time series):");
    param("window", "int >= 2", "none", "rows per window; the detector scores flattened windows");
    param("stride", "int >= 1", "auto", "training-window stride (auto: at most 5000 windows)");
    param("window_score", "one of mean|max", "mean", "how the windows covering a row combine");
    println!("\nMetrics († = oracle: the threshold is chosen with the test labels):");
    for m in oddity_eval::metrics() {
        let mark = if m.oracle { "†" } else { " " };
        println!("  {:<18} {mark} {}", m.name, m.summary);
    }
}
