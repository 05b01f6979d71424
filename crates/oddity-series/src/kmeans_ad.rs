//! KMeansAD (TSB-AD's `KMeansAD_U`, from TimeEval): k-means on the z-normalised windows of a
//! series, each window scored by its distance to its centroid, each time step by the mean
//! over the windows covering it.

use oddity_classical::KmeansParams;
use oddity_core::{Detector, DetectorParams, Error, ParamSpec, Params};

use crate::sub::{model_error, SubModel, SubParams};
use crate::windows::{PointRule, WindowNorm};

/// `kmeans_ad`'s k-means: `clusters` centroids of the windows, k-means++ seeded (one run, as
/// scikit-learn's `n_init = "auto"`), Lloyd's iterations up to `max_iter` or a centroid
/// shift below `tol` times the mean feature variance (scikit-learn's rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmeansAd {
    clusters: usize,
    n_init: usize,
    max_iter: usize,
    tol: f64,
}

impl Default for KmeansAd {
    fn default() -> Self {
        Self { clusters: 10, n_init: 1, max_iter: 300, tol: 1e-4 }
    }
}

impl KmeansAd {
    /// Number of clusters (TSB-AD's `n_clusters`).
    pub fn clusters(mut self, clusters: usize) -> Self {
        self.clusters = clusters;
        self
    }

    /// Number of k-means++ restarts, the best (lowest inertia) kept.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Most Lloyd iterations per run.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Convergence tolerance, relative to the mean feature variance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
}

impl SubModel for KmeansAd {
    const NAME: &'static str = "kmeans_ad";
    const SUMMARY: &'static str = "TSB-AD's KMeansAD: distance of each z-normalised period window (rank 2) to its k-means centroid, mean over covering windows";
    const INNER: &'static str = "kmeans";
    const PERIOD_RANK: usize = 2;
    const NORM: WindowNorm = WindowNorm::Window;
    const POINTS: PointRule = PointRule::Mean;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "clusters",
                self.clusters,
                "number of k-means clusters (TSB-AD's n_clusters)",
            ),
            ParamSpec::count("n_init", self.n_init, "k-means++ restarts, the lowest inertia kept"),
            ParamSpec::count("max_iter", self.max_iter, "most Lloyd iterations per run"),
            ParamSpec::float(
                "tol",
                self.tol,
                "convergence tolerance relative to the mean feature variance",
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

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        let p = KmeansParams::default()
            .clusters(self.clusters)
            .n_init(self.n_init)
            .max_iter(self.max_iter)
            .tol(self.tol);
        Ok(Box::new(p.check().map_err(model_error)?))
    }
}

/// Parameters of `kmeans_ad`.
pub type KmeansAdParams = SubParams<KmeansAd>;
