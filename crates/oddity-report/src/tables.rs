//! The tidy, long results table — one row per (job, metric) — as `results.csv` and
//! `results.parquet`.

use std::path::Path;

use oddity_ingest::ColumnData;
use oddity_runner::record::{write_whole, JobStatus, MetricStatus};

use crate::error::ReportError;
use crate::summary::Summary;

/// File name of the tidy results table.
pub const RESULTS_FILE: &str = "results.csv";

/// File name of the tidy results table in Parquet.
pub const PARQUET_FILE: &str = "results.parquet";

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

/// Columns of `results.csv` that measure the machine (time and memory), not the result:
/// they differ between two runs of the same config.
pub const MEASURED_COLUMNS: &[&str] = &["fit_seconds", "score_seconds", "peak_rss_bytes"];

/// Writes [`RESULTS_FILE`] and [`PARQUET_FILE`] of `summary` into `dir`.
pub(crate) fn write(dir: &Path, summary: &Summary<'_>) -> Result<(), ReportError> {
    let rows = result_rows(summary);
    let csv = dir.join(RESULTS_FILE);
    write_whole(&csv, rows_csv(&rows))
        .map_err(|source| ReportError::Write { path: csv, source })?;
    let parquet = dir.join(PARQUET_FILE);
    let columns: Vec<(&str, ColumnData)> = RESULTS_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let data = match *name {
                "seed" | "peak_rss_bytes" => {
                    ColumnData::Int(rows.iter().map(|r| r[i].parse::<i64>().ok()).collect())
                }
                "value" | "fit_seconds" | "score_seconds" => {
                    ColumnData::Float(rows.iter().map(|r| r[i].parse::<f64>().ok()).collect())
                }
                _ => ColumnData::Text(
                    rows.iter().map(|r| Some(r[i].clone()).filter(|c| !c.is_empty())).collect(),
                ),
            };
            (*name, data)
        })
        .collect();
    oddity_ingest::write_parquet(&parquet, &columns)
        .map_err(|e| ReportError::Parquet { path: parquet, source: Box::new(e) })
}

/// The tidy, long table as CSV text: one row per (job, metric); a job that did not end `ok`
/// is one row with its status and error.
pub fn results_csv(summary: &Summary<'_>) -> String {
    rows_csv(&result_rows(summary))
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
fn result_rows(summary: &Summary<'_>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for r in summary.records() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests::{job, metric};

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn a_failed_job_is_one_row_and_a_metric_at_a_rule_names_it() {
        let mut failed = job("d", "lof", "lof", 1, vec![]);
        failed.status = JobStatus::Failed;
        failed.error = Some("no neighbours, at all".into());
        let records =
            vec![job("d", "knn", "knn", 0, vec![metric("f1", 0.5, false, Some("pot"))]), failed];
        let csv = results_csv(&Summary::new(&records));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], RESULTS_COLUMNS.join(","));
        assert_eq!(lines[1], "exp,d,knn,,0,f1,0.5,0.01,0.002,ok,,,false,pot,");
        assert_eq!(lines[2], "exp,d,lof,,1,,,0.01,0.002,failed,\"no neighbours, at all\",,,,");
        assert_eq!(lines.len(), 3);
    }
}
