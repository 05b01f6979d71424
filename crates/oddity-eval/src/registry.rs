//! The registry of metrics by config name.
//!
//! Adding a metric is one function in `metrics/` plus one entry in [`METRICS`]: the entry
//! alone decides the options a config may give it ([`MetricEntry::choose`]), what
//! `oddity list` shows, its † and whether it is computed at threshold rules ([`at_threshold`]).
//! A new option is one row of the option table (`options.rs`) and one field of
//! [`MetricOptions`]. The test `a_new_entry_is_configured_and_evaluated_by_its_fields` shows
//! an entry that is not in the registry going through all of it.

use crate::metrics::tsbad;
use crate::{
    affiliation_f1, affiliation_f1_at, average_precision, best_f1, event_f1, event_f1_at,
    event_recall_at, f1_at, pa_f1, pa_f1_at, pak_f1, pak_f1_at, precision_recall_at, predict,
    range_f1, range_f1_at, roc_auc, vus, Compat, MetricError, MetricKey, MetricOptions,
    OptionError, OptionValue, RangeParams, VusParams, VusThresholds, DEFAULT_VUS_BUFFER,
};

/// What a threshold rule's alarms are evaluated with: the one flag that decides which
/// metrics a run (and `oddity evaluate`) computes at each threshold rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtThreshold {
    /// Not computed at a threshold (threshold-free metrics: ROC-AUC, VUS).
    Never,
    /// Computed at every rule whether the metric is listed or not, under `name` in results
    /// (`f1` for `best_f1`: at a threshold there is nothing "best" left), with the options of
    /// its first listing, if any.
    Always {
        /// The metric's name in results at a threshold.
        name: &'static str,
    },
    /// Computed at every rule once for each time the metric is listed (`pak_f1`), with that
    /// listing's options.
    Listed,
}

/// One metric as a config file and the runner see it.
///
/// The entry alone decides how the metric is configured ([`options`](Self::options),
/// [`choose`](Self::choose)), listed (`oddity list`), marked (†, [`oracle`](Self::oracle))
/// and computed at threshold rules ([`at_threshold`](Self::at_threshold),
/// [`at_threshold`](crate::at_threshold)).
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
    /// Whether, and under what name, the metric is computed at each threshold rule.
    pub at_threshold: AtThreshold,
    /// One line saying what the metric computes.
    pub summary: &'static str,
    /// The options of [`MetricOptions`] a config may give this metric, by config name (each
    /// one of [`MetricOptions::describe`]). `threshold` is never among them: a metric that
    /// is not [`AtThreshold::Never`] reads it, and runs set it from their threshold rules.
    pub options: &'static [&'static str],
    /// The metric with default options: labels (0 or 1) and scores (higher = more
    /// anomalous) in, value out.
    pub compute: fn(&[u8], &[f64]) -> Result<f64, MetricError>,
    /// The metric with options.
    pub compute_with: MetricWithOptions,
}

/// A metric that takes options: labels, scores and options in, value out.
pub type MetricWithOptions = fn(&[u8], &[f64], &MetricOptions) -> Result<f64, MetricError>;

impl MetricEntry {
    /// Whether the value computed with `options` chose its threshold with the test labels.
    pub fn is_oracle(&self, options: &MetricOptions) -> bool {
        self.oracle && options.threshold.is_none()
    }

