//! The one-class ν-SVM detector (RBF kernel) with libsvm's solver.

mod solver;

use ndarray::Array1;
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    ParamValue, Params, ParamsError,
};

/// The RBF kernel width `γ` of [`OcsvmParams::gamma`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum OcsvmGamma {
    /// `1 / d` for `d` features (scikit-learn's `"auto"`, PyOD 3.6.7's default).
    Auto,
    /// `1 / (d · Var(X))`, the variance of every training value together (numpy's
    /// `X.var()`), or 1 when that variance is 0 (scikit-learn's `"scale"`).
    Scale,
    /// A fixed `γ` (> 0, finite).
    Value(f64),
}

/// Parameters of the `ocsvm` detector ([`OcsvmValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OcsvmParams(OcsvmValidParams);

impl Default for OcsvmParams {
    /// PyOD 3.6.7's `OCSVM()`: RBF kernel, `nu = 0.5`, `gamma = "auto"`, `tol = 1e-3`,
    /// shrinking on.
    fn default() -> Self {
        Self(OcsvmValidParams { nu: 0.5, gamma: OcsvmGamma::Auto, tol: 1e-3, shrinking: true })
    }
}

impl OcsvmParams {
    /// `ν` in `(0, 1]`: an upper bound on the fraction of training rows outside the
    /// boundary and a lower bound on the fraction of support vectors.
    pub fn nu(mut self, nu: f64) -> Self {
        self.0.nu = nu;
        self
    }

    /// The RBF kernel width (see [`OcsvmGamma`]).
    pub fn gamma(mut self, gamma: OcsvmGamma) -> Self {
        self.0.gamma = gamma;
        self
    }

    /// The solver's stopping tolerance on the maximal KKT violation (libsvm's `eps`, > 0).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Whether the solver shrinks the active set as libsvm does (same result, less work).
    pub fn shrinking(mut self, shrinking: bool) -> Self {
        self.0.shrinking = shrinking;
        self
    }
}

/// A rejected [`OcsvmParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OcsvmParamsError {
    /// Occurs when `nu` is not in `(0, 1]` (NaN included).
    #[error("parameter `nu`: must be in (0, 1], got {0}")]
    Nu(f64),
    /// Occurs when a fixed `gamma` is not positive and finite.
    #[error("parameter `gamma`: must be positive and finite, got {0}")]
    Gamma(f64),
    /// Occurs when `tol` is not positive and finite.
    #[error("parameter `tol`: must be positive and finite, got {0}")]
    Tol(f64),
}

impl ParamsError for OcsvmParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Nu(_) => "nu",
            Self::Gamma(_) => "gamma",
            Self::Tol(_) => "tol",
        }
    }
}

impl DetectorParams for OcsvmParams {
    const NAME: &'static str = "ocsvm";
    const SUMMARY: &'static str =
        "One-class nu-SVM with an RBF kernel (as PyOD OCSVM / scikit-learn OneClassSVM, libsvm's solver): minus the decision value";
    /// TSB-AD fits MCD and OCSVM on normal training data (its `Semisupervise_AD_Pool`).
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = OcsvmValidParams;
    type Fitted = FittedOcsvm;
    type Error = OcsvmParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::float("nu", self.0.nu, "bound on the outlier fraction, in (0, 1]"),
            ParamSpec::float_or(
                "gamma",
                &["auto", "scale"],
                match self.0.gamma {
                    OcsvmGamma::Auto => ParamValue::Str("auto".into()),
                    OcsvmGamma::Scale => ParamValue::Str("scale".into()),
                    OcsvmGamma::Value(v) => ParamValue::Float(v),
                },
                "RBF width (> 0), \"auto\" (1/d) or \"scale\" (1/(d Var X))",
            ),
            ParamSpec::float("tol", self.0.tol, "solver tolerance on the KKT violation (> 0)"),
            ParamSpec::bool("shrinking", self.0.shrinking, "libsvm's shrinking heuristic"),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        let gamma = match p.value("gamma")? {
            ParamValue::Float(v) => OcsvmGamma::Value(*v),
            ParamValue::Int(v) => OcsvmGamma::Value(*v as f64),
            ParamValue::Str(s) if s == "scale" => OcsvmGamma::Scale,
            _ => OcsvmGamma::Auto,
        };
        Ok(Self::default()
            .nu(p.float("nu")?)
            .gamma(gamma)
            .tol(p.float("tol")?)
            .shrinking(p.bool("shrinking")?))
    }

    fn check(self) -> Result<OcsvmValidParams, OcsvmParamsError> {
        let p = self.0;
        if !(p.nu > 0.0 && p.nu <= 1.0) {
            return Err(OcsvmParamsError::Nu(p.nu));
        }
        if let OcsvmGamma::Value(g) = p.gamma {
            if !(g > 0.0 && g.is_finite()) {
                return Err(OcsvmParamsError::Gamma(g));
            }
        }
        if !(p.tol > 0.0 && p.tol.is_finite()) {
            return Err(OcsvmParamsError::Tol(p.tol));
        }
        Ok(p)
    }
}

