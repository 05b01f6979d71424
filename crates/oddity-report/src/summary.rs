//! The one [`Summary`] of a run's records that every derived output reads: the datasets,
//! methods, seeds and metric keys in order of appearance, per metric the cells (what the
//! seeds of a dataset and method gave), their means and average ranks, and the one rule for
//! which datasets are complete enough to rank the methods on ([`Complete`]).

use std::collections::{BTreeMap, HashMap};

use oddity_eval::stats::{self, StatsError};
use oddity_eval::MetricKey;
use oddity_runner::record::{JobRecord, JobStatus, MetricRecord, MetricStatus};

/// What the seeds of one (dataset, method) gave for one metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The values of the seeds where the metric was computed, in record order.
    pub values: Vec<f64>,
    /// Seeds where the metric was undefined.
    pub undefined: usize,
    /// Seeds where the job or the metric failed.
    pub failed: usize,
}

impl Cell {
    /// A cell of computed `values` only.
    pub fn of(values: &[f64]) -> Self {
        Self { values: values.to_vec(), ..Self::default() }
    }

    /// The mean of the values (summed in order), if any.
    pub fn mean(&self) -> Option<f64> {
        (!self.values.is_empty())
            .then(|| self.values.iter().sum::<f64>() / self.values.len() as f64)
    }

    /// Sample standard deviation (n − 1); 0 for a single value.
    pub fn std(&self) -> f64 {
        let n = self.values.len();
        if n < 2 {
            return 0.0;
        }
        let m = self.mean().unwrap_or(0.0);
        (self.values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
    }
}

/// The datasets on which the methods are ranked against each other: those where **every**
/// method has a mean. This is the one rule of the crate: the ranking section of `report.md`
/// and the critical-difference diagram of `report.html` both read it, so they rank over the
/// same datasets.
#[derive(Debug, Clone, PartialEq)]
pub struct Complete {
    /// Indices of the complete datasets, in dataset order.
    datasets: Vec<usize>,
    /// Indices of the other datasets, in dataset order.
    left_out: Vec<usize>,
    /// `table[i][m]`: the mean of method `m` on the `i`-th complete dataset.
    table: Vec<Vec<f64>>,
    /// The number of methods.
    methods: usize,
    /// The average rank of each method over the complete datasets (1 = best).
    ranks: Result<Vec<f64>, StatsError>,
}

impl Complete {
    /// The complete part of `means[dataset][method]` (a mean over seeds, `None` where there
    /// is none) of `methods` methods.
    pub fn of(means: &[Vec<Option<f64>>], methods: usize) -> Self {
        let (mut datasets, mut left_out, mut table) = (Vec::new(), Vec::new(), Vec::new());
        for (d, row) in means.iter().enumerate() {
            match row.iter().copied().collect::<Option<Vec<f64>>>() {
                Some(values) => {
                    datasets.push(d);
                    table.push(values);
                }
                None => left_out.push(d),
            }
        }
        let ranks = stats::average_ranks(&table);
        Self { datasets, left_out, table, methods, ranks }
    }

    /// Indices of the datasets where every method has a value, in dataset order.
    pub fn datasets(&self) -> &[usize] {
        &self.datasets
    }

    /// Indices of the datasets left out (some method has no value there).
    pub fn left_out(&self) -> &[usize] {
        &self.left_out
    }

    /// `table()[i][m]`: the mean of method `m` on the `i`-th complete dataset.
    pub fn table(&self) -> &[Vec<f64>] {
        &self.table
    }

    /// The number of methods ranked (every method of the run).
    pub fn methods(&self) -> usize {
        self.methods
    }

    /// Whether there is something to rank: at least 2 complete datasets and 2 methods.
    pub fn is_rankable(&self) -> bool {
        self.datasets.len() >= 2 && self.methods >= 2
    }

    /// The average rank of each method over the complete datasets (1 = best, ties share
    /// their mean rank), or why there is none (no complete dataset, a non-finite value).
    pub fn ranks(&self) -> Result<&[f64], &StatsError> {
        self.ranks.as_deref()
    }
}

/// One metric key of a run (a [`metric_key`]: the metric, its options, its threshold rule)
/// over every dataset and method.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    key: MetricKey,
    label: String,
    oracle: bool,
    /// `cells[d][m]`; `None` where no job of dataset `d` and method `m` ran.
    cells: Vec<Vec<Option<Cell>>>,
    means: Vec<Vec<Option<f64>>>,
    average_ranks: Vec<Option<f64>>,
    /// Per method, every value, datasets in name order.
    pooled: Vec<Vec<f64>>,
    complete: Complete,
}

