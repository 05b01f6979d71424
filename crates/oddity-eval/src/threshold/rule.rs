//! A threshold rule as a config names it: one of the fitted [`ThresholdMethod`]s, or streaming
//! SPOT, which moves its threshold along the test scores.

use std::str::FromStr;

use super::{check_k, invalid, spot, ThresholdError, ThresholdMethod};

/// Default initial quantile level of `pot` and `spot`.
pub const DEFAULT_LEVEL: f64 = 0.98;

/// A parameter of a threshold method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleParam {
    /// Its name (`"q"`).
    pub name: &'static str,
    /// Its default; `None` when it must be given.
    pub default: Option<f64>,
    /// One line saying what it is.
    pub doc: &'static str,
}

/// A threshold method as configs and the command line name it, with its parameters in the
/// order of the `METHOD[:VALUE…]` form.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// The method's name (`"pot"`).
    pub name: &'static str,
    /// One line saying how it chooses the threshold.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [RuleParam],
    /// The rule from the parameters' values, in the order of `params`.
    build: fn(&[f64]) -> Result<ThresholdRule, ThresholdError>,
}

const Q: RuleParam = RuleParam {
    name: "q",
    default: None,
    doc: "risk: the probability of a normal score above the threshold (e.g. 1e-3)",
};
const LEVEL: RuleParam = RuleParam {
    name: "level",
    default: Some(DEFAULT_LEVEL),
    doc: "the initial quantile whose excesses the tail is fitted to",
};

/// Every threshold method, in `oddity list` order.
static RULES: &[RuleSpec] = &[
    RuleSpec {
        name: "contamination",
        summary: "the 1 − rate quantile of the training scores",
        params: &[RuleParam {
            name: "rate",
            default: None,
            doc: "expected anomaly rate in (0, 1)",
        }],
        build: |v| {
            open_unit("rate", v[0])?;
            Ok(ThresholdRule::Fitted(ThresholdMethod::Contamination { rate: v[0] }))
        },
    },
    RuleSpec {
        name: "fixed",
        summary: "a given threshold",
        params: &[RuleParam { name: "value", default: None, doc: "the threshold" }],
        build: |v| {
            if v[0].is_nan() {
                return Err(invalid("value", "is NaN".to_owned()));
            }
            Ok(ThresholdRule::Fitted(ThresholdMethod::Fixed { value: v[0] }))
        },
    },
    RuleSpec {
        name: "sigma",
        summary: "mean + k · standard deviation of the training scores",
        params: &[RuleParam { name: "k", default: None, doc: "standard deviations (>= 0)" }],
        build: |v| {
            check_k(v[0])?;
            Ok(ThresholdRule::Fitted(ThresholdMethod::Sigma { k: v[0] }))
        },
    },
    RuleSpec {
        name: "mad",
        summary: "median + k · 1.4826 · median absolute deviation of the training scores",
        params: &[RuleParam { name: "k", default: None, doc: "scaled MADs (>= 0)" }],
        build: |v| {
            check_k(v[0])?;
            Ok(ThresholdRule::Fitted(ThresholdMethod::Mad { k: v[0] }))
        },
    },
    RuleSpec {
        name: "top_k",
        summary: "the (k + 1)-th largest training score: at most k training scores exceed it",
        params: &[RuleParam { name: "k", default: None, doc: "a whole number >= 0" }],
        build: |v| {
            let k = v[0];
            if !(k >= 0.0 && k.fract() == 0.0 && k < 1e15) {
                return Err(invalid("k", format!("{k} is not a whole number >= 0")));
            }
            Ok(ThresholdRule::Fitted(ThresholdMethod::TopK { k: k as usize }))
        },
    },
    RuleSpec {
        name: "pot",
        summary: "peaks over threshold: a generalized Pareto tail fitted to the training scores",
        params: &[Q, LEVEL],
        build: |v| {
            open_unit("q", v[0])?;
            open_unit("level", v[1])?;
            Ok(ThresholdRule::Fitted(ThresholdMethod::Pot { q: v[0], level: v[1] }))
        },
    },
    RuleSpec {
        name: "spot",
        summary: "streaming POT: calibrated on the training scores, updated along the test scores",
        params: &[Q, LEVEL],
        build: |v| {
            open_unit("q", v[0])?;
            open_unit("level", v[1])?;
            Ok(ThresholdRule::Spot { q: v[0], level: v[1] })
        },
    },
];

