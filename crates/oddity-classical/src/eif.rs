//! The Extended Isolation Forest detector.

use ndarray::Array1;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector};

use crate::isolation::{check_sizes, fit_forest, Forest, ForestSpec, SplitRule};

/// Extended Isolation Forest (Hariri, Carrasco Kind and Brunner, "Extended Isolation Forest",
/// IEEE Transactions on Knowledge and Data Engineering, 2019; arXiv:1811.02141): an [`crate::IsolationForest`] whose nodes split
/// by random hyperplanes instead of axis-parallel cuts, which removes the axis-aligned
/// "ghost" bands of low scores.
///
/// At each node a slope `n` gets standard normal values on `extension_level + 1` coordinates
/// drawn uniformly without replacement (the other `d − 1 − extension_level` are 0) and an
/// intercept point `p` is drawn uniformly in the bounding box of the node's rows; rows with
/// `n · x ≤ n · p` go left. Trees are grown on `ψ = min(max_samples, n)` rows up to the
/// height limit `⌈log2 ψ⌉`, and the score is the isolation forest's
/// `s(x) = 2^(−E[h(x)] / c(ψ))` ∈ (0, 1] (higher = more anomalous).
///
/// `extension_level = None` (the default, `"full"` in configs) means `d − 1`: fully
/// extended. `extension_level = 0` is the axis-parallel forest: this detector then grows
/// exactly the trees of [`crate::IsolationForest`] with the same seed and returns its
/// scores bit for bit.
///
/// One deliberate difference from the authors' reference code: coordinates are drawn only
/// among the features that vary over the node's rows (fewer than `extension_level + 1` when
/// fewer vary) and a node whose rows are all identical becomes a leaf, as in scikit-learn's
/// isolation forest, so constant features never waste a split. A hyperplane may still leave
/// one side empty (an empty leaf contributes its depth), as in the reference code.
///
/// Randomness and threads: as [`crate::IsolationForest`] (one seeded stream per tree, scores
/// independent of `ctx.threads`).
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use oddity_classical::ExtendedIsolationForest;
/// use oddity_core::{Dataset, Detector, FitContext};
///
/// let train = Dataset::from_features(
///     "train",
///     array![[0.0, 0.0], [0.1, 0.2], [0.2, 0.1], [0.3, 0.3], [0.1, 0.1]],
/// );
/// let fitted = ExtendedIsolationForest::default().fit(&train, &FitContext::new(7))?;
/// let scores = fitted.score(&Dataset::from_features("test", array![[0.1, 0.1], [5.0, -5.0]]))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtendedIsolationForest {
    /// Number of trees (≥ 1).
    pub n_estimators: usize,
    /// Subsample size per tree; `min(max_samples, n)` rows are used (≥ 1).
    pub max_samples: usize,
    /// Number of slope coordinates set to be non-zero, minus one; `None` = `d − 1`.
    pub extension_level: Option<usize>,
}

impl Default for ExtendedIsolationForest {
    /// 100 trees on subsamples of 256 rows, fully extended.
    fn default() -> Self {
        Self { n_estimators: 100, max_samples: 256, extension_level: None }
    }
}

impl ExtendedIsolationForest {
    /// Checks the parameters: tree count and subsample size as
    /// [`crate::IsolationForest::new`], `extension_level ≥ 0` (its upper bound `d − 1` is
    /// checked at fit).
    pub fn new(
        n_estimators: i64,
        max_samples: i64,
        extension_level: Option<i64>,
    ) -> Result<Self, Error> {
        let (n_estimators, max_samples) = check_sizes(n_estimators, max_samples)?;
        let extension_level = match extension_level {
            Some(level) if level < 0 => {
                return Err(Error::InvalidParameter {
                    name: "extension_level".into(),
                    reason: format!("must be at least 0 (0 = axis-parallel), got {level}"),
                })
            }
            Some(level) => Some(level as usize),
            None => None,
        };
        Ok(Self { n_estimators, max_samples, extension_level })
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes). An
    /// `extension_level` above `d − 1` is an [`Error::InvalidParameter`].
    pub fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<FittedExtendedIsolationForest, Error> {
        let d = train.n_features();
        let level = match self.extension_level {
            Some(level) if d > 0 && level > d - 1 => {
                return Err(Error::InvalidParameter {
                    name: "extension_level".into(),
                    reason: format!(
                        "must be at most d - 1 = {} for {d} features, got {level}",
                        d - 1
                    ),
                })
            }
            Some(level) => level,
            None => d.saturating_sub(1),
        };
        let rule =
            if level == 0 { SplitRule::Axis } else { SplitRule::Oblique { nonzero: level + 1 } };
        let spec =
            ForestSpec { n_estimators: self.n_estimators, max_samples: self.max_samples, rule };
        Ok(FittedExtendedIsolationForest {
            forest: fit_forest(&spec, train, ctx)?,
            extension_level: level,
        })
    }
}

impl Detector for ExtendedIsolationForest {
    fn name(&self) -> &str {
        "eif"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`ExtendedIsolationForest`]: flat trees with sparse hyperplane splits, scored by
/// `2^(−E[h(x)] / c(ψ))`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedExtendedIsolationForest {
    forest: Forest,
    extension_level: usize,
}

impl FittedExtendedIsolationForest {
    /// The extension level used (`d − 1` when it was left to the default).
    pub fn extension_level(&self) -> usize {
        self.extension_level
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.forest.n_trees()
    }

    /// The subsample size `ψ = min(max_samples, n)` of every tree.
    pub fn subsample_size(&self) -> usize {
        self.forest.psi()
    }
}

impl FittedDetector for FittedExtendedIsolationForest {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.forest.score(data)
    }
}
