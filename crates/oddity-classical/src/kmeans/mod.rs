//! The k-means detector: distance to the nearest centroid.
//!
//! Lloyd's algorithm with greedy k-means++ seeding, written here rather than taken from
//! `linfa-clustering`: on the ODDS suite linfa's `KMeans` took 95.7 s where scikit-learn takes
//! 10.3 s (see ARCHITECTURE.md). Both are accelerated without changing what they compute: the
//! seeding skips a row's distance to a candidate when the triangle inequality shows it cannot
//! lower the row's nearest distance, and each Lloyd assignment keeps Hamerly's bounds, so a
//! row's distances are recomputed only when its nearest centre may have changed; every
//! assignment is still the exact nearest centre (ties: the lower index). The runs of `n_init`
//! go in parallel; rows are processed in fixed blocks and every sum is taken in row order, so
//! results do not depend on the thread count.
//!
//! `hyperparams.rs`: [`KmeansParams`] → [`KmeansValidParams`]; `errors.rs`:
//! [`KmeansParamsError`]; `algorithm.rs`: k-means++, Lloyd and [`FittedKmeans`].

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::FittedKmeans;
pub use errors::KmeansParamsError;
pub use hyperparams::{KmeansParams, KmeansValidParams};
