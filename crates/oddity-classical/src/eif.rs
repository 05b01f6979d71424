//! The Extended Isolation Forest detector.

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, ParamValue,
    Params, ParamsError,
};

use crate::isolation::{fit_forest, Forest, ForestSpec, SplitRule, MAX_SAMPLES, MAX_TREES};

/// Parameters of the `eif` detector ([`EifValidParams`] once checked); the defaults are
/// 100 trees on subsamples of 256 rows, fully extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EifParams(EifValidParams);

impl Default for EifParams {
    fn default() -> Self {
        Self(EifValidParams { n_estimators: 100, max_samples: 256, extension_level: None })
    }
}

impl EifParams {
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

    /// Number of slope coordinates set to be non-zero, minus one; `None` (`"full"` in configs)
    /// means `d − 1`; its upper bound `d − 1` is checked at fit.
    pub fn extension_level(mut self, extension_level: Option<usize>) -> Self {
        self.0.extension_level = extension_level;
        self
    }
}

/// A rejected [`EifParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EifParamsError {
    /// Occurs when `n_estimators` is 0 or above 10⁶.
    #[error("parameter `n_estimators`: must be between 1 and 1000000, got {0}")]
    NEstimators(usize),
    /// Occurs when `max_samples` is 0 or above 2³⁰.
    #[error("parameter `max_samples`: must be between 1 and 1073741824, got {0}")]
    MaxSamples(usize),
}

impl ParamsError for EifParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::NEstimators(_) => "n_estimators",
            Self::MaxSamples(_) => "max_samples",
        }
    }
}

impl DetectorParams for EifParams {
    const NAME: &'static str = "eif";
    const SUMMARY: &'static str = "extended isolation forest (Hariri et al. 2019): random-hyperplane splits, score 2^(-mean path length / c(psi))";
    type Valid = EifValidParams;
    type Fitted = FittedEif;
    type Error = EifParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("n_estimators", self.0.n_estimators, "number of trees (>= 1)"),
            ParamSpec::count(
                "max_samples",
                self.0.max_samples,
                "rows per tree, min(max_samples, n) are used (>= 1)",
            ),
            ParamSpec::int_or(
                "extension_level",
                &["full"],
                match self.0.extension_level {
                    Some(level) => ParamValue::Int(level as i64),
                    None => ParamValue::Str("full".into()),
                },
                "non-zero slope coordinates minus 1: 0 = axis-parallel (iforest), full = d - 1",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .n_estimators(p.usize("n_estimators")?)
            .max_samples(p.usize("max_samples")?)
            .extension_level(extension_level(p)?))
    }

    fn check(self) -> Result<EifValidParams, EifParamsError> {
        let p = &self.0;
        if !(1..=MAX_TREES).contains(&p.n_estimators) {
            return Err(EifParamsError::NEstimators(p.n_estimators));
        }
        if !(1..=MAX_SAMPLES).contains(&p.max_samples) {
            return Err(EifParamsError::MaxSamples(p.max_samples));
        }
        Ok(self.0)
    }
}

/// The `extension_level` config value: an integer ≥ 0, or `"full"`.
fn extension_level(p: &Params) -> Result<Option<usize>, Error> {
    match p.value("extension_level")? {
        ParamValue::Int(level) => {
            usize::try_from(*level).map(Some).map_err(|_| Error::InvalidParameter {
                name: "extension_level".into(),
                reason: format!("must be at least 0 (0 = axis-parallel), got {level}"),
            })
        }
        _ => Ok(None),
    }
}

/// Extended Isolation Forest (Hariri, Carrasco Kind and Brunner, "Extended Isolation Forest",
/// IEEE Transactions on Knowledge and Data Engineering, 2019; arXiv:1811.02141): an isolation
/// forest ([`crate::IForestValidParams`]) whose nodes split
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
/// exactly the trees of [`crate::IForestValidParams`] with the same seed and returns its
/// scores bit for bit.
///
/// One deliberate difference from the authors' reference code: coordinates are drawn only
/// among the features that vary over the node's rows (fewer than `extension_level + 1` when
/// fewer vary) and a node whose rows are all identical becomes a leaf, as in scikit-learn's
/// isolation forest, so constant features never waste a split. A hyperplane may still leave
/// one side empty (an empty leaf contributes its depth), as in the reference code.
///
/// Randomness and threads: as [`crate::IForestValidParams`] (one seeded stream per tree, scores
/// independent of `ctx.threads`).
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use oddity_classical::EifParams;
/// use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
///
/// let train = Dataset::from_features(
///     "train",
///     array![[0.0, 0.0], [0.1, 0.2], [0.2, 0.1], [0.3, 0.3], [0.1, 0.1]],
/// );
/// let fitted = EifParams::default().check()?.fit(&train, &FitContext::new(7))?;
/// let scores = fitted.score(&Dataset::from_features("test", array![[0.1, 0.1], [5.0, -5.0]]))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EifValidParams {
    n_estimators: usize,
    max_samples: usize,
    extension_level: Option<usize>,
}

impl EifValidParams {
    /// Number of trees.
    pub fn n_estimators(&self) -> usize {
        self.n_estimators
    }

    /// Subsample size per tree; `min(max_samples, n)` rows are used.
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// Number of slope coordinates set to be non-zero, minus one; `None` = `d − 1`.
    pub fn extension_level(&self) -> Option<usize> {
        self.extension_level
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes). An
    /// `extension_level` above `d − 1` is an [`Error::InvalidParameter`].
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedEif, Error> {
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
        let spec = ForestSpec {
            n_estimators: self.n_estimators,
            max_samples: self.max_samples,
            rule,
            max_features: usize::MAX,
        };
        Ok(FittedEif { forest: fit_forest(&spec, train, ctx)?, extension_level: level })
    }
}

impl Detector for EifValidParams {
    fn name(&self) -> &str {
        EifParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted extended isolation forest ([`EifValidParams`]): flat trees with sparse hyperplane
/// splits, scored by
/// `2^(−E[h(x)] / c(ψ))`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedEif {
    forest: Forest,
    extension_level: usize,
}

impl FittedEif {
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

crate::saved!(FittedEif, "eif");

impl FittedDetector for FittedEif {
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
            let err = EifParams::default().n_estimators(bad).check().unwrap_err();
            assert_eq!(err, EifParamsError::NEstimators(bad));
            assert_eq!(err.param(), "n_estimators");
        }
    }

    #[test]
    fn max_samples_must_be_between_1_and_2_pow_30() {
        for bad in [0, (1 << 30) + 1] {
            let err = EifParams::default().max_samples(bad).check().unwrap_err();
            assert_eq!(err, EifParamsError::MaxSamples(bad));
            assert_eq!(err.param(), "max_samples");
        }
    }

    #[test]
    fn extension_level_cannot_be_negative() {
        let p = Params([("extension_level".to_string(), ParamValue::Int(-1))].into());
        let err = extension_level(&p).unwrap_err();
        assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "extension_level"));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<EifParams>();
        is_send_sync::<EifValidParams>();
        is_send_sync::<FittedEif>();
    }
}