/// One-class ν-support vector machine (Schölkopf, Platt, Shawe-Taylor, Smola & Williamson,
/// "Estimating the support of a high-dimensional distribution", Neural Computation 13, 2001)
/// with the RBF kernel `k(x, y) = exp(−γ‖x − y‖²)`, equal to PyOD 3.6.7's `OCSVM()`
/// (scikit-learn 1.9.1's `OneClassSVM`, libsvm 3.x).
///
/// The fit solves the dual `min ½ αᵀKα` subject to `0 ≤ α_i ≤ 1`, `Σ α_i = ν·n` with an SMO
/// solver that follows libsvm's `Solver` step by step (initial point, second-order working
/// set selection, `f32` kernel cache, shrinking, stopping rule, `ρ`; see the `solver`
/// module), so that the support vectors and `ρ` are libsvm's up to rounding. The score of a
/// row `x` is minus the decision value, `ρ − Σ_i α_i k(x, x_i)` over the support vectors in
/// training order: higher = farther outside the estimated support. Rows are scored in
/// parallel on `FitContext::threads` threads, each sum in support-vector order, so the
/// scores do not depend on the thread count.
///
/// Cost: the solver touches two kernel columns (`n·d` each, cached) per iteration and
/// typically needs `O(n)` iterations; scoring costs `n_sv · d` per row.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OcsvmValidParams {
    nu: f64,
    gamma: OcsvmGamma,
    tol: f64,
    shrinking: bool,
}

impl OcsvmValidParams {
    /// `ν`.
    pub fn nu(&self) -> f64 {
        self.nu
    }

    /// The kernel width rule.
    pub fn gamma(&self) -> OcsvmGamma {
        self.gamma
    }

    /// The `γ` this rule gives on the training rows `x` (row-major, `d` columns).
    fn gamma_on(&self, x: &[f64], d: usize) -> f64 {
        match self.gamma {
            OcsvmGamma::Auto => 1.0 / d as f64,
            OcsvmGamma::Value(g) => g,
            OcsvmGamma::Scale => {
                // numpy's `X.var()` on a C-contiguous matrix: pairwise sums over all values.
                let n = x.len() as f64;
                let mean = stats::pairwise_sum(x) / n;
                let sq: Vec<f64> = x.iter().map(|v| (v - mean) * (v - mean)).collect();
                let var = stats::pairwise_sum(&sq) / n;
                if var != 0.0 {
                    1.0 / (d as f64 * var)
                } else {
                    1.0
                }
            }
        }
    }
}

impl Detector for OcsvmValidParams {
    fn name(&self) -> &str {
        OcsvmParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let d = train.n_features();
        if d == 0 {
            return Err(Error::EmptyData(format!("dataset `{}` has no features", train.name)));
        }
        let x: Vec<f64> = train.features.iter().copied().collect();
        let gamma = self.gamma_on(&x, d);
        let threads = ctx.threads.max(1);
        let sol =
            solver::solve_one_class(&x, d, gamma, self.nu, self.tol, self.shrinking, threads)?;
        let mut support = Vec::new();
        let mut coef = Vec::new();
        for (row, &a) in x.chunks_exact(d).zip(&sol.alpha) {
            if a.abs() > 0.0 {
                support.extend_from_slice(row);
                coef.push(a);
            }
        }
        if !sol.rho.is_finite() {
            return Err(Error::Fit(format!("ocsvm: the solver's rho is {}", sol.rho)));
        }
        Ok(Box::new(FittedOcsvm { support, coef, rho: sol.rho, gamma, d, threads }))
    }
}

/// A fitted [`OcsvmValidParams`]: the support vectors (row-major) with their `α`, `ρ` and `γ`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedOcsvm {
    support: Vec<f64>,
    coef: Vec<f64>,
    rho: f64,
    gamma: f64,
    d: usize,
    threads: usize,
}

