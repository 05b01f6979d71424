//! The parameters of the Gaussian-mixture detector: [`GmmParams`] → [`GmmValidParams`].

use oddity_core::{DetectorParams, Error, ParamSpec, ParamValue, Params};

use super::{FittedGmm, GmmParamsError};

/// How many mixture components a Gaussian mixture ([`GmmParams::components`]) fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Components {
    /// Exactly this many.
    Fixed(usize),
    /// Each count of [`GmmParams::bic_components`], keeping the fit with the lowest Bayesian
    /// information criterion on the training rows (ties: the fewer components).
    Bic,
}

/// Parameters of the `gmm` detector ([`GmmValidParams`] once checked).
#[derive(Debug, Clone, PartialEq)]
pub struct GmmParams(GmmValidParams);

impl Default for GmmParams {
    fn default() -> Self {
        Self(GmmValidParams {
            components: Components::Fixed(4),
            bic_components: vec![1, 2, 4, 8],
            reg_covar: 1e-6,
            max_iter: 100,
            tol: 1e-3,
            n_init: 1,
        })
    }
}

impl GmmParams {
    /// Number of components, or a choice by BIC among [`GmmParams::bic_components`].
    pub fn components(mut self, components: Components) -> Self {
        self.0.components = components;
        self
    }

    /// The candidate counts of `components = bic`, compared in this order (each ≥ 1, at least one).
    pub fn bic_components(mut self, bic_components: Vec<usize>) -> Self {
        self.0.bic_components = bic_components;
        self
    }

    /// Added to every covariance diagonal (finite, ≥ 0).
    pub fn reg_covar(mut self, reg_covar: f64) -> Self {
        self.0.reg_covar = reg_covar;
        self
    }

    /// EM iterations per run at most (≥ 1).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// EM stops when the mean training log-likelihood changes less than this (finite, > 0).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Independent EM runs from different seeded initialisations, the best likelihood kept (≥ 1).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }
}

impl DetectorParams for GmmParams {
    const NAME: &'static str = "gmm";
    const SUMMARY: &'static str = "negative log-likelihood under a Gaussian mixture (full covariances, EM from a k-means init, log-sum-exp)";
    type Valid = GmmValidParams;
    type Fitted = FittedGmm;
    type Error = GmmParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::int_or(
                "components",
                &["bic"],
                match self.0.components {
                    Components::Fixed(k) => ParamValue::Int(k as i64),
                    Components::Bic => ParamValue::Str("bic".into()),
                },
                "number of components, or \"bic\": lowest train BIC over bic_components",
            ),
            ParamSpec::text(
                "bic_components",
                self.0.bic_components.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
                "comma-separated candidate counts for components = \"bic\"",
            ),
            ParamSpec::float("reg_covar", self.0.reg_covar, "added to every covariance diagonal"),
            ParamSpec::count("max_iter", self.0.max_iter, "EM iterations per run at most"),
            ParamSpec::float(
                "tol",
                self.0.tol,
                "EM stops when the mean train log-likelihood changes less than this (max_iter reached: last parameters kept)",
            ),
            ParamSpec::count(
                "n_init",
                self.0.n_init,
                "EM runs from different seeded initialisations (best likelihood kept)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .components(components(p)?)
            .bic_components(bic_components(p)?)
            .reg_covar(p.float("reg_covar")?)
            .max_iter(p.usize("max_iter")?)
            .tol(p.float("tol")?)
            .n_init(p.usize("n_init")?))
    }

    fn check(self) -> Result<GmmValidParams, GmmParamsError> {
        let p = &self.0;
        if p.components == Components::Fixed(0) {
            return Err(GmmParamsError::Components(0));
        }
        if p.components == Components::Bic
            && (p.bic_components.is_empty() || p.bic_components.contains(&0))
        {
            return Err(GmmParamsError::BicComponents(p.bic_components.clone()));
        }
        if !(p.reg_covar.is_finite() && p.reg_covar >= 0.0) {
            return Err(GmmParamsError::RegCovar(p.reg_covar));
        }
        if p.max_iter < 1 {
            return Err(GmmParamsError::MaxIter(p.max_iter));
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return Err(GmmParamsError::Tol(p.tol));
        }
        if p.n_init < 1 {
            return Err(GmmParamsError::NInit(p.n_init));
        }
        Ok(self.0)
    }
}

/// The `components` config value: a count, or the word `"bic"`.
fn components(p: &Params) -> Result<Components, Error> {
    match p.value("components")? {
        ParamValue::Int(k) => {
            usize::try_from(*k).map(Components::Fixed).map_err(|_| Error::InvalidParameter {
                name: "components".into(),
                reason: format!("must be at least 1, got {k}"),
            })
        }
        _ => Ok(Components::Bic),
    }
}

/// The `bic_components` config value, a comma-separated list of counts (read only with
/// `components = "bic"`; the default list otherwise).
fn bic_components(p: &Params) -> Result<Vec<usize>, Error> {
    if !matches!(p.value("components")?, ParamValue::Str(_)) {
        return Ok(GmmParams::default().0.bic_components);
    }
    let text = p.str("bic_components")?;
    text.split(',')
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| Error::InvalidParameter {
                name: "bic_components".into(),
                reason: format!("`{text}` is not a comma-separated list of counts"),
            })
        })
        .collect()
}

