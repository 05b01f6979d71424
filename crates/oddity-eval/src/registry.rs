//! The registry of metrics by config name.
//!
//! Adding a metric is one function in `metrics/` plus one entry in [`METRICS`].

use crate::metrics::tsbad;
use crate::{
    affiliation_f1, affiliation_f1_at, average_precision, best_f1, event_f1, event_f1_at,
    event_recall_at, f1_at, pa_f1, pa_f1_at, pak_f1, pak_f1_at, precision_recall_at, predict,
    range_f1, range_f1_at, roc_auc, vus, MetricError, RangeParams, VusParams, VusThresholds,
};

/// VUS's largest buffer length when none is given (TSB-AD's `slidingWindow` default).
pub const DEFAULT_VUS_BUFFER: usize = 100;

/// Which definition a metric follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    /// oddity's exact definitions: every distinct threshold, no epsilons, no quirks.
    #[default]
    Exact,
    /// TSB-AD's published numbers (`compat = "tsbad"`): its 100-threshold grid, its epsilons
    /// and quirks (see [`tsbad`](crate::tsbad)).
    Tsbad,
}

/// Per-metric options, as a config or the command line gives them.
///
/// Each entry lists the options it reads in [`MetricEntry::options`]; the others are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricOptions {
    /// Evaluate at this threshold (`score > threshold`) instead of choosing the best
    /// threshold with the test labels; the metric is then not an oracle.
    pub threshold: Option<f64>,
    /// PA%K's `k` in percent (`pak_f1`; default 20).
    pub k: Option<f64>,
    /// VUS's largest buffer length (`vus_roc`, `vus_pr`; default 100).
    pub buffer: Option<usize>,
    /// VUS over every distinct score (`thresholds = "all"`) instead of TSB-AD's 250.
    pub all_thresholds: bool,
    /// `range_f1`'s α, cardinality and bias.
    pub range: RangeParams,
    /// Exact definitions or TSB-AD's.
    pub compat: Compat,
}

/// A metric that takes options: labels, scores and options in, value out.
pub type MetricWithOptions = fn(&[u8], &[f64], &MetricOptions) -> Result<f64, MetricError>;

/// One metric as a config file and the runner see it.
#[derive(Debug, Clone, Copy)]
pub struct MetricEntry {
    /// The config name, equal to the function's name (`"roc_auc"`).
    pub name: &'static str,
    /// Whether the metric uses the test labels to choose something (such as a threshold), so
    /// it is an optimistic upper bound rather than a deployable score. An oracle metric given
    /// a threshold is not an oracle (see [`MetricEntry::is_oracle`]).
    pub oracle: bool,
    /// Whether the metric is only defined at a threshold (`precision`, `recall`,
    /// `event_recall`): it needs [`MetricOptions::threshold`].
    pub needs_threshold: bool,
    /// One line saying what the metric computes.
    pub summary: &'static str,
    /// The options of [`MetricOptions`] this metric reads, by config name.
    pub options: &'static [&'static str],
    /// The metric with default options: labels (0 or 1) and scores (higher = more
    /// anomalous) in, value out.
    pub compute: fn(&[u8], &[f64]) -> Result<f64, MetricError>,
    /// The metric with options.
    pub compute_with: MetricWithOptions,
}

impl MetricEntry {
    /// Whether the value computed with `options` chose its threshold with the test labels.
    pub fn is_oracle(&self, options: &MetricOptions) -> bool {
        self.oracle && options.threshold.is_none()
    }
}

const F1_OPTIONS: &[&str] = &["threshold", "compat"];

