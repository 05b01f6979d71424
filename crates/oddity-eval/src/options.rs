//! Per-metric options: the typed [`MetricOptions`], the one table that both parses and
//! describes them ([`MetricOptions::describe`]), [`Compat`], and their errors.

use std::fmt;
use std::str::FromStr;

use crate::{Bias, Cardinality, RangeParams};

/// The largest VUS buffer a config may give: VUS costs time in proportion to it, and TSB-AD's
/// periods never exceed 303.
pub const MAX_VUS_BUFFER: usize = 10_000;

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

impl Compat {
    /// The config name: `"exact"` or `"tsbad"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Tsbad => "tsbad",
        }
    }
}

impl fmt::Display for Compat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one place where `compat` is parsed (configs, the command line, option tables).
///
/// # Example
///
/// ```
/// use oddity_eval::{Compat, OptionError};
/// assert_eq!("tsbad".parse::<Compat>()?, Compat::Tsbad);
/// let err = "pyod".parse::<Compat>().unwrap_err();
/// assert_eq!(err.to_string(), "option `compat` must be \"exact\" or \"tsbad\", got `pyod`");
/// Ok::<(), OptionError>(())
/// ```
impl FromStr for Compat {
    type Err = OptionError;

    fn from_str(s: &str) -> Result<Self, OptionError> {
        match s {
            "exact" => Ok(Self::Exact),
            "tsbad" => Ok(Self::Tsbad),
            _ => Err(invalid_value("compat", &OptionValue::Text(s.to_owned()))),
        }
    }
}

/// An option's value as a config file or the command line gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A whole number (`buffer = 50`).
    Integer(i64),
    /// A number with a fraction or exponent (`alpha = 0.5`).
    Float(f64),
    /// Text (`compat = "tsbad"`, `buffer = "period"`).
    Text(String),
    /// `true` or `false`.
    Bool(bool),
}

impl OptionValue {
    /// Reads command-line text: a whole number, else a number, else `true` / `false`, else
    /// text.
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::OptionValue;
    /// assert_eq!(OptionValue::guess("50"), OptionValue::Integer(50));
    /// assert_eq!(OptionValue::guess("0.5"), OptionValue::Float(0.5));
    /// assert_eq!(OptionValue::guess("period"), OptionValue::Text("period".into()));
    /// ```
    pub fn guess(text: &str) -> Self {
        if let Ok(i) = text.parse() {
            Self::Integer(i)
        } else if let Ok(x) = text.parse() {
            Self::Float(x)
        } else if let Ok(b) = text.parse() {
            Self::Bool(b)
        } else {
            Self::Text(text.to_owned())
        }
    }

