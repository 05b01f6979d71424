//! The `[[dataset]]` blocks: files, columns, split, label windows; each checked on its own.

use std::path::{Path, PathBuf};

use oddity_preprocess::Split;
use toml::Spanned;

use super::{default_family, DataSource, DatasetPlan, Protocol};
use crate::config::{RawEvaluate, RawExperiment, RawPreprocess, Source};
use crate::ConfigError;

/// A dataset's own `preprocess` and `evaluate` overrides.
pub(super) type Overrides = (Option<RawPreprocess>, Option<RawEvaluate>);

/// Checks every dataset of `raw`, resolving file paths against `data_dir`; returns them with
/// their overrides, in config order.
pub(super) fn check(
    source: &Source,
    raw: &RawExperiment,
    data_dir: &Path,
    default_protocol: Protocol,
) -> Result<(Vec<DatasetPlan>, Vec<Overrides>), ConfigError> {
    let mut datasets: Vec<DatasetPlan> = Vec::new();
    let mut dataset_overrides = Vec::new();
    for (i, d) in raw.datasets.iter().enumerate() {
        let name = d.name.get_ref().clone();
        let line = source.line_of(d.name.span().start);
        if let Some(first) = datasets.iter().find(|p| p.name == name) {
            return Err(source.error(
                Some(d.name.span()),
                format!("dataset[{i}].name"),
                format!("duplicate dataset name `{name}` (first used at line {})", first.line),
            ));
        }
        if name.trim().is_empty() {
            return Err(source.error(
                Some(d.name.span()),
                format!("dataset[{i}].name"),
                "must not be empty",
            ));
        }
        if let Some(problem) = super::name_problem(&name, true) {
            return Err(source.error(Some(d.name.span()), format!("dataset[{i}].name"), problem));
        }
        let resolve = |p: &Spanned<PathBuf>| data_dir.join(p.get_ref());
        let key = |k: &str| format!("dataset[{i}].{k}");
        let source_files = match (&d.path, &d.train, &d.test) {
            (Some(p), None, None) => {
                if let Some(t) = &d.test_labels {
                    return Err(source.error(
                        Some(t.span()),
                        key("test_labels"),
                        "only valid with `train` and `test`",
                    ));
                }
                DataSource::Single(resolve(p))
            }
            (None, Some(train), Some(test)) => {
                if let Some(s) = &d.split {
                    return Err(source.error(
                        Some(s.span()),
                        key("split"),
                        "not valid with separate `train` and `test` files (they are the split)",
                    ));
                }
                DataSource::Separate {
                    train: resolve(train),
                    test: resolve(test),
                    test_labels: d.test_labels.as_ref().map(resolve),
                }
            }
            (Some(p), _, _) => {
                return Err(source.error(
                    Some(p.span()),
                    key("path"),
                    "give either `path` or `train` + `test`, not both",
                ))
            }
            (None, Some(t), None) | (None, None, Some(t)) => {
                return Err(source.error(
                    Some(t.span()),
                    key("train"),
                    "`train` and `test` must be given together",
                ))
            }
            (None, None, None) => {
                return Err(source.error(
                    Some(d.name.span()),
                    key("path"),
                    "missing `path` (or `train` + `test`)",
                ))
            }
        };
        let split = match &d.split {
            None => match source_files {
                DataSource::Single(_) => Split::Stratified { train: 0.6 },
                DataSource::Separate { .. } => Split::None,
            },
            Some(s) => {
                let split = s.get_ref().clone();
                split
                    .validate()
                    .map_err(|e| source.error(Some(s.span()), key("split"), e.to_string()))?;
                split
            }
        };
        let label_windows = match (&d.label_windows, &d.label_windows_key, &source_files) {
            (None, None, _) => None,
            (None, Some(k), _) => {
                return Err(source.error(
                    Some(k.span()),
                    key("label_windows_key"),
                    "only valid with `label_windows`",
                ))
            }
            (Some(w), _, DataSource::Separate { .. }) => {
                return Err(source.error(
                    Some(w.span()),
                    key("label_windows"),
                    "only valid with a single `path` (a whole series)",
                ))
            }
            (Some(w), k, DataSource::Single(p)) => {
                if d.timestamp.is_none() {
                    return Err(source.error(
                        Some(w.span()),
                        key("label_windows"),
                        "needs `timestamp`: rows are labelled by the windows their time falls in",
                    ));
                }
                if d.label.is_some() {
                    return Err(source.error(
                        Some(w.span()),
                        key("label_windows"),
                        "give either `label` (a column) or `label_windows`, not both",
                    ));
                }
                let default_key = || {
                    let parts: Vec<String> = p
                        .components()
                        .rev()
                        .take(2)
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    parts.into_iter().rev().collect::<Vec<_>>().join("/")
                };
                let k = k.as_ref().map_or_else(default_key, |k| k.get_ref().clone());
                Some((resolve(w), k))
            }
        };
        let protocol = super::header::protocol_of(source, &key("protocol"), d.protocol.as_ref())?
            .unwrap_or(default_protocol);
        if protocol == Protocol::Tsbad
            && matches!(split, Split::Stratified { .. } | Split::Column { .. })
        {
            let span = d.split.as_ref().map(|s| s.span()).or(d.protocol.as_ref().map(|p| p.span()));
            return Err(source.error(
                span,
                key("split"),
                "protocol \"tsbad\" needs the rows in time order: use split = { method = \"none\" }, \"prefix\" or \"chronological\" (the training part is the prefix), or separate files",
            ));
        }
        let family = match &d.family {
            None => default_family(&name),
            Some(f) => {
                if let Some(problem) = super::name_problem(f.get_ref(), false).or_else(|| {
                    f.get_ref().trim().is_empty().then(|| "must not be empty".to_string())
                }) {
                    return Err(source.error(Some(f.span()), key("family"), problem));
                }
                f.get_ref().clone()
            }
        };
        datasets.push(DatasetPlan {
            protocol,
            family,
            name,
            source: source_files,
            label: d.label.clone().unwrap_or_else(|| "label".into()),
            timestamp: d.timestamp.clone(),
            label_windows,
            features: d.features.clone(),
            split,
            plot_feature: d
                .plot_feature
                .as_ref()
                .map(|f| (f.get_ref().clone(), source.line_of(f.span().start))),
            line,
        });
        dataset_overrides.push((d.preprocess.clone(), d.evaluate.clone()));
    }

    Ok((datasets, dataset_overrides))
}
