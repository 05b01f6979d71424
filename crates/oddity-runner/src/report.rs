//! Derived outputs: the tidy `results.csv` (and `results.parquet`) and the Markdown
//! `report.md`, rebuilt from the journal (and the run's `plan.json` manifest) alone, and the
//! merge of shard folders into one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use oddity_ingest::ColumnData;
use serde::{Deserialize, Serialize};

use crate::journal::{self, JobRecord, JobStatus, Journal, MetricStatus};
use crate::plan::{Plan, Shard};
use crate::RunError;

/// File name of the manifest: every job of the plan, written when a run starts.
pub const MANIFEST_FILE: &str = "plan.json";
/// File name of the tidy results table in Parquet.
pub const PARQUET_FILE: &str = "results.parquet";

/// One job of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestJob {
    /// The job's stable id.
    pub job: String,
    /// Its position in the plan.
    pub index: usize,
    /// Dataset name.
    pub dataset: String,
    /// Method variant label.
    pub method: String,
    /// Experiment seed.
    pub seed: u64,
}

/// What a run was asked to do: every job of the whole plan and the shard it ran, so that
/// derived tables leave out journal records of jobs the config no longer has, and merges
/// can tell missing jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format major version (same as the journal's).
    pub v: u32,
    /// Experiment name.
    pub experiment: String,
    /// The shard (`I/N`) this folder ran, if not all jobs.
    pub shard: Option<String>,
    /// Every job of the plan, in plan order.
    pub jobs: Vec<ManifestJob>,
}

impl Manifest {
    /// The manifest of `plan`.
    pub fn of(plan: &Plan) -> Self {
        Self {
            v: journal::FORMAT_VERSION,
            experiment: plan.experiment.clone(),
            shard: plan.shard.map(|s| s.to_string()),
            jobs: plan
                .jobs
                .iter()
                .map(|j| ManifestJob {
                    job: j.id.clone(),
                    index: j.index,
                    dataset: plan.datasets[j.dataset].name.clone(),
                    method: plan.variants[j.variant].label.clone(),
                    seed: j.seed,
                })
                .collect(),
        }
    }

    /// The jobs this folder was meant to run (its shard's, or all).
    pub fn expected(&self) -> Vec<&ManifestJob> {
        let shard: Option<Shard> = self.shard.as_deref().and_then(|s| s.parse().ok());
        self.jobs.iter().filter(|j| shard.is_none_or(|s| s.contains(&j.job))).collect()
    }
}

/// Writes `manifest` into `dir` (through a temporary file, so it is whole or absent).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), RunError> {
    let path = dir.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(manifest).map_err(|e| RunError::output(&path, e))?;
    crate::files::write_whole(&path, text).map_err(|e| RunError::output(&path, e))
}

/// Reads the manifest of `dir`, if the run wrote one.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, RunError> {
    let path = dir.join(MANIFEST_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| RunError::output(&path, e))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| RunError::Journal {
        path: path.clone(),
        line: e.line(),
        message: e.to_string(),
    })?;
    if m.v != journal::FORMAT_VERSION {
        return Err(RunError::Journal {
            path,
            line: 1,
            message: format!(
                "format version {} is not supported (expected {})",
                m.v,
                journal::FORMAT_VERSION
            ),
        });
    }
    Ok(Some(m))
}

/// What an output folder holds, as far as derived tables are concerned.
struct Current {
    /// The last record of each job, only jobs of the manifest, in plan order.
    records: Vec<JobRecord>,
    /// The manifest, when the run wrote one.
    manifest: Option<Manifest>,
    /// Warnings from reading the journal.
    warnings: Vec<String>,
}

/// The records of `dir` that count: the last record of each job, only jobs of the manifest
/// (when there is one), in plan order; plus warnings.
fn current_records(dir: &Path) -> Result<Current, RunError> {
    let contents = journal::read(dir)?;
    let manifest = read_manifest(dir)?;
    let mut warnings = contents.warnings;
    let known: Option<HashSet<&str>> =
        manifest.as_ref().map(|m| m.jobs.iter().map(|j| j.job.as_str()).collect());
    let mut latest: HashMap<String, JobRecord> = HashMap::new();
    let mut stale = 0;
    for r in contents.records {
        if known.as_ref().is_some_and(|k| !k.contains(r.job.as_str())) {
            stale += 1;
            continue;
        }
        latest.insert(r.job.clone(), r);
    }
    if stale > 0 {
        warnings.push(format!(
            "`{}`: left out {stale} journal records of jobs that the config no longer has (changed or removed)",
            dir.display()
        ));
    }
    let mut records: Vec<JobRecord> = latest.into_values().collect();
    records.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.job.cmp(&b.job)));
    Ok(Current { records, manifest, warnings })
}

