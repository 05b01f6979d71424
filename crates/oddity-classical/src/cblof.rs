//! The CBLOF detector: k-means clusters split into large and small ones.

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::neighbors::pool;
use crate::topk::squared;
use crate::KmeansParams;

/// Parameters of the `cblof` detector ([`CblofValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CblofParams(CblofValidParams);

impl Default for CblofParams {
    /// PyOD 3.6.7's `CBLOF()`: 8 clusters, `alpha` 0.9, `beta` 5, no weights, and the
    /// `KMeans` it builds (scikit-learn 1.9.1: one k-means++ run, `n_init = "auto"`).
    fn default() -> Self {
        Self(CblofValidParams { clusters: 8, alpha: 0.9, beta: 5.0, use_weights: false, n_init: 1 })
    }
}

impl CblofParams {
    /// Number of k-means clusters (≥ 2, at most the number of training rows).
    pub fn clusters(mut self, clusters: usize) -> Self {
        self.0.clusters = clusters;
        self
    }

    /// The share of training rows the large clusters hold at least (in (0, 1)).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// The size ratio between the smallest large and the largest small cluster (> 1).
    pub fn beta(mut self, beta: f64) -> Self {
        self.0.beta = beta;
        self
    }

    /// Multiplies each score by the size of the row's cluster (He et al.'s original factor).
    pub fn use_weights(mut self, use_weights: bool) -> Self {
        self.0.use_weights = use_weights;
        self
    }

    /// k-means runs from different seeded k-means++ initialisations, lowest inertia kept (≥ 1).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }
}

/// A rejected [`CblofParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CblofParamsError {
    /// Occurs when `clusters` is below 2 (no split into large and small is possible).
    #[error("parameter `clusters`: must be at least 2, got {0}")]
    Clusters(usize),
    /// Occurs when `alpha` is not strictly between 0 and 1.
    #[error("parameter `alpha`: must be strictly between 0 and 1, got {0}")]
    Alpha(f64),
    /// Occurs when `beta` is not above 1 and finite.
    #[error("parameter `beta`: must be finite and above 1, got {0}")]
    Beta(f64),
    /// Occurs when `n_init` is 0.
    #[error("parameter `n_init`: must be at least 1, got {0}")]
    NInit(usize),
}

impl ParamsError for CblofParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Clusters(_) => "clusters",
            Self::Alpha(_) => "alpha",
            Self::Beta(_) => "beta",
            Self::NInit(_) => "n_init",
        }
    }
}

impl DetectorParams for CblofParams {
    const NAME: &'static str = "cblof";
    const SUMMARY: &'static str = "cluster-based local outlier factor (He et al. 2003, as PyOD CBLOF): distance to the own large k-means cluster, or to the nearest large one";
    type Valid = CblofValidParams;
    type Fitted = FittedCblof;
    type Error = CblofParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "clusters",
                self.0.clusters,
                "number of k-means clusters (>= 2, at most the number of train rows)",
            ),
            ParamSpec::float(
                "alpha",
                self.0.alpha,
                "share of train rows the large clusters hold at least (0 < alpha < 1)",
            ),
            ParamSpec::float(
                "beta",
                self.0.beta,
                "size ratio between consecutive clusters that separates large from small (> 1)",
            ),
            ParamSpec::bool(
                "use_weights",
                self.0.use_weights,
                "multiply each score by the size of the row's cluster",
            ),
            ParamSpec::count(
                "n_init",
                self.0.n_init,
                "k-means runs from seeded k-means++ initialisations (lowest inertia kept)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .clusters(p.usize("clusters")?)
            .alpha(p.float("alpha")?)
            .beta(p.float("beta")?)
            .use_weights(p.bool("use_weights")?)
            .n_init(p.usize("n_init")?))
    }

    fn check(self) -> Result<CblofValidParams, CblofParamsError> {
        let p = self.0;
        if p.clusters < 2 {
            return Err(CblofParamsError::Clusters(p.clusters));
        }
        if !(p.alpha > 0.0 && p.alpha < 1.0) {
            return Err(CblofParamsError::Alpha(p.alpha));
        }
        if !(p.beta > 1.0 && p.beta.is_finite()) {
            return Err(CblofParamsError::Beta(p.beta));
        }
        if p.n_init < 1 {
            return Err(CblofParamsError::NInit(p.n_init));
        }
        Ok(p)
    }
}