/// Gaussian mixture model with full covariances (Dempster, Laird & Rubin 1977: EM from a
/// k-means initialisation, as scikit-learn's `GaussianMixture`); the score of a row is its
/// negative log-likelihood `−log Σ_k w_k N(x; μ_k, Σ_k)` under the fitted mixture, computed
/// in log space (Cholesky factors, log-sum-exp), as scikit-learn's `−score_samples`.
///
/// `reg_covar` is added to every covariance diagonal (scikit-learn's default 1e-6). With
/// [`Components::Bic`] one mixture is fitted per count of `bic_components` and the one with
/// the lowest BIC (Schwarz 1978) `−2 ln L + p ln n`, `p = k·d(d+3)/2 + k − 1`, is kept. The fit
/// is seeded: `n_init` EM runs from different k-means++ initialisations, keeping the one with
/// the highest training log-likelihood.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GmmValidParams {
    pub(super) components: Components,
    pub(super) bic_components: Vec<usize>,
    pub(super) reg_covar: f64,
    pub(super) max_iter: usize,
    pub(super) tol: f64,
    pub(super) n_init: usize,
}

impl GmmValidParams {
    /// Number of components, or a choice by BIC among [`GmmParams::bic_components`].
    pub fn components(&self) -> Components {
        self.components
    }

    /// The candidate counts of `components = bic`, compared in this order (each ≥ 1, at least one).
    pub fn bic_components(&self) -> &[usize] {
        &self.bic_components
    }

    /// Added to every covariance diagonal (finite, ≥ 0).
    pub fn reg_covar(&self) -> f64 {
        self.reg_covar
    }

    /// EM iterations per run at most (≥ 1).
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }

    /// EM stops when the mean training log-likelihood changes less than this (finite, > 0).
    pub fn tol(&self) -> f64 {
        self.tol
    }

    /// Independent EM runs from different seeded initialisations, the best likelihood kept (≥ 1).
    pub fn n_init(&self) -> usize {
        self.n_init
    }
}

#[cfg(test)]
mod tests {
    use oddity_core::ParamsError;

    use super::*;

    #[test]
    fn fixed_components_cannot_be_zero() {
        let err = GmmParams::default().components(Components::Fixed(0)).check().unwrap_err();
        assert_eq!(err, GmmParamsError::Components(0));
        assert_eq!(err.param(), "components");
    }

    #[test]
    fn bic_components_must_be_positive_counts() {
        for bad in [vec![], vec![1, 0]] {
            let p = GmmParams::default().components(Components::Bic).bic_components(bad.clone());
            let err = p.check().unwrap_err();
            assert_eq!(err, GmmParamsError::BicComponents(bad));
            assert_eq!(err.param(), "bic_components");
        }
        // Unused without `components = bic`.
        assert!(GmmParams::default().bic_components(vec![]).check().is_ok());
    }

    #[test]
    fn reg_covar_must_be_finite_and_non_negative() {
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = GmmParams::default().reg_covar(bad).check().unwrap_err();
            assert!(matches!(err, GmmParamsError::RegCovar(_)), "{err}");
            assert_eq!(err.param(), "reg_covar");
        }
    }

    #[test]
    fn max_iter_cannot_be_zero() {
        let err = GmmParams::default().max_iter(0).check().unwrap_err();
        assert_eq!(err, GmmParamsError::MaxIter(0));
        assert_eq!(err.to_string(), "parameter `max_iter`: must be at least 1, got 0");
    }

    #[test]
    fn tol_must_be_positive_and_finite() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = GmmParams::default().tol(bad).check().unwrap_err();
            assert!(matches!(err, GmmParamsError::Tol(_)), "{err}");
            assert_eq!(err.param(), "tol");
        }
    }

    #[test]
    fn n_init_cannot_be_zero() {
        let err = GmmParams::default().n_init(0).check().unwrap_err();
        assert_eq!(err, GmmParamsError::NInit(0));
        assert_eq!(err.param(), "n_init");
    }

    #[test]
    fn bic_list_is_read_only_for_bic() {
        let given = |pairs: &[(&str, ParamValue)]| {
            let given = Params(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect());
            Params::resolve("gmm", &GmmParams::default().specs(), &given).unwrap()
        };
        let bad_list = ("bic_components", ParamValue::Str("1,x".into()));
        assert!(GmmParams::from_params(&given(std::slice::from_ref(&bad_list))).is_ok());
        let bic = ("components", ParamValue::Str("bic".into()));
        assert!(GmmParams::from_params(&given(&[bic.clone(), bad_list])).is_err());
        let list = ("bic_components", ParamValue::Str("3, 1".into()));
        let p = GmmParams::from_params(&given(&[bic, list])).unwrap().check().unwrap();
        assert_eq!((p.components(), p.bic_components()), (Components::Bic, &[3, 1][..]));
    }
}