impl MetricSummary {
    /// The key: the metric, its options and its threshold rule.
    pub fn key(&self) -> &MetricKey {
        &self.key
    }

    /// The key as the reports show it: `metric [options] @ rule`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the metric is an oracle metric (its threshold chosen with the test labels);
    /// the last record decides.
    pub fn is_oracle(&self) -> bool {
        self.oracle
    }

    /// The cell of dataset `d` and method `m` (indices into [`Summary::datasets`] and
    /// [`Summary::methods`]); `None` where no job of that pair ran.
    pub fn cell(&self, d: usize, m: usize) -> Option<&Cell> {
        self.cells.get(d)?.get(m)?.as_ref()
    }

    /// `means()[d][m]`: the mean over seeds of dataset `d` and method `m`, if any.
    pub fn means(&self) -> &[Vec<Option<f64>>] {
        &self.means
    }

    /// The average rank of each method over the datasets where it has a value, ranked among
    /// the methods that have one there (1 = best); `None` for a method with no value at all.
    /// The tables' *average rank* row and the leaderboard show it.
    pub fn average_ranks(&self) -> &[Option<f64>] {
        &self.average_ranks
    }

    /// Every (dataset, seed) value of method `m`, datasets in name order.
    pub fn pooled(&self, m: usize) -> &[f64] {
        self.pooled.get(m).map_or(&[], Vec::as_slice)
    }

    /// The datasets complete enough to rank the methods on, and the ranks there.
    pub fn complete(&self) -> &Complete {
        &self.complete
    }

    /// Per method, the mean over `datasets` of its per-dataset means (over seeds); `None`
    /// for a method without a value on one of them (a family mean over fewer series would
    /// not compare with the others).
    pub fn mean_over(&self, datasets: &[usize]) -> Vec<Option<f64>> {
        let methods = self.means.first().map_or(0, Vec::len);
        (0..methods)
            .map(|m| {
                let values: Option<Vec<f64>> =
                    datasets.iter().map(|&d| self.means.get(d).and_then(|row| row[m])).collect();
                values.filter(|v| !v.is_empty()).map(|v| v.iter().sum::<f64>() / v.len() as f64)
            })
            .collect()
    }
}

/// A run's records summarised once for every derived output.
#[derive(Debug, Clone)]
pub struct Summary<'a> {
    records: &'a [JobRecord],
    datasets: Vec<String>,
    methods: Vec<String>,
    seeds: Vec<u64>,
    baseline: Vec<bool>,
    metrics: Vec<MetricSummary>,
    /// Indices into `metrics` of the keys seen without a threshold rule.
    threshold_free: Vec<usize>,
    /// Indices into `metrics` of the keys seen at a threshold rule (the fitted threshold
    /// itself aside).
    at_rules: Vec<usize>,
    /// The family of each dataset (its own name unless the run says otherwise).
    families: Vec<String>,
    /// Index into `metrics` of the metric the reports rank by (`[report] metric`, else the
    /// first threshold-free one).
    primary: Option<usize>,
}

/// A warning a report shows above its tables: within how much of the best method the random
/// baseline may come before a metric counts as inflated on a dataset.
pub const BASELINE_MARGIN: f64 = 0.1;

/// Below this many datasets ranked, the reports say the significance tests mean little.
pub const FEW_DATASETS: usize = 5;