/// Every metric, in report order.
static METRICS: &[MetricEntry] = &[
    MetricEntry {
        name: "roc_auc",
        oracle: false,
        needs_threshold: false,
        summary: "area under the ROC curve, ties count one half (scikit-learn roc_auc_score)",
        options: &[],
        compute: roc_auc,
        compute_with: |l, s, _| roc_auc(l, s),
    },
    MetricEntry {
        name: "average_precision",
        oracle: false,
        needs_threshold: false,
        summary: "step-wise area under the precision-recall curve \
                  (scikit-learn average_precision_score)",
        options: &[],
        compute: average_precision,
        compute_with: |l, s, _| average_precision(l, s),
    },
    MetricEntry {
        name: "vus_roc",
        oracle: false,
        needs_threshold: false,
        summary: "volume under the range-based ROC surface, buffers 0..L (TSB-AD VUS-ROC)",
        options: &["buffer", "thresholds"],
        compute: |l, s| vus_with(l, s, &MetricOptions::default()).map(|v| v.0),
        compute_with: |l, s, o| vus_with(l, s, o).map(|v| v.0),
    },
    MetricEntry {
        name: "vus_pr",
        oracle: false,
        needs_threshold: false,
        summary: "volume under the range-based PR surface, buffers 0..L (TSB-AD VUS-PR)",
        options: &["buffer", "thresholds"],
        compute: |l, s| vus_with(l, s, &MetricOptions::default()).map(|v| v.1),
        compute_with: |l, s, o| vus_with(l, s, o).map(|v| v.1),
    },
    MetricEntry {
        name: "best_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best point-wise F1 over all thresholds, chosen with the test labels",
        options: F1_OPTIONS,
        compute: best_f1,
        compute_with: |l, s, o| match (o.threshold, o.compat) {
            (Some(t), _) => f1_at(l, &at(l, s, t)?),
            (None, Compat::Exact) => best_f1(l, s),
            (None, Compat::Tsbad) => tsbad::tsbad_standard_f1(l, s),
        },
    },
    MetricEntry {
        name: "precision",
        oracle: false,
        needs_threshold: true,
        summary: "point-wise precision at the threshold (needs one)",
        options: &["threshold"],
        compute: |l, s| precision_recall_with(l, s, &MetricOptions::default()).map(|v| v.0),
        compute_with: |l, s, o| precision_recall_with(l, s, o).map(|v| v.0),
    },
    MetricEntry {
        name: "recall",
        oracle: false,
        needs_threshold: true,
        summary: "point-wise recall at the threshold (needs one)",
        options: &["threshold"],
        compute: |l, s| precision_recall_with(l, s, &MetricOptions::default()).map(|v| v.1),
        compute_with: |l, s, o| precision_recall_with(l, s, o).map(|v| v.1),
    },
    MetricEntry {
        name: "event_recall",
        oracle: false,
        needs_threshold: true,
        summary: "event-wise recall at the threshold: the fraction of anomaly segments with a \
                  predicted point (needs one)",
        options: &["threshold"],
        compute: |l, s| event_recall_with(l, s, &MetricOptions::default()),
        compute_with: event_recall_with,
    },
    MetricEntry {
        name: "pa_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best point-adjusted F1 (a hit anywhere fills the segment), chosen with the \
                  test labels; optimistic, report next to best_f1",
        options: F1_OPTIONS,
        compute: pa_f1,
        compute_with: |l, s, o| match (o.threshold, o.compat) {
            (Some(t), Compat::Exact) => pa_f1_at(l, &at(l, s, t)?),
            (Some(t), Compat::Tsbad) => tsbad::tsbad_pa_f1_at(l, &at(l, s, t)?),
            (None, Compat::Exact) => pa_f1(l, s),
            (None, Compat::Tsbad) => tsbad::tsbad_pa_f1(l, s),
        },
    },
    MetricEntry {
        name: "pak_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best PA%K F1 (a segment is filled when more than k % of it is hit, Kim et \
                  al. 2022), chosen with the test labels",
        options: &["k", "threshold"],
        compute: |l, s| pak_f1(l, s, 20.0),
        compute_with: |l, s, o| match o.threshold {
            Some(t) => pak_f1_at(l, &at(l, s, t)?, o.k.unwrap_or(20.0)),
            None => pak_f1(l, s, o.k.unwrap_or(20.0)),
        },
    },
    MetricEntry {
        name: "event_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best composite F1 (event recall, point precision; Garg et al.), chosen with \
                  the test labels",
        options: F1_OPTIONS,
        compute: event_f1,
        compute_with: |l, s, o| match (o.threshold, o.compat) {
            (Some(t), Compat::Exact) => event_f1_at(l, &at(l, s, t)?),
            (Some(t), Compat::Tsbad) => tsbad::tsbad_event_f1_at(l, &at(l, s, t)?),
            (None, Compat::Exact) => event_f1(l, s),
            (None, Compat::Tsbad) => tsbad::tsbad_event_f1(l, s),
        },
    },
    MetricEntry {
        name: "range_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best range-based F1 (Tatbul et al. 2018; alpha, cardinality, bias), chosen \
                  with the test labels",
        options: &["alpha", "cardinality", "bias", "threshold", "compat"],
        compute: |l, s| range_f1(l, s, &RangeParams::default()),
        compute_with: |l, s, o| match (o.threshold, o.compat) {
            (Some(t), Compat::Exact) => range_f1_at(l, &at(l, s, t)?, &o.range),
            (Some(t), Compat::Tsbad) => tsbad::tsbad_range_f1_at(l, &at(l, s, t)?),
            (None, Compat::Exact) => range_f1(l, s, &o.range),
            (None, Compat::Tsbad) => tsbad::tsbad_range_f1(l, s),
        },
    },
    MetricEntry {
        name: "affiliation_f1",
        oracle: true,
        needs_threshold: false,
        summary: "best affiliation F1 (Huet et al. 2022), chosen with the test labels",
        options: F1_OPTIONS,
        compute: affiliation_f1,
        compute_with: |l, s, o| match (o.threshold, o.compat) {
            (Some(t), Compat::Exact) => affiliation_f1_at(l, &at(l, s, t)?),
            (Some(t), Compat::Tsbad) => tsbad::tsbad_affiliation_f1_at(l, &at(l, s, t)?),
            (None, Compat::Exact) => affiliation_f1(l, s),
            (None, Compat::Tsbad) => tsbad::tsbad_affiliation_f1(l, s),
        },
    },
];

