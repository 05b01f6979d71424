//! The `oddity` command line: parses arguments, makes one runner call per subcommand and
//! maps the outcome to an exit code ([`exit`]: 0 = success, 1 = the run finished with
//! failed jobs, 2 = bad config, data, arguments or output).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use oddity_runner::{Plan, PlanOptions};

mod evaluate;
mod exit;
mod init;
mod list;
mod out;
mod progress;
mod runner_cli;
mod score;
mod slurm;
mod starter;

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
    Run(runner_cli::RunArgs),
    /// Run an experiment as `run` does and save every fitted pipeline (preprocessing fitted
    /// on train + detector) as a model file for `oddity score`.
    ///
    /// Example: oddity fit configs/quickstart.toml --save models
    Fit(runner_cli::FitArgs),
    /// Score new rows with a saved model, with the preprocessing fitted on its training part.
    ///
    /// Example: oddity score --model models/cardio/knn-seed0.oddity new.csv --out scores.csv
    Score(score::ScoreArgs),
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
    /// List the detectors (with parameters, types and defaults), the metrics and the
    /// threshold rules; or the one named; --json for machines.
    ///
    /// Example: oddity list knn --json
    List(list::ListArgs),
    /// Rebuild results and report of an output folder from its journal, or merge the folders
    /// of several shards into one (missing and duplicate jobs are reported).
    ///
    /// Example: oddity report results/odds/shard-*-of-4 --out results/odds
    Report(runner_cli::ReportArgs),
    /// Write (and with --submit, submit) a Slurm array job running one shard per task, plus
    /// a merge job that runs after it.
    ///
    /// Example: oddity slurm configs/odds.toml --shards 8 --cpus 4 --time 02:00:00 --submit
    Slurm(runner_cli::SlurmArgs),
    /// Compute every metric on external scores (a CSV with score and label columns).
    ///
    /// Example: oddity evaluate scores.csv --threshold pot:1e-4 --json
    Evaluate(evaluate::EvaluateArgs),
    /// Write a commented starter config for your own data file (label, timestamp and
    /// feature columns detected), then check it with `oddity validate`.
    ///
    /// Example: oddity init --timeseries data/machine.csv --out machine.toml
    Init(init::InitArgs),
    /// Internal: run one job as a worker process (request on stdin, record on stdout).
    #[command(name = "__job", hide = true)]
    Job,
}

fn main() -> ExitCode {
    oddity_runner::allocator::keep_freed_memory();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{} {}", error_prefix(), format!("{e:#}").replace('\n', " "));
            exit::error()
        }
    }
}

/// `error:`, in bold red only when stderr is a terminal and `NO_COLOR` is not set: piped
/// output and logs never carry escape codes.
fn error_prefix() -> &'static str {
    use std::io::IsTerminal;
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if color {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => runner_cli::run(args),
        Command::Fit(args) => runner_cli::fit(args),
        Command::Score(args) => score::run(args),
        Command::Validate { config, data_dir } => {
            validate(config, PlanOptions { data_dir, ..PlanOptions::default() })
        }
        Command::List(args) => list::run(args),
        Command::Report(args) => runner_cli::report(args),
        Command::Slurm(args) => runner_cli::slurm(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Init(args) => init::run(args),
        Command::Job => runner_cli::worker(),
    }
}

fn validate(config: PathBuf, opts: PlanOptions) -> anyhow::Result<ExitCode> {
    let plan = Plan::from_file(&config, &opts)?;
    oddity_runner::prepare(&plan)?;
    crate::out::outln!(
        "{}: ok — {} datasets × {} method variants × {} seeds = {} jobs",
        config.display(),
        plan.datasets.len(),
        plan.variants.len(),
        plan.seeds.len(),
        plan.jobs.len()
    );
    Ok(crate::exit::success())
}