impl<'a> Summary<'a> {
    /// The summary of `records` (the last record of each job, in plan order).
    pub fn new(records: &'a [JobRecord]) -> Self {
        let datasets = first_seen(records.iter().map(|r| r.dataset.as_str()));
        let methods = first_seen(records.iter().map(|r| r.method.as_str()));
        let mut seeds: Vec<u64> = records.iter().map(|r| r.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        let baseline = methods
            .iter()
            .map(|m| records.iter().any(|r| &r.method == m && r.detector == "random"))
            .collect();

        // The metric keys in order of appearance, whether each is an oracle metric (the
        // last record decides), and which are threshold-free or at a rule.
        let keys: Vec<Vec<MetricKey>> =
            records.iter().map(|r| r.metrics.iter().map(metric_key).collect()).collect();
        let mut key_index: HashMap<&MetricKey, usize> = HashMap::new();
        let mut names: Vec<&MetricKey> = Vec::new();
        let mut oracle: Vec<bool> = Vec::new();
        let (mut threshold_free, mut at_rules) = (Vec::new(), Vec::new());
        for (r, k) in records.iter().zip(&keys) {
            for (m, key) in r.metrics.iter().zip(k) {
                let i = *key_index.entry(key).or_insert_with(|| {
                    names.push(key);
                    oracle.push(false);
                    names.len() - 1
                });
                oracle[i] = m.oracle;
                let list = match &m.threshold {
                    None => &mut threshold_free,
                    Some(_) if m.metric != "threshold" => &mut at_rules,
                    Some(_) => continue,
                };
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }

        // Every metric has a cell wherever a job of the (dataset, method) ran; a failed job
        // counts as failed in every metric.
        let (d_index, m_index) = (positions(&datasets), positions(&methods));
        let mut empty: Vec<Vec<Option<Cell>>> = vec![vec![None; methods.len()]; datasets.len()];
        let pair = |r: &JobRecord| (d_index[r.dataset.as_str()], m_index[r.method.as_str()]);
        for r in records {
            let (d, m) = pair(r);
            empty[d][m] = Some(Cell::default());
        }
        let mut cells: Vec<Vec<Vec<Option<Cell>>>> = vec![empty; names.len()];
        for (r, k) in records.iter().zip(&keys) {
            let (d, m) = pair(r);
            if r.status != JobStatus::Ok {
                for metric in &mut cells {
                    if let Some(cell) = &mut metric[d][m] {
                        cell.failed += 1;
                    }
                }
                continue;
            }
            for (record, key) in r.metrics.iter().zip(k) {
                let Some(cell) = &mut cells[key_index[key]][d][m] else { continue };
                match (record.status, record.value) {
                    (MetricStatus::Ok, Some(v)) => cell.values.push(v),
                    (MetricStatus::Undefined, _) => cell.undefined += 1,
                    _ => cell.failed += 1,
                }
            }
        }

        let mut by_name: Vec<usize> = (0..datasets.len()).collect();
        by_name.sort_by(|&a, &b| datasets[a].cmp(&datasets[b]));
        let metrics = names
            .iter()
            .zip(oracle)
            .zip(cells)
            .map(|((key, oracle), cells)| {
                let means: Vec<Vec<Option<f64>>> = cells
                    .iter()
                    .map(|row| row.iter().map(|c| c.as_ref().and_then(Cell::mean)).collect())
                    .collect();
                let pooled = (0..methods.len())
                    .map(|m| {
                        by_name
                            .iter()
                            .filter_map(|&d| cells[d][m].as_ref())
                            .flat_map(|c| c.values.iter().copied())
                            .collect()
                    })
                    .collect();
                MetricSummary {
                    label: key.to_string(),
                    key: (*key).clone(),
                    oracle,
                    average_ranks: average_ranks(&means),
                    complete: Complete::of(&means, methods.len()),
                    pooled,
                    means,
                    cells,
                }
            })
            .collect();
        let families = datasets.clone();
        let primary = threshold_free.first().copied();
        Self {
            records,
            datasets,
            methods,
            seeds,
            baseline,
            metrics,
            threshold_free,
            at_rules,
            families,
            primary,
        }
    }

    /// The same summary ranking by the threshold-free metric named `metric` (`[report]
    /// metric`, as the run's manifest records it); unknown or `None` keeps the first.
    pub fn with_primary(mut self, metric: Option<&str>) -> Self {
        if let Some(name) = metric {
            let found = self
                .threshold_free
                .iter()
                .copied()
                .find(|&i| self.metrics[i].key.metric == name || self.metrics[i].label == name);
            if found.is_some() {
                self.primary = found;
            }
        }
        self
    }

    /// The methods in the order of the one rule for "best" on `metric`: the lowest average
    /// rank over the datasets where every method has a value ([`Complete`]), ties broken by
    /// the higher mean over those datasets; without such datasets, the lowest average rank
    /// over the datasets each method has (methods without any value last).
    pub fn order(&self, metric: &MetricSummary) -> Vec<usize> {
        let n = self.methods.len();
        let complete = metric.complete();
        let key = |m: usize| -> (f64, f64) {
            match complete.ranks() {
                Ok(ranks) if !complete.datasets().is_empty() => {
                    let t = complete.table();
                    let mean = t.iter().map(|row| row[m]).sum::<f64>() / t.len() as f64;
                    (ranks[m], -mean)
                }
                _ => (metric.average_ranks()[m].unwrap_or(f64::INFINITY), 0.0),
            }
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
        });
        order
    }

    /// The best method on `metric` by [`Summary::order`], the random baseline aside, if any
    /// method has a value.
    pub fn best(&self, metric: &MetricSummary) -> Option<usize> {
        let has_value = |m: usize| metric.average_ranks()[m].is_some();
        self.order(metric).into_iter().find(|&m| !self.is_baseline(m) && has_value(m))
    }

    /// One line naming the best method on the primary metric and the rule, for the terminal
    /// and the reports' first lines; `None` without a metric or a ranked method.
    pub fn headline(&self) -> Option<String> {
        let metric = self.primary()?;
        let best = self.best(metric)?;
        let complete = metric.complete();
        let rank = match complete.ranks() {
            Ok(r) if !complete.datasets().is_empty() => {
                let n = complete.datasets().len();
                format!(
                    "average rank {:.2} of {} over the {n} dataset{} where every method has a value",
                    r[best],
                    self.methods.len(),
                    if n == 1 { "" } else { "s" }
                )
            }
            _ => format!(
                "average rank {:.2} over the datasets it has",
                metric.average_ranks()[best].unwrap_or(f64::NAN)
            ),
        };
        Some(format!("best on {}: {} ({rank})", metric.label(), self.methods[best]))
    }

    /// What a reader must know before trusting the tables: per threshold-free metric, the
    /// datasets where the random baseline comes within [`BASELINE_MARGIN`] of the best
    /// method (the metric is inflated there), and too few datasets for the significance
    /// tests to mean much.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for metric in self.threshold_free() {
            let Some(b) = (0..self.methods.len()).find(|&m| self.is_baseline(m)) else {
                continue;
            };
            let mut close = Vec::new();
            for (d, row) in metric.means().iter().enumerate() {
                let Some(base) = row[b] else { continue };
                let best = (0..row.len())
                    .filter(|&m| m != b)
                    .filter_map(|m| row[m].map(|v| (v, m)))
                    .max_by(|x, y| x.0.total_cmp(&y.0));
                if let Some((v, m)) = best {
                    if base >= v - BASELINE_MARGIN {
                        close.push(format!(
                            "{} ({} {base:.3}, {} {v:.3})",
                            self.datasets[d], self.methods[b], self.methods[m]
                        ));
                    }
                }
            }
            if !close.is_empty() {
                out.push(format!(
                    "{}: the random baseline comes within {BASELINE_MARGIN} of the best method on {}; the metric is inflated there",
                    metric.label(),
                    close.join(", ")
                ));
            }
        }
        if let Some(metric) = self.primary() {
            let n = metric.complete().datasets().len();
            if (2..FEW_DATASETS).contains(&n) && self.methods.len() >= 2 {
                out.push(format!(
                    "{}: only {n} datasets are ranked; with fewer than {FEW_DATASETS} the Friedman and Wilcoxon tests can hardly find a difference",
                    metric.label()
                ));
            }
        }
        out
    }

    /// The same summary with each dataset's family taken from `families` (dataset name →
    /// family, as the run's manifest records them); a dataset not in it is its own family.
    pub fn with_families(mut self, families: &BTreeMap<String, String>) -> Self {
        self.families =
            self.datasets.iter().map(|d| families.get(d).unwrap_or(d).clone()).collect();
        self
    }

    /// The families in order of first appearance, each with its datasets (indices into
    /// [`Summary::datasets`]).
    pub fn families(&self) -> Vec<(&str, Vec<usize>)> {
        let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
        for (d, family) in self.families.iter().enumerate() {
            match out.iter_mut().find(|(f, _)| *f == family.as_str()) {
                Some((_, members)) => members.push(d),
                None => out.push((family, vec![d])),
            }
        }
        out
    }

    /// Whether a per-family table says more than the per-dataset ones: some family holds
    /// more than one dataset.
    pub fn has_families(&self) -> bool {
        self.families().iter().any(|(_, members)| members.len() > 1)
    }

    /// The records, in plan order.
    pub fn records(&self) -> &'a [JobRecord] {
        self.records
    }

    /// The experiment's name (the first record's), `None` for no record.
    pub fn experiment(&self) -> Option<&'a str> {
        self.records.first().map(|r| r.experiment.as_str())
    }

    /// The jobs that did not end `ok`, in plan order.
    pub fn failed(&self) -> Vec<&'a JobRecord> {
        self.records.iter().filter(|r| r.status != JobStatus::Ok).collect()
    }

    /// Dataset names in order of appearance.
    pub fn datasets(&self) -> &[String] {
        &self.datasets
    }

    /// Method labels in order of appearance.
    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// Whether method `m` (an index into [`Summary::methods`]) is the random baseline.
    pub fn is_baseline(&self, m: usize) -> bool {
        self.baseline.get(m).copied().unwrap_or(false)
    }

    /// The seeds of the run, ascending.
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }

    /// Every metric key, in order of appearance.
    pub fn metrics(&self) -> &[MetricSummary] {
        &self.metrics
    }

    /// The metric shown as `label` (`roc_auc`, `pak_f1 [k=50]`, `f1 @ pot(q=0.001)`), if the
    /// run has it.
    pub fn metric(&self, label: &str) -> Option<&MetricSummary> {
        self.metrics.iter().find(|m| m.label == label)
    }

    /// The metric keys computed without a threshold rule, in order of appearance.
    pub fn threshold_free(&self) -> impl Iterator<Item = &MetricSummary> + '_ {
        self.threshold_free.iter().map(|&i| &self.metrics[i])
    }

    /// The metric keys computed at a threshold rule (`f1 @ pot`), in order of appearance;
    /// the fitted thresholds themselves are not among them.
    pub fn at_rules(&self) -> impl Iterator<Item = &MetricSummary> + '_ {
        self.at_rules.iter().map(|&i| &self.metrics[i])
    }

    /// The metric the reports rank by and draw: `[report] metric` (see
    /// [`Summary::with_primary`]), else the first threshold-free one.
    pub fn primary(&self) -> Option<&MetricSummary> {
        self.primary.map(|i| &self.metrics[i])
    }
}