    fn number(&self) -> Option<f64> {
        match *self {
            Self::Integer(i) => Some(i as f64),
            Self::Float(x) => Some(x),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// As written into results and messages: `50`, `0.5`, `tsbad`, `true`.
impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x}"),
            Self::Text(s) => f.write_str(s),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<i64> for OptionValue {
    fn from(i: i64) -> Self {
        Self::Integer(i)
    }
}

impl From<f64> for OptionValue {
    fn from(x: f64) -> Self {
        Self::Float(x)
    }
}

impl From<bool> for OptionValue {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<&str> for OptionValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for OptionValue {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

/// Why a metric or one of its options could not be set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// Occurs when no metric has this name.
    #[error("unknown metric `{name}` (known: {})", crate::registry::known_metrics())]
    UnknownMetric {
        /// The name given.
        name: String,
    },
    /// Occurs when a metric that is only defined at a threshold (`precision`) is listed on
    /// its own: it is computed at every threshold rule instead.
    #[error("`{metric}` needs a threshold: it is computed at every threshold rule")]
    NeedsThreshold {
        /// The metric.
        metric: &'static str,
    },
    /// Occurs when no metric has an option of this name.
    #[error("unknown option `{option}` (known: {})", known_options())]
    UnknownOption {
        /// The name given.
        option: String,
    },
    /// Occurs when the option exists but this metric does not read it.
    #[error("unknown option `{option}` ({metric} {})", takes(reads))]
    NotRead {
        /// The metric.
        metric: &'static str,
        /// The option given.
        option: String,
        /// The options the metric reads.
        reads: &'static [&'static str],
    },
    /// Occurs when the same option is given twice.
    #[error("option `{option}` is given twice")]
    Repeated {
        /// The option.
        option: String,
    },
    /// Occurs when the value has the wrong type or is out of range.
    #[error("option `{option}` must be {expected}, got `{got}`")]
    InvalidValue {
        /// The option.
        option: &'static str,
        /// What it takes (its [`OptionSpec::kind`]).
        expected: &'static str,
        /// The value given, as written.
        got: String,
    },
}

fn takes(reads: &[&str]) -> String {
    if reads.is_empty() {
        "takes no options".to_owned()
    } else {
        format!("takes {}", reads.join(", "))
    }
}

fn known_options() -> String {
    OPTIONS.iter().map(|o| o.name).collect::<Vec<_>>().join(", ")
}

/// Per-metric options, as a config or the command line gives them.
///
/// Each entry lists the options it reads in [`MetricEntry::options`](crate::MetricEntry);
/// the others are ignored. Set them by name with [`set`](Self::set) (checked against the
/// table of [`describe`](Self::describe)), or as fields.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricOptions {
    /// Evaluate at this threshold (`score > threshold`) instead of choosing the best
    /// threshold with the test labels; the metric is then not an oracle.
    pub threshold: Option<f64>,
    /// PA%K's `k` in percent (`pak_f1`; default 20).
    pub k: Option<f64>,
    /// VUS's largest buffer length (`vus_roc`, `vus_pr`; default 100).
    pub buffer: Option<usize>,
    /// `buffer = "period"`: VUS's buffer is the series' period. A metric sees no series, so
    /// the caller estimates it ([`estimate_period`](crate::estimate_period)) and sets
    /// [`buffer`](Self::buffer); VUS without it is an invalid-option error.
    pub period: bool,
    /// VUS over every distinct score (`thresholds = "all"`) instead of TSB-AD's 250.
    pub all_thresholds: bool,
    /// `range_f1`'s α, cardinality and bias.
    pub range: RangeParams,
    /// Exact definitions or TSB-AD's.
    pub compat: Compat,
}

/// One option of [`MetricOptions`]: how `oddity list` describes it and how
/// [`MetricOptions::set`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The config name (`"k"`).
    pub name: &'static str,
    /// What it takes, as error messages say it (`a percentage in [0, 100]`).
    pub kind: &'static str,
    /// The default, as written in a config.
    pub default: &'static str,
    /// One line saying what it does.
    pub doc: &'static str,
    /// Sets the option from a value; `false` when the value does not fit `kind`.
    apply: fn(&mut MetricOptions, &OptionValue) -> bool,
}

/// A number of `value` inside `range`.
fn number_in(value: &OptionValue, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    value.number().filter(|x| range.contains(x))
}

/// Every option, in `oddity list` order. The one source of the options' names, types,
/// defaults and parsing.
static OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "threshold",
        kind: "a number",
        default: "none",
        doc: "evaluate at `score > threshold` instead of the best threshold (then no oracle); \
              a run sets it from its threshold rules",
        apply: |o, v| {
            o.threshold = v.number().filter(|x| !x.is_nan());
            o.threshold.is_some()
        },
    },
    OptionSpec {
        name: "k",
        kind: "a percentage in [0, 100]",
        default: "20",
        doc: "PA%K: a segment counts as found when more than k % of it is predicted",
        apply: |o, v| {
            o.k = number_in(v, 0.0..=100.0);
            o.k.is_some()
        },
    },
    OptionSpec {
        name: "buffer",
        kind: "an integer in [0, 10000] or \"period\"",
        default: "100",
        doc: "VUS's largest buffer length (below the series' length); \"period\": the series' estimated period (TSB-AD)",
        apply: |o, v| match v {
            OptionValue::Text(s) if s == "period" => {
                (o.buffer, o.period) = (None, true);
                true
            }
            OptionValue::Integer(b) if (0..=MAX_VUS_BUFFER as i64).contains(b) => {
                (o.buffer, o.period) = (usize::try_from(*b).ok(), false);
                o.buffer.is_some()
            }
            _ => false,
        },
    },
    OptionSpec {
        name: "thresholds",
        kind: "\"all\" (every distinct score) or \"opt\" (TSB-AD's 250)",
        default: "opt",
        doc: "the thresholds VUS sweeps",
        apply: |o, v| match v.text() {
            Some("all") => {
                o.all_thresholds = true;
                true
            }
            Some("opt") => {
                o.all_thresholds = false;
                true
            }
            _ => false,
        },
    },
    OptionSpec {
        name: "alpha",
        kind: "a number in [0, 1]",
        default: "0",
        doc: "range F1: weight of finding a segment at all against covering it",
        apply: |o, v| match number_in(v, 0.0..=1.0) {
            Some(alpha) => {
                o.range.alpha = alpha;
                true
            }
            None => false,
        },
    },
    OptionSpec {
        name: "cardinality",
        kind: "\"one\" or \"reciprocal\"",
        default: "one",
        doc: "range F1: penalty for a segment split over several predictions",
        apply: |o, v| {
            let c = match v.text() {
                Some("one") => Cardinality::One,
                Some("reciprocal") => Cardinality::Reciprocal,
                _ => return false,
            };
            o.range.cardinality = c;
            true
        },
    },
    OptionSpec {
        name: "bias",
        kind: "\"flat\", \"front\", \"back\" or \"middle\"",
        default: "flat",
        doc: "range F1: which part of a segment counts most",
        apply: |o, v| {
            let b = match v.text() {
                Some("flat") => Bias::Flat,
                Some("front") => Bias::Front,
                Some("back") => Bias::Back,
                Some("middle") => Bias::Middle,
                _ => return false,
            };
            o.range.bias = b;
            true
        },
    },
    OptionSpec {
        name: "compat",
        kind: "\"exact\" or \"tsbad\"",
        default: "exact",
        doc: "\"tsbad\": TSB-AD's published numbers (its 100-threshold grid, epsilons, quirks)",
        apply: |o, v| match v.text().map(str::parse) {
            Some(Ok(c)) => {
                o.compat = c;
                true
            }
            _ => false,
        },
    },
];

