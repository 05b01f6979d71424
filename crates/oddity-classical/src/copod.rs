//! COPOD: copula-based outlier detection (Li et al., "COPOD: Copula-Based Outlier
//! Detection", IEEE ICDM 2020).

use std::convert::Infallible;

use ndarray::{Array1, Axis};
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
};

use crate::ecod::{pyod_u_skew, EcdfMode, FittedEcdfs, ECDF_DOC};

/// Parameters of the `copod` detector ([`CopodValidParams`] once checked; every value is
/// valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopodParams(CopodValidParams);

impl Default for CopodParams {
    fn default() -> Self {
        Self(CopodValidParams { ecdf: EcdfMode::Train })
    }
}

impl CopodParams {
    /// Which rows the ECDFs come from.
    pub fn ecdf(mut self, ecdf: EcdfMode) -> Self {
        self.0.ecdf = ecdf;
        self
    }
}

impl DetectorParams for CopodParams {
    const NAME: &'static str = "copod";
    const SUMMARY: &'static str = "COPOD: sum_j max(U_skew, (U_l + U_r) / 2) of -ln ECDF tails; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch";
    type Valid = CopodValidParams;
    type Fitted = FittedCopod;
    type Error = Infallible;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::choice("ecdf", self.0.ecdf, ECDF_DOC)]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().ecdf(p.choice("ecdf")?))
    }

    fn check(self) -> Result<CopodValidParams, Infallible> {
        Ok(self.0)
    }
}

/// COPOD: with the empirical copula's tail probabilities of each feature,
/// `U_l = −ln F_l(v)`, `U_r = −ln F_r(v)` and the skewness-corrected `U_skew` (`U_l` for a
/// left-skewed feature, `U_r` for a right-skewed one, `U_l + U_r` for skewness 0), the score
/// is `Σ_j max(U_skew, (U_l + U_r) / 2)`: the negative log of the (corrected) copula tail
/// probability. Higher means further out in the tails.
///
/// The ECDFs come from the training rows only by default ([`EcdfMode::Train`], with the
/// training columns' skewness); [`EcdfMode::Pooled`] reproduces PyOD 3.6.7
/// `COPOD().fit(train).decision_function(batch)`, which pools training rows and the batch.
/// Reference: Z. Li, Y. Zhao, N. Botta, C. Ionescu, X. Hu, "COPOD: Copula-Based Outlier
/// Detection", IEEE ICDM 2020.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopodValidParams {
    ecdf: EcdfMode,
}

impl CopodValidParams {
    /// Which rows the ECDFs come from.
    pub fn ecdf(&self) -> EcdfMode {
        self.ecdf
    }
}

impl Detector for CopodValidParams {
    fn name(&self) -> &str {
        CopodParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(FittedCopod { ecdfs: FittedEcdfs::fit(train, self.ecdf)? }))
    }
}

/// A fitted [`CopodValidParams`]: the training ECDFs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedCopod {
    ecdfs: FittedEcdfs,
}

crate::saved!(FittedCopod, "copod");

impl FittedDetector for FittedCopod {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        let tails = self.ecdfs.tails(data)?;
        Ok(tails
            .u_l
            .axis_iter(Axis(0))
            .zip(tails.u_r.axis_iter(Axis(0)))
            .map(|(ul, ur)| {
                (0..ul.len())
                    .map(|j| {
                        let skew = pyod_u_skew(ul[j], ur[j], tails.skew_sign[j]);
                        skew.max((ul[j] + ur[j]) / 2.0)
                    })
                    .fold(0.0, |acc, o| acc + o)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn oracle_train_only_hand_computed() {
        // Column a = (1, 2, 3, 10): skewed right. Column b = (-10, 0, 1, 2): skewed left.
        let train =
            Dataset::from_features("t", array![[1.0, -10.0], [2.0, 0.0], [3.0, 1.0], [10.0, 2.0]]);
        let f = CopodParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[2.0, 5.0], [0.0, 1.0]])).unwrap();
        let u = |p: f64| -p.ln();
        // Row 0: a = 2: U_l = u(3/5), U_r = u(4/5), U_skew = U_r;
        //        b = 5: U_l = u(1) = 0, U_r = u(1/5), U_skew = U_l = 0.
        let a0 = u(0.8).max((u(0.6) + u(0.8)) / 2.0);
        let b0 = 0.0f64.max((0.0 + u(0.2)) / 2.0);
        // Row 1: a = 0: U_l = u(1/5), U_r = 0, U_skew = U_r = 0;
        //        b = 1: U_l = u(4/5), U_r = u(3/5), U_skew = U_l.
        let a1 = 0.0f64.max((u(0.2) + 0.0) / 2.0);
        let b1 = u(0.8).max((u(0.8) + u(0.6)) / 2.0);
        assert!((s[0] - (a0 + b0)).abs() < 1e-15, "{s}");
        assert!((s[1] - (a1 + b1)).abs() < 1e-15, "{s}");
    }

    #[test]
    fn pooled_hand_computed() {
        // Pooled column (0, 1, 2, 5): N = 4, skewness > 0, so U_skew = U_r.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0]]);
        let f = CopodParams::default()
            .ecdf(EcdfMode::Pooled)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[5.0]])).unwrap();
        // F_l(5) = 4/4, F_r(5) = 1/4: max(U_r, (0 + U_r) / 2) = −ln(1/4).
        assert!((s[0] - -(0.25f64).ln()).abs() < 1e-15);
    }

    #[test]
    fn constant_column_uses_both_tails() {
        // Skewness 0: U_skew = U_l + U_r. Train (1, 1), v = 1: F_l = F_r = 3/3 → 0.
        // v = 4: F_l = 3/3, F_r = 1/3 → U_skew = ln 3.
        let train = Dataset::from_features("t", array![[1.0], [1.0]]);
        let f = CopodParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0], [4.0]])).unwrap();
        assert_eq!(s[0], 0.0);
        assert!((s[1] - 3.0f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let empty = Dataset::from_features("t", Array2::zeros((0, 1)));
        assert!(matches!(
            CopodParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        let f = CopodParams::default()
            .ecdf(EcdfMode::Pooled)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[f64::NAN]])),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<CopodParams>();
        is_send_sync::<CopodValidParams>();
        is_send_sync::<FittedCopod>();
    }
}