/// Cluster-based local outlier factor (He, Xu and Deng 2003, "Discovering cluster-based
/// local outliers", Pattern Recognition Letters 24), in PyOD 3.6.7's variant (`CBLOF()`).
///
/// The training rows are clustered by oddity's k-means (the `kmeans` detector's Lloyd with
/// greedy k-means++, `max_iter` 300, `tol` 1e-4, as scikit-learn's `KMeans` that PyOD builds;
/// the assignment is the exact nearest centroid, ties to the lower index). The clusters are
/// sorted by size, largest first (equal sizes: the lower cluster index first), and split
/// after position `i` (1 ≤ i < k) where the first `i` clusters hold at least `alpha · n`
/// rows *and* the `i`-th is at least `beta` times the size of the next; without such an
/// `i`, the first where only the size rule on `alpha` holds, else the first where only the
/// `beta` ratio holds (PyOD's order of preference). The first `i` clusters are the large
/// ones. When no `i` satisfies either rule (clusters of similar sizes: `alpha · n` is only
/// reached with all of them, and no size drops by `beta`), PyOD raises ("Could not form
/// valid cluster separation"); oddity instead treats every cluster as large (the alpha rule's
/// limit `i = k`: there is no small cluster), so every row scores its distance to its own
/// centroid. This happens for some seeds on balanced data (letter's 8 clusters of 100 to
/// 142 of 960 rows).
///
/// A row is assigned to its nearest centroid; its score is its Euclidean distance to that
/// centroid when the cluster is large, else the distance to the nearest large centroid,
/// multiplied by the cluster's training size with `use_weights`. Rows are scored in
/// parallel on `FitContext::threads` threads (each row on its own), and the k-means fit
/// sums in a fixed order, so scores depend on the seed only, never on the thread count.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CblofValidParams {
    clusters: usize,
    alpha: f64,
    beta: f64,
    use_weights: bool,
    n_init: usize,
}

impl CblofValidParams {
    /// The number of k-means clusters.
    pub fn clusters(&self) -> usize {
        self.clusters
    }

    /// The share of rows the large clusters hold at least.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The size ratio that separates large from small clusters.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Whether scores are multiplied by the cluster size.
    pub fn use_weights(&self) -> bool {
        self.use_weights
    }

    /// The number of k-means runs.
    pub fn n_init(&self) -> usize {
        self.n_init
    }

    fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedCblof, Error> {
        train.check_finite()?;
        let kmeans = KmeansParams::default()
            .clusters(self.clusters)
            .n_init(self.n_init)
            .check()
            .map_err(|e| Error::Fit(format!("cblof: {e}")))?;
        let clustering =
            pool(ctx.threads)?.install(|| kmeans.centroids(train.features.view(), ctx.seed))?;
        let n = train.n_rows();
        let mut sizes = vec![0usize; self.clusters];
        for &l in &clustering.labels {
            sizes[l] += 1;
        }
        let split = split_clusters(&sizes, n, self.alpha, self.beta);
        let mut large = vec![false; self.clusters];
        for &c in &split {
            large[c] = true;
        }
        let centres = clustering.centroids.as_standard_layout();
        Ok(FittedCblof {
            centroids: centres.as_slice().expect("standard layout").to_vec(),
            d: train.n_features(),
            sizes,
            large,
            use_weights: self.use_weights,
            threads: ctx.threads.max(1),
        })
    }
}

