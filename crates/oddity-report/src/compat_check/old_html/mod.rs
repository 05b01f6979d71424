#![allow(dead_code, missing_docs, clippy::all)]
// `report.html`: the results of a run as one self-contained page — inline CSS and SVG
// figures drawn with plotters, no script, nothing fetched — that opens from disk.
//
// Sections (each a `<section id=…>`): `summary`, `leaderboard`, `critical-difference`,
// `heatmap`, `boxplots`, `series` (time series with their score tracks), `cost`, and
// `failed` when a job failed. The figures use the run's first threshold-free metric.

mod boxplot;
mod cd_diagram;
mod cost;
mod heatmap;
mod leaderboard;
mod page;
mod series;

use std::collections::BTreeMap;
use std::path::Path;

use oddity_runner::record::journal::{JobRecord, JobStatus};
use crate::compat_check::old_report::{average_ranks, cells, first_seen, metric_key, Cell};

pub(crate) use page::escape;

/// What the sections share: the records and their aggregation by metric.
pub(crate) struct Summary<'a> {
    /// The journal's records, in plan order.
    records: &'a [JobRecord],
    /// Datasets in order of appearance.
    datasets: Vec<String>,
    /// Methods in order of appearance.
    methods: Vec<String>,
    /// Threshold-free metric keys (no threshold rule), in order of appearance.
    metrics: Vec<String>,
    /// Metric keys computed at a threshold rule (`f1 @ pot`).
    at_rules: Vec<String>,
    /// Whether a metric key is an oracle metric.
    oracle: BTreeMap<String, bool>,
    /// Every record's metric keys.
    keys: Vec<Vec<String>>,
}

impl<'a> Summary<'a> {
    fn new(records: &'a [JobRecord]) -> Self {
        let keys: Vec<Vec<String>> =
            records.iter().map(|r| r.metrics.iter().map(metric_key).collect()).collect();
        let mut oracle = BTreeMap::new();
        let (mut plain, mut rules) = (Vec::new(), Vec::new());
        for (r, k) in records.iter().zip(&keys) {
            for (m, key) in r.metrics.iter().zip(k) {
                oracle.insert(key.clone(), m.oracle);
                if m.threshold.is_none() {
                    plain.push(key.as_str());
                } else if m.metric != "threshold" {
                    rules.push(key.as_str());
                }
            }
        }
        Self {
            datasets: first_seen(records.iter().map(|r| r.dataset.as_str())),
            methods: first_seen(records.iter().map(|r| r.method.as_str())),
            metrics: first_seen(plain.into_iter()),
            at_rules: first_seen(rules.into_iter()),
            oracle,
            keys,
            records,
        }
    }

    /// The metric the figures show: the first threshold-free one.
    fn primary(&self) -> Option<&str> {
        self.metrics.first().map(String::as_str)
    }

    /// Whether `metric` is an oracle metric (threshold chosen with the test labels).
    fn is_oracle(&self, metric: &str) -> bool {
        self.oracle.get(metric).copied().unwrap_or(false)
    }

    /// The cells of `metric` by (dataset, method).
    fn cells(&self, metric: &str) -> BTreeMap<(&'a str, &'a str), Cell> {
        cells(self.records, &self.keys, metric)
    }

    /// Per method, every (dataset, seed) value of `metric`, pooled.
    fn pooled(&self, metric: &str) -> Vec<Vec<f64>> {
        let cells = self.cells(metric);
        self.methods
            .iter()
            .map(|m| {
                cells
                    .iter()
                    .filter(|((_, method), _)| method == m)
                    .flat_map(|(_, c)| c.values.iter().copied())
                    .collect()
            })
            .collect()
    }

    /// `means[d][m]`: the mean over seeds of `metric` for dataset `d` and method `m`.
    fn means(&self, metric: &str) -> Vec<Vec<Option<f64>>> {
        let cells = self.cells(metric);
        self.datasets
            .iter()
            .map(|d| {
                self.methods
                    .iter()
                    .map(|m| cells.get(&(d.as_str(), m.as_str())).and_then(Cell::mean))
                    .collect()
            })
            .collect()
    }

    /// The average rank of each method over the datasets where it has a value (1 = best),
    /// `None` where it has none.
    fn average_ranks(&self, metric: &str) -> Vec<Option<f64>> {
        average_ranks(&self.means(metric))
    }

    /// The seeds of the run, ascending.
    fn seeds(&self) -> Vec<u64> {
        let mut seeds: Vec<u64> = self.records.iter().map(|r| r.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        seeds
    }

    /// Whether `method` is the random baseline.
    fn is_baseline(&self, method: &str) -> bool {
        self.records.iter().any(|r| r.method == method && r.detector == "random")
    }
}

/// The HTML report of `records` (in plan order) of the run folder `dir` (its `tracks/` hold
/// the score tracks of time series).
pub fn report_html(records: &[JobRecord], dir: &Path) -> String {
    let s = Summary::new(records);
    let failed: Vec<&JobRecord> = records.iter().filter(|r| r.status != JobStatus::Ok).collect();
    let experiment = records.first().map_or("(empty journal)", |r| r.experiment.as_str());
    let mut body = String::new();
    let summary = format!(
        "<p>{} jobs ({} ok, {} failed) · {} datasets · {} methods · seeds {} · written by oddity {}.</p>\
         <p class=\"note\">Figures show <b>{}</b>. † oracle metric: its threshold is chosen with the test \
         labels, an upper bound. The <span class=\"badge\">baseline</span> row is the seeded random detector: \
         what a metric gives to scores that know nothing.</p>",
        records.len(),
        records.len() - failed.len(),
        failed.len(),
        s.datasets.len(),
        s.methods.len(),
        s.seeds().iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        env!("CARGO_PKG_VERSION"),
        escape(s.primary().unwrap_or("no metric")),
    );
    body.push_str(&leaderboard::section_of(&s));
    body.push_str(&cd_diagram::section_of(&s));
    body.push_str(&heatmap::section_of(&s));
    body.push_str(&boxplot::section_of(&s));
    body.push_str(&series::section_of(&s, dir));
    body.push_str(&cost::section_of(&s));
    if !failed.is_empty() {
        let rows: String = failed
            .iter()
            .map(|r| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td></tr>",
                    escape(&r.dataset),
                    escape(&r.method),
                    r.seed,
                    r.status.as_str(),
                    escape(r.error.as_deref().unwrap_or(""))
                )
            })
            .collect();
        body.push_str(&page::section(
            "failed",
            "Failed jobs",
            &format!(
                "<table class=\"text\"><thead><tr><th>dataset</th><th>method</th><th>seed</th><th>status</th><th>error</th></tr></thead><tbody>{rows}</tbody></table>"
            ),
        ));
    }
    page::document(experiment, &summary, &body)
}