/// Refuses a `value` of parameter `name` outside the open interval (0, 1) (NaN included).
fn open_unit(name: &'static str, value: f64) -> Result<(), ThresholdError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(invalid(name, format!("{value} is not in (0, 1)")))
    }
}

/// The method `method` of the table.
fn rule_spec(method: &str) -> Result<&'static RuleSpec, ThresholdError> {
    RULES
        .iter()
        .find(|r| r.name == method)
        .ok_or_else(|| ThresholdError::UnknownMethod { method: method.to_owned() })
}

/// The known methods, comma-separated, for messages.
pub(crate) fn known_methods() -> String {
    RULES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
}

/// The parameters `method` takes, comma-separated, for messages.
pub(crate) fn known_params(method: &str) -> String {
    let params = rule_spec(method).map(|r| r.params).unwrap_or_default();
    params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// How predictions are made from a detector's training and test scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdRule {
    /// One threshold fitted on the training scores; a test score above it is an alarm.
    Fitted(ThresholdMethod),
    /// SPOT (Siffer et al., KDD 2017): calibrated like POT on the training scores, then
    /// updated along the test scores on every non-alarm ([`spot`]).
    Spot {
        /// Risk level: the probability of a normal score above the threshold.
        q: f64,
        /// Initial quantile level.
        level: f64,
    },
}

/// What a rule predicted.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The threshold (for SPOT: the one in force after the last test score).
    pub threshold: f64,
    /// One alarm flag per test score.
    pub alarms: Vec<bool>,
}