crate::saved!(FittedOcsvm, "ocsvm");

impl FittedOcsvm {
    /// The number of support vectors.
    pub fn n_support(&self) -> usize {
        self.coef.len()
    }

    /// libsvm's `ρ` (the decision value is `Σ α_i k(x, x_i) − ρ`).
    pub fn rho(&self) -> f64 {
        self.rho
    }

    /// The kernel width used.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Minus libsvm's decision value of one row (`predict_values` with `k_function`).
    fn score_row(&self, q: &[f64]) -> f64 {
        let mut sum = 0.0;
        for (sv, &a) in self.support.chunks_exact(self.d).zip(&self.coef) {
            let mut sq = 0.0;
            for (x, y) in q.iter().zip(sv) {
                let t = x - y;
                sq += t * t;
            }
            sum += a * (-self.gamma * sq).exp();
        }
        -(sum - self.rho)
    }
}

impl FittedDetector for FittedOcsvm {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.d)?;
        if self.d == 0 {
            return Ok(Array1::zeros(data.n_rows()));
        }
        crate::rows::score_rows(data, self.threads, |row| self.score_row(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn each_bad_field_is_named() {
        for nu in [0.0, -0.1, 1.5, f64::NAN] {
            let e = OcsvmParams::default().nu(nu).check().unwrap_err();
            assert!(matches!(e, OcsvmParamsError::Nu(_)) && e.param() == "nu", "{e}");
        }
        for g in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            let e = OcsvmParams::default().gamma(OcsvmGamma::Value(g)).check().unwrap_err();
            assert!(matches!(e, OcsvmParamsError::Gamma(_)) && e.param() == "gamma", "{e}");
        }
        for t in [0.0, f64::NAN] {
            let e = OcsvmParams::default().tol(t).check().unwrap_err();
            assert!(matches!(e, OcsvmParamsError::Tol(_)) && e.param() == "tol", "{e}");
        }
        assert_eq!(
            OcsvmParams::default().nu(2.0).check().unwrap_err().to_string(),
            "parameter `nu`: must be in (0, 1], got 2"
        );
        assert!(OcsvmParams::default().nu(1.0).check().is_ok());
    }

    #[test]
    fn oracle_two_rows() {
        // Train 0 and 1 (d = 1, γ = auto = 1), ν = ½: α = (½, ½), ρ = ½(1 + k01) with the
        // f32-rounded k01 = e^{−1}. Score of x: ρ − ½(e^{−x²} + e^{−(x−1)²}).
        let train = Dataset::from_features("t", array![[0.0], [1.0]]);
        let f = OcsvmParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[0.5], [3.0]])).unwrap();
        let rho = 0.5 * (1.0 + (-1.0f64).exp() as f32 as f64);
        let want = |x: f64| rho - 0.5 * ((-x * x).exp() + (-(x - 1.0) * (x - 1.0)).exp());
        assert!((s[0] - want(0.5)).abs() < 1e-15, "{} vs {}", s[0], want(0.5));
        assert!((s[1] - want(3.0)).abs() < 1e-15);
        assert!(s[1] > s[0]);
    }

    #[test]
    fn gamma_scale_is_numpy_var() {
        // Values 0, 1, 2, 3 (two rows, two columns): Var = 1.25, γ = 1 / (2 · 1.25).
        let p = OcsvmParams::default().gamma(OcsvmGamma::Scale).check().unwrap();
        assert_eq!(p.gamma_on(&[0.0, 1.0, 2.0, 3.0], 2), 1.0 / 2.5);
        assert_eq!(p.gamma_on(&[4.0, 4.0], 2), 1.0);
    }

    #[test]
    fn constant_columns_and_bad_inputs() {
        let ocsvm = OcsvmParams::default().check().unwrap();
        let ctx = FitContext::new(0);
        let constant = Dataset::from_features("t", array![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]);
        let f = ocsvm.fit(&constant, &ctx).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0, 2.0], [5.0, 2.0]])).unwrap();
        assert!(s.iter().all(|v| v.is_finite()) && s[1] > s[0]);
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(ocsvm.fit(&nan, &ctx), Err(Error::NonFinite { .. })));
        let empty = Dataset::from_features("t", ndarray::Array2::zeros((0, 2)));
        assert!(matches!(ocsvm.fit(&empty, &ctx), Err(Error::EmptyData(_))));
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<OcsvmParams>();
        is_send_sync::<OcsvmValidParams>();
        is_send_sync::<FittedOcsvm>();
    }
}