fn spec(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name == name)
}

fn invalid_value(option: &str, value: &OptionValue) -> OptionError {
    let spec = spec(option).expect("a known option");
    OptionError::InvalidValue { option: spec.name, expected: spec.kind, got: value.to_string() }
}

impl MetricOptions {
    /// Sets the option `name` (a config name of [`describe`](Self::describe)) to `value`.
    ///
    /// # Errors
    ///
    /// [`OptionError::UnknownOption`] for a name no metric reads, and
    /// [`OptionError::InvalidValue`] (naming the option and what it takes) for a value of
    /// the wrong type or out of range; the options are then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::{Compat, MetricOptions, OptionValue};
    /// let mut options = MetricOptions::default();
    /// options.set("k", &OptionValue::Integer(50))?;
    /// options.set("compat", &"tsbad".into())?;
    /// assert_eq!((options.k, options.compat), (Some(50.0), Compat::Tsbad));
    /// let err = options.set("k", &OptionValue::Float(150.0)).unwrap_err();
    /// assert_eq!(err.to_string(), "option `k` must be a percentage in [0, 100], got `150`");
    /// assert_eq!(options.k, Some(50.0));
    /// Ok::<(), oddity_eval::OptionError>(())
    /// ```
    pub fn set(&mut self, name: &str, value: &OptionValue) -> Result<(), OptionError> {
        let spec = spec(name).ok_or_else(|| OptionError::UnknownOption { option: name.into() })?;
        let mut changed = *self;
        if (spec.apply)(&mut changed, value) {
            *self = changed;
            Ok(())
        } else {
            Err(invalid_value(spec.name, value))
        }
    }

    /// Every option a metric can take, with its type, default and one line: the table
    /// `oddity list` prints and [`set`](Self::set) parses with.
    ///
    /// # Example
    ///
    /// ```
    /// let k = oddity_eval::MetricOptions::describe().iter().find(|o| o.name == "k").unwrap();
    /// assert_eq!((k.kind, k.default), ("a percentage in [0, 100]", "20"));
    /// ```
    pub fn describe() -> &'static [OptionSpec] {
        OPTIONS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_parses_its_default() {
        for spec in OPTIONS.iter().filter(|s| s.default != "none") {
            let mut options = MetricOptions::default();
            let value = match spec.default.parse::<i64>() {
                Ok(i) => OptionValue::Integer(i),
                Err(_) => OptionValue::Text(spec.default.to_owned()),
            };
            options.set(spec.name, &value).unwrap();
            assert_eq!(options, MetricOptions::default().with_written_default(spec.name));
        }
    }

