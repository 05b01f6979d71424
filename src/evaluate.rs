//! `oddity evaluate`: every metric of `oddity_eval` on external scores, so that scores made
//! elsewhere (a Python detector, another library) are evaluated with oddity's definitions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use oddity_eval::threshold::ThresholdRule;
use oddity_eval::{
    at_threshold, metric, metrics, Compat, MetricEntry, MetricOptions, OptionError, OptionValue,
};
use oddity_ingest::{read_table, ReadOptions};

/// Arguments of `oddity evaluate`.
#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// A CSV (or Parquet) file with a score column and a 0/1 label column.
    scores: PathBuf,
    /// The score column (higher = more anomalous).
    #[arg(long, default_value = "score")]
    score_col: String,
    /// The label column (1 = anomaly).
    #[arg(long, default_value = "label")]
    label_col: String,
    /// Metrics to compute, comma-separated (default: every metric).
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// A threshold rule, `METHOD[:VALUE[:VALUE]]` (the method's parameters in the order
    /// `oddity list` gives): contamination:RATE, fixed:VALUE, sigma:K, mad:K, top_k:K,
    /// pot:Q[:LEVEL], spot:Q[:LEVEL]. Fitted on the scores of --train-scores, or on the
    /// evaluated scores themselves (labels are never used). The metrics computed at every
    /// threshold rule (P/R/F1 and the F1 family), and those of the chosen metrics that are
    /// computed at a rule when listed (pak_f1), are then also given at that threshold.
    #[arg(long)]
    threshold: Option<String>,
    /// A file whose score column is used to fit the threshold (e.g. scores of training data).
    #[arg(long)]
    train_scores: Option<PathBuf>,
    /// PA%K's k in percent (pak_f1).
    #[arg(long)]
    k: Option<f64>,
    /// VUS's largest buffer length (vus_roc, vus_pr).
    #[arg(long)]
    buffer: Option<usize>,
    /// `exact` (default) or `tsbad` (TSB-AD's grid, epsilons and quirks).
    #[arg(long, default_value = "exact")]
    compat: String,
    /// Any metric option as NAME=VALUE, repeatable (`alpha=0.5`, `bias=front`,
    /// `thresholds=all`; `oddity list` lists them); a metric ignores the options it does not
    /// read.
    #[arg(long = "option", value_name = "NAME=VALUE")]
    options: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One computed value.
struct Row {
    name: String,
    oracle: bool,
    value: Result<f64, String>,
}

/// Runs `oddity evaluate`: prints one row per metric (value, or the reason it is undefined).
pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let (labels, scores) = read_scores(&args.scores, &args.score_col, Some(&args.label_col))?;
    let labels = labels.context("no labels")?;
    let options = base_options(&args)?;
    let chosen: Vec<&'static MetricEntry> = if args.metrics.is_empty() {
        metrics().iter().filter(|m| !m.needs_threshold).collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.metrics {
            chosen.push(metric(name).ok_or(OptionError::UnknownMetric { name: name.clone() })?);
        }
        chosen
    };
    let mut rows: Vec<Row> = chosen
        .iter()
        .map(|m| Row {
            name: m.name.to_owned(),
            oracle: m.is_oracle(&options),
            value: (m.compute_with)(&labels, &scores, &options).map_err(|e| e.to_string()),
        })
        .collect();
    let mut threshold = None;
    if let Some(rule) = &args.threshold {
        let method: ThresholdRule = rule.parse().with_context(|| format!("threshold {rule}"))?;
        let train = match &args.train_scores {
            Some(path) => read_scores(path, &args.score_col, None)?.1,
            None => scores.clone(),
        };
        let applied = method.apply(&train, &scores).with_context(|| format!("threshold {rule}"))?;
        threshold = Some(applied.threshold);
        // The alarms as 0/1 scores at 0.5: one path for fitted rules and for SPOT.
        let alarms: Vec<f64> = applied.alarms.iter().map(|&a| f64::from(u8::from(a))).collect();
        let at = MetricOptions { threshold: Some(0.5), ..options };
        let listed: Vec<&str> = chosen.iter().map(|m| m.name).collect();
        for m in at_threshold(&listed) {
            rows.push(Row {
                name: format!("{}@threshold", m.name),
                oracle: false,
                value: (m.entry.compute_with)(&labels, &alarms, &at).map_err(|e| e.to_string()),
            });
        }
    }
    if args.json {
        print_json(&args.scores, labels.len(), threshold, &rows);
    } else {
        print_table(&args.scores, labels.len(), threshold, &rows);
    }
    Ok(crate::exit::success())
}

/// Reads the score column (and the label column when asked) of a file.
fn read_scores(
    path: &Path,
    score_col: &str,
    label_col: Option<&str>,
) -> anyhow::Result<(Option<Vec<u8>>, Vec<f64>)> {
    let opts = ReadOptions {
        label: label_col.map(str::to_owned),
        features: Some(vec![score_col.to_owned()]),
        ..ReadOptions::default()
    };
    let table = read_table(path, "scores", &opts)?;
    let scores = table.dataset.features.column(0).to_vec();
    let labels = table.dataset.labels.map(|l| l.to_vec());
    Ok((labels, scores))
}

/// The options of every metric: `--k`, `--buffer`, `--compat` and each `--option`, each
/// checked by `MetricOptions::set`.
fn base_options(args: &EvaluateArgs) -> anyhow::Result<MetricOptions> {
    let mut options = MetricOptions::default();
    let compat: Compat = args.compat.parse().context("--compat")?;
    options.compat = compat;
    if let Some(k) = args.k {
        options.set("k", &OptionValue::Float(k)).context("--k")?;
    }
    if let Some(buffer) = args.buffer {
        let buffer = i64::try_from(buffer).context("--buffer")?;
        options.set("buffer", &OptionValue::Integer(buffer)).context("--buffer")?;
    }
    for option in &args.options {
        let (name, value) =
            option.split_once('=').with_context(|| format!("--option {option}: not NAME=VALUE"))?;
        if name == "buffer" && value == "period" {
            anyhow::bail!("--option {option}: \"period\" needs a series; give the buffer length");
        }
        options
            .set(name, &OptionValue::guess(value))
            .with_context(|| format!("--option {option}"))?;
    }
    Ok(options)
}

fn print_table(path: &Path, n: usize, threshold: Option<f64>, rows: &[Row]) {
    crate::out::outln!(
        "{} ({n} rows; † = oracle: threshold chosen with the test labels)",
        path.display()
    );
    if let Some(t) = threshold {
        crate::out::outln!("threshold {t}");
    }
    for row in rows {
        let mark = if row.oracle { "†" } else { " " };
        match &row.value {
            Ok(v) => crate::out::outln!("  {:<26} {mark} {v:.6}", row.name),
            Err(e) => crate::out::outln!("  {:<26} {mark} {e}", row.name),
        }
    }
}

fn print_json(path: &Path, n: usize, threshold: Option<f64>, rows: &[Row]) {
    // A non-finite value has no JSON number: it is written as null.
    let number = |v: f64| v.is_finite().then_some(v);
    let metrics: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let (value, error) = match &r.value {
                Ok(v) => (number(*v), None),
                Err(e) => (None, Some(e.as_str())),
            };
            serde_json::json!({ "metric": r.name, "oracle": r.oracle, "value": value, "error": error })
        })
        .collect();
    let out = serde_json::json!({
        "file": path.display().to_string(),
        "rows": n,
        "threshold": threshold.and_then(number),
        "metrics": metrics,
    });
    crate::out::outln!("{out}");
}
