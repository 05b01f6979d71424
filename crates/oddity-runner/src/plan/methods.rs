//! The `[[method]]` blocks: detector, name, overrides and parameters, where a list expands
//! into one variant per value; and the random baseline.

use std::collections::BTreeMap;

use oddity_core::{ParamValue, Params};
use oddity_preprocess::{WindowNorm, WindowScore, Windows};
use toml::Spanned;

use super::header::limits_of;
use super::{Variant, WindowPlan, WindowSize, LIMIT_KEYS, RANDOM_BASELINE, WINDOW_KEYS};
use crate::config::{RawEvaluate, RawExperiment, RawPreprocess, Source};
use crate::limits::Limits;
use crate::{registry, ConfigError};

/// A `[[method]]` block after expansion, before the grid.
pub(super) struct MethodBlock {
    pub variants: Vec<Variant>,
    pub limits: Limits,
    pub preprocess: Option<RawPreprocess>,
    pub evaluate: Option<RawEvaluate>,
}

/// Expands every `[[method]]` block of `raw`; labels must be distinct across blocks.
pub(super) fn check(source: &Source, raw: &RawExperiment) -> Result<Vec<MethodBlock>, ConfigError> {
    let mut blocks = Vec::new();
    for (i, table) in raw.methods.iter().enumerate() {
        blocks.push(method_block(source, i, table)?);
    }
    let mut variants: Vec<Variant> = Vec::new();
    for block in &blocks {
        for v in &block.variants {
            if variants.iter().any(|w| w.label == v.label) {
                return Err(source.error(
                    None,
                    "method.name",
                    format!("two methods are labelled `{}`: give them distinct `name`s", v.label),
                ));
            }
            variants.push(v.clone());
        }
    }

    Ok(blocks)
}

/// Appends the `random` baseline as a block of its own unless `[evaluate] random_baseline =
/// false` or a method is already labelled `random`.
pub(super) fn add_random_baseline(
    source: &Source,
    raw: &RawExperiment,
    blocks: &mut Vec<MethodBlock>,
) -> Result<(), ConfigError> {
    let labelled = blocks.iter().flat_map(|b| &b.variants).any(|v| v.label == RANDOM_BASELINE);
    let random_baseline = raw.evaluate.random_baseline.as_ref().is_none_or(|b| *b.get_ref());
    if random_baseline && !labelled {
        let entry = registry::detector(RANDOM_BASELINE).ok_or_else(|| {
            source.error(None, "evaluate.random_baseline", "no `random` detector")
        })?;
        let (params, _) = entry
            .instantiate(&Params::default())
            .map_err(|e| source.error(None, "evaluate.random_baseline", e.to_string()))?;
        let variant = Variant {
            label: RANDOM_BASELINE.into(),
            detector: RANDOM_BASELINE.into(),
            params,
            window: None,
        };
        blocks.push(MethodBlock {
            variants: vec![variant],
            limits: Limits::default(),
            preprocess: None,
            evaluate: None,
        });
    }

    Ok(())
}

