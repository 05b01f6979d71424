//! The random baseline: what a metric gives to scores that know nothing.

use std::convert::Infallible;

use ndarray::Array1;
use oddity_core::{
    derive_seed, rng, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector,
    ParamSpec, Params,
};
use rand::Rng as _;

/// Parameters of the random baseline: there are none ([`RandomValidParams`] once checked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RandomParams(RandomValidParams);

impl DetectorParams for RandomParams {
    const NAME: &'static str = "random";
    const SUMMARY: &'static str = "random baseline: seeded uniform scores in [0, 1), independent of the rows (the chance level of every metric)";
    type Valid = RandomValidParams;
    type Fitted = FittedRandom;
    type Error = Infallible;

    fn specs(&self) -> Vec<ParamSpec> {
        Vec::new()
    }

    fn from_params(_: &Params) -> Result<Self, Error> {
        Ok(Self::default())
    }

    fn check(self) -> Result<RandomValidParams, Infallible> {
        Ok(self.0)
    }
}

/// Scores drawn uniformly from `[0, 1)`, independent of the rows: the chance level of every
/// metric (ROC-AUC ≈ 0.5, average precision ≈ the anomaly rate, and the often surprisingly
/// high point-adjusted F1). The runner adds it to every experiment unless
/// `[evaluate] random_baseline = false`.
///
/// Seeded by the job's seed; scoring the same number of rows again gives the same scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RandomValidParams;

/// A fitted random baseline: only its seed and the feature count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FittedRandom {
    seed: u64,
    n_features: usize,
}

impl Detector for RandomValidParams {
    fn name(&self) -> &str {
        RandomParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        if train.n_rows() == 0 {
            return Err(Error::EmptyData("training data has no rows".into()));
        }
        train.check_finite()?;
        Ok(Box::new(FittedRandom { seed: ctx.seed, n_features: train.n_features() }))
    }
}

crate::saved!(FittedRandom, "random");

impl FittedDetector for FittedRandom {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.n_features)?;
        let n = data.n_rows();
        let mut r = rng(derive_seed(self.seed, &["random", &n.to_string()]));
        Ok((0..n).map(|_| r.gen::<f64>()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn uniform_seeded_and_repeatable() {
        let train = Dataset::from_features("t", Array2::zeros((10, 2)));
        let test = Dataset::from_features("s", Array2::ones((5000, 2)));
        let a = RandomValidParams.fit(&train, &FitContext::new(1)).unwrap().score(&test).unwrap();
        let b = RandomValidParams.fit(&train, &FitContext::new(1)).unwrap().score(&test).unwrap();
        let c = RandomValidParams.fit(&train, &FitContext::new(2)).unwrap().score(&test).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|s| (0.0..1.0).contains(s)));
        let mean = a.mean().unwrap();
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let empty = Dataset::from_features("t", Array2::zeros((0, 2)));
        assert!(RandomValidParams.fit(&empty, &FitContext::new(0)).is_err());
        let train = Dataset::from_features("t", Array2::zeros((3, 2)));
        let fitted = RandomValidParams.fit(&train, &FitContext::new(0)).unwrap();
        assert!(fitted.score(&Dataset::from_features("s", Array2::zeros((2, 3)))).is_err());
    }
}
