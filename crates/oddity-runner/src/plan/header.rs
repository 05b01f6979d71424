//! The `[experiment]` header: name, seeds, data and output folders, saved models and the
//! experiment-wide limits.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::PlanOptions;
use crate::config::{RawExperiment, Source};
use crate::limits::{self, Limits};
use crate::ConfigError;

/// The checked `[experiment]` table, with the command line's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Header {
    /// Experiment name (not empty).
    pub experiment: String,
    /// Seeds (at least one; default `[0]`).
    pub seeds: Vec<u64>,
    /// The folder dataset paths are resolved against.
    pub data_dir: PathBuf,
    /// Output folder (a shard's own folder when a shard is given).
    pub output: PathBuf,
    /// Where models are saved, if anywhere.
    pub save_models: Option<PathBuf>,
    /// Limits of every job unless a method overrides them.
    pub limits: Limits,
    /// The protocol of datasets that do not name theirs.
    pub protocol: super::Protocol,
}

/// Checks the header of `raw` and that it has datasets and methods.
pub(super) fn check(
    source: &Source,
    raw: &RawExperiment,
    opts: &PlanOptions,
) -> Result<Header, ConfigError> {
    let experiment = raw.experiment.name.clone();
    if experiment.trim().is_empty() {
        return Err(source.error(None, "experiment.name", "must not be empty"));
    }
    if let Some(problem) = super::name_problem(&experiment, false) {
        return Err(source.error(None, "experiment.name", problem));
    }
    let seeds = match &raw.experiment.seeds {
        None => vec![0],
        Some(s) if s.get_ref().is_empty() => {
            return Err(source.error(
                Some(s.span()),
                "experiment.seeds",
                "must list at least one seed",
            ))
        }
        Some(s) => {
            let seeds = s.get_ref().clone();
            if let Some((i, seed)) =
                seeds.iter().enumerate().find(|(i, seed)| seeds[..*i].contains(seed))
            {
                return Err(source.error(
                    Some(s.span()),
                    "experiment.seeds",
                    format!(
                        "seed {seed} is listed twice (at positions {} and {})",
                        seeds.iter().position(|x| x == seed).unwrap_or(0) + 1,
                        i + 1
                    ),
                ));
            }
            seeds
        }
    };
    let config_dir = source.path.parent().unwrap_or(Path::new("")).to_path_buf();
    let data_dir = match (&opts.data_dir, &raw.experiment.data_dir) {
        (Some(d), _) => d.clone(),
        (None, Some(d)) => config_dir.join(d),
        (None, None) => config_dir,
    };
    let mut output = opts
        .output
        .clone()
        .or_else(|| raw.experiment.output.clone())
        .unwrap_or_else(|| Path::new("results").join(&experiment));
    if let Some(shard) = &opts.shard {
        output = output.join(shard.folder_name());
    }
    let save_models = opts
        .save_models
        .clone()
        .or_else(|| raw.experiment.save_models.then(|| output.join("models")));
    let global_limits = limits_of(
        source,
        "experiment",
        raw.experiment.time_limit.as_ref(),
        raw.experiment.memory_limit.as_ref(),
    )?;

    if raw.datasets.is_empty() {
        return Err(source.error(None, "dataset", "the config has no [[dataset]] block"));
    }
    if raw.methods.is_empty() {
        return Err(source.error(None, "method", "the config has no [[method]] block"));
    }
    let protocol = protocol_of(source, "experiment.protocol", raw.experiment.protocol.as_ref())?
        .unwrap_or_default();
    Ok(Header { experiment, seeds, data_dir, output, save_models, limits: global_limits, protocol })
}

/// The protocol named by `value` under `key`, if given.
pub(super) fn protocol_of(
    source: &Source,
    key: &str,
    value: Option<&Spanned<String>>,
) -> Result<Option<super::Protocol>, ConfigError> {
    value
        .map(|v| {
            super::Protocol::parse(v.get_ref()).ok_or_else(|| {
                source.error(
                    Some(v.span()),
                    key,
                    format!("expected \"standard\" or \"tsbad\", got `{}`", v.get_ref()),
                )
            })
        })
        .transpose()
}

/// The limits set by `time_limit` and `memory_limit` under `table`.
pub(super) fn limits_of(
    source: &Source,
    table: &str,
    time: Option<&Spanned<toml::Value>>,
    memory: Option<&Spanned<toml::Value>>,
) -> Result<Limits, ConfigError> {
    let time = time
        .map(|v| {
            limits::parse_time(v.get_ref()).map_err(|e| {
                source.error(Some(v.span()), format!("{table}.time_limit"), e.to_string())
            })
        })
        .transpose()?;
    let memory = memory
        .map(|v| {
            limits::parse_memory(v.get_ref()).map_err(|e| {
                source.error(Some(v.span()), format!("{table}.memory_limit"), e.to_string())
            })
        })
        .transpose()?;
    Ok(Limits { time, memory })
}
