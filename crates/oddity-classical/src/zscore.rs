//! The z-score detector.

use ndarray::Array1;
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::center_scale::{guard_scale, CenterScale};

/// Parameters of the z-score detector ([`ZScoreValidParams`] once checked).
///
/// ```
/// use oddity_classical::ZScoreParams;
/// use oddity_core::DetectorParams;
///
/// let checked = ZScoreParams::default().ddof(1).check()?;
/// assert_eq!(checked.ddof(), 1);
/// assert!(ZScoreParams::default().ddof(2).check().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZScoreParams(ZScoreValidParams);

impl Default for ZScoreParams {
    fn default() -> Self {
        Self(ZScoreValidParams { ddof: 0 })
    }
}

impl ZScoreParams {
    /// Delta degrees of freedom of the standard deviation: 0 (population) or 1 (sample).
    pub fn ddof(mut self, ddof: usize) -> Self {
        self.0.ddof = ddof;
        self
    }
}

/// A rejected [`ZScoreParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZScoreParamsError {
    /// Occurs when `ddof` is neither 0 nor 1.
    #[error("parameter `ddof`: must be 0 or 1, got {0}")]
    Ddof(usize),
}

impl ParamsError for ZScoreParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Ddof(_) => "ddof",
        }
    }
}

impl DetectorParams for ZScoreParams {
    const NAME: &'static str = "zscore";
    const SUMMARY: &'static str =
        "max over features of |x - mean| / std (train statistics, ddof 0, std 0 -> 1)";
    type Valid = ZScoreValidParams;
    type Fitted = FittedZScore;
    type Error = ZScoreParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::count(
            "ddof",
            self.0.ddof,
            "delta degrees of freedom of the std: 0 (population) or 1 (sample)",
        )]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().ddof(p.usize("ddof")?))
    }

    fn check(self) -> Result<ZScoreValidParams, ZScoreParamsError> {
        match self.0.ddof {
            0 | 1 => Ok(self.0),
            ddof => Err(ZScoreParamsError::Ddof(ddof)),
        }
    }
}

/// z-score: `max_j |x_j − mean_j| / std_j` with the training mean and standard deviation
/// of each feature (population, `ddof = 0`, by default); a zero std counts as 1.
///
/// Statistics are computed as numpy does (sequential sums, two-pass variance), so scores
/// equal the reference's `zscore` column to rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZScoreValidParams {
    ddof: usize,
}

impl ZScoreValidParams {
    /// Delta degrees of freedom of the standard deviation: 0 or 1.
    pub fn ddof(&self) -> usize {
        self.ddof
    }
}

impl Detector for ZScoreValidParams {
    fn name(&self) -> &str {
        ZScoreParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        if (1..=self.ddof).contains(&train.n_rows()) {
            return Err(Error::Fit(format!(
                "ddof {} needs more than {} training rows",
                self.ddof, self.ddof
            )));
        }
        let fitted = CenterScale::fit_columns(train, |col| {
            let m = stats::mean(col);
            (m, guard_scale(stats::std(col, m, self.ddof), 1.0))
        })?;
        Ok(Box::new(FittedZScore(fitted)))
    }
}

/// A fitted z-score detector: the training mean and standard deviation of each feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedZScore(CenterScale);

impl FittedZScore {
    /// The training mean of each feature.
    pub fn mean(&self) -> &[f64] {
        &self.0.center
    }

    /// The training standard deviation of each feature (0 replaced by 1).
    pub fn std(&self) -> &[f64] {
        &self.0.scale
    }
}

crate::saved!(FittedZScore, "zscore");

impl FittedDetector for FittedZScore {
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

    fn valid() -> ZScoreValidParams {
        ZScoreParams::default().check().unwrap()
    }

    #[test]
    fn ddof_must_be_zero_or_one() {
        let err = ZScoreParams::default().ddof(2).check().unwrap_err();
        assert_eq!(err, ZScoreParamsError::Ddof(2));
        assert_eq!(err.param(), "ddof");
        assert_eq!(err.to_string(), "parameter `ddof`: must be 0 or 1, got 2");
    }

    #[test]
    fn oracle_hand_computed() {
        // Column a: mean 2, std sqrt(2/3); column b: mean 0, std 2.
        let train = Dataset::from_features("t", array![[1.0, -2.0], [2.0, 2.0], [3.0, -2.0]]);
        let f = valid().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0, 6.0], [4.0, 0.0]])).unwrap();
        let sa = (2.0f64 / 3.0).sqrt();
        // Three rows: b = (-2, 2, -2) has mean -2/3 and population std sqrt(32/9).
        let (mb, sb) = (-2.0 / 3.0, (32.0f64 / 9.0).sqrt());
        assert_eq!(s[0], f64::max(0.0 / sa, (6.0 - mb) / sb));
        assert_eq!(s[1], f64::max(2.0 / sa, (0.0 - mb) / sb));
    }

    #[test]
    fn constant_column_gives_finite_scores() {
        let train = Dataset::from_features("t", array![[1.0], [1.0]]);
        let f = valid().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[3.0]])).unwrap();
        assert_eq!(s[0], 2.0);
    }

    #[test]
    fn column_count_mismatch_is_an_error() {
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        let f = valid().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn nan_and_empty_inputs_are_errors() {
        let nan = Dataset::from_features("t", array![[f64::NAN]]);
        assert!(matches!(valid().fit(&nan, &FitContext::new(0)), Err(Error::NonFinite { .. })));
        let empty = Dataset::from_features("t", ndarray::Array2::zeros((0, 2)));
        assert!(matches!(valid().fit(&empty, &FitContext::new(0)), Err(Error::EmptyData(_))));
    }

    #[test]
    fn sample_std_with_ddof_one() {
        let train = Dataset::from_features("t", array![[1.0], [3.0]]);
        let f = ZScoreParams::default()
            .ddof(1)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[4.0]])).unwrap();
        assert_eq!(s[0], 2.0 / 2.0f64.sqrt());
        assert_eq!(ZScoreParams::default().ddof(2).check(), Err(ZScoreParamsError::Ddof(2)));
        let one = Dataset::from_features("t", array![[1.0]]);
        assert!(matches!(
            ZScoreParams::default().ddof(1).check().unwrap().fit(&one, &FitContext::new(0)),
            Err(Error::Fit(_))
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<ZScoreParams>();
        is_send_sync::<ZScoreValidParams>();
        is_send_sync::<FittedZScore>();
    }
}
