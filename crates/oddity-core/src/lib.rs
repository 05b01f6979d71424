//! Shared types of oddity: the [`Dataset`] that flows between stages, the
//! [`Detector`] / [`FittedDetector`] traits, detector parameters, errors and seeds.
//!
//! Every other oddity crate depends on this one and on nothing else of oddity,
//! so a detector written against these traits plugs into the runner unchanged.
//!
//! # Example: a dataset and a seeded RNG
//!
//! ```
//! use ndarray::array;
//! use oddity_core::{derive_seed, Dataset};
//!
//! let data = Dataset::new("toy", array![[1.0, 2.0], [3.0, 4.0]], vec!["a".into(), "b".into()])?
//!     .with_labels(ndarray::array![0, 1])?;
//! assert_eq!(data.n_rows(), 2);
//! assert_eq!(data.n_anomalies(), Some(1));
//! // Seeds derive from named parts, never from global state.
//! assert_ne!(derive_seed(0, &["cardio", "zscore"]), derive_seed(0, &["cardio", "knn"]));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `testing`: helpers for tests against the shared reference data (module `testing`).
#![deny(missing_docs)]

mod dataset;
mod detector;
mod error;
mod params;
mod seed;
pub mod state;
pub mod stats;
pub mod suggest;
#[cfg(feature = "testing")]
pub mod testing;

pub use dataset::Dataset;
pub use detector::{
    param_error, Detector, DetectorEntry, DetectorParams, FitContext, FittedDetector, LoadFn,
    ParamsError, SavedDetector, Supervision,
};
pub use error::Error;
pub use params::{ParamChoice, ParamKind, ParamSpec, ParamValue, Params, MAX_INT_PARAM};
pub use seed::{derive_seed, rng, Rng};