/// Reads one `[[method]]` table: detector, name, overrides, and parameters (lists expand).
pub(super) fn method_block(
    source: &Source,
    i: usize,
    table: &BTreeMap<String, Spanned<toml::Value>>,
) -> Result<MethodBlock, ConfigError> {
    let key = |k: &str| format!("method[{i}].{k}");
    let string = |k: &str| -> Result<Option<String>, ConfigError> {
        match table.get(k) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                toml::Value::String(s) => Ok(Some(s.clone())),
                other => Err(source.error(
                    Some(v.span()),
                    key(k),
                    format!("expected a string, got {}", other.type_str()),
                )),
            },
        }
    };
    let Some(detector_name) = string("detector")? else {
        let span = table.values().next().map(|v| v.span());
        return Err(source.error(span, key("detector"), "missing `detector`"));
    };
    let entry = registry::detector(&detector_name).ok_or_else(|| {
        let known: Vec<_> = registry::detectors().iter().map(|d| d.name).collect();
        let message = registry::left_out(&detector_name).unwrap_or_else(|| {
            format!(
                "unknown detector `{detector_name}`{} (known: {})",
                oddity_core::suggest::did_you_mean(&detector_name, known.iter().copied()),
                known.join(", ")
            )
        });
        source.error(table.get("detector").map(|v| v.span()), key("detector"), message)
    })?;
    let name = string("name")?.unwrap_or_else(|| detector_name.clone());
    let sub = |k: &str| -> Result<Option<toml::Value>, ConfigError> {
        Ok(table.get(k).map(|v| v.get_ref().clone()))
    };
    let preprocess =
        sub("preprocess")?.map(|v| v.try_into::<RawPreprocess>()).transpose().map_err(|e| {
            source.error(
                table.get("preprocess").map(|v| v.span()),
                key("preprocess"),
                e.message().trim(),
            )
        })?;
    let evaluate = table.get("evaluate").map(|v| method_evaluate(source, i, v)).transpose()?;

    let limits = limits_of(
        source,
        &format!("method[{i}]"),
        table.get("time_limit"),
        table.get("memory_limit"),
    )?;

    // Parameters: every other key; a list gives one variant per value (cartesian product).
    let mut axes: Vec<(String, Vec<ParamValue>, std::ops::Range<usize>)> = Vec::new();
    for (k, v) in table {
        if ["detector", "name", "preprocess", "evaluate"].contains(&k.as_str())
            || LIMIT_KEYS.contains(&k.as_str())
        {
            continue;
        }
        let values = match v.get_ref() {
            toml::Value::Array(items) if items.is_empty() => {
                return Err(source.error(Some(v.span()), key(k), "an empty list gives no variant"))
            }
            toml::Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
            other => scalar(other).map(|s| vec![s]),
        }
        .ok_or_else(|| {
            source.error(
                Some(v.span()),
                key(k),
                "expected a number, string, boolean or a list of them",
            )
        })?;
        axes.push((k.clone(), values, v.span()));
    }
    let mut combos: Vec<Vec<(String, ParamValue)>> = vec![vec![]];
    for (k, values, _) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let expanded: Vec<&str> =
        axes.iter().filter(|(_, v, _)| v.len() > 1).map(|(k, _, _)| k.as_str()).collect();
    let mut variants = Vec::new();
    for combo in combos {
        let window = window_of(&combo).map_err(|(k, msg)| {
            let span = axes.iter().find(|(a, _, _)| a == k).map(|(_, _, s)| s.clone());
            source.error(span, key(k), msg)
        })?;
        let given = Params(
            combo.iter().filter(|(k, _)| !WINDOW_KEYS.contains(&k.as_str())).cloned().collect(),
        );
        let (params, _) = entry.instantiate(&given).map_err(|e| {
            let bad = match &e {
                oddity_core::Error::UnknownParameter { name, .. } => Some(name.clone()),
                oddity_core::Error::InvalidParameter { name, .. } => Some(name.clone()),
                _ => None,
            };
            let span = bad
                .as_ref()
                .and_then(|b| axes.iter().find(|(k, _, _)| k == b))
                .map(|(_, _, s)| s.clone());
            // PyOD's `contamination` is a threshold here, not a detector parameter.
            let message = match &e {
                oddity_core::Error::UnknownParameter { name, .. } if name == "contamination" => {
                    "`contamination` is not a detector parameter: alarms come from a threshold rule, `[evaluate] threshold = { method = \"contamination\", rate = 0.1 }`".to_string()
                }
                e => e.to_string(),
            };
            source.error(span, key(bad.as_deref().unwrap_or("detector")), message)
        })?;
        let label = if expanded.is_empty() {
            name.clone()
        } else {
            let tags: Vec<String> = combo
                .iter()
                .filter(|(k, _)| expanded.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("{name}[{}]", tags.join(","))
        };
        if let Some(problem) = super::name_problem(&label, true) {
            let span = table.get("name").or_else(|| table.get("detector")).map(|v| v.span());
            return Err(source.error(span, key("name"), problem));
        }
        variants.push(Variant { label, detector: detector_name.clone(), params, window });
    }
    Ok(MethodBlock { variants, limits, preprocess, evaluate })
}

