//! Classical anomaly detectors behind the [`oddity_core::Detector`] trait.
//!
//! Every detector lives in its own module and has one entry in [`detectors`], the list the
//! runner and `oddity list` read. Scores are higher for more anomalous rows and always
//! finite.
//!
//! # Example: a z-score detector on an `Array2`
//!
//! ```
//! use ndarray::array;
//! use oddity_classical::ZScore;
//! use oddity_core::{Dataset, Detector, FitContext};
//!
//! let train = Dataset::from_features("train", array![[1.0, 10.0], [3.0, 10.0]]);
//! let fitted = ZScore::default().fit(&train, &FitContext::new(0))?;
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
//! use oddity_classical::{Components, Gmm};
//! use oddity_core::{Dataset, Detector, FitContext};
//!
//! // One component on the corners of a square: mean (1, 1), covariance I (+ reg_covar).
//! let train = Dataset::from_features("train", array![[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]]);
//! let gmm = Gmm::new(Components::Fixed(1), 1e-6, 100, 1e-3, 1)?;
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

mod center_scale;
mod copod;
mod dbscan;
mod ecod;
mod eif;
mod gmm;
mod hbos;
mod iforest;
mod isolation;
mod kdtree;
mod kmeans;
mod knn;
mod linalg;
mod lof;
mod mahalanobis;
mod neighbors;
mod pca;
mod random;
mod registry;
mod robust_zscore;
mod zscore;

pub use center_scale::FittedCenterScale;
pub use copod::{Copod, FittedCopod};
pub use dbscan::{Dbscan, DbscanEps, FittedDbscan, AUTO_EPS_NEIGHBOR, AUTO_EPS_PERCENTILE};
pub use ecod::{EcdfMode, Ecod, EcodAggregation, FittedEcod};
pub use eif::{ExtendedIsolationForest, FittedExtendedIsolationForest};
pub use gmm::{Components, GaussianMixture, Gmm};
pub use hbos::{FeatureHistogram, FittedHbos, Hbos};
pub use iforest::{FittedIsolationForest, IsolationForest};
pub use isolation::average_path_length;
pub use kmeans::{Centroids, KMeans};
pub use knn::{FittedKnn, Knn, KnnMethod};
pub use linalg::MAX_EIGEN_DIM;
pub use lof::{FittedLof, Lof, LRD_EPSILON};
pub use mahalanobis::{FittedMahalanobis, Mahalanobis};
pub use pca::{FittedPca, Pca, PcaScore, NULL_VARIANCE_RATIO};
pub use random::{FittedRandomScores, RandomScores};
pub use registry::{detector, detectors};
pub use robust_zscore::{RobustZScore, MAD_CONSISTENCY};
pub use zscore::ZScore;
