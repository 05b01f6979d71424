//! Preprocessing for anomaly detection: imputation, scaling, train/test splits and sliding
//! windows, each fit on the training part only and then applied to both parts.
//!
//! # Example: split, then scale with statistics of the training part
//!
//! ```
//! use ndarray::array;
//! use oddity_preprocess::{Scaler, Split};
//!
//! let x = array![[1.0], [2.0], [3.0], [100.0]];
//! let parts = Split::Chronological { train: 0.75 }.indices(4, None, None, 0)?;
//! assert_eq!(parts.train, vec![0, 1, 2]);
//! let scaler = Scaler::Standard.fit(&x.select(ndarray::Axis(0), &parts.train))?;
//! let z = scaler.transform(&x);
//! assert_eq!(z[[1, 0]], 0.0);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `serde`: `Deserialize` for [`Imputer`], [`Scaler`] and [`Split`] with the names used in
//!   oddity configs (`"median"`, `{ method = "stratified", train = 0.6 }` …).
#![deny(missing_docs)]

mod error;
mod impute;
mod scale;
mod split;
mod window;

pub use error::PreprocessError;
pub use impute::{FittedImputer, Imputer};
pub use scale::{FittedScaler, Scaler};
pub use split::{Split, SplitIndices};
pub use window::{WindowNorm, WindowScore, Windows, MAX_TRAIN_WINDOWS};