/// The large clusters (largest first) as PyOD's `_set_small_large_clusters`; every cluster
/// when neither rule holds anywhere (where PyOD raises).
fn split_clusters(sizes: &[usize], n: usize, alpha: f64, beta: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]));
    let (mut by_alpha, mut by_beta, mut both) = (None, None, None);
    let mut held = 0;
    for i in 1..sizes.len() {
        held += sizes[order[i - 1]];
        let a = held as f64 >= n as f64 * alpha;
        let b = sizes[order[i - 1]] as f64 / sizes[order[i]] as f64 >= beta;
        if a && b && both.is_none() {
            both = Some(i);
        }
        if a && by_alpha.is_none() {
            by_alpha = Some(i);
        }
        if b && by_beta.is_none() {
            by_beta = Some(i);
        }
    }
    order.truncate(both.or(by_alpha).or(by_beta).unwrap_or(sizes.len()));
    order
}

impl Detector for CblofValidParams {
    fn name(&self) -> &str {
        CblofParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`CblofValidParams`]: the centroids, their training sizes and which are large.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedCblof {
    /// Centroids, row-major `k × d`.
    centroids: Vec<f64>,
    d: usize,
    sizes: Vec<usize>,
    large: Vec<bool>,
    use_weights: bool,
    threads: usize,
}

crate::saved!(FittedCblof, "cblof");

impl FittedCblof {
    /// The training rows of each cluster.
    pub fn cluster_sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Whether each cluster is large.
    pub fn large_clusters(&self) -> &[bool] {
        &self.large
    }

    fn centre(&self, c: usize) -> &[f64] {
        &self.centroids[c * self.d..(c + 1) * self.d]
    }