    /// Whether a config may give this metric the option `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.options.contains(&name)
    }

    /// This metric with the options `given` as (config name, value) pairs, and `compat` of
    /// an enclosing layer (it applies when the metric reads `compat` and `given` does not set
    /// it).
    ///
    /// The [`label`](MetricChoice::label) is what results show: `name=value` in name order,
    /// VUS's buffer always (`buffer=100` when not given), an inherited `compat=tsbad` last.
    ///
    /// # Errors
    ///
    /// [`OptionError::NeedsThreshold`] for a metric only defined at a threshold,
    /// [`OptionError::NotRead`] for an option this metric does not take (whether or not
    /// another metric takes it),
    /// [`OptionError::Repeated`] for an option given twice, and as [`MetricOptions::set`].
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::{metric, Compat, OptionValue};
    /// let range = metric("range_f1").unwrap();
    /// let choice = range.choose(&[("alpha", OptionValue::Float(0.5))], Some(Compat::Tsbad))?;
    /// assert_eq!(choice.label, "alpha=0.5;compat=tsbad");
    /// assert_eq!((choice.options.range.alpha, choice.options.compat), (0.5, Compat::Tsbad));
    /// let vus = metric("vus_pr").unwrap().choose(&[], Some(Compat::Tsbad))?;
    /// assert_eq!(vus.label, "buffer=100");
    /// let err = metric("pak_f1").unwrap().choose(&[("buffer", 3.into())], None).unwrap_err();
    /// assert_eq!(err.to_string(), "unknown option `buffer` (pak_f1 takes k)");
    /// Ok::<(), oddity_eval::OptionError>(())
    /// ```
    pub fn choose(
        &'static self,
        given: &[(&str, OptionValue)],
        compat: Option<Compat>,
    ) -> Result<MetricChoice, OptionError> {
        if self.needs_threshold {
            return Err(OptionError::NeedsThreshold { metric: self.name });
        }
        let mut sorted: Vec<&(&str, OptionValue)> = given.iter().collect();
        sorted.sort_by_key(|(name, _)| *name);
        let mut options = MetricOptions::default();
        let mut label = Vec::new();
        for (i, (name, value)) in sorted.iter().enumerate() {
            if !self.reads(name) {
                let option = (*name).to_owned();
                return Err(OptionError::NotRead {
                    metric: self.name,
                    option,
                    reads: self.options,
                });
            }
            if i > 0 && sorted[i - 1].0 == *name {
                return Err(OptionError::Repeated { option: (*name).to_owned() });
            }
            options.set(name, value)?;
            label.push(format!("{name}={value}"));
        }
        let is_given = |name: &str| given.iter().any(|(n, _)| *n == name);
        // The VUS buffer length is always written into the results, default or not.
        if self.reads("buffer") && !is_given("buffer") {
            label.insert(0, format!("buffer={DEFAULT_VUS_BUFFER}"));
        }
        if let (true, false, Some(Compat::Tsbad)) =
            (self.reads("compat"), is_given("compat"), compat)
        {
            options.compat = Compat::Tsbad;
            label.push("compat=tsbad".to_owned());
        }
        Ok(MetricChoice { entry: self, options, label: label.join(";") })
    }
}

/// A metric with the options a config gave it ([`MetricEntry::choose`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricChoice {
    /// The registry entry.
    pub entry: &'static MetricEntry,
    /// Its options.
    pub options: MetricOptions,
    /// The options as results show them (`buffer=100`, `alpha=0.5;compat=tsbad`); empty for
    /// none.
    pub label: String,
}

impl MetricChoice {
    /// The metric `name` with the options `given` ([`MetricEntry::choose`]).
    ///
    /// # Errors
    ///
    /// [`OptionError::UnknownMetric`] for a name that is not in the registry, and as
    /// [`MetricEntry::choose`].
    pub fn new(
        name: &str,
        given: &[(&str, OptionValue)],
        compat: Option<Compat>,
    ) -> Result<Self, OptionError> {
        let entry = metric(name).ok_or_else(|| OptionError::UnknownMetric { name: name.into() })?;
        entry.choose(given, compat)
    }

    /// Its key in results: the registry name and the options' label.
    pub fn key(&self) -> MetricKey {
        MetricKey::new(self.entry.name).with_options(self.label.as_str())
    }
}

impl PartialEq for MetricEntry {
    /// Entries are equal when they have the same name (names are unique in a registry).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// One metric to compute at a threshold rule's alarms ([`at_threshold`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdMetric {
    /// The registry entry.
    pub entry: &'static MetricEntry,
    /// Its name in results (`f1` for `best_f1`).
    pub name: &'static str,
    /// The index, in the listed metrics, of the listing whose options apply; `None`: default
    /// options.
    pub listed: Option<usize>,
}

