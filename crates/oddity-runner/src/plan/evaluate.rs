//! `[evaluate]` at its three layers (experiment, dataset, method): metrics and their
//! options, `compat`, threshold rules and the random baseline switch.

use std::collections::BTreeMap;

use oddity_eval::threshold::{ThresholdError, ThresholdRule};
use oddity_eval::{Compat, MetricChoice, OptionError, OptionValue};
use toml::Spanned;

use super::datasets::Overrides;
use super::methods::MethodBlock;
use super::{MetricSpec, Protocol, ThresholdSpec, DEFAULT_METRICS, TSBAD_METRICS};
use crate::config::{RawEvaluate, Source};
use crate::ConfigError;

/// Refuses `threshold` and `random_baseline` in a dataset's or a method's `evaluate`.
pub(super) fn check_layers(
    source: &Source,
    dataset_overrides: &[Overrides],
    blocks: &[MethodBlock],
) -> Result<(), ConfigError> {
    for (i, e) in dataset_overrides.iter().filter_map(|(_, e)| e.as_ref()).enumerate() {
        top_level_only(source, &format!("dataset[{i}].evaluate"), e)?;
    }
    for (i, b) in blocks.iter().enumerate() {
        if let Some(e) = &b.evaluate {
            top_level_only(source, &format!("method[{i}].evaluate"), e)?;
        }
    }
    Ok(())
}

