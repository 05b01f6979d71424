//! Time-series anomaly detectors in the form TSB-AD 1.5 runs them, behind the
//! [`oddity_core::Detector`] trait.
//!
//! The rows of the dataset a detector of this crate fits on and scores are the time steps
//! of one series, in order; every time step gets one score, higher = more anomalous. Each
//! detector has linfa's shape (`FooParams` → [`oddity_core::DetectorParams::check`] →
//! `FooValidParams` → `FittedFoo`) and one line in [`detectors`].
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

mod kmeans_ad;
mod kshape_ad;
mod matrix_profile;
mod poly;
mod registry;
mod spectral_residual;
mod sub;
mod sub_semi;
pub mod windows;

pub use kmeans_ad::{KmeansAd, KmeansAdParams};
pub use kshape_ad::{FittedKShapeAd, KShapeAdParams, KShapeAdParamsError, KShapeAdValidParams};
pub use sub::{
    FittedSub, SubHbos, SubHbosParams, SubIForest, SubIForestParams, SubKnn, SubKnnParams, SubLof,
    SubLofParams, SubModel, SubParams, SubParamsError, SubPca, SubPcaParams, SubValidParams,
};
pub use sub_semi::{SubMcd, SubMcdParams, SubOcsvm, SubOcsvmParams};

pub use matrix_profile::{
    FittedMatrixProfile, MatrixProfileParams, MatrixProfileParamsError, MatrixProfileValidParams,
};
pub use poly::{FittedPoly, PolyParams, PolyParamsError, PolyValidParams};
pub use spectral_residual::{
    FittedSpectralResidual, SpectralResidualParams, SpectralResidualValidParams,
};

pub use registry::{detector, detectors};