/// The typed key of a metric record: its name, its options and the threshold rule it was
/// computed at, from the record's own fields (displayed as `metric [options] @ rule`).
pub fn metric_key(m: &MetricRecord) -> MetricKey {
    let key = MetricKey::new(m.metric.as_str()).with_options(m.options.clone().unwrap_or_default());
    match &m.threshold {
        Some(t) => key.at(t.as_str()),
        None => key,
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
fn average_ranks(means: &[Vec<Option<f64>>]) -> Vec<Option<f64>> {
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

/// Each name's index.
fn positions(names: &[String]) -> HashMap<&str, usize> {
    names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect()
}

/// The distinct items in order of first appearance.
fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use oddity_runner::record::journal::FORMAT_VERSION;

    /// A metric record of `name` = `value`.
    pub(crate) fn metric(
        name: &str,
        value: f64,
        oracle: bool,
        threshold: Option<&str>,
    ) -> MetricRecord {
        MetricRecord {
            metric: name.into(),
            oracle,
            value: Some(value),
            status: MetricStatus::Ok,
            error: None,
            threshold: threshold.map(str::to_string),
            options: None,
            period: None,
        }
    }

    /// A job of `method` on `dataset` with `metrics`.
    pub(crate) fn job(
        dataset: &str,
        method: &str,
        detector: &str,
        seed: u64,
        metrics: Vec<MetricRecord>,
    ) -> JobRecord {
        JobRecord {
            v: FORMAT_VERSION,
            job: format!("{dataset}-{method}-{seed}"),
            index: 0,
            experiment: "exp".into(),
            dataset: dataset.into(),
            method: method.into(),
            detector: detector.into(),
            params: String::new(),
            seed,
            status: JobStatus::Ok,
            error: None,
            n_train: 10,
            n_test: 40,
            fit_seconds: 0.01,
            score_seconds: 0.002,
            peak_rss_bytes: None,
            metrics,
        }
    }

    fn auc(dataset: &str, method: &str, seed: u64, value: f64) -> JobRecord {
        job(dataset, method, method, seed, vec![metric("roc_auc", value, false, None)])
    }

    #[test]
    fn ranks_share_ties() {
        assert_eq!(descending_ranks(&[0.5, 0.9, 0.5, 0.1]), vec![2.5, 1.0, 2.5, 4.0]);
        assert_eq!(descending_ranks(&[]), Vec::<f64>::new());
    }

    #[test]
    fn cells_count_values_undefined_and_failed_seeds() {
        let mut undefined = auc("d", "a", 1, 0.0);
        undefined.metrics[0].status = MetricStatus::Undefined;
        undefined.metrics[0].value = None;
        let mut failed = auc("d", "a", 2, 0.0);
        failed.status = JobStatus::Failed;
        failed.metrics.clear();
        let records = vec![auc("d", "a", 0, 0.8), undefined, failed, auc("d", "b", 0, 0.6)];
        let s = Summary::new(&records);
        let m = s.metric("roc_auc").unwrap();
        assert_eq!(m.cell(0, 0), Some(&Cell { values: vec![0.8], undefined: 1, failed: 1 }));
        assert_eq!(m.means(), [vec![Some(0.8), Some(0.6)]]);
        assert_eq!(m.average_ranks(), [Some(1.0), Some(2.0)]);
        assert_eq!(s.seeds(), [0, 1, 2]);
        assert_eq!(s.failed().len(), 1);
    }

    #[test]
    fn keys_name_options_and_rules_and_split_threshold_free_from_rules() {
        let rule = Some("pot");
        let mut with_options = metric("pak_f1", 0.5, true, None);
        with_options.options = Some("k=50".into());
        let records = vec![job(
            "d",
            "a",
            "knn",
            0,
            vec![
                metric("roc_auc", 0.9, false, None),
                with_options,
                metric("threshold", 2.0, false, rule),
                metric("f1", 0.4, false, rule),
            ],
        )];
        let s = Summary::new(&records);
        let keys: Vec<&str> = s.metrics().iter().map(MetricSummary::label).collect();
        assert_eq!(keys, ["roc_auc", "pak_f1 [k=50]", "threshold @ pot", "f1 @ pot"]);
        let free: Vec<&str> = s.threshold_free().map(MetricSummary::label).collect();
        assert_eq!(free, ["roc_auc", "pak_f1 [k=50]"]);
        let at: Vec<&str> = s.at_rules().map(MetricSummary::label).collect();
        assert_eq!(at, ["f1 @ pot"]);
        assert!(s.metric("pak_f1 [k=50]").unwrap().is_oracle());
        assert_eq!(s.primary().map(MetricSummary::label), Some("roc_auc"));
        // The key is typed: compared by its fields, never parsed back from the label.
        let f1 = s.at_rules().next().unwrap().key();
        assert_eq!(
            (f1.metric.as_str(), f1.options.as_deref(), f1.threshold.as_deref()),
            ("f1", None, Some("pot"))
        );
        assert_eq!(s.metrics()[1].key().options.as_deref(), Some("k=50"));
    }

    #[test]
    fn only_datasets_where_every_method_has_a_value_are_complete() {
        // `b` has no value on d2 (its job failed); `c` has none anywhere.
        let mut failed = auc("d2", "b", 0, 0.0);
        failed.status = JobStatus::Failed;
        let records = vec![
            auc("d1", "a", 0, 0.9),
            auc("d1", "b", 0, 0.8),
            auc("d2", "a", 0, 0.7),
            failed,
            auc("d3", "a", 0, 0.6),
            auc("d3", "b", 0, 0.65),
        ];
        let s = Summary::new(&records);
        let complete = s.primary().unwrap().complete();
        assert_eq!(complete.datasets(), [0, 2]);
        assert_eq!(complete.left_out(), [1]);
        assert_eq!(complete.table(), [vec![0.9, 0.8], vec![0.6, 0.65]]);
        assert!(complete.is_rankable());
        assert_eq!(complete.ranks(), Ok(&[1.5, 1.5][..]));
    }

    #[test]
    fn pooled_values_follow_dataset_names() {
        let records =
            vec![auc("zeta", "a", 0, 0.1), auc("alpha", "a", 0, 0.2), auc("zeta", "a", 1, 0.3)];
        let s = Summary::new(&records);
        assert_eq!(s.primary().unwrap().pooled(0), [0.2, 0.1, 0.3]);
        assert_eq!(s.datasets(), ["zeta", "alpha"]);
    }
}