/// A method's `evaluate = { ... }` table. Read by hand rather than through serde: `Spanned`
/// fields cannot be deserialized from an already parsed `toml::Value`, so every value takes
/// the span of the whole table.
fn method_evaluate(
    source: &Source,
    i: usize,
    value: &Spanned<toml::Value>,
) -> Result<RawEvaluate, ConfigError> {
    let span = value.span();
    let key = |k: &str| format!("method[{i}].evaluate{k}");
    let toml::Value::Table(table) = value.get_ref() else {
        return Err(source.error(Some(span), key(""), "expected a table"));
    };
    let mut raw = RawEvaluate::default();
    for (k, v) in table {
        let spanned = |v: toml::Value| Some(Spanned::new(span.clone(), v));
        match (k.as_str(), v) {
            ("metrics", toml::Value::Array(items)) => {
                raw.metrics = Some(Spanned::new(span.clone(), items.clone()))
            }
            ("compat", toml::Value::String(s)) => {
                raw.compat = Some(Spanned::new(span.clone(), s.clone()))
            }
            ("threshold", v) => raw.threshold = spanned(v.clone()),
            ("random_baseline", toml::Value::Boolean(b)) => {
                raw.random_baseline = Some(Spanned::new(span.clone(), *b))
            }
            ("metrics" | "compat" | "random_baseline", other) => {
                return Err(source.error(
                    Some(span.clone()),
                    key(&format!(".{k}")),
                    format!("unexpected {}", other.type_str()),
                ))
            }
            (other, _) => {
                return Err(source.error(
                    Some(span.clone()),
                    key(&format!(".{other}")),
                    "unknown key (known: metrics, compat)",
                ))
            }
        }
    }
    Ok(raw)
}

/// The window settings among a variant's values, or `(key, message)`.
fn window_of(combo: &[(String, ParamValue)]) -> Result<Option<WindowPlan>, (&'static str, String)> {
    let get = |k: &str| combo.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let int = |k: &'static str| match get(k) {
        None => Ok(None),
        Some(ParamValue::Int(v)) => Ok(Some(*v)),
        Some(other) => Err((k, format!("expected an integer, got `{other}`"))),
    };
    let score = match get("window_score") {
        None => WindowScore::Mean,
        Some(ParamValue::Str(s)) if WindowScore::parse(s).is_some() => {
            WindowScore::parse(s).unwrap_or_default()
        }
        Some(other) => {
            return Err((
                "window_score",
                format!("expected \"mean\", \"max\" or \"center\", got `{other}`"),
            ))
        }
    };
    let norm = match get("window_norm") {
        None => WindowNorm::None,
        Some(ParamValue::Str(s)) if WindowNorm::parse(s).is_some() => {
            WindowNorm::parse(s).unwrap_or_default()
        }
        Some(other) => {
            return Err(("window_norm", format!("expected \"none\" or \"zscore\", got `{other}`")))
        }
    };
    let stride = int("stride")?;
    let size = match get("window") {
        None => {
            return match WINDOW_KEYS[1..].iter().find(|k| get(k).is_some()) {
                Some(k) => Err((k, "needs `window`".into())),
                None => Ok(None),
            }
        }
        Some(ParamValue::Str(s)) if s == "period" => {
            let rank = match int("period_rank")? {
                None => 1,
                Some(r @ 1..=3) => r as u8,
                Some(r) => return Err(("period_rank", format!("expected 1, 2 or 3, got {r}"))),
            };
            WindowSize::Period { rank }
        }
        Some(ParamValue::Int(n)) => {
            if get("period_rank").is_some() {
                return Err(("period_rank", "only valid with `window = \"period\"`".into()));
            }
            WindowSize::Rows((*n).max(0) as usize)
        }
        Some(other) => {
            return Err((
                "window",
                format!("expected a number of rows or \"period\", got `{other}`"),
            ))
        }
    };
    // A period is at least 2 rows; the placeholder length only passes the checks.
    let rows = match (size, get("window")) {
        (WindowSize::Rows(_), Some(ParamValue::Int(n))) => *n,
        _ => 2,
    };
    let windows = Windows::new(rows, stride, score).map_err(|e| {
        (if stride.is_some_and(|s| s < 1) { "stride" } else { "window" }, e.to_string())
    })?;
    Ok(Some(WindowPlan { size, windows: windows.with_norm(norm) }))
}

/// A scalar TOML value as a parameter value.
fn scalar(v: &toml::Value) -> Option<ParamValue> {
    match v {
        toml::Value::Integer(i) => Some(ParamValue::Int(*i)),
        toml::Value::Float(f) => Some(ParamValue::Float(*f)),
        toml::Value::Boolean(b) => Some(ParamValue::Bool(*b)),
        toml::Value::String(s) => Some(ParamValue::Str(s.clone())),
        _ => None,
    }
}
