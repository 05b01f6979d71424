//! Thresholds fitted on the training scores only (never on test labels): contamination,
//! fixed, sigma, MAD, top-k, POT and streaming SPOT (Siffer et al., KDD 2017).
//!
//! A fitted threshold `t` predicts `score > t`.

mod pot;
mod rule;

pub use pot::{fit_gpd, pot, spot, Gpd, PotFit, Spot};
pub use rule::{Applied, RuleParam, RuleSpec, ThresholdRule, DEFAULT_LEVEL};

/// Why a threshold could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ThresholdError {
    /// Occurs when there are no training scores.
    #[error("no training scores to fit a threshold on")]
    Empty,
    /// Occurs when a training score is NaN or infinite.
    #[error("training score at index {index} is not finite")]
    NonFinite {
        /// The index of the first non-finite score.
        index: usize,
    },
    /// Occurs when a parameter is out of range (a rate outside (0, 1), a negative k).
    #[error("invalid threshold parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Occurs when a rule names no known threshold method.
    #[error("unknown threshold method `{method}` (known: {})", rule::known_methods())]
    UnknownMethod {
        /// The name given.
        method: String,
    },
    /// Occurs when a rule gives a parameter its method does not take.
    #[error("unknown parameter `{parameter}`: `{method}` takes {}", rule::known_params(method))]
    UnknownParameter {
        /// The method.
        method: &'static str,
        /// The parameter given.
        parameter: String,
    },
    /// Occurs when a rule lacks a parameter that has no default.
    #[error("`{method}` needs `{parameter}`")]
    MissingParameter {
        /// The method.
        method: &'static str,
        /// The missing parameter.
        parameter: &'static str,
    },
    /// Occurs when a value of the `METHOD:VALUE` form is not a number.
    #[error("`{text}` is not a number")]
    NotANumber {
        /// The text given.
        text: String,
    },
    /// Occurs when the `METHOD:VALUE` form gives more values than the method has parameters.
    #[error("`{method}` takes at most {max} value(s)")]
    TooManyValues {
        /// The method.
        method: &'static str,
        /// Its number of parameters.
        max: usize,
    },
    /// Occurs when the generalized Pareto distribution cannot be fitted to the excesses
    /// (too few excesses, all equal, or no admissible estimate).
    #[error("gpd fit failed: {reason}")]
    GpdFit {
        /// Why the fit failed.
        reason: String,
    },
}

/// How to choose a threshold from the training scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdMethod {
    /// The `1 − rate` quantile of the training scores (linear interpolation, as
    /// `numpy.quantile`): about `rate` of normal data is flagged.
    Contamination {
        /// Expected anomaly rate in (0, 1).
        rate: f64,
    },
    /// A given value.
    Fixed {
        /// The threshold.
        value: f64,
    },
    /// `mean + k · std` (population standard deviation).
    Sigma {
        /// The number of standard deviations (≥ 0).
        k: f64,
    },
    /// `median + k · 1.4826 · MAD` (MAD = median absolute deviation, 1.4826 makes it a
    /// consistent estimate of the standard deviation for normal data).
    Mad {
        /// The number of scaled MADs (≥ 0).
        k: f64,
    },
    /// The `(k + 1)`-th largest training score, so that at most `k` training scores exceed it.
    TopK {
        /// How many training scores may exceed the threshold (less than their number).
        k: usize,
    },
    /// Peaks over threshold (Siffer et al., "Anomaly Detection in Streams with Extreme Value
    /// Theory", KDD 2017): the `level` quantile `t` of the training scores, a generalized
    /// Pareto distribution fitted to the excesses over `t` ([`fit_gpd`]), and the score
    /// exceeded with probability `q`.
    Pot {
        /// Risk: the probability of a normal score above the threshold (e.g. 1e-4).
        q: f64,
        /// The initial quantile level (e.g. 0.98).
        level: f64,
    },
}