/// File name of the tidy results table.
pub const RESULTS_FILE: &str = "results.csv";
/// File name of the Markdown report.
pub const REPORT_FILE: &str = "report.md";
/// File name of the self-contained HTML report (inline SVG plots), beside the Markdown one.
pub const HTML_FILE: &str = "report.html";

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

/// Reads the journal (and manifest) of `dir` and (re)writes `results.csv`,
/// `results.parquet` and `report.md` there. Returns warnings (a dropped half-written line,
/// records of jobs the config no longer has).
pub fn write_outputs(dir: &Path) -> Result<Vec<String>, RunError> {
    let Current { records, warnings, .. } = current_records(dir)?;
    write_tables(dir, &records)?;
    Ok(warnings)
}

/// Writes the derived files of `records` (in plan order) into `dir`.
fn write_tables(dir: &Path, records: &[JobRecord]) -> Result<(), RunError> {
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| RunError::output(&path, e))
    };
    let rows = result_rows(records);
    write(RESULTS_FILE, rows_csv(&rows))?;
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
    oddity_ingest::write_parquet(&parquet, &columns).map_err(|e| RunError::output(&parquet, e))?;
    write(REPORT_FILE, report_md(records))?;
    write(HTML_FILE, crate::report_html::report_html(records, dir))
}

/// What merging shard folders found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeSummary {
    /// Jobs in the merged table.
    pub jobs: usize,
    /// Jobs the plan has that no folder has (`dataset / method / seed`).
    pub missing: Vec<String>,
    /// Jobs found in more than one folder (`dataset / method / seed`: folders); the first
    /// folder's record is kept.
    pub duplicates: Vec<String>,
    /// Warnings from reading the journals.
    pub warnings: Vec<String>,
}

/// Merges the output folders `dirs` (the shards of one plan, typically) into `out`: one
/// journal (plan order), the manifest of the whole plan, and the derived tables and report.
/// Jobs missing from every folder and jobs present in several are reported, not fatal;
/// folders of different experiments are an error. With `out` among `dirs` and a single
/// folder, this only rebuilds its derived files.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeSummary, RunError> {
    let mut summary = MergeSummary::default();
    let mut manifest: Option<Manifest> = None;
    let mut merged: Vec<JobRecord> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut expected: Vec<ManifestJob> = Vec::new();
    let single = dirs.len() == 1;
    for (di, dir) in dirs.iter().enumerate() {
        if !single && !dir.join(journal::JOURNAL_FILE).exists() {
            summary
                .warnings
                .push(format!("`{}` has no journal: its jobs are missing", dir.display()));
            continue;
        }
        let Current { records, manifest: m, warnings } = current_records(dir)?;
        summary.warnings.extend(warnings);
        if let Some(m) = m {
            match &manifest {
                None => {
                    expected = if single {
                        m.expected().into_iter().cloned().collect()
                    } else {
                        m.jobs.clone()
                    };
                    manifest = Some(m);
                }
                Some(first) if first.experiment != m.experiment || first.jobs != m.jobs => {
                    return Err(RunError::Merge {
                        message: format!(
                            "`{}` and `{}` come from different configs (their plans differ)",
                            dirs[0].display(),
                            dir.display()
                        ),
                    })
                }
                Some(_) => {}
            }
        }
        for r in records {
            match seen.get(&r.job) {
                Some(&first) => summary.duplicates.push(format!(
                    "{} / {} / seed {}: in `{}` and `{}`",
                    r.dataset,
                    r.method,
                    r.seed,
                    dirs[first].display(),
                    dir.display()
                )),
                None => {
                    seen.insert(r.job.clone(), di);
                    merged.push(r);
                }
            }
        }
    }
    merged.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.job.cmp(&b.job)));
    summary.missing = expected
        .iter()
        .filter(|j| !seen.contains_key(&j.job))
        .map(|j| format!("{} / {} / seed {}", j.dataset, j.method, j.seed))
        .collect();
    summary.jobs = merged.len();
    let in_place = single && same_folder(&dirs[0], out);
    if !in_place {
        std::fs::create_dir_all(out)
            .map_err(|e| RunError::output(out, format!("cannot create folder: {e}")))?;
        let mut journal = Journal::create(out)?;
        for r in &merged {
            journal.append(r)?;
        }
        if let Some(mut m) = manifest {
            m.shard = None;
            write_manifest(out, &m)?;
        }
        // The shards' score tracks, for the merged HTML report.
        for dir in dirs {
            crate::tracks::copy_tracks(dir, out).map_err(|e| RunError::output(out, e))?;
        }
    }
    write_tables(out, &merged)?;
    Ok(summary)
}

/// Whether `a` and `b` name the same folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

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
pub(crate) fn metric_key(m: &crate::journal::MetricRecord) -> String {
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
            rankings.push_str(&crate::ranking::section(
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
