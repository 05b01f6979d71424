//! The Mahalanobis distance detector.

use ndarray::{Array1, Array2, Axis};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::linalg::pinvh;

/// Parameters of the `mahalanobis` detector ([`MahalanobisValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MahalanobisParams(MahalanobisValidParams);

impl Default for MahalanobisParams {
    fn default() -> Self {
        Self(MahalanobisValidParams { pinv_rtol: 0.0 })
    }
}

impl MahalanobisParams {
    /// Relative eigenvalue cutoff of the pseudo-inverse; 0 or less means `d · f64::EPSILON` (scipy
    /// `pinvh`), otherwise finite and below 1.
    pub fn pinv_rtol(mut self, pinv_rtol: f64) -> Self {
        self.0.pinv_rtol = pinv_rtol;
        self
    }
}

/// A rejected [`MahalanobisParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MahalanobisParamsError {
    /// Occurs when `pinv_rtol` is not finite or not below 1 (NaN included).
    #[error("parameter `pinv_rtol`: must be finite and below 1 (0 = default), got {0}")]
    PinvRtol(f64),
}

impl ParamsError for MahalanobisParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::PinvRtol(_) => "pinv_rtol",
        }
    }
}

impl DetectorParams for MahalanobisParams {
    const NAME: &'static str = "mahalanobis";
    const SUMMARY: &'static str =
        "squared Mahalanobis distance to the train mean (ddof-0 covariance, pseudo-inverse)";
    type Valid = MahalanobisValidParams;
    type Fitted = FittedMahalanobis;
    type Error = MahalanobisParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::float(
                "pinv_rtol",
                self.0.pinv_rtol,
                "relative eigenvalue cutoff of the pseudo-inverse; 0 = d * machine epsilon (scipy pinvh)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().pinv_rtol(p.float("pinv_rtol")?))
    }

    fn check(self) -> Result<MahalanobisValidParams, MahalanobisParamsError> {
        let p = &self.0;
        if !(p.pinv_rtol.is_finite() && p.pinv_rtol < 1.0) {
            return Err(MahalanobisParamsError::PinvRtol(p.pinv_rtol));
        }
        Ok(self.0)
    }
}

/// Squared Mahalanobis distance to the training mean (Mahalanobis, "On the generalised
/// distance in statistics", 1936): `(x − μ)ᵀ P (x − μ)` with `μ` the training mean and `P`
/// the pseudo-inverse of the maximum-likelihood covariance (divided by `n`, `ddof = 0`),
/// as scikit-learn's `EmpiricalCovariance().fit(train).mahalanobis(x)`.
///
/// `P` is computed like `scipy.linalg.pinvh`: a symmetric eigendecomposition (cyclic
/// Jacobi), dropping eigenvalues with `|λ| ≤ pinv_rtol · max|λ|` (`pinv_rtol` defaults to
/// `d · f64::EPSILON`). A singular covariance (linearly dependent features, constant
/// features, fewer rows than features) is handled: directions without training variance
/// are ignored. Any number of features is supported (the eigendecomposition costs `O(d³)`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MahalanobisValidParams {
    pinv_rtol: f64,
}

impl MahalanobisValidParams {
    /// Relative eigenvalue cutoff of the pseudo-inverse; `None` means `d · f64::EPSILON`.
    pub fn pinv_rtol(&self) -> Option<f64> {
        (self.pinv_rtol > 0.0).then_some(self.pinv_rtol)
    }
}

impl Detector for MahalanobisValidParams {
    fn name(&self) -> &str {
        MahalanobisParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let x = &train.features;
        let (n, d) = x.dim();
        let location: Vec<f64> = x.axis_iter(Axis(1)).map(stats::mean).collect();
        let mut centered = x.clone();
        for mut row in centered.rows_mut() {
            for (v, m) in row.iter_mut().zip(&location) {
                *v -= m;
            }
        }
        let mut cov = centered.t().dot(&centered) / n as f64;
        // Exactly symmetric, as the eigendecomposition reads the upper triangle only.
        for r in 0..d {
            for c in 0..r {
                cov[[r, c]] = cov[[c, r]];
            }
        }
        let precision = pinvh(&cov, self.pinv_rtol())?;
        Ok(Box::new(FittedMahalanobis { location, precision }))
    }
}