    impl MetricOptions {
        /// The defaults, with `buffer` and `k` written out (they are `None` unless set).
        fn with_written_default(mut self, name: &str) -> Self {
            match name {
                "buffer" => self.buffer = Some(DEFAULT_VUS_BUFFER),
                "k" => self.k = Some(20.0),
                _ => {}
            }
            self
        }
    }

    #[test]
    fn values_set_their_fields() {
        let mut o = MetricOptions::default();
        o.set("buffer", &"period".into()).unwrap();
        assert!(o.period && o.buffer.is_none());
        o.set("buffer", &OptionValue::Integer(7)).unwrap();
        assert!(!o.period && o.buffer == Some(7));
        o.set("thresholds", &"all".into()).unwrap();
        assert!(o.all_thresholds);
        o.set("alpha", &OptionValue::Integer(1)).unwrap();
        o.set("cardinality", &"reciprocal".into()).unwrap();
        o.set("bias", &"middle".into()).unwrap();
        let range =
            RangeParams { alpha: 1.0, cardinality: Cardinality::Reciprocal, bias: Bias::Middle };
        assert_eq!(o.range, range);
        o.set("threshold", &OptionValue::Float(0.5)).unwrap();
        assert_eq!(o.threshold, Some(0.5));
    }

    #[test]
    fn unknown_options_are_errors() {
        let got = MetricOptions::default().set("window", &OptionValue::Integer(3));
        assert_eq!(got, Err(OptionError::UnknownOption { option: "window".into() }));
        let message = got.unwrap_err().to_string();
        assert!(
            message.starts_with("unknown option `window` (known: threshold, k, buffer"),
            "{message}"
        );
    }

    #[test]
    fn bad_values_name_the_option_and_what_it_takes() {
        let cases: [(&str, OptionValue, &str); 12] = [
            ("k", OptionValue::Float(-1.0), "option `k` must be a percentage in [0, 100], got `-1`"),
            ("k", "ten".into(), "option `k` must be a percentage in [0, 100], got `ten`"),
            ("buffer", OptionValue::Integer(-1), "option `buffer` must be an integer in [0, 10000] or \"period\", got `-1`"),
            ("buffer", OptionValue::Integer(10_001), "option `buffer` must be an integer in [0, 10000] or \"period\", got `10001`"),
            ("buffer", OptionValue::Float(3.0), "option `buffer` must be an integer in [0, 10000] or \"period\", got `3`"),
            ("thresholds", "some".into(), "option `thresholds` must be \"all\" (every distinct score) or \"opt\" (TSB-AD's 250), got `some`"),
            ("alpha", OptionValue::Float(1.5), "option `alpha` must be a number in [0, 1], got `1.5`"),
            ("cardinality", OptionValue::Integer(1), "option `cardinality` must be \"one\" or \"reciprocal\", got `1`"),
            ("bias", "left".into(), "option `bias` must be \"flat\", \"front\", \"back\" or \"middle\", got `left`"),
            ("compat", OptionValue::Bool(true), "option `compat` must be \"exact\" or \"tsbad\", got `true`"),
            ("threshold", OptionValue::Float(f64::NAN), "option `threshold` must be a number, got `NaN`"),
            ("threshold", "high".into(), "option `threshold` must be a number, got `high`"),
        ];
        for (name, value, message) in cases {
            let mut options = MetricOptions::default();
            let err = options.set(name, &value).unwrap_err();
            assert!(matches!(err, OptionError::InvalidValue { option, .. } if option == name));
            assert_eq!(err.to_string(), message);
            assert_eq!(options, MetricOptions::default(), "{name}: unchanged");
        }
    }

    #[test]
    fn compat_round_trips() {
        for c in [Compat::Exact, Compat::Tsbad] {
            assert_eq!(c.to_string().parse::<Compat>(), Ok(c));
        }
        let err = "TSBAD".parse::<Compat>().unwrap_err();
        assert!(matches!(err, OptionError::InvalidValue { option: "compat", .. }), "{err:?}");
    }

    #[test]
    fn guessed_values() {
        assert_eq!(OptionValue::guess("-3"), OptionValue::Integer(-3));
        assert_eq!(OptionValue::guess("1e-3"), OptionValue::Float(1e-3));
        assert_eq!(OptionValue::guess("true"), OptionValue::Bool(true));
        assert_eq!(OptionValue::guess("tsbad"), OptionValue::Text("tsbad".into()));
        assert_eq!(OptionValue::Float(0.25).to_string(), "0.25");
    }
}
