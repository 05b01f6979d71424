//! `oddity list [NAME] [--json]`: the detectors with their parameters, the metrics with their
//! options and the threshold rules, from the registries; one of them by name; or all as JSON.

use std::process::ExitCode;

use oddity_core::{DetectorEntry, Supervision};
use serde_json::{json, Value};

/// Arguments of `oddity list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// A detector, metric or threshold rule: only its entry.
    name: Option<String>,
    /// JSON instead of text (an array of entries, or the one named).
    #[arg(long)]
    json: bool,
}

/// Runs `oddity list`.
pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let entries = all_json();
    match (&args.name, args.json) {
        (None, false) => text(),
        (None, true) => crate::out::outln!("{}", serde_json::to_string_pretty(&entries)?),
        (Some(name), json) => {
            let Some(entry) = entries.iter().find(|e| e["name"] == name.as_str()) else {
                let names: Vec<&str> = entries.iter().filter_map(|e| e["name"].as_str()).collect();
                anyhow::bail!(
                    "no detector, metric or threshold rule is called `{name}`{}; `oddity list` shows them all",
                    oddity_core::suggest::did_you_mean(name, names.iter().copied())
                );
            };
            if json {
                crate::out::outln!("{}", serde_json::to_string_pretty(entry)?);
            } else {
                one_text(entry);
            }
        }
    }
    Ok(crate::exit::success())
}

/// Every detector, metric and threshold rule as JSON objects with a `kind`.
fn all_json() -> Vec<Value> {
    let mut out: Vec<Value> =
        oddity_runner::registry::detectors().iter().map(detector_json).collect();
    out.extend(oddity_eval::metrics().iter().map(|m| {
        json!({
            "kind": "metric",
            "name": m.name,
            "summary": m.summary,
            "oracle": m.oracle,
            "options": m.options,
        })
    }));
    out.extend(oddity_eval::threshold::ThresholdRule::describe().iter().map(|r| {
        let params: Vec<Value> =
            r.params.iter().map(|p| json!({ "name": p.name, "default": p.default })).collect();
        json!({ "kind": "threshold_rule", "name": r.name, "summary": r.summary, "params": params })
    }));
    out
}

/// A detector entry as JSON.
fn detector_json(d: &DetectorEntry) -> Value {
    let params: Vec<Value> = d
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "type": p.kind.to_string(),
                "default": p.default.to_string(),
                "doc": p.doc,
            })
        })
        .collect();
    json!({
        "kind": "detector",
        "name": d.name,
        "summary": d.summary,
        "supervision": d.supervision.as_str(),
        "params": params,
    })
}

/// One entry of [`all_json`] as text.
fn one_text(e: &Value) {
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    crate::out::outln!("{} ({}): {}", s("name"), s("kind").replace('_', " "), s("summary"));
    if e["supervision"] == Supervision::SemiSupervised.as_str() {
        crate::out::outln!(
            "  semi-supervised: under protocol \"tsbad\" it fits on the training part only"
        );
    }
    for p in e["params"].as_array().into_iter().flatten() {
        let f = |k: &str| p[k].as_str().map(str::to_string).unwrap_or_else(|| p[k].to_string());
        crate::out::outln!(
            "  {:<14} {:<22} default {:<8} {}",
            f("name"),
            f("type"),
            f("default"),
            f("doc")
        );
    }
    if let Some(options) = e["options"].as_array().filter(|o| !o.is_empty()) {
        let names: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
        crate::out::outln!("  options: {}", names.join(", "));
    }
}

/// Everything, as text.
fn text() {
    let param = |name: &str, kind: &str, default: &str, doc: &str| {
        crate::out::outln!("  {:<16}   {name:<13} {kind:<22} default {default:<8} {doc}", "");
    };
    crate::out::outln!(
        "Detectors (parameters: name, type, default; [semi-supervised]: under protocol \"tsbad\" fits on the training part only):"
    );
    for d in oddity_runner::registry::detectors() {
        let semi = match d.supervision {
            oddity_core::Supervision::SemiSupervised => "[semi-supervised] ",
            oddity_core::Supervision::Unsupervised => "",
        };
        crate::out::outln!("  {:<16} {semi}{}", d.name, d.summary);
        if d.params.is_empty() {
            crate::out::outln!("  {:<16}   (no parameters)", "");
        }
        for p in &d.params {
            param(p.name, &p.kind.to_string(), &p.default.to_string(), p.doc);
        }
    }
    crate::out::outln!(
        "\nEvery detector also takes sliding windows over ordered rows (time series):"
    );
    param(
        "window",
        "int >= 2 | \"period\"",
        "none",
        "rows per window, or the fitted series' period; the detector scores flattened windows",
    );
    param(
        "period_rank",
        "one of 1|2|3",
        "1",
        "with window = \"period\": which autocorrelation peak",
    );
    param("stride", "int >= 1", "auto", "training-window stride (auto: at most 5000 windows)");
    param(
        "window_score",
        "one of mean|max|center",
        "mean",
        "how the windows covering a row combine (center: TSB-AD's centred window, ends padded)",
    );
    param("window_norm", "one of none|zscore", "none", "z-normalise each window's features");
    crate::out::outln!("\nMetrics († = oracle: the threshold is chosen with the test labels):");
    for m in oddity_eval::metrics() {
        let mark = if m.oracle { "†" } else { " " };
        crate::out::outln!("  {:<18} {mark} {}", m.name, m.summary);
        if !m.options.is_empty() {
            crate::out::outln!("  {:<18}   options: {}", "", m.options.join(", "));
        }
    }
    crate::out::outln!(
        "\nMetric options ({{ metric = \"name\", option = value }} in [evaluate] metrics; \
         name, type, default):"
    );
    for o in oddity_eval::MetricOptions::describe().iter().filter(|o| o.name != "threshold") {
        crate::out::outln!("  {:<12} {} (default {}): {}", o.name, o.kind, o.default, o.doc);
    }
    let at_rules: Vec<&str> = oddity_eval::metrics()
        .iter()
        .filter_map(|m| match m.at_threshold {
            oddity_eval::AtThreshold::Always { name } => Some(name),
            _ => None,
        })
        .collect();
    let when_listed: Vec<&str> = oddity_eval::metrics()
        .iter()
        .filter(|m| m.at_threshold == oddity_eval::AtThreshold::Listed)
        .map(|m| m.name)
        .collect();
    crate::out::outln!(
        "\nThreshold rules ([evaluate] threshold = {{ method = ..., ... }}, fitted on training \
         scores; at each: {}; and, when listed, {}):",
        at_rules.join(", "),
        when_listed.join(", ")
    );
    for r in oddity_eval::threshold::ThresholdRule::describe() {
        let params: Vec<String> = r
            .params
            .iter()
            .map(|p| match p.default {
                Some(d) => format!("{} = {d}", p.name),
                None => p.name.to_string(),
            })
            .collect();
        crate::out::outln!("  {:<22} {}", format!("{}({})", r.name, params.join(", ")), r.summary);
    }
    crate::out::outln!(
        "\nA `random` baseline joins every experiment unless [evaluate] random_baseline = false."
    );
}
