//! `oddity init`: writes a commented starter config for a user's own data file.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::starter::{starter_config, StarterKind, StarterOptions};
use anyhow::{bail, Context};

/// Arguments of `oddity init`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The data file (CSV, Parquet, .npz, .mat or .txt) with a 0/1 label column.
    data: PathBuf,
    /// Write a tabular config (stratified split, row detectors).
    #[arg(long, conflicts_with = "timeseries")]
    tabular: bool,
    /// Write a time-series config (chronological split, windowed detectors, VUS and
    /// event metrics). Without --tabular or --timeseries: time series when a timestamp
    /// column is found.
    #[arg(long)]
    timeseries: bool,
    /// The config to write (default: the data file's stem + `.toml`, here).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The label column (default: a 0/1 column named like `label`, `is_anomaly`, `class` …).
    #[arg(long)]
    label: Option<String>,
    /// The timestamp column (default: a date-time column, or an integer `timestamp` / `time`).
    #[arg(long)]
    timestamp: Option<String>,
    /// Overwrite the config if it exists.
    #[arg(long)]
    force: bool,
}

/// Writes the starter config and says what to do next.
pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args.data.file_stem().map_or("oddity".into(), |s| s.to_os_string());
        PathBuf::from(stem).with_extension("toml")
    });
    if out.exists() && !args.force {
        bail!("{} exists; hint: pass --force to overwrite it, or --out PATH", out.display());
    }
    let kind = match (args.tabular, args.timeseries) {
        (true, _) => Some(StarterKind::Tabular),
        (_, true) => Some(StarterKind::Timeseries),
        _ => None,
    };
    let opts = StarterOptions { kind, label: args.label, timestamp: args.timestamp };
    let text = starter_config(&args.data, &out, &opts)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    crate::out::outln!(
        "wrote {}; check it with `oddity validate {0}`, run it with `oddity run {0}`",
        out.display()
    );
    Ok(crate::exit::success())
}