/// A fitted [`MahalanobisValidParams`]: the training mean and the pseudo-inverse of the covariance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedMahalanobis {
    /// Training mean of each feature.
    pub location: Vec<f64>,
    /// Pseudo-inverse of the maximum-likelihood covariance.
    pub precision: Array2<f64>,
}

crate::saved!(FittedMahalanobis, "mahalanobis");

impl FittedDetector for FittedMahalanobis {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.location.len())?;
        Ok(data
            .features
            .axis_iter(Axis(0))
            .map(|row| {
                let c: Vec<f64> = row.iter().zip(&self.location).map(|(x, m)| x - m).collect();
                let mut s = 0.0;
                for (r, pr) in self.precision.axis_iter(Axis(0)).enumerate() {
                    let pc: f64 = pr.iter().zip(&c).map(|(p, v)| p * v).sum();
                    s += pc * c[r];
                }
                s
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn oracle_hand_computed() {
        // Train (±1, 0), (0, ±2): mean 0, covariance diag(1/2, 2) (ddof 0), so the score is
        // 2x² + y²/2.
        let train =
            Dataset::from_features("t", array![[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]);
        let f =
            MahalanobisParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f
            .score(&Dataset::from_features("s", array![[1.0, 2.0], [0.0, 0.0], [3.0, -4.0]]))
            .unwrap();
        assert!(close(s[0], 2.0 + 2.0));
        assert_eq!(s[1], 0.0);
        assert!(close(s[2], 18.0 + 8.0));
    }

    #[test]
    fn singular_covariance_uses_the_pseudo_inverse() {
        // Second column = 2 × first: covariance [[v, 2v], [2v, 4v]] with v = 2/3 has the
        // single eigenvalue 5v along (1, 2)/√5; a row on that line at t·(1, 2) from the mean
        // scores 5t² / (5v) = t² / v, off-line components are ignored.
        let train = Dataset::from_features("t", array![[-1.0, -2.0], [0.0, 0.0], [1.0, 2.0]]);
        let f =
            MahalanobisParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0, 4.0], [2.0, -1.0]])).unwrap();
        assert!(close(s[0], 4.0 / (2.0 / 3.0)));
        assert!(close(s[1], 0.0));
        // A single row (zero covariance) scores every row 0.
        let one = Dataset::from_features("t", array![[1.0, 2.0]]);
        let f =
            MahalanobisParams::default().check().unwrap().fit(&one, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[5.0, 5.0]])).unwrap();
        assert_eq!(s[0], 0.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        for bad in [f64::NAN, 1.0, f64::INFINITY] {
            let err = MahalanobisParams::default().pinv_rtol(bad).check().unwrap_err();
            assert!(matches!(err, MahalanobisParamsError::PinvRtol(_)), "{err}");
            assert_eq!(err.param(), "pinv_rtol");
        }
        let zero = MahalanobisParams::default().pinv_rtol(0.0).check().unwrap();
        assert_eq!(zero.pinv_rtol(), None);
        let negative = MahalanobisParams::default().pinv_rtol(-1.0).check().unwrap();
        assert_eq!(negative.pinv_rtol(), None);
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(
            MahalanobisParams::default().check().unwrap().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", Array2::zeros((0, 2)));
        assert!(matches!(
            MahalanobisParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[0.0], [1.0]]);
        let f =
            MahalanobisParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<MahalanobisParams>();
        is_send_sync::<MahalanobisValidParams>();
        is_send_sync::<FittedMahalanobis>();
    }
}