/// The most specific metric list among `layers`, checked against the registry, with each
/// metric's options (and the most specific `compat`).
pub(super) fn pick_metrics(
    source: &Source,
    layers: &[Option<&RawEvaluate>],
    protocol: Protocol,
) -> Result<Vec<MetricSpec>, ConfigError> {
    let tsbad = protocol == Protocol::Tsbad;
    let compat = match layers.iter().flatten().find_map(|e| e.compat.as_ref()) {
        // TSB-AD's protocol evaluates with TSB-AD's definitions unless told otherwise.
        None if tsbad => Some(Compat::Tsbad),
        None => None,
        Some(c) => Some(c.get_ref().parse::<Compat>().map_err(|e| {
            let message = match e {
                OptionError::InvalidValue { expected, got, .. } => {
                    format!("expected {expected}, got `{got}`")
                }
                e => e.to_string(),
            };
            source.error(Some(c.span()), "evaluate.compat", message)
        })?),
    };
    let plain = |name: &str| metric_spec(name, &BTreeMap::new(), compat, tsbad);
    let Some(list) = layers.iter().flatten().find_map(|e| e.metrics.as_ref()) else {
        let defaults = if tsbad { TSBAD_METRICS } else { DEFAULT_METRICS };
        return defaults
            .iter()
            .map(|m| plain(m).map_err(|e| source.error(None, "evaluate.metrics", e.to_string())))
            .collect();
    };
    if list.get_ref().is_empty() {
        return Err(source.error(
            Some(list.span()),
            "evaluate.metrics",
            "must list at least one metric",
        ));
    }
    let mut specs: Vec<MetricSpec> = Vec::new();
    for (i, item) in list.get_ref().iter().enumerate() {
        let err = |e: String| source.error(Some(list.span()), format!("evaluate.metrics[{i}]"), e);
        let spec = match item {
            toml::Value::String(name) => plain(name).map_err(|e| err(e.to_string()))?,
            toml::Value::Table(table) => {
                let Some(toml::Value::String(name)) = table.get("metric") else {
                    return Err(err("a metric table needs `metric = \"name\"`".into()));
                };
                let options: BTreeMap<String, toml::Value> = table
                    .iter()
                    .filter(|(k, _)| k.as_str() != "metric")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                metric_spec(name, &options, compat, tsbad).map_err(|e| err(e.to_string()))?
            }
            other => {
                return Err(err(format!(
                    "expected a metric name or a table {{ metric = \"...\", ... }}, got {}",
                    other.type_str()
                )))
            }
        };
        if specs.iter().any(|s| s.name == spec.name && s.described == spec.described) {
            return Err(err(format!(
                "metric `{}` is listed twice with the same options",
                spec.name
            )));
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// Why a metric of the config was refused (the message of its config error).
#[derive(Debug, thiserror::Error)]
pub(super) enum MetricSpecError {
    /// A metric that is only defined at a threshold, listed as a plain metric.
    #[error(
        "`{metric}` needs a threshold: set `[evaluate] threshold` and it is computed at every threshold"
    )]
    NeedsThreshold {
        /// The metric.
        metric: &'static str,
    },
    /// A metric the registry does not have.
    #[error("{error}{hint}", error = .0, hint = hint(.0))]
    Unknown(OptionError),
    /// An option the metric does not read, or a bad value.
    #[error("metric `{name}`: {error}")]
    Option {
        /// The metric.
        name: String,
        /// What is wrong with its options.
        error: OptionError,
    },
}

/// The metric `name` with `options` (config keys and values) and the enclosing layers'
/// `compat`, checked against what the registry entry reads (`oddity_eval::MetricChoice`).
/// Under TSB-AD's protocol (`tsbad`) a metric with a VUS buffer that gives none has the
/// buffer `"period"`.
fn metric_spec(
    name: &str,
    options: &BTreeMap<String, toml::Value>,
    compat: Option<Compat>,
    tsbad: bool,
) -> Result<MetricSpec, MetricSpecError> {
    let mut given: Vec<(&str, OptionValue)> =
        options.iter().map(|(key, value)| (key.as_str(), option_value(value))).collect();
    let reads_buffer = oddity_eval::metric(name).is_some_and(|m| m.options.contains(&"buffer"));
    if tsbad && reads_buffer && !options.contains_key("buffer") {
        given.push(("buffer", OptionValue::Text("period".into())));
    }
    let choice = MetricChoice::new(name, &given, compat).map_err(|e| match e {
        OptionError::NeedsThreshold { metric } => MetricSpecError::NeedsThreshold { metric },
        OptionError::UnknownMetric { .. } => MetricSpecError::Unknown(e),
        error => MetricSpecError::Option { name: name.to_string(), error },
    })?;
    Ok(MetricSpec { name: name.to_string(), options: choice.options, described: choice.label })
}

/// A TOML value as an option value; a table or an array is refused by every option (its
/// type name is what messages show).
fn option_value(v: &toml::Value) -> OptionValue {
    match v {
        toml::Value::String(s) => OptionValue::Text(s.clone()),
        toml::Value::Integer(i) => OptionValue::Integer(*i),
        toml::Value::Float(f) => OptionValue::Float(*f),
        toml::Value::Boolean(b) => OptionValue::Bool(*b),
        other => OptionValue::Text(other.type_str().to_string()),
    }
}

/// Refuses `threshold` and `random_baseline` outside the top-level `[evaluate]`: they apply
/// to every method alike.
fn top_level_only(source: &Source, table: &str, e: &RawEvaluate) -> Result<(), ConfigError> {
    if let Some(t) = &e.threshold {
        return Err(source.error(
            Some(t.span()),
            format!("{table}.threshold"),
            "only valid in the top-level [evaluate] (thresholds apply to every method alike)",
        ));
    }
    if let Some(b) = &e.random_baseline {
        return Err(source.error(
            Some(b.span()),
            format!("{table}.random_baseline"),
            "only valid in the top-level [evaluate]",
        ));
    }
    Ok(())
}

/// The rules of `[evaluate] threshold`: one table or a list of tables
/// `{ method = "...", name = "...", <numeric parameters> }`.
pub(super) fn threshold_specs(
    source: &Source,
    value: Option<&Spanned<toml::Value>>,
) -> Result<Vec<ThresholdSpec>, ConfigError> {
    let Some(value) = value else { return Ok(vec![]) };
    let tables: Vec<&toml::Value> = match value.get_ref() {
        toml::Value::Array(items) if items.is_empty() => {
            return Err(source.error(
                Some(value.span()),
                "evaluate.threshold",
                "an empty list gives no threshold",
            ))
        }
        toml::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut specs: Vec<ThresholdSpec> = Vec::new();
    for (i, t) in tables.into_iter().enumerate() {
        let key = if matches!(value.get_ref(), toml::Value::Array(_)) {
            format!("evaluate.threshold[{i}]")
        } else {
            "evaluate.threshold".to_string()
        };
        let err = |m: String| source.error(Some(value.span()), key.clone(), m);
        let toml::Value::Table(table) = t else {
            return Err(err(format!(
                "expected a table like {{ method = \"pot\", q = 1e-3 }}, got {}",
                t.type_str()
            )));
        };
        let Some(toml::Value::String(method)) = table.get("method") else {
            let known: Vec<&str> = ThresholdRule::describe().iter().map(|r| r.name).collect();
            return Err(err(format!("missing `method = \"...\"` ({})", known.join(", "))));
        };
        let mut params: Vec<(&str, f64)> = Vec::new();
        let mut name = None;
        for (k, v) in table {
            match (k.as_str(), v) {
                ("method", _) => {}
                ("name", toml::Value::String(s)) => name = Some(s.clone()),
                (k, toml::Value::Float(f)) => params.push((k, *f)),
                (k, toml::Value::Integer(n)) => params.push((k, *n as f64)),
                (k, other) => {
                    return Err(err(format!("`{k}` must be a number, got {}", other.type_str())))
                }
            }
        }
        let rule = ThresholdRule::from_params(method, &params).map_err(|e| match e {
            // The key names the parameter, the message its range.
            ThresholdError::InvalidParameter { name, reason } => {
                source.error(Some(value.span()), format!("{key}.{name}"), reason)
            }
            e => err(e.to_string()),
        })?;
        let label = name.unwrap_or_else(|| rule.label());
        if specs.iter().any(|s| s.label == label) {
            return Err(err(format!("two thresholds are labelled `{label}`: give one a `name`")));
        }
        specs.push(ThresholdSpec { label, rule });
    }
    Ok(specs)
}

/// `[report] metric`: the name of a metric every job computes (so it has a value to rank
/// by wherever a job succeeds).
pub(super) fn report_metric(
    source: &Source,
    metric: Option<&Spanned<String>>,
    jobs: &[super::Job],
) -> Result<Option<String>, ConfigError> {
    let Some(m) = metric else { return Ok(None) };
    let name = m.get_ref();
    let everywhere = |name: &str| jobs.iter().all(|j| j.metrics.iter().any(|s| s.name == name));
    if everywhere(name) {
        return Ok(Some(name.clone()));
    }
    let mut listed: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.metrics.iter().map(|s| s.name.as_str()))
        .filter(|n| everywhere(n))
        .collect();
    listed.sort_unstable();
    listed.dedup();
    Err(source.error(
        Some(m.span()),
        "report.metric",
        format!("`{name}` is not computed by every job; choose one of: {}", listed.join(", ")),
    ))
}

/// "Did you mean …?" for an unknown metric's name (the empty string otherwise).
fn hint(e: &OptionError) -> String {
    match e {
        OptionError::UnknownMetric { name } => {
            oddity_core::suggest::did_you_mean(name, oddity_eval::metrics().iter().map(|m| m.name))
        }
        _ => String::new(),
    }
}
