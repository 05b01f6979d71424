//! Derived outputs: the tidy `results.csv` and the Markdown `report.md`, both rebuilt from
//! the journal alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::journal::{self, JobRecord, JobStatus, MetricStatus};
use crate::RunError;

/// File name of the tidy results table.
pub const RESULTS_FILE: &str = "results.csv";
/// File name of the Markdown report.
pub const REPORT_FILE: &str = "report.md";

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
];

/// Reads the journal of `dir` and (re)writes `results.csv` and `report.md` there. Returns
/// the journal's warnings.
pub fn write_outputs(dir: &Path) -> Result<Vec<String>, RunError> {
    let contents = journal::read(dir)?;
    let mut records = contents.records;
    records.sort_by_key(|r| r.index);
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| RunError::output(&path, e))
    };
    write(RESULTS_FILE, results_csv(&records))?;
    write(REPORT_FILE, report_md(&records))?;
    Ok(contents.warnings)
}

/// The tidy, long table: one row per (job, metric); a failed job is one row with its error.
pub fn results_csv(records: &[JobRecord]) -> String {
    let mut out = RESULTS_COLUMNS.join(",");
    out.push('\n');
    for r in records {
        let head = [
            r.experiment.clone(),
            r.dataset.clone(),
            r.method.clone(),
            r.params.clone(),
            r.seed.to_string(),
        ];
        let timing = [r.fit_seconds.to_string(), r.score_seconds.to_string()];
        let mut row = |metric: &str, value: String, status: &str, error: &str| {
            let fields: Vec<String> = head
                .iter()
                .cloned()
                .chain([metric.to_string(), value])
                .chain(timing.iter().cloned())
                .chain([status.to_string(), error.to_string()])
                .collect();
            out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            out.push('\n');
        };
        if r.status == JobStatus::Failed {
            row("", String::new(), "failed", r.error.as_deref().unwrap_or(""));
            continue;
        }
        for m in &r.metrics {
            let status = match m.status {
                MetricStatus::Ok => "ok",
                MetricStatus::Undefined => "undefined",
                MetricStatus::Failed => "failed",
            };
            row(
                &m.metric,
                m.value.map(|v| v.to_string()).unwrap_or_default(),
                status,
                m.error.as_deref().unwrap_or(""),
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
struct Cell {
    values: Vec<f64>,
    undefined: usize,
    failed: usize,
}

impl Cell {
    fn mean(&self) -> Option<f64> {
        (!self.values.is_empty())
            .then(|| self.values.iter().sum::<f64>() / self.values.len() as f64)
    }

    /// Sample standard deviation (n − 1); 0 for a single value.
    fn std(&self) -> f64 {
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

fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
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

/// The Markdown report: per metric a datasets × methods table of mean ± std over seeds with
/// the best per row in bold and the average rank per method, then failures and undefined
/// metrics with their reasons.
pub fn report_md(records: &[JobRecord]) -> String {
    let mut out = String::new();
    let experiment = records.first().map(|r| r.experiment.as_str()).unwrap_or("(empty journal)");
    let failed: Vec<&JobRecord> =
        records.iter().filter(|r| r.status == JobStatus::Failed).collect();
    let datasets = first_seen(records.iter().map(|r| r.dataset.as_str()));
    let methods = first_seen(records.iter().map(|r| r.method.as_str()));
    let metrics =
        first_seen(records.iter().flat_map(|r| r.metrics.iter().map(|m| m.metric.as_str())));
    let mut seeds: Vec<u64> = records.iter().map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let oracle: BTreeMap<&str, bool> = records
        .iter()
        .flat_map(|r| r.metrics.iter().map(|m| (m.metric.as_str(), m.oracle)))
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
         † oracle metric: its threshold is chosen with the test labels, so it is an upper bound.\n"
    );

    for metric in &metrics {
        let mut cells: BTreeMap<(&str, &str), Cell> = BTreeMap::new();
        for r in records {
            let cell = cells.entry((r.dataset.as_str(), r.method.as_str())).or_default();
            if r.status == JobStatus::Failed {
                cell.failed += 1;
                continue;
            }
            for m in r.metrics.iter().filter(|m| &m.metric == metric) {
                match (m.status, m.value) {
                    (MetricStatus::Ok, Some(v)) => cell.values.push(v),
                    (MetricStatus::Undefined, _) => cell.undefined += 1,
                    _ => cell.failed += 1,
                }
            }
        }
        let mark = if oracle.get(metric.as_str()).copied().unwrap_or(false) { " †" } else { "" };
        let _ = writeln!(out, "## {}{mark}\n", md(metric));
        let _ = writeln!(
            out,
            "| dataset | {} |",
            methods.iter().map(|m| md(m)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(methods.len()));
        let mut rank_sums = vec![(0.0, 0usize); methods.len()];
        for d in &datasets {
            let row: Vec<Option<&Cell>> =
                methods.iter().map(|m| cells.get(&(d.as_str(), m.as_str()))).collect();
            let means: Vec<Option<f64>> = row.iter().map(|c| c.and_then(Cell::mean)).collect();
            let ranked: Vec<(usize, f64)> =
                means.iter().enumerate().filter_map(|(i, m)| m.map(|v| (i, v))).collect();
            let ranks = descending_ranks(&ranked.iter().map(|(_, v)| *v).collect::<Vec<_>>());
            for ((i, _), rank) in ranked.iter().zip(&ranks) {
                rank_sums[*i].0 += rank;
                rank_sums[*i].1 += 1;
            }
            let best = ranked.iter().map(|(_, v)| *v).fold(f64::NEG_INFINITY, f64::max);
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
        let avg: Vec<String> = rank_sums
            .iter()
            .map(|(sum, n)| if *n == 0 { "–".into() } else { format!("{:.2}", sum / *n as f64) })
            .collect();
        let _ = writeln!(out, "| *average rank* | {} |\n", avg.join(" | "));
    }

    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "## Failed jobs\n\n| dataset | method | seed | error |\n|---|---|---:|---|"
        );
        for r in &failed {
            let err = r.error.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&r.dataset),
                md(&r.method),
                r.seed,
                md(err)
            );
        }
        out.push('\n');
    }
    let mut undefined: BTreeMap<(String, String, String), (Vec<u64>, String)> = BTreeMap::new();
    for r in records {
        for m in r.metrics.iter().filter(|m| m.status != MetricStatus::Ok) {
            let key = (r.dataset.clone(), r.method.clone(), m.metric.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_share_ties() {
        assert_eq!(descending_ranks(&[0.5, 0.9, 0.5, 0.1]), vec![2.5, 1.0, 2.5, 4.0]);
        assert_eq!(descending_ranks(&[]), Vec::<f64>::new());
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
