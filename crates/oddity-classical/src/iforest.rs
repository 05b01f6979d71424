//! The Isolation Forest detector.

use ndarray::Array1;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector};

use crate::isolation::{check_sizes, fit_forest, Forest, ForestSpec, SplitRule};

/// Isolation Forest (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008): `n_estimators`
/// random trees, each grown on `ψ = min(max_samples, n)` training rows drawn without
/// replacement, split by a feature drawn uniformly among those not constant in the node at
/// a threshold drawn uniformly in the node's range, up to the height limit `⌈log2 ψ⌉`.
///
/// The score of a row is `s(x) = 2^(−E[h(x)] / c(ψ))` ∈ (0, 1], where `h(x)` is the depth of
/// the leaf the row reaches plus `c(leaf size)`, the mean is over the trees, and
/// `c(n) = 2 (ln(n − 1) + γ) − 2 (n − 1) / n` is the average path length of an unsuccessful
/// search in a binary search tree ([`crate::average_path_length`]). Higher is more
/// anomalous; around 0.5 and below is normal. This is scikit-learn's `−score_samples`
/// (PyOD's `IForest.decision_function` is an increasing affine map of it, so rankings and
/// ROC-AUC are the same). As scikit-learn: features are drawn with `max_features = 1.0`,
/// and with `ψ = 1` (a single training row) every row scores 0.5; when every training row is
/// identical no split is possible and every row also scores 0.5.
///
/// Randomness: tree `t` draws from its own stream seeded with
/// `derive_seed(ctx.seed, ["isolation-tree", t])`, trees are grown in parallel on a local
/// pool of `ctx.threads` threads (also used for scoring) and summed in tree order, so the
/// scores depend on the seed only, never on the thread count.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use oddity_classical::IsolationForest;
/// use oddity_core::{Dataset, Detector, FitContext};
///
/// let train = Dataset::from_features("train", array![[0.0], [0.1], [0.2], [0.3], [0.4]]);
/// let fitted = IsolationForest::default().fit(&train, &FitContext::new(7))?;
/// let scores = fitted.score(&Dataset::from_features("test", array![[0.2], [9.0]]))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IsolationForest {
    /// Number of trees (≥ 1).
    pub n_estimators: usize,
    /// Subsample size per tree; `min(max_samples, n)` rows are used (≥ 1).
    pub max_samples: usize,
}

impl Default for IsolationForest {
    /// 100 trees on subsamples of 256 rows, as Liu et al. and scikit-learn.
    fn default() -> Self {
        Self { n_estimators: 100, max_samples: 256 }
    }
}

impl IsolationForest {
    /// Checks the parameters: both between 1 and a sanity bound (10⁶ trees, 2³⁰ rows).
    pub fn new(n_estimators: i64, max_samples: i64) -> Result<Self, Error> {
        let (n_estimators, max_samples) = check_sizes(n_estimators, max_samples)?;
        Ok(Self { n_estimators, max_samples })
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes).
    pub fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<FittedIsolationForest, Error> {
        let spec = ForestSpec {
            n_estimators: self.n_estimators,
            max_samples: self.max_samples,
            rule: SplitRule::Axis,
        };
        Ok(FittedIsolationForest { forest: fit_forest(&spec, train, ctx)? })
    }
}

impl Detector for IsolationForest {
    fn name(&self) -> &str {
        "iforest"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`IsolationForest`]: flat trees scored by `2^(−E[h(x)] / c(ψ))`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedIsolationForest {
    forest: Forest,
}

impl FittedIsolationForest {
    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.forest.n_trees()
    }

    /// The subsample size `ψ = min(max_samples, n)` of every tree.
    pub fn subsample_size(&self) -> usize {
        self.forest.psi()
    }

    /// Total number of nodes over all trees.
    pub fn n_nodes(&self) -> usize {
        self.forest.n_nodes()
    }
}

impl FittedDetector for FittedIsolationForest {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.forest.score(data)
    }
}
