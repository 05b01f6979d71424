//! The Gaussian kernel density detector.

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::topk::squared;

/// Parameters of the `kde` detector ([`KdeValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KdeParams(KdeValidParams);

impl Default for KdeParams {
    /// PyOD 3.6.7's `KDE()`: bandwidth 1.
    fn default() -> Self {
        Self(KdeValidParams { bandwidth: 1.0 })
    }
}

impl KdeParams {
    /// Kernel bandwidth `h` (> 0, finite), in the units of the (usually standardised) features.
    pub fn bandwidth(mut self, bandwidth: f64) -> Self {
        self.0.bandwidth = bandwidth;
        self
    }
}

/// A rejected [`KdeParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KdeParamsError {
    /// Occurs when `bandwidth` is not positive and finite.
    #[error("parameter `bandwidth`: must be positive and finite, got {0}")]
    Bandwidth(f64),
}

impl ParamsError for KdeParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Bandwidth(_) => "bandwidth",
        }
    }
}

impl DetectorParams for KdeParams {
    const NAME: &'static str = "kde";
    const SUMMARY: &'static str =
        "Gaussian kernel density of the training rows (as PyOD KDE / scikit-learn): -log density";
    type Valid = KdeValidParams;
    type Fitted = FittedKde;
    type Error = KdeParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::float("bandwidth", self.0.bandwidth, "Gaussian kernel bandwidth (> 0)")]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().bandwidth(p.float("bandwidth")?))
    }

    fn check(self) -> Result<KdeValidParams, KdeParamsError> {
        let h = self.0.bandwidth;
        if !(h > 0.0 && h.is_finite()) {
            return Err(KdeParamsError::Bandwidth(h));
        }
        Ok(self.0)
    }
}

/// Gaussian kernel density estimation (Parzen 1962, "On estimation of a probability density
/// function and mode"; Rosenblatt 1956) as an anomaly score, equal to PyOD 3.6.7's
/// `KDE()` (scikit-learn 1.9.1's `KernelDensity(kernel="gaussian", bandwidth=h)`,
/// `decision_function` = −`score_samples`).
///
/// With the `n` training rows `t_j`, `d` features and bandwidth `h`, the score of a row `x` is
/// the negative log density
///
/// `−log p(x) = −log Σ_j exp(−‖x − t_j‖² / (2h²)) + log n + (d/2)·log 2π + d·log h`,
///
/// the sum taken in log space (shifted by its largest term), so far rows get a large finite
/// score instead of an underflow to `log 0`. The sum runs over every training row, as
/// scikit-learn's tree does with its default tolerances `atol = rtol = 0` (PyOD's `algorithm`,
/// `leaf_size` only change its speed, and its `metric` default is Euclidean, the only one
/// here). Rows are scored in parallel on `FitContext::threads` threads; each row's sum runs
/// in training-row order, so the result does not depend on the thread count. Cost: `n · m · d`
/// for `m` scored rows, no n × m matrix.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KdeValidParams {
    bandwidth: f64,
}

impl KdeValidParams {
    /// The kernel bandwidth.
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }
}

impl Detector for KdeValidParams {
    fn name(&self) -> &str {
        KdeParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let (n, d) = train.features.dim();
        let rows: Vec<f64> = train.features.iter().copied().collect();
        Ok(Box::new(FittedKde { rows, n, d, bandwidth: self.bandwidth, threads: ctx.threads }))
    }
}

/// A fitted [`KdeValidParams`]: the training rows (row-major) and the bandwidth.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKde {
    rows: Vec<f64>,
    n: usize,
    d: usize,
    bandwidth: f64,
    threads: usize,
}

crate::saved!(FittedKde, "kde");

impl FittedKde {
    /// The negative log density of one row.
    fn score_row(&self, q: &[f64], scratch: &mut Vec<f64>) -> f64 {
        let inv = -0.5 / (self.bandwidth * self.bandwidth);
        scratch.clear();
        scratch.extend(self.rows.chunks_exact(self.d).map(|t| squared(q, t) * inv));
        let max = scratch.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = scratch.iter().map(|&v| (v - max).exp()).sum();
        let d = self.d as f64;
        let norm = 0.5 * d * (2.0 * std::f64::consts::PI).ln() + d * self.bandwidth.ln();
        -(max + sum.ln()) + (self.n as f64).ln() + norm
    }
}

impl FittedDetector for FittedKde {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.d)?;
        crate::rows::score_rows(data, self.threads, |row| {
            let mut scratch = Vec::with_capacity(self.n);
            self.score_row(row, &mut scratch)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn bandwidth_must_be_positive_and_finite() {
        for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = KdeParams::default().bandwidth(h).check().unwrap_err();
            assert!(matches!(err, KdeParamsError::Bandwidth(_)), "{err}");
            assert_eq!(err.param(), "bandwidth");
        }
        assert_eq!(
            KdeParams::default().bandwidth(0.0).check().unwrap_err().to_string(),
            "parameter `bandwidth`: must be positive and finite, got 0"
        );
    }

    #[test]
    fn oracle_hand_computed() {
        // Train 0 and 2 on a line, h = 1: p(1) = (2 · φ(1)) / 2 = φ(1) = e^{−1/2} / √(2π), so
        // −log p(1) = 1/2 + ln(2π)/2. At 0: p = (φ(0) + φ(2)) / 2.
        let train = Dataset::from_features("t", array![[0.0], [2.0]]);
        let f = KdeParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0], [0.0], [1000.0]])).unwrap();
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        assert!((s[0] - (0.5 + 0.5 * ln2pi)).abs() < 1e-14);
        let p0 = (1.0 + (-2.0f64).exp()) / 2.0 / (2.0 * std::f64::consts::PI).sqrt();
        assert!((s[1] + p0.ln()).abs() < 1e-14);
        // Far away: no underflow, the nearest row dominates: 998² / 2 + ln 2 + ln(2π)/2.
        let want = 998.0 * 998.0 / 2.0 + 2f64.ln() + 0.5 * ln2pi;
        assert!((s[2] - want).abs() < 1e-9 * want, "{} vs {want}", s[2]);
    }

    #[test]
    fn constant_column_and_bandwidth() {
        // A constant column adds (ln 2π)/2 + ln h to every score, nothing else.
        let h = 0.5;
        let kde = KdeParams::default().bandwidth(h).check().unwrap();
        let one = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let two = Dataset::from_features("t", array![[0.0, 7.0], [1.0, 7.0], [3.0, 7.0]]);
        let ctx = FitContext::new(0);
        let a = kde.fit(&one, &ctx).unwrap().score(&Dataset::from_features("s", array![[2.0]]));
        let b =
            kde.fit(&two, &ctx).unwrap().score(&Dataset::from_features("s", array![[2.0, 7.0]]));
        let extra = 0.5 * (2.0 * std::f64::consts::PI).ln() + h.ln();
        assert!((b.unwrap()[0] - a.unwrap()[0] - extra).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let kde = KdeParams::default().check().unwrap();
        let ctx = FitContext::new(0);
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(kde.fit(&nan, &ctx), Err(Error::NonFinite { .. })));
        let empty = Dataset::from_features("t", ndarray::Array2::zeros((0, 1)));
        assert!(matches!(kde.fit(&empty, &ctx), Err(Error::EmptyData(_))));
        let f = kde.fit(&Dataset::from_features("t", array![[1.0]]), &ctx).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<KdeParams>();
        is_send_sync::<KdeValidParams>();
        is_send_sync::<FittedKde>();
    }
}