    fn score_row(&self, row: &[f64]) -> f64 {
        let (mut label, mut best) = (0, f64::INFINITY);
        for c in 0..self.sizes.len() {
            let s = squared(row, self.centre(c));
            if s < best {
                (label, best) = (c, s);
            }
        }
        let distance = if self.large[label] {
            best.sqrt()
        } else {
            (0..self.sizes.len())
                .filter(|c| self.large[*c])
                .map(|c| squared(row, self.centre(c)).sqrt())
                .fold(f64::INFINITY, f64::min)
        };
        if self.use_weights {
            distance * self.sizes[label] as f64
        } else {
            distance
        }
    }
}

impl FittedDetector for FittedCblof {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.d)?;
        crate::rows::score_rows(data, self.threads, |row| self.score_row(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn params_are_checked() {
        let p = CblofParams::default;
        assert_eq!(p().clusters(1).check().unwrap_err(), CblofParamsError::Clusters(1));
        for a in [0.0, 1.0, f64::NAN] {
            let err = p().alpha(a).check().unwrap_err();
            assert!(matches!(err, CblofParamsError::Alpha(_)) && err.param() == "alpha");
        }
        for b in [1.0, 0.5, f64::INFINITY, f64::NAN] {
            let err = p().beta(b).check().unwrap_err();
            assert!(matches!(err, CblofParamsError::Beta(_)) && err.param() == "beta");
        }
        assert_eq!(p().n_init(0).check().unwrap_err(), CblofParamsError::NInit(0));
        assert_eq!(
            p().clusters(1).check().unwrap_err().to_string(),
            "parameter `clusters`: must be at least 2, got 1"
        );
    }

    #[test]
    fn split_follows_pyods_preference() {
        // Sizes 50, 30, 10, 5, 5 (n 100, alpha 0.9, beta 5): alpha holds from i = 3 (90
        // rows), beta nowhere (50/30, 30/10, 10/5, 5/5): the split is after 3.
        assert_eq!(split_clusters(&[5, 50, 10, 30, 5], 100, 0.9, 5.0), vec![1, 3, 2]);
        // Sizes 60, 10, 30: sorted 60, 30, 10; alpha holds at 2 (90 rows), and so does beta
        // 3 (30/10; 60/30 = 2 at 1 does not): both at 2.
        assert_eq!(split_clusters(&[60, 10, 30], 100, 0.9, 3.0), vec![0, 2]);
        // Sizes 80, 8, 7, 5: alpha first holds at 3 (95 rows), beta only at 1 (80/8 = 10),
        // never both: alpha's 3 is preferred.
        assert_eq!(split_clusters(&[80, 8, 7, 5], 100, 0.9, 5.0), vec![0, 1, 2]);
        // With alpha 0.99 no alpha split; beta at 1.
        assert_eq!(split_clusters(&[80, 8, 7, 5], 100, 0.99, 5.0), vec![0]);
        // Equal sizes: neither rule ever holds (PyOD raises): every cluster is large; ties keep
        // the lower index first.
        assert_eq!(split_clusters(&[10, 12, 10, 10], 42, 0.9, 5.0), vec![1, 0, 2, 3]);
        assert_eq!(split_clusters(&[10, 10, 10, 10], 40, 0.7, 5.0), vec![0, 1, 2]);
    }

    #[test]
    fn oracle_two_large_one_small() {
        // Clusters around 0 and 10 (large, 5 rows each) and one far row at (30, 0): with 3
        // clusters, alpha 0.9 (10 of 11 rows) and beta 5 (5/1), the far row's cluster is small.
        let mut rows = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0)] {
            for (dx, dy) in [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                rows.extend([cx + dx, cy + dy]);
            }
        }
        rows.extend([30.0, 0.0]);
        let train = Dataset::from_features("t", Array2::from_shape_vec((11, 2), rows).unwrap());
        let cblof = CblofParams::default().clusters(3).n_init(5).check().unwrap();
        let f = cblof.fit_model(&train, &FitContext::new(2)).unwrap();
        let mut sizes = f.cluster_sizes().to_vec();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![1, 5, 5]);
        let test = array![[1.0, 0.0], [29.0, 0.0], [10.0, 2.0]];
        let s = f.score(&Dataset::from_features("s", test.clone())).unwrap();
        // (1, 0) is 1 from centre (0, 0); (29, 0) belongs to the small cluster: 19 from
        // (10, 0); (10, 2) is 2 from (10, 0).
        for (g, w) in s.iter().zip([1.0, 19.0, 2.0]) {
            assert!((g - w).abs() < 1e-12, "{s}");
        }
        // With weights: times 5, 1, 5.
        let weighted = CblofParams::default().clusters(3).n_init(5).use_weights(true);
        let f = weighted.check().unwrap().fit(&train, &FitContext::new(2)).unwrap();
        let s = f.score(&Dataset::from_features("s", test)).unwrap();
        for (g, w) in s.iter().zip([5.0, 19.0, 10.0]) {
            assert!((g - w).abs() < 1e-12, "{s}");
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let cblof = CblofParams::default().check().unwrap();
        let few = Dataset::from_features("t", Array2::from_elem((5, 2), 1.0));
        assert!(matches!(cblof.fit(&few, &FitContext::new(0)), Err(Error::Fit(_))));
    }

    #[test]
    fn same_seed_any_thread_count() {
        let x = Array2::from_shape_fn((3000, 4), |(i, j)| {
            ((i * 13 + j * 7) % 31) as f64 / (1 + i % 5) as f64
        });
        let train = Dataset::from_features("t", x);
        let cblof = CblofParams::default().check().unwrap();
        let one = cblof.fit(&train, &FitContext::new(4)).unwrap().score(&train).unwrap();
        let ctx = FitContext::new(4).with_threads(4);
        let four = cblof.fit(&train, &ctx).unwrap().score(&train).unwrap();
        assert_eq!(one, four);
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<CblofParams>();
        is_send_sync::<CblofValidParams>();
        is_send_sync::<FittedCblof>();
    }
}
