//! The robust z-score detector.

use ndarray::Array1;
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::center_scale::{guard_scale, CenterScale};

/// The factor that makes the MAD a consistent estimator of the standard deviation under
/// normality.
pub const MAD_CONSISTENCY: f64 = 1.4826;

/// Parameters of the robust z-score detector ([`RobustZScoreValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustZScoreParams(RobustZScoreValidParams);

impl Default for RobustZScoreParams {
    fn default() -> Self {
        Self(RobustZScoreValidParams { c: MAD_CONSISTENCY })
    }
}

impl RobustZScoreParams {
    /// The factor applied to the MAD (> 0, finite).
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }
}

/// A rejected [`RobustZScoreParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RobustZScoreParamsError {
    /// Occurs when `c` is not a positive finite number (NaN included).
    #[error("parameter `c`: must be a positive number, got {0}")]
    C(f64),
}

impl ParamsError for RobustZScoreParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::C(_) => "c",
        }
    }
}

impl DetectorParams for RobustZScoreParams {
    const NAME: &'static str = "robust_zscore";
    const SUMMARY: &'static str =
        "max over features of |x - median| / (1.4826 * MAD) (train statistics, MAD 0 -> 1)";
    type Valid = RobustZScoreValidParams;
    type Fitted = FittedRobustZScore;
    type Error = RobustZScoreParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::float(
            "c",
            self.0.c,
            "factor applied to the MAD (1.4826: consistent with the std under normality)",
        )]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().c(p.float("c")?))
    }

    fn check(self) -> Result<RobustZScoreValidParams, RobustZScoreParamsError> {
        let c = self.0.c;
        if !(c > 0.0 && c.is_finite()) {
            return Err(RobustZScoreParamsError::C(c));
        }
        Ok(self.0)
    }
}

/// Robust z-score: `max_j |x_j − median_j| / (c · MAD_j)` with the training median
/// (`numpy.median`: mean of the two middle values for an even count), the raw median
/// absolute deviation and `c` = 1.4826 by default; a zero MAD counts as 1, so its
/// denominator is `c`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RobustZScoreValidParams {
    c: f64,
}

impl RobustZScoreValidParams {
    /// The factor applied to the MAD.
    pub fn c(&self) -> f64 {
        self.c
    }
}

impl Detector for RobustZScoreValidParams {
    fn name(&self) -> &str {
        RobustZScoreParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        let fitted = CenterScale::fit_columns(train, |col| {
            let med = stats::median(col.iter().copied());
            let mad = stats::median(col.iter().map(|&x| (x - med).abs()));
            (med, self.c * guard_scale(mad, 1.0))
        })?;
        Ok(Box::new(FittedRobustZScore(fitted)))
    }
}

/// A fitted robust z-score detector: the training median and scaled MAD of each feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedRobustZScore(CenterScale);

impl FittedRobustZScore {
    /// The training median of each feature.
    pub fn median(&self) -> &[f64] {
        &self.0.center
    }

    /// `c` times the training MAD of each feature (a zero MAD counts as 1).
    pub fn scale(&self) -> &[f64] {
        &self.0.scale
    }
}

crate::saved!(FittedRobustZScore, "robust_zscore");

impl FittedDetector for FittedRobustZScore {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.0.score(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn oracle_hand_computed() {
        // Median 2.5; deviations 1.5, 0.5, 0.5, 97.5 → MAD = 1.0.
        let train = Dataset::from_features("t", array![[1.0], [2.0], [3.0], [100.0]]);
        let f = RobustZScoreParams::default()
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.5], [5.5]])).unwrap();
        assert_eq!(s.to_vec(), vec![0.0, 3.0 / 1.4826]);
    }

    #[test]
    fn factor_must_be_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = RobustZScoreParams::default().c(bad).check().unwrap_err();
            assert!(matches!(err, RobustZScoreParamsError::C(_)), "{err}");
            assert_eq!(err.param(), "c");
        }
        assert_eq!(RobustZScoreParams::default().c(1.0).check().unwrap().c(), 1.0);
    }

    #[test]
    fn zero_mad_uses_the_consistency_factor_alone() {
        let train = Dataset::from_features("t", array![[1.0], [1.0], [1.0], [9.0]]);
        let f = RobustZScoreParams::default()
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0]])).unwrap();
        assert_eq!(s[0], 1.0 / 1.4826);
    }
}