/// The metrics computed at each threshold rule, given the registry names of the metrics
/// listed (in order, a name once per listing), decided by [`MetricEntry::at_threshold`]:
/// first every [`AtThreshold::Always`] metric in registry order (with the options of its
/// first listing, if any), then, in list order, every other listing of a metric that is not
/// [`AtThreshold::Never`] (an [`AtThreshold::Listed`] metric, or a second listing of an
/// `Always` one), under its registry name.
///
/// # Example
///
/// ```
/// let at = oddity_eval::at_threshold(&["roc_auc", "best_f1", "pak_f1"]);
/// let names: Vec<_> = at.iter().map(|m| (m.name, m.listed)).collect();
/// assert_eq!(names[..3], [("precision", None), ("recall", None), ("f1", Some(1))]);
/// assert_eq!(names.last(), Some(&("pak_f1", Some(2))));
/// assert_eq!(names.len(), 9);
/// ```
pub fn at_threshold(listed: &[&str]) -> Vec<ThresholdMetric> {
    at_threshold_in(METRICS, listed)
}

/// [`at_threshold`] over any registry.
fn at_threshold_in(registry: &'static [MetricEntry], listed: &[&str]) -> Vec<ThresholdMetric> {
    let first = |name: &str| listed.iter().position(|l| *l == name);
    let mut out: Vec<ThresholdMetric> = registry
        .iter()
        .filter_map(|entry| match entry.at_threshold {
            AtThreshold::Always { name } => {
                Some(ThresholdMetric { entry, name, listed: first(entry.name) })
            }
            _ => None,
        })
        .collect();
    for (i, name) in listed.iter().enumerate() {
        let Some(entry) = registry.iter().find(|e| e.name == *name) else { continue };
        let done =
            matches!(entry.at_threshold, AtThreshold::Always { .. }) && first(name) == Some(i);
        if entry.at_threshold != AtThreshold::Never && !done {
            out.push(ThresholdMetric { entry, name: entry.name, listed: Some(i) });
        }
    }
    out
}

/// The registry's names, comma-separated, for messages.
pub(crate) fn known_metrics() -> String {
    METRICS.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}

const F1_OPTIONS: &[&str] = &["compat"];

