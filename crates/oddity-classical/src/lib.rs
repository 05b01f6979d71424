//! Classical anomaly detectors behind the [`oddity_core::Detector`] trait.
//!
//! Every detector lives in its own module in linfa's shape: `FooParams` (defaults and a
//! consuming builder) → [`oddity_core::DetectorParams::check`] → `FooValidParams`, the
//! [`oddity_core::Detector`] that fits → `FittedFoo`. Each has one line in [`detectors`],
//! the list the runner and `oddity list` read. Scores are higher for more anomalous rows and always
//! finite.
//!
//! # Example: a z-score detector on an `Array2`
//!
//! ```
//! use ndarray::array;
//! use oddity_classical::ZScoreParams;
//! use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
//!
//! let train = Dataset::from_features("train", array![[1.0, 10.0], [3.0, 10.0]]);
//! let fitted = ZScoreParams::default().check()?.fit(&train, &FitContext::new(0))?;
//! let scores = fitted.score(&Dataset::from_features("test", array![[2.0, 10.0], [7.0, 12.0]]))?;
//! // Column 0 has mean 2 and std 1; column 1 is constant, so its std counts as 1.
//! assert_eq!(scores.to_vec(), vec![0.0, 5.0]);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: a Gaussian mixture on an `Array2`
//!
//! ```
//! use ndarray::array;
//! use oddity_classical::{Components, GmmParams};
//! use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
//!
//! // One component on the corners of a square: mean (1, 1), covariance I (+ reg_covar).
//! let train = Dataset::from_features("train", array![[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0,
//! 2.0]]);
//! let gmm = GmmParams::default().components(Components::Fixed(1)).check()?;
//! let fitted = gmm.fit(&train, &FitContext::new(7))?;
//! // The score is the negative log-likelihood: ln 2π at the mean, plus half the squared
//! // Mahalanobis distance (here 4 / 2) at (3, 1).
//! let scores = fitted.score(&Dataset::from_features("test", array![[1.0, 1.0], [3.0, 1.0]]))?;
//! let ln_2pi = (2.0 * std::f64::consts::PI).ln();
//! assert!((scores[0] - ln_2pi).abs() < 1e-5);
//! assert!((scores[1] - (ln_2pi + 2.0)).abs() < 1e-5);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

/// Implements [`oddity_core::SavedDetector`] for a serde fitted type with a stable tag.
macro_rules! saved {
    ($fitted:ty, $tag:literal) => {
        impl oddity_core::SavedDetector for $fitted {
            const TAG: &'static str = $tag;

            fn load(bytes: &[u8]) -> Result<Self, oddity_core::Error> {
                crate::registry::load_state(bytes)
            }
        }
    };
}
pub(crate) use saved;

mod cblof;
mod center_scale;
mod cof;
mod copod;
mod dbscan;
mod dif;
mod ecod;
mod eif;
mod gmm;
mod hbos;
mod iforest;
mod inne;
mod isolation;
mod kde;
mod kdtree;
mod kmeans;
mod knn;
mod linalg;
mod loda;
mod lof;
mod mahalanobis;
mod mcd;
mod neighbors;
mod ocsvm;
mod pca;
mod random;
mod registry;
mod robust_zscore;
mod rows;
mod sod;
mod topk;
mod zscore;

pub use cblof::{CblofParams, CblofParamsError, CblofValidParams, FittedCblof};
pub use cof::{CofParams, CofParamsError, CofValidParams, FittedCof};
pub use copod::{CopodParams, CopodValidParams, FittedCopod};
pub use dbscan::{
    DbscanEps, DbscanParams, DbscanParamsError, DbscanValidParams, FittedDbscan, AUTO_EPS_NEIGHBOR,
    AUTO_EPS_PERCENTILE,
};
pub use dif::{DifActivation, DifParams, DifParamsError, DifValidParams, FittedDif};
pub use ecod::{EcdfMode, EcodAggregation, EcodParams, EcodValidParams, FittedEcod};
pub use eif::{EifParams, EifParamsError, EifValidParams, FittedEif};
pub use gmm::{Components, FittedGmm, GmmParams, GmmParamsError, GmmValidParams};
pub use hbos::{FeatureHistogram, FittedHbos, HbosParams, HbosParamsError, HbosValidParams};
pub use iforest::{FittedIForest, IForestParams, IForestParamsError, IForestValidParams};
pub use inne::{FittedInne, InneParams, InneParamsError, InneSamples, InneValidParams};
pub use isolation::average_path_length;
pub use kde::{FittedKde, KdeParams, KdeParamsError, KdeValidParams};
pub use kmeans::{FittedKmeans, KmeansParams, KmeansParamsError, KmeansValidParams};
pub use knn::{FittedKnn, KnnMethod, KnnParams, KnnParamsError, KnnValidParams};
pub use loda::{
    FittedLoda, LodaBins, LodaParams, LodaParamsError, LodaValidParams, LODA_EMPTY_BIN,
};
pub use lof::{FittedLof, LofParams, LofParamsError, LofValidParams, LRD_EPSILON};
pub use mahalanobis::{
    FittedMahalanobis, MahalanobisParams, MahalanobisParamsError, MahalanobisValidParams,
};
pub use mcd::{FittedMcd, McdParams, McdParamsError, McdValidParams};
pub use ocsvm::{FittedOcsvm, OcsvmGamma, OcsvmParams, OcsvmParamsError, OcsvmValidParams};
pub use pca::{
    FittedPca, PcaParams, PcaParamsError, PcaScore, PcaValidParams, NULL_VARIANCE_RATIO,
};
pub use random::{FittedRandom, RandomParams, RandomValidParams};
pub use registry::{detector, detectors};
pub use robust_zscore::{
    FittedRobustZScore, RobustZScoreParams, RobustZScoreParamsError, RobustZScoreValidParams,
    MAD_CONSISTENCY,
};
pub use sod::{FittedSod, SodParams, SodParamsError, SodValidParams};
pub use zscore::{FittedZScore, ZScoreParams, ZScoreParamsError, ZScoreValidParams};
