//! The Gaussian-mixture detector: negative log-likelihood under a fitted mixture.
//!
//! EM is written here rather than taken from `linfa-clustering`: linfa's E-step takes
//! `ln Σ exp(·)` without the log-sum-exp shift, so rows far from every component give
//! `ln 0` and NaN responsibilities (every fit on ODDS shuttle failed), and it cannot return
//! the parameters of a run that hit `max_iter`. See ARCHITECTURE.md.
//!
//! `hyperparams.rs`: [`GmmParams`] → [`GmmValidParams`]; `errors.rs`: [`GmmParamsError`];
//! `algorithm.rs`: EM and [`FittedGmm`].

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::FittedGmm;
pub use errors::GmmParamsError;
pub use hyperparams::{Components, GmmParams, GmmValidParams};
