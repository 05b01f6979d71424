//! The Isolation Forest detector.

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::isolation::{fit_forest, Forest, ForestSpec, SplitRule, MAX_SAMPLES, MAX_TREES};

/// Parameters of the `iforest` detector ([`IForestValidParams`] once checked); the defaults
/// are 100 trees on subsamples of 256 rows, as Liu et al. and scikit-learn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IForestParams(IForestValidParams);

impl Default for IForestParams {
    fn default() -> Self {
        Self(IForestValidParams { n_estimators: 100, max_samples: 256, max_features: 0 })
    }
}

impl IForestParams {
    /// Number of trees (between 1 and 10⁶).
    pub fn n_estimators(mut self, n_estimators: usize) -> Self {
        self.0.n_estimators = n_estimators;
        self
    }

    /// Subsample size per tree; `min(max_samples, n)` rows are used (between 1 and 2³⁰).
    pub fn max_samples(mut self, max_samples: usize) -> Self {
        self.0.max_samples = max_samples;
        self
    }

    /// Features each tree may split on, drawn at random per tree (scikit-learn's integer
    /// `max_features`); 0 = every feature (the default).
    pub fn max_features(mut self, max_features: usize) -> Self {
        self.0.max_features = max_features;
        self
    }
}

/// A rejected [`IForestParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IForestParamsError {
    /// Occurs when `n_estimators` is 0 or above 10⁶.
    #[error("parameter `n_estimators`: must be between 1 and 1000000, got {0}")]
    NEstimators(usize),
    /// Occurs when `max_samples` is 0 or above 2³⁰.
    #[error("parameter `max_samples`: must be between 1 and 1073741824, got {0}")]
    MaxSamples(usize),
}

impl ParamsError for IForestParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::NEstimators(_) => "n_estimators",
            Self::MaxSamples(_) => "max_samples",
        }
    }
}

impl DetectorParams for IForestParams {
    const NAME: &'static str = "iforest";
    const SUMMARY: &'static str = "isolation forest (Liu et al. 2008): 2^(-mean path length / c(psi)) in (0, 1], scikit-learn's -score_samples";
    type Valid = IForestValidParams;
    type Fitted = FittedIForest;
    type Error = IForestParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("n_estimators", self.0.n_estimators, "number of trees (>= 1)"),
            ParamSpec::count(
                "max_samples",
                self.0.max_samples,
                "rows per tree, min(max_samples, n) are used (>= 1)",
            ),
            ParamSpec::count(
                "max_features",
                self.0.max_features,
                "features drawn per tree to split on (0 = all; scikit-learn's integer max_features)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .n_estimators(p.usize("n_estimators")?)
            .max_samples(p.usize("max_samples")?)
            .max_features(p.usize("max_features")?))
    }

    fn check(self) -> Result<IForestValidParams, IForestParamsError> {
        let p = &self.0;
        if !(1..=MAX_TREES).contains(&p.n_estimators) {
            return Err(IForestParamsError::NEstimators(p.n_estimators));
        }
        if !(1..=MAX_SAMPLES).contains(&p.max_samples) {
            return Err(IForestParamsError::MaxSamples(p.max_samples));
        }
        Ok(self.0)
    }
}

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
/// use oddity_classical::IForestParams;
/// use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
///
/// let train = Dataset::from_features("train", array![[0.0], [0.1], [0.2], [0.3], [0.4]]);
/// let fitted = IForestParams::default().check()?.fit(&train, &FitContext::new(7))?;
/// let scores = fitted.score(&Dataset::from_features("test", array![[0.2], [9.0]]))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IForestValidParams {
    n_estimators: usize,
    max_samples: usize,
    max_features: usize,
}

impl IForestValidParams {
    /// Number of trees.
    pub fn n_estimators(&self) -> usize {
        self.n_estimators
    }

    /// Subsample size per tree; `min(max_samples, n)` rows are used.
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// Features each tree may split on (0 = every feature).
    pub fn max_features(&self) -> usize {
        self.max_features
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedIForest, Error> {
        let spec = ForestSpec {
            n_estimators: self.n_estimators,
            max_samples: self.max_samples,
            rule: SplitRule::Axis,
            max_features: if self.max_features == 0 { usize::MAX } else { self.max_features },
        };
        Ok(FittedIForest { forest: fit_forest(&spec, train, ctx)? })
    }
}

impl Detector for IForestValidParams {
    fn name(&self) -> &str {
        IForestParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted isolation forest ([`IForestValidParams`]): flat trees scored by `2^(−E[h(x)] / c(ψ))`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedIForest {
    forest: Forest,
}

impl FittedIForest {
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

crate::saved!(FittedIForest, "iforest");

impl FittedDetector for FittedIForest {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.forest.score(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_estimators_must_be_between_1_and_a_million() {
        for bad in [0, 1_000_001] {
            let err = IForestParams::default().n_estimators(bad).check().unwrap_err();
            assert_eq!(err, IForestParamsError::NEstimators(bad));
            assert_eq!(err.param(), "n_estimators");
        }
    }

    #[test]
    fn max_samples_must_be_between_1_and_2_pow_30() {
        for bad in [0, (1 << 30) + 1] {
            let err = IForestParams::default().max_samples(bad).check().unwrap_err();
            assert_eq!(err, IForestParamsError::MaxSamples(bad));
            assert_eq!(err.param(), "max_samples");
        }
    }

    #[test]
    fn max_features_restricts_each_tree_to_drawn_features() {
        // Feature 1 is constant: a tree that may only split on it is a single leaf.
        let x = ndarray::Array2::from_shape_fn((300, 2), |(i, j)| {
            if j == 0 {
                (i * 37 % 101) as f64
            } else {
                1.0
            }
        });
        let train = Dataset::from_features("t", x);
        let fit = |m: usize| {
            let p = IForestParams::default().max_features(m).check().unwrap();
            p.fit_model(&train, &FitContext::new(3)).unwrap()
        };
        let (all, one) = (fit(0), fit(1));
        let singles = one.forest.trees_with_one_node();
        assert!(singles > 20 && singles < 80, "{singles} single-leaf trees of 100");
        assert_eq!(all.forest.trees_with_one_node(), 0);
        assert_eq!(fit(2), all, "max_features >= d draws nothing");
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<IForestParams>();
        is_send_sync::<IForestValidParams>();
        is_send_sync::<FittedIForest>();
    }
}
