//! The parameters of the k-means detector: [`KmeansParams`] → [`KmeansValidParams`].

use oddity_core::{DetectorParams, Error, ParamSpec, Params};

use super::{FittedKmeans, KmeansParamsError};

/// Parameters of the `kmeans` detector ([`KmeansValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmeansParams(KmeansValidParams);

impl Default for KmeansParams {
    fn default() -> Self {
        Self(KmeansValidParams { clusters: 8, n_init: 10, max_iter: 300, tol: 1e-4 })
    }
}

impl KmeansParams {
    /// Number of clusters (≥ 1, at most the number of training rows).
    pub fn clusters(mut self, clusters: usize) -> Self {
        self.0.clusters = clusters;
        self
    }

    /// Runs from different seeded k-means++ initialisations, the lowest inertia kept (≥ 1).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }

    /// Lloyd iterations per run at most (≥ 1).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Relative tolerance on the centroid shift (finite, ≥ 0).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
}

impl DetectorParams for KmeansParams {
    const NAME: &'static str = "kmeans";
    const SUMMARY: &'static str = "Euclidean distance to the nearest k-means centroid (greedy k-means++ init, best of n_init Lloyd runs)";
    type Valid = KmeansValidParams;
    type Fitted = FittedKmeans;
    type Error = KmeansParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "clusters",
                self.0.clusters,
                "number of clusters (at most the number of train rows)",
            ),
            ParamSpec::count(
                "n_init",
                self.0.n_init,
                "runs from different seeded k-means++ initialisations (lowest inertia kept)",
            ),
            ParamSpec::count(
                "max_iter",
                self.0.max_iter,
                "Lloyd iterations per run at most",
            ),
            ParamSpec::float(
                "tol",
                self.0.tol,
                "a run stops when the summed squared centroid shift is at most tol times the mean feature variance",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .clusters(p.usize("clusters")?)
            .n_init(p.usize("n_init")?)
            .max_iter(p.usize("max_iter")?)
            .tol(p.float("tol")?))
    }

    fn check(self) -> Result<KmeansValidParams, KmeansParamsError> {
        let p = &self.0;
        if p.clusters < 1 {
            return Err(KmeansParamsError::Clusters(p.clusters));
        }
        if p.n_init < 1 {
            return Err(KmeansParamsError::NInit(p.n_init));
        }
        if p.max_iter < 1 {
            return Err(KmeansParamsError::MaxIter(p.max_iter));
        }
        if !(p.tol.is_finite() && p.tol >= 0.0) {
            return Err(KmeansParamsError::Tol(p.tol));
        }
        Ok(self.0)
    }
}

/// k-means clustering (Lloyd 1982, with the greedy k-means++ seeding of Arthur &
/// Vassilvitskii 2007 as in scikit-learn); the score of a row is its Euclidean distance to
/// the nearest centroid, the cluster-distance baseline of PyOD-style benchmarks.
///
/// `n_init` seeded runs are made and the centroids with the lowest inertia kept. A run stops
/// when the assignment no longer changes, when the centroids move by at most `tol` times the
/// mean feature variance (summed squared shift, scikit-learn's rule), or after `max_iter`
/// iterations. An emptied cluster is moved to the row farthest from its centroid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KmeansValidParams {
    pub(crate) clusters: usize,
    pub(crate) n_init: usize,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
}

impl KmeansValidParams {
    /// Number of clusters (≥ 1, at most the number of training rows).
    pub fn clusters(&self) -> usize {
        self.clusters
    }

    /// Runs from different seeded k-means++ initialisations, the lowest inertia kept (≥ 1).
    pub fn n_init(&self) -> usize {
        self.n_init
    }

    /// Lloyd iterations per run at most (≥ 1).
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }

    /// Relative tolerance on the centroid shift (finite, ≥ 0).
    pub fn tol(&self) -> f64 {
        self.tol
    }
}

#[cfg(test)]
mod tests {
    use oddity_core::ParamsError;

    use super::*;

    #[test]
    fn counts_cannot_be_zero() {
        let p = KmeansParams::default;
        assert_eq!(p().clusters(0).check(), Err(KmeansParamsError::Clusters(0)));
        assert_eq!(p().n_init(0).check(), Err(KmeansParamsError::NInit(0)));
        assert_eq!(p().max_iter(0).check(), Err(KmeansParamsError::MaxIter(0)));
        let err = p().clusters(0).check().unwrap_err();
        assert_eq!(err.to_string(), "parameter `clusters`: must be at least 1, got 0");
        assert_eq!(p().n_init(0).check().unwrap_err().param(), "n_init");
        assert_eq!(p().max_iter(0).check().unwrap_err().param(), "max_iter");
    }

    #[test]
    fn tol_must_be_finite_and_non_negative() {
        for bad in [-1e-9, f64::NAN, f64::INFINITY] {
            let err = KmeansParams::default().tol(bad).check().unwrap_err();
            assert!(matches!(err, KmeansParamsError::Tol(_)), "{err}");
            assert_eq!(err.param(), "tol");
        }
    }
}
