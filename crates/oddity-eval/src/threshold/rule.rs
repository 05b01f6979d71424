//! A threshold rule as a config names it: one of the fitted [`ThresholdMethod`]s, or streaming
//! SPOT, which moves its threshold along the test scores.

use super::{invalid, spot, ThresholdError, ThresholdMethod};

/// Default initial quantile level of `pot` and `spot`.
pub const DEFAULT_LEVEL: f64 = 0.98;

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
    /// The rule named `method` with numeric parameters `params` (name, value):
    /// `contamination` (`rate`), `fixed` (`value`), `sigma` (`k`), `mad` (`k`), `top_k`
    /// (`k`, an integer), `pot` and `spot` (`q`, optional `level`, default 0.98).
    ///
    /// # Errors
    ///
    /// [`ThresholdError::InvalidParameter`] for an unknown method, a missing, unknown or
    /// out-of-range parameter.
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
        let allowed: &[&str] = match method {
            "contamination" => &["rate"],
            "fixed" => &["value"],
            "sigma" | "mad" | "top_k" => &["k"],
            "pot" | "spot" => &["q", "level"],
            other => {
                return Err(invalid(
                    "method",
                    format!(
                        "unknown threshold method `{other}` (known: contamination, fixed, sigma, mad, top_k, pot, spot)"
                    ),
                ))
            }
        };
        if let Some((name, _)) = params.iter().find(|(n, _)| !allowed.contains(n)) {
            let reason = format!("`{method}` takes {}", allowed.join(", "));
            return Err(ThresholdError::InvalidParameter {
                name: "parameter",
                reason: format!("unknown parameter `{name}`: {reason}"),
            });
        }
        let get = |name: &'static str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let need = |name: &'static str| {
            get(name).ok_or_else(|| invalid(name, format!("`{method}` needs `{name}`")))
        };
        Ok(match method {
            "contamination" => Self::Fitted(ThresholdMethod::Contamination { rate: need("rate")? }),
            "fixed" => Self::Fitted(ThresholdMethod::Fixed { value: need("value")? }),
            "sigma" => Self::Fitted(ThresholdMethod::Sigma { k: need("k")? }),
            "mad" => Self::Fitted(ThresholdMethod::Mad { k: need("k")? }),
            "top_k" => {
                let k = need("k")?;
                if !(k >= 0.0 && k.fract() == 0.0 && k < 1e15) {
                    return Err(invalid("k", format!("{k} is not a whole number >= 0")));
                }
                Self::Fitted(ThresholdMethod::TopK { k: k as usize })
            }
            "pot" => Self::Fitted(ThresholdMethod::Pot {
                q: need("q")?,
                level: get("level").unwrap_or(DEFAULT_LEVEL),
            }),
            _ => Self::Spot { q: need("q")?, level: get("level").unwrap_or(DEFAULT_LEVEL) },
        })
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
    fn bad_rules_are_errors() {
        assert!(ThresholdRule::from_params("quantile", &[]).is_err());
        assert!(ThresholdRule::from_params("pot", &[("q", 0.1), ("rate", 0.1)]).is_err());
        assert!(ThresholdRule::from_params("top_k", &[("k", 1.5)]).is_err());
        assert!(ThresholdRule::from_params("fixed", &[]).is_err());
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