/// Validates the scores, then predicts `score > threshold`.
fn at(labels: &[u8], scores: &[f64], threshold: f64) -> Result<Vec<bool>, MetricError> {
    crate::metrics::check(labels, scores)?;
    if threshold.is_nan() {
        let reason = "is NaN".to_owned();
        return Err(MetricError::InvalidOption { name: "threshold", reason });
    }
    Ok(predict(scores, threshold))
}

fn precision_recall_with(
    labels: &[u8],
    scores: &[f64],
    options: &MetricOptions,
) -> Result<(f64, f64), MetricError> {
    crate::metrics::check(labels, scores)?;
    let Some(t) = options.threshold else {
        let reason = "this metric needs a threshold".to_owned();
        return Err(MetricError::InvalidOption { name: "threshold", reason });
    };
    precision_recall_at(labels, &at(labels, scores, t)?)
}

fn event_recall_with(
    labels: &[u8],
    scores: &[f64],
    options: &MetricOptions,
) -> Result<f64, MetricError> {
    crate::metrics::check(labels, scores)?;
    let Some(t) = options.threshold else {
        let reason = "this metric needs a threshold".to_owned();
        return Err(MetricError::InvalidOption { name: "threshold", reason });
    };
    event_recall_at(labels, &at(labels, scores, t)?)
}

fn vus_with(
    labels: &[u8],
    scores: &[f64],
    options: &MetricOptions,
) -> Result<(f64, f64), MetricError> {
    let thresholds =
        if options.all_thresholds { VusThresholds::All } else { VusThresholds::Grid(250) };
    let buffer = options.buffer.unwrap_or(DEFAULT_VUS_BUFFER);
    vus(labels, scores, &VusParams { buffer, thresholds })
}

/// Every metric, in report order.
///
/// # Example
///
/// ```
/// let names: Vec<_> = oddity_eval::metrics().iter().map(|m| m.name).collect();
/// assert_eq!(&names[..3], ["roc_auc", "average_precision", "vus_roc"]);
/// ```
pub fn metrics() -> &'static [MetricEntry] {
    METRICS
}

/// The metric with this config name, if there is one.
///
/// # Example
///
/// ```
/// assert!(oddity_eval::metric("best_f1").is_some_and(|m| m.oracle));
/// assert!(oddity_eval::metric("accuracy").is_none());
/// ```
pub fn metric(name: &str) -> Option<&'static MetricEntry> {
    METRICS.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Metric = fn(&[u8], &[f64]) -> Result<f64, MetricError>;

    #[test]
    fn names_are_unique_snake_case() {
        for (i, entry) in METRICS.iter().enumerate() {
            assert!(
                entry
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                entry.name
            );
            assert!(METRICS[..i].iter().all(|other| other.name != entry.name), "{}", entry.name);
            assert!(!entry.summary.is_empty());
        }
    }

    #[test]
    fn lookup_finds_each_entry() {
        for entry in metrics() {
            assert!(std::ptr::eq(metric(entry.name).unwrap(), entry));
        }
        assert!(metric("ROC_AUC").is_none());
        assert!(metric("").is_none());
    }

    #[test]
    fn oracles_are_the_best_threshold_metrics() {
        let oracles: Vec<_> = METRICS.iter().filter(|m| m.oracle).map(|m| m.name).collect();
        assert_eq!(
            oracles,
            ["best_f1", "pa_f1", "pak_f1", "event_f1", "range_f1", "affiliation_f1"]
        );
        let with_threshold = MetricOptions { threshold: Some(0.5), ..MetricOptions::default() };
        assert!(METRICS.iter().all(|m| !m.is_oracle(&with_threshold)));
    }

    #[test]
    fn entries_compute_their_function() {
        let labels = [1, 1, 0, 0, 1, 0];
        let scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.2];
        let functions: [(&str, Metric); 5] = [
            ("roc_auc", roc_auc),
            ("average_precision", average_precision),
            ("best_f1", best_f1),
            ("pa_f1", pa_f1),
            ("affiliation_f1", affiliation_f1),
        ];
        for (name, function) in functions {
            let entry = metric(name).unwrap();
            assert_eq!((entry.compute)(&labels, &scores), function(&labels, &scores), "{name}");
            let with = (entry.compute_with)(&labels, &scores, &MetricOptions::default());
            assert_eq!(with, function(&labels, &scores), "{name}");
        }
    }

    #[test]
    fn threshold_metrics_need_a_threshold() {
        let got = (metric("precision").unwrap().compute)(&[0, 1], &[0.1, 0.2]);
        assert!(matches!(got, Err(MetricError::InvalidOption { name: "threshold", .. })));
        let options = MetricOptions { threshold: Some(0.15), ..MetricOptions::default() };
        let got = (metric("recall").unwrap().compute_with)(&[0, 1], &[0.1, 0.2], &options);
        assert_eq!(got, Ok(1.0));
    }
}