/// Every metric, in report order. Among the [`AtThreshold::Always`] metrics this is also the
/// order of the values at each threshold rule.
static METRICS: &[MetricEntry] = &[
    MetricEntry {
        name: "roc_auc",
        oracle: false,
        needs_threshold: false,
        at_threshold: AtThreshold::Never,
        summary: "area under the ROC curve, ties count one half (scikit-learn roc_auc_score)",
        options: &[],
        compute: roc_auc,
        compute_with: |l, s, _| roc_auc(l, s),
    },
    MetricEntry {
        name: "average_precision",
        oracle: false,
        needs_threshold: false,
        at_threshold: AtThreshold::Never,
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
        at_threshold: AtThreshold::Never,
        summary: "volume under the range-based ROC surface, buffers 0..L (TSB-AD VUS-ROC)",
        options: &["buffer", "thresholds"],
        compute: |l, s| vus_with(l, s, &MetricOptions::default()).map(|v| v.0),
        compute_with: |l, s, o| vus_with(l, s, o).map(|v| v.0),
    },
    MetricEntry {
        name: "vus_pr",
        oracle: false,
        needs_threshold: false,
        at_threshold: AtThreshold::Never,
        summary: "volume under the range-based PR surface, buffers 0..L (TSB-AD VUS-PR)",
        options: &["buffer", "thresholds"],
        compute: |l, s| vus_with(l, s, &MetricOptions::default()).map(|v| v.1),
        compute_with: |l, s, o| vus_with(l, s, o).map(|v| v.1),
    },
    MetricEntry {
        name: "precision",
        oracle: false,
        needs_threshold: true,
        at_threshold: AtThreshold::Always { name: "precision" },
        summary: "point-wise precision at the threshold (needs one)",
        options: &[],
        compute: |l, s| precision_recall_with(l, s, &MetricOptions::default()).map(|v| v.0),
        compute_with: |l, s, o| precision_recall_with(l, s, o).map(|v| v.0),
    },
    MetricEntry {
        name: "recall",
        oracle: false,
        needs_threshold: true,
        at_threshold: AtThreshold::Always { name: "recall" },
        summary: "point-wise recall at the threshold (needs one)",
        options: &[],
        compute: |l, s| precision_recall_with(l, s, &MetricOptions::default()).map(|v| v.1),
        compute_with: |l, s, o| precision_recall_with(l, s, o).map(|v| v.1),
    },
    MetricEntry {
        name: "best_f1",
        oracle: true,
        needs_threshold: false,
        at_threshold: AtThreshold::Always { name: "f1" },
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
        name: "event_recall",
        oracle: false,
        needs_threshold: true,
        at_threshold: AtThreshold::Always { name: "event_recall" },
        summary: "event-wise recall at the threshold: the fraction of anomaly segments with a \
                  predicted point (needs one)",
        options: &[],
        compute: |l, s| event_recall_with(l, s, &MetricOptions::default()),
        compute_with: event_recall_with,
    },
    MetricEntry {
        name: "event_f1",
        oracle: true,
        needs_threshold: false,
        at_threshold: AtThreshold::Always { name: "event_f1" },
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
        name: "pa_f1",
        oracle: true,
        needs_threshold: false,
        at_threshold: AtThreshold::Always { name: "pa_f1" },
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
        at_threshold: AtThreshold::Listed,
        summary: "best PA%K F1 (a segment is filled when more than k % of it is hit, Kim et \
                  al. 2022), chosen with the test labels",
        options: &["k"],
        compute: |l, s| pak_f1(l, s, 20.0),
        compute_with: |l, s, o| match o.threshold {
            Some(t) => pak_f1_at(l, &at(l, s, t)?, o.k.unwrap_or(20.0)),
            None => pak_f1(l, s, o.k.unwrap_or(20.0)),
        },
    },
    MetricEntry {
        name: "range_f1",
        oracle: true,
        needs_threshold: false,
        at_threshold: AtThreshold::Always { name: "range_f1" },
        summary: "best range-based F1 (Tatbul et al. 2018; alpha, cardinality, bias), chosen \
                  with the test labels",
        options: &["alpha", "cardinality", "bias", "compat"],
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
        at_threshold: AtThreshold::Always { name: "affiliation_f1" },
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
    if options.period && options.buffer.is_none() {
        let reason = "\"period\" needs the series: set the buffer to its estimate_period".into();
        return Err(MetricError::InvalidOption { name: "buffer", reason });
    }
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
            ["best_f1", "event_f1", "pa_f1", "pak_f1", "range_f1", "affiliation_f1"]
        );
        let with_threshold = MetricOptions { threshold: Some(0.5), ..MetricOptions::default() };
        assert!(METRICS.iter().all(|m| !m.is_oracle(&with_threshold)));
    }

    #[test]
    fn every_option_an_entry_reads_is_in_the_option_table() {
        for entry in METRICS {
            for name in entry.options {
                assert!(MetricOptions::describe().iter().any(|o| o.name == *name), "{name}");
                assert_ne!(*name, "threshold", "{}", entry.name);
            }
            // Only what is computed at a threshold may need one.
            if entry.needs_threshold {
                assert!(matches!(entry.at_threshold, AtThreshold::Always { .. }));
            }
        }
    }

    /// What a run computed at each threshold rule before the flag existed: a fixed list,
    /// then every other listed oracle metric.
    #[test]
    fn the_flag_reproduces_the_former_list_at_a_threshold() {
        let fixed = [
            ("precision", "precision"),
            ("recall", "recall"),
            ("f1", "best_f1"),
            ("event_recall", "event_recall"),
            ("event_f1", "event_f1"),
            ("pa_f1", "pa_f1"),
            ("range_f1", "range_f1"),
            ("affiliation_f1", "affiliation_f1"),
        ];
        let lists: [&[&str]; 4] = [
            &["roc_auc", "average_precision", "best_f1"],
            &["roc_auc", "vus_roc", "vus_pr", "best_f1", "pa_f1", "event_f1", "affiliation_f1"],
            &["pak_f1", "best_f1", "pak_f1", "range_f1"],
            &[],
        ];
        for listed in lists {
            let mut want: Vec<(&str, &str, Option<usize>)> = fixed
                .iter()
                .map(|(name, reg)| (*name, *reg, listed.iter().position(|l| l == reg)))
                .collect();
            let done = ["best_f1", "event_f1", "pa_f1", "range_f1", "affiliation_f1"];
            for (i, name) in listed.iter().enumerate() {
                let first = listed.iter().position(|l| l == name) == Some(i);
                if metric(name).unwrap().oracle && !(done.contains(name) && first) {
                    want.push((name, name, Some(i)));
                }
            }
            let got: Vec<_> =
                at_threshold(listed).iter().map(|m| (m.name, m.entry.name, m.listed)).collect();
            assert_eq!(got, want, "{listed:?}");
        }
    }

    #[test]
    fn choosing_checks_the_entry_and_labels_the_options() {
        let choice = MetricChoice::new("vus_roc", &[("thresholds", "all".into())], None).unwrap();
        assert_eq!(choice.label, "buffer=100;thresholds=all");
        assert!(choice.options.all_thresholds);
        assert_eq!(choice.key().to_string(), "vus_roc [buffer=100;thresholds=all]");
        let period = MetricChoice::new("vus_pr", &[("buffer", "period".into())], None).unwrap();
        assert_eq!((period.label.as_str(), period.options.period), ("buffer=period", true));
        // An explicit compat wins over the layer's; "exact" is written when given.
        let given = [("compat", OptionValue::from("exact")), ("alpha", OptionValue::Integer(1))];
        let range = MetricChoice::new("range_f1", &given, Some(Compat::Tsbad)).unwrap();
        assert_eq!(range.label, "alpha=1;compat=exact");
        assert_eq!(range.options.compat, Compat::Exact);
        let plain = MetricChoice::new("best_f1", &[], Some(Compat::Tsbad)).unwrap();
        assert_eq!((plain.label.as_str(), plain.options.compat), ("compat=tsbad", Compat::Tsbad));
        let exact = MetricChoice::new("best_f1", &[], Some(Compat::Exact)).unwrap();
        assert_eq!(exact.label, "");
        assert_eq!(MetricChoice::new("roc_auc", &[], Some(Compat::Tsbad)).unwrap().label, "");
    }

    #[test]
    fn choosing_errors_name_the_metric_and_option() {
        let err = |name: &str, given: &[(&str, OptionValue)]| {
            MetricChoice::new(name, given, None).unwrap_err()
        };
        let e = err("accuracy", &[]);
        assert_eq!(e, OptionError::UnknownMetric { name: "accuracy".into() });
        assert!(e.to_string().starts_with("unknown metric `accuracy` (known: roc_auc, "), "{e}");
        let e = err("precision", &[]);
        assert_eq!(e, OptionError::NeedsThreshold { metric: "precision" });
        assert!(e.to_string().contains("needs a threshold"), "{e}");
        let e = err("roc_auc", &[("k", OptionValue::Integer(5))]);
        assert_eq!(e.to_string(), "unknown option `k` (roc_auc takes no options)");
        let e = err("best_f1", &[("threshold", OptionValue::Float(0.5))]);
        assert_eq!(e.to_string(), "unknown option `threshold` (best_f1 takes compat)");
        assert!(matches!(e, OptionError::NotRead { metric: "best_f1", .. }));
        let e = err("best_f1", &[("colour", "red".into())]);
        assert_eq!(e.to_string(), "unknown option `colour` (best_f1 takes compat)");
        let twice = [("k", OptionValue::Integer(5)), ("k", OptionValue::Integer(6))];
        assert_eq!(err("pak_f1", &twice), OptionError::Repeated { option: "k".into() });
        assert_eq!(err("pak_f1", &twice).to_string(), "option `k` is given twice");
        let e = err("vus_pr", &[("buffer", OptionValue::Integer(-1))]);
        assert!(matches!(e, OptionError::InvalidValue { option: "buffer", .. }), "{e:?}");
    }

    #[test]
    fn period_without_a_buffer_is_an_option_error() {
        let choice = MetricChoice::new("vus_pr", &[("buffer", "period".into())], None).unwrap();
        let got = (choice.entry.compute_with)(&[0, 1, 0], &[0.1, 0.9, 0.2], &choice.options);
        assert!(matches!(got, Err(MetricError::InvalidOption { name: "buffer", .. })), "{got:?}");
        let options = MetricOptions { buffer: Some(1), ..choice.options };
        assert!((choice.entry.compute_with)(&[0, 1, 0], &[0.1, 0.9, 0.2], &options).is_ok());
    }

    /// Adding a metric with an option is one function and one entry: everything else —
    /// which options a config may give it, their parsing, its label in results, whether and
    /// how it is computed at threshold rules — follows from the entry's fields.
    #[test]
    fn a_new_entry_is_configured_and_evaluated_by_its_fields() {
        /// The new metric: recall of the top k % of scores, computed at a threshold as recall.
        fn top_recall(
            labels: &[u8],
            scores: &[f64],
            o: &MetricOptions,
        ) -> Result<f64, MetricError> {
            let t = match o.threshold {
                Some(t) => t,
                None => {
                    let mut sorted = scores.to_vec();
                    sorted.sort_by(|a, b| b.total_cmp(a));
                    let k = o.k.unwrap_or(20.0);
                    sorted[((sorted.len() as f64 * k / 100.0) as usize).min(sorted.len() - 1)]
                }
            };
            precision_recall_at(labels, &at(labels, scores, t)?).map(|v| v.1)
        }
        static REGISTRY: [MetricEntry; 2] = [
            MetricEntry {
                name: "top_recall",
                oracle: false,
                needs_threshold: false,
                at_threshold: AtThreshold::Listed,
                summary: "recall of the top k % of scores",
                options: &["k"],
                compute: |l, s| top_recall(l, s, &MetricOptions::default()),
                compute_with: top_recall,
            },
            MetricEntry {
                name: "plain",
                oracle: false,
                needs_threshold: false,
                at_threshold: AtThreshold::Never,
                summary: "a threshold-free metric",
                options: &[],
                compute: roc_auc,
                compute_with: |l, s, _| roc_auc(l, s),
            },
        ];
        let entry = &REGISTRY[0];
        let choice = entry.choose(&[("k", OptionValue::Integer(25))], Some(Compat::Tsbad)).unwrap();
        assert_eq!((choice.label.as_str(), choice.options.k), ("k=25", Some(25.0)));
        let err = entry.choose(&[("alpha", OptionValue::Float(0.5))], None).unwrap_err();
        assert_eq!(err.to_string(), "unknown option `alpha` (top_recall takes k)");
        let (labels, scores) = ([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.2]);
        assert_eq!((entry.compute_with)(&labels, &scores, &choice.options), Ok(0.5));
        let at = at_threshold_in(&REGISTRY, &["plain", "top_recall"]);
        assert_eq!(at, [ThresholdMetric { entry, name: "top_recall", listed: Some(1) }]);
        assert!(at_threshold_in(&REGISTRY, &["plain"]).is_empty());
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