impl ThresholdMethod {
    /// The threshold fitted on `train`.
    ///
    /// # Errors
    ///
    /// [`ThresholdError::Empty`], [`ThresholdError::NonFinite`] and
    /// [`ThresholdError::InvalidParameter`] for bad input; [`ThresholdError::GpdFit`] when POT
    /// cannot fit its tail.
    ///
    /// # Example
    ///
    /// ```
    /// use oddity_eval::threshold::ThresholdMethod;
    /// let train = [1.0, 2.0, 3.0, 4.0, 5.0];
    /// assert_eq!(ThresholdMethod::Contamination { rate: 0.25 }.fit(&train)?, 4.0);
    /// assert_eq!(ThresholdMethod::TopK { k: 1 }.fit(&train)?, 4.0);
    /// assert_eq!(ThresholdMethod::Mad { k: 0.0 }.fit(&train)?, 3.0);
    /// Ok::<(), oddity_eval::threshold::ThresholdError>(())
    /// ```
    pub fn fit(&self, train: &[f64]) -> Result<f64, ThresholdError> {
        check_scores(train)?;
        match *self {
            Self::Contamination { rate } => {
                if !(rate > 0.0 && rate < 1.0) {
                    return Err(invalid("rate", format!("{rate} is not in (0, 1)")));
                }
                Ok(quantile(&sorted(train), 1.0 - rate))
            }
            Self::Fixed { value } => {
                if value.is_nan() {
                    return Err(invalid("value", "is NaN".to_owned()));
                }
                Ok(value)
            }
            Self::Sigma { k } => {
                check_k(k)?;
                let n = train.len() as f64;
                let mean = train.iter().sum::<f64>() / n;
                let var = train.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                Ok(mean + k * var.sqrt())
            }
            Self::Mad { k } => {
                check_k(k)?;
                let sorted = sorted(train);
                let median = quantile(&sorted, 0.5);
                let deviations: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
                let mad = quantile(&self::sorted(&deviations), 0.5);
                Ok(median + k * 1.4826 * mad)
            }
            Self::TopK { k } => {
                if k >= train.len() {
                    let reason =
                        format!("{k} is not less than the {} training scores", train.len());
                    return Err(invalid("k", reason));
                }
                let sorted = sorted(train);
                Ok(sorted[sorted.len() - 1 - k])
            }
            Self::Pot { q, level } => Ok(pot(train, q, level)?.threshold),
        }
    }
}

pub(crate) fn invalid(name: &'static str, reason: String) -> ThresholdError {
    ThresholdError::InvalidParameter { name, reason }
}

fn check_k(k: f64) -> Result<(), ThresholdError> {
    if k >= 0.0 && k.is_finite() {
        Ok(())
    } else {
        Err(invalid("k", format!("{k} is not a finite number >= 0")))
    }
}

pub(crate) fn check_scores(scores: &[f64]) -> Result<(), ThresholdError> {
    if scores.is_empty() {
        return Err(ThresholdError::Empty);
    }
    match scores.iter().position(|s| !s.is_finite()) {
        Some(index) => Err(ThresholdError::NonFinite { index }),
        None => Ok(()),
    }
}

pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// `numpy.quantile(values, p)` with linear interpolation, on sorted values.
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_numpy_linear() {
        // numpy.quantile(case01 scores, 0.9) = 0.79 (reference README).
        let scores = [0.1, 0.3, 0.2, 0.9, 0.4, 0.35, 0.05, 0.6, 0.7, 0.15, 0.8, 0.25];
        let t = ThresholdMethod::Contamination { rate: 0.1 }.fit(&scores).unwrap();
        assert!((t - 0.79).abs() < 1e-15, "{t}");
    }

    #[test]
    fn sigma_is_mean_plus_k_std() {
        let t = ThresholdMethod::Sigma { k: 2.0 }.fit(&[1.0, 3.0]).unwrap();
        assert_eq!(t, 4.0);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let train = [1.0, 2.0];
        for method in [
            ThresholdMethod::Contamination { rate: 0.0 },
            ThresholdMethod::Contamination { rate: f64::NAN },
            ThresholdMethod::Sigma { k: -1.0 },
            ThresholdMethod::Mad { k: f64::INFINITY },
            ThresholdMethod::TopK { k: 2 },
            ThresholdMethod::Fixed { value: f64::NAN },
        ] {
            let got = method.fit(&train);
            assert!(matches!(got, Err(ThresholdError::InvalidParameter { .. })), "{got:?}");
        }
        assert_eq!(ThresholdMethod::Fixed { value: 1.0 }.fit(&[]), Err(ThresholdError::Empty));
        let got = ThresholdMethod::Fixed { value: 1.0 }.fit(&[0.0, f64::NAN]);
        assert_eq!(got, Err(ThresholdError::NonFinite { index: 1 }));
    }
}