impl ThresholdRule {
    /// The rule named `method` with numeric parameters `params` (name, value), checked
    /// against [`describe`](Self::describe): `contamination` (`rate`), `fixed` (`value`),
    /// `sigma` (`k`), `mad` (`k`), `top_k` (`k`, an integer), `pot` and `spot` (`q`, optional
    /// `level`, default 0.98).
    ///
    /// # Errors
    ///
    /// [`ThresholdError::UnknownMethod`], [`ThresholdError::UnknownParameter`],
    /// [`ThresholdError::MissingParameter`], and [`ThresholdError::InvalidParameter`] for a
    /// value the method cannot take: a `rate`, `q` or `level` outside (0, 1), a negative or
    /// non-finite `k`, a fractional `top_k`, a NaN `value` (NaN is out of every range).
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::threshold::{ThresholdMethod, ThresholdRule};
    /// let rule = ThresholdRule::from_params("sigma", &[("k", 3.0)])?;
    /// assert_eq!(rule, ThresholdRule::Fitted(ThresholdMethod::Sigma { k: 3.0 }));
    /// assert_eq!(rule.label(), "sigma(k=3)");
    /// assert!(ThresholdRule::from_params("sigma", &[]).is_err());
    /// Ok::<(), oddity_eval::threshold::ThresholdError>(())
    /// ```
    pub fn from_params(method: &str, params: &[(&str, f64)]) -> Result<Self, ThresholdError> {
        let spec = rule_spec(method)?;
        if let Some((name, _)) =
            params.iter().find(|(n, _)| spec.params.iter().all(|p| p.name != *n))
        {
            let parameter = (*name).to_owned();
            return Err(ThresholdError::UnknownParameter { method: spec.name, parameter });
        }
        let values = spec
            .params
            .iter()
            .map(|p| {
                let given = params.iter().find(|(n, _)| *n == p.name).map(|(_, v)| *v);
                given.or(p.default).ok_or(ThresholdError::MissingParameter {
                    method: spec.name,
                    parameter: p.name,
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        (spec.build)(&values)
    }

    /// Every threshold method with its parameters: the one table that
    /// [`from_params`](Self::from_params) and the `METHOD[:VALUE…]` form
    /// ([`FromStr`](std::str::FromStr)) check against and that `oddity list` prints.
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::threshold::ThresholdRule;
    /// let pot = ThresholdRule::describe().iter().find(|m| m.name == "pot").unwrap();
    /// let params: Vec<_> = pot.params.iter().map(|p| (p.name, p.default)).collect();
    /// assert_eq!(params, [("q", None), ("level", Some(0.98))]);
    /// ```
    pub fn describe() -> &'static [RuleSpec] {
        RULES
    }

    /// A short, stable name with the parameters, e.g. `pot(q=0.001,level=0.98)`.
    pub fn label(&self) -> String {
        match *self {
            Self::Fitted(ThresholdMethod::Contamination { rate }) => {
                format!("contamination(rate={rate})")
            }
            Self::Fitted(ThresholdMethod::Fixed { value }) => format!("fixed(value={value})"),
            Self::Fitted(ThresholdMethod::Sigma { k }) => format!("sigma(k={k})"),
            Self::Fitted(ThresholdMethod::Mad { k }) => format!("mad(k={k})"),
            Self::Fitted(ThresholdMethod::TopK { k }) => format!("top_k(k={k})"),
            Self::Fitted(ThresholdMethod::Pot { q, level }) => format!("pot(q={q},level={level})"),
            Self::Spot { q, level } => format!("spot(q={q},level={level})"),
        }
    }

    /// Fits the rule on `train` scores and predicts on `test` scores (`score > threshold`).
    ///
    /// # Errors
    ///
    /// As [`ThresholdMethod::fit`] and [`spot`].
    pub fn apply(&self, train: &[f64], test: &[f64]) -> Result<Applied, ThresholdError> {
        match *self {
            Self::Fitted(method) => {
                let threshold = method.fit(train)?;
                if let Some(index) = test.iter().position(|s| !s.is_finite()) {
                    return Err(ThresholdError::NonFinite { index });
                }
                Ok(Applied { threshold, alarms: test.iter().map(|&s| s > threshold).collect() })
            }
            Self::Spot { q, level } => {
                let s = spot(train, test, q, level)?;
                let threshold = s.thresholds.last().copied().unwrap_or(f64::NAN);
                Ok(Applied { threshold, alarms: s.alarms })
            }
        }
    }
}

/// The command-line form `METHOD[:VALUE[:VALUE]]`: the values are the method's parameters
/// in the order of [`ThresholdRule::describe`] (`contamination:RATE`, `fixed:VALUE`,
/// `sigma:K`, `mad:K`, `top_k:K`, `pot:Q[:LEVEL]`, `spot:Q[:LEVEL]`).
///
/// # Example
///
/// ```
/// use oddity_eval::threshold::ThresholdRule;
/// let rule: ThresholdRule = "pot:1e-3".parse()?;
/// assert_eq!(rule.label(), "pot(q=0.001,level=0.98)");
/// let err = "pot:1e-3:0.9:7".parse::<ThresholdRule>().unwrap_err();
/// assert_eq!(err.to_string(), "`pot` takes at most 2 value(s)");
/// Ok::<(), oddity_eval::threshold::ThresholdError>(())
/// ```
impl FromStr for ThresholdRule {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, ThresholdError> {
        let mut parts = s.split(':');
        let spec = rule_spec(parts.next().unwrap_or_default())?;
        let values: Vec<f64> = parts
            .map(|v| v.parse().map_err(|_| ThresholdError::NotANumber { text: v.to_owned() }))
            .collect::<Result<_, _>>()?;
        if values.len() > spec.params.len() {
            return Err(ThresholdError::TooManyValues {
                method: spec.name,
                max: spec.params.len(),
            });
        }
        let params: Vec<(&str, f64)> = spec.params.iter().map(|p| p.name).zip(values).collect();
        Self::from_params(spec.name, &params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_parses_and_labels() {
        type Case<'a> = (&'a str, &'a [(&'a str, f64)], &'a str);
        let cases: [Case; 7] = [
            ("contamination", &[("rate", 0.05)], "contamination(rate=0.05)"),
            ("fixed", &[("value", 1.5)], "fixed(value=1.5)"),
            ("sigma", &[("k", 3.0)], "sigma(k=3)"),
            ("mad", &[("k", 2.5)], "mad(k=2.5)"),
            ("top_k", &[("k", 4.0)], "top_k(k=4)"),
            ("pot", &[("q", 1e-3)], "pot(q=0.001,level=0.98)"),
            ("spot", &[("q", 1e-3), ("level", 0.95)], "spot(q=0.001,level=0.95)"),
        ];
        for (method, params, label) in cases {
            assert_eq!(ThresholdRule::from_params(method, params).unwrap().label(), label);
        }
    }

    #[test]
    fn out_of_range_rule_values_are_refused_when_the_rule_is_built() {
        type Case<'a> = (&'a str, &'a [(&'a str, f64)], &'a str);
        let cases: [Case; 10] = [
            ("contamination", &[("rate", 2.0)], "rate"),
            ("contamination", &[("rate", 0.0)], "rate"),
            ("contamination", &[("rate", f64::NAN)], "rate"),
            ("pot", &[("q", 0.0)], "q"),
            ("pot", &[("q", 1e-3), ("level", 1.0)], "level"),
            ("spot", &[("q", f64::NAN)], "q"),
            ("sigma", &[("k", -1.0)], "k"),
            ("mad", &[("k", f64::INFINITY)], "k"),
            ("fixed", &[("value", f64::NAN)], "value"),
            ("top_k", &[("k", -2.0)], "k"),
        ];
        for (method, params, key) in cases {
            let err = ThresholdRule::from_params(method, params).unwrap_err();
            assert!(
                matches!(err, ThresholdError::InvalidParameter { name, .. } if name == key),
                "{method} {params:?}: {err:?}"
            );
        }
    }

    #[test]
    fn bad_rules_are_errors() {
        let err = ThresholdRule::from_params("quantile", &[]).unwrap_err();
        assert_eq!(err, ThresholdError::UnknownMethod { method: "quantile".into() });
        assert_eq!(
            err.to_string(),
            "unknown threshold method `quantile` (known: contamination, fixed, sigma, mad, top_k, pot, spot)"
        );
        let err = ThresholdRule::from_params("pot", &[("q", 0.1), ("rate", 0.1)]).unwrap_err();
        let parameter = "rate".to_owned();
        assert_eq!(err, ThresholdError::UnknownParameter { method: "pot", parameter });
        assert_eq!(err.to_string(), "unknown parameter `rate`: `pot` takes q, level");
        let err = ThresholdRule::from_params("top_k", &[("k", 1.5)]).unwrap_err();
        assert!(matches!(err, ThresholdError::InvalidParameter { name: "k", .. }), "{err:?}");
        let err = ThresholdRule::from_params("fixed", &[]).unwrap_err();
        assert_eq!(err, ThresholdError::MissingParameter { method: "fixed", parameter: "value" });
        assert_eq!(err.to_string(), "`fixed` needs `value`");
    }

    #[test]
    fn the_short_form_reads_the_table_in_order() {
        for (text, label) in [
            ("contamination:0.05", "contamination(rate=0.05)"),
            ("top_k:4", "top_k(k=4)"),
            ("spot:0.001:0.95", "spot(q=0.001,level=0.95)"),
        ] {
            assert_eq!(text.parse::<ThresholdRule>().unwrap().label(), label);
        }
        let err = "magic:1".parse::<ThresholdRule>().unwrap_err();
        assert_eq!(err, ThresholdError::UnknownMethod { method: "magic".into() });
        let err = "sigma:three".parse::<ThresholdRule>().unwrap_err();
        assert_eq!(err, ThresholdError::NotANumber { text: "three".into() });
        assert_eq!(err.to_string(), "`three` is not a number");
        let err = "sigma:1:2".parse::<ThresholdRule>().unwrap_err();
        assert_eq!(err, ThresholdError::TooManyValues { method: "sigma", max: 1 });
        let err = "spot".parse::<ThresholdRule>().unwrap_err();
        assert_eq!(err.to_string(), "`spot` needs `q`");
    }

    #[test]
    fn every_rule_of_the_table_builds_and_labels_itself_with_its_name() {
        for spec in ThresholdRule::describe() {
            let params: Vec<(&str, f64)> = spec.params.iter().map(|p| (p.name, 0.5)).collect();
            let params = if spec.name == "top_k" { vec![("k", 1.0)] } else { params };
            let rule = ThresholdRule::from_params(spec.name, &params).unwrap();
            assert!(rule.label().starts_with(&format!("{}(", spec.name)), "{}", rule.label());
        }
    }

    #[test]
    fn fitted_rules_predict_above_the_threshold() {
        let rule = ThresholdRule::from_params("top_k", &[("k", 1.0)]).unwrap();
        let got = rule.apply(&[1.0, 2.0, 3.0, 4.0], &[3.5, 2.0, 5.0]).unwrap();
        assert_eq!(got, Applied { threshold: 3.0, alarms: vec![true, false, true] });
        assert!(rule.apply(&[1.0, 2.0, 3.0], &[f64::NAN]).is_err());
    }

    #[test]
    fn spot_matches_the_streaming_function() {
        let train: Vec<f64> = (1..=2000).map(|i| -(1.0 - i as f64 / 2001.0).ln()).collect();
        let test = [0.5, 9.0, 1.0, 12.0];
        let rule = ThresholdRule::Spot { q: 1e-3, level: 0.98 };
        let got = rule.apply(&train, &test).unwrap();
        let want = spot(&train, &test, 1e-3, 0.98).unwrap();
        assert_eq!(got.alarms, want.alarms);
        assert_eq!(got.threshold, *want.thresholds.last().unwrap());
    }
}
