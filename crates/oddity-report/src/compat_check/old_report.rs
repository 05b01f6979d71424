#![allow(dead_code, missing_docs, clippy::all)]
use std::collections::BTreeMap;
use std::fmt::Write as _;
use oddity_runner::record::journal::{JobRecord, JobStatus, MetricStatus};
/// Columns of `results.csv`, in order.
pub const RESULTS_COLUMNS: &[&str] = &[
    "experiment",
    "dataset",
    "method",
    "params",
    "seed",
    "metric",
    "value",
    "fit_seconds",
    "score_seconds",
    "status",
    "error",
    "peak_rss_bytes",
    "oracle",
    "threshold",
    "metric_options",
];

/// The tidy, long table as CSV text: one row per (job, metric); a job that did not end `ok`
/// is one row with its status and error.
pub fn results_csv(records: &[JobRecord]) -> String {
    rows_csv(&result_rows(records))
}

/// Rows of [`RESULTS_COLUMNS`] as CSV text with a header.
fn rows_csv(rows: &[Vec<String>]) -> String {
    let mut out = RESULTS_COLUMNS.join(",");
    out.push('\n');
    for fields in rows {
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The tidy table's rows, each with one field per [`RESULTS_COLUMNS`] entry.
fn result_rows(records: &[JobRecord]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for r in records {
        let head = [
            r.experiment.clone(),
            r.dataset.clone(),
            r.method.clone(),
            r.params.clone(),
            r.seed.to_string(),
        ];
        let timing = [r.fit_seconds.to_string(), r.score_seconds.to_string()];
        let memory = r.peak_rss_bytes.map(|b| b.to_string()).unwrap_or_default();
        let mut row =
            |metric: &str, value: String, status: &str, error: &str, tail: [String; 3]| {
                out.push(
                    head.iter()
                        .cloned()
                        .chain([metric.to_string(), value])
                        .chain(timing.iter().cloned())
                        .chain([status.to_string(), error.to_string(), memory.clone()])
                        .chain(tail)
                        .collect(),
                );
            };
        if r.status != JobStatus::Ok {
            let tail = [String::new(), String::new(), String::new()];
            row("", String::new(), r.status.as_str(), r.error.as_deref().unwrap_or(""), tail);
            continue;
        }
        for m in &r.metrics {
            let status = match m.status {
                MetricStatus::Ok => "ok",
                MetricStatus::Undefined => "undefined",
                MetricStatus::Failed => "failed",
            };
            let tail = [
                m.oracle.to_string(),
                m.threshold.clone().unwrap_or_default(),
                match (&m.options, m.period) {
                    (Some(o), Some(p)) => format!("{o};period={p}"),
                    (o, _) => o.clone().unwrap_or_default(),
                },
            ];
            row(
                &m.metric,
                m.value.map(|v| v.to_string()).unwrap_or_default(),
                status,
                m.error.as_deref().unwrap_or(""),
                tail,
            );
        }
    }
    out
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One cell of the report: what the seeds of a (dataset, method, metric) gave.
#[derive(Default)]
pub(crate) struct Cell {
    /// The values of the seeds where the metric was computed.
    pub(crate) values: Vec<f64>,
    /// Seeds where the metric was undefined.
    pub(crate) undefined: usize,
    /// Seeds where the job or the metric failed.
    pub(crate) failed: usize,
}

/// The cells of `metric` (a [`metric_key`]; `keys` holds each record's keys) for every
/// (dataset, method) of `records`.
pub(crate) fn cells<'a>(
    records: &'a [JobRecord],
    keys: &[Vec<String>],
    metric: &str,
) -> BTreeMap<(&'a str, &'a str), Cell> {
    let mut cells: BTreeMap<(&str, &str), Cell> = BTreeMap::new();
    for (r, k) in records.iter().zip(keys) {
        let cell = cells.entry((r.dataset.as_str(), r.method.as_str())).or_default();
        if r.status != JobStatus::Ok {
            cell.failed += 1;
            continue;
        }
        for (m, _) in r.metrics.iter().zip(k).filter(|(_, k)| *k == metric) {
            match (m.status, m.value) {
                (MetricStatus::Ok, Some(v)) => cell.values.push(v),
                (MetricStatus::Undefined, _) => cell.undefined += 1,
                _ => cell.failed += 1,
            }
        }
    }
    cells
}

impl Cell {
    /// The mean of the values, if any.
    pub(crate) fn mean(&self) -> Option<f64> {
        (!self.values.is_empty())
            .then(|| self.values.iter().sum::<f64>() / self.values.len() as f64)
    }

    /// Sample standard deviation (n − 1); 0 for a single value.
    pub(crate) fn std(&self) -> f64 {
        let n = self.values.len();
        if n < 2 {
            return 0.0;
        }
        let m = self.mean().unwrap_or(0.0);
        (self.values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
    }

    fn render(&self, best: bool) -> String {
        let Some(mean) = self.mean() else {
            return if self.failed > 0 { "failed".into() } else { "undefined".into() };
        };
        let mut s = if self.values.len() > 1 {
            format!("{mean:.4} ± {:.4}", self.std())
        } else {
            format!("{mean:.4}")
        };
        if best {
            s = format!("**{s}**");
        }
        let missing = self.undefined + self.failed;
        if missing > 0 {
            let _ = write!(s, " ({} of {} seeds)", self.values.len(), self.values.len() + missing);
        }
        s
    }
}

/// Ranks of `values` in descending order (1 = largest), ties sharing their average rank.
pub fn descending_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// The average rank of each method (column of `means[dataset][method]`) over the datasets
/// where it has a value, ranked among the methods that have one there (1 = best); `None`
/// for a method with no value at all.
pub(crate) fn average_ranks(means: &[Vec<Option<f64>>]) -> Vec<Option<f64>> {
    let mut sums = vec![(0.0, 0usize); means.first().map_or(0, Vec::len)];
    for row in means {
        let ranked: Vec<(usize, f64)> =
            row.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
        let ranks = descending_ranks(&ranked.iter().map(|(_, v)| *v).collect::<Vec<_>>());
        for ((i, _), rank) in ranked.iter().zip(ranks) {
            sums[*i].0 += rank;
            sums[*i].1 += 1;
        }
    }
    sums.iter().map(|(sum, n)| (*n > 0).then(|| sum / *n as f64)).collect()
}

/// The distinct items in order of first appearance.
pub(crate) fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// How a metric is shown in the report: its name, its options in brackets, and the
/// threshold rule it was computed at after `@`.
pub(crate) fn metric_key(m: &oddity_runner::record::MetricRecord) -> String {
    let mut key = m.metric.clone();
    if let Some(o) = &m.options {
        key = format!("{key} [{o}]");
    }
    if let Some(t) = &m.threshold {
        key = format!("{key} @ {t}");
    }
    key
}

/// The Markdown report: per metric a datasets × methods table of mean ± std over seeds with
/// the best per row in bold and the average rank per method, then failures and undefined
/// metrics with their reasons.
pub fn report_md(records: &[JobRecord]) -> String {
    let mut out = String::new();
    let experiment = records.first().map(|r| r.experiment.as_str()).unwrap_or("(empty journal)");
    let failed: Vec<&JobRecord> = records.iter().filter(|r| r.status != JobStatus::Ok).collect();
    let datasets = first_seen(records.iter().map(|r| r.dataset.as_str()));
    let methods = first_seen(records.iter().map(|r| r.method.as_str()));
    let keys: Vec<Vec<String>> =
        records.iter().map(|r| r.metrics.iter().map(metric_key).collect()).collect();
    let metrics = first_seen(keys.iter().flatten().map(String::as_str));
    let mut seeds: Vec<u64> = records.iter().map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let oracle: BTreeMap<&str, bool> = records
        .iter()
        .zip(&keys)
        .flat_map(|(r, k)| r.metrics.iter().zip(k).map(|(m, k)| (k.as_str(), m.oracle)))
        .collect();
    let oracles: Vec<&str> = metrics
        .iter()
        .map(String::as_str)
        .filter(|m| oracle.get(m).copied().unwrap_or(false))
        .collect();

    let _ = writeln!(out, "# Report: {}\n", md(experiment));
    let _ = writeln!(
        out,
        "{} jobs ({} ok, {} failed) · {} datasets · {} methods · seeds: {}\n",
        records.len(),
        records.len() - failed.len(),
        failed.len(),
        datasets.len(),
        methods.len(),
        seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "Cells: mean ± standard deviation over seeds (n − 1; the mean alone for one seed). **Bold**: best in the row. \
         Average rank: 1 = best, ties share the mean rank. \
         † oracle metric: its threshold is chosen with the test labels, so it is an upper bound. \
         `metric @ rule`: at the threshold the rule fitted on the training scores (no test labels).\n"
    );
    if !oracles.is_empty() {
        let _ = writeln!(out, "Oracle metrics in this report: {}.\n", oracles.join(", "));
    }

    let mut rankings = String::new();
    for metric in &metrics {
        let cells = cells(records, &keys, metric);
        let mark = if oracle.get(metric.as_str()).copied().unwrap_or(false) { " †" } else { "" };
        let _ = writeln!(out, "## {}{mark}\n", md(metric));
        let _ = writeln!(
            out,
            "| dataset | {} |",
            methods.iter().map(|m| md(m)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(methods.len()));
        let mut mean_table = Vec::new();
        for d in &datasets {
            let row: Vec<Option<&Cell>> =
                methods.iter().map(|m| cells.get(&(d.as_str(), m.as_str()))).collect();
            let means: Vec<Option<f64>> = row.iter().map(|c| c.and_then(Cell::mean)).collect();
            mean_table.push(means.clone());
            let best = means.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
            let rendered: Vec<String> = row
                .iter()
                .zip(&means)
                .map(|(c, m)| match c {
                    None => "–".into(),
                    Some(c) => c.render(*m == Some(best)),
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", md(d), rendered.join(" | "));
        }
        let avg: Vec<String> = average_ranks(&mean_table)
            .iter()
            .map(|r| r.map_or("–".into(), |r| format!("{r:.2}")))
            .collect();
        let _ = writeln!(out, "| *average rank* | {} |\n", avg.join(" | "));
        // Ranked: threshold-free and oracle metrics, and F1 at each threshold rule (the
        // other values at a threshold are in the tables above).
        if !metric.contains(" @ ") || metric.starts_with("f1 @ ") {
            rankings.push_str(&super::old_ranking::section(
                &format!("{metric}{mark}"),
                &methods,
                &datasets,
                &mean_table,
            ));
        }
    }
    if !rankings.is_empty() && datasets.len() > 1 {
        let _ = writeln!(
            out,
            "## Ranking across datasets\n\n\
             Per metric: the average rank of each method over the datasets where every method has \
             a value (means over seeds; 1 = best), the Friedman test of \"all methods rank alike\", \
             the Nemenyi critical difference (a method whose average rank is within it of the best \
             is not significantly worse), and two-sided Wilcoxon signed-rank tests of the best \
             method against each other, Holm-corrected (Demšar 2006).\n"
        );
        out.push_str(&rankings);
    }

    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "## Failed jobs\n\n| dataset | method | seed | status | error |\n|---|---|---:|---|---|"
        );
        for r in &failed {
            let err = r.error.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&r.dataset),
                md(&r.method),
                r.seed,
                r.status.as_str(),
                md(err)
            );
        }
        out.push('\n');
    }
    let mut undefined: BTreeMap<(String, String, String), (Vec<u64>, String)> = BTreeMap::new();
    for r in records {
        for m in r.metrics.iter().filter(|m| m.status != MetricStatus::Ok) {
            let key = (r.dataset.clone(), r.method.clone(), metric_key(m));
            let e = undefined
                .entry(key)
                .or_insert_with(|| (vec![], m.error.clone().unwrap_or_default()));
            e.0.push(r.seed);
        }
    }
    if !undefined.is_empty() {
        let _ = writeln!(
            out,
            "## Undefined metrics\n\n| dataset | method | metric | seeds | reason |\n|---|---|---|---|---|"
        );
        for ((d, m, metric), (seeds, reason)) in &undefined {
            let seeds = seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {seeds} | {} |",
                md(d),
                md(m),
                md(metric),
                md(reason)
            );
        }
    }
    out
}

