//! Deep anomaly detectors for oddity on [burn](https://burn.dev): a dense autoencoder, a
//! variational autoencoder, one-class Deep SVDD, and LSTM and 1-D CNN autoencoders over
//! sliding windows, each in linfa's shape (`FooParams` → [`oddity_core::DetectorParams::check`]
//! → `FooValidParams`, the [`oddity_core::Detector`] → `FittedFoo`) and trained by one loop
//! ([`train::train`]: Adam, mini-batches, optional validation with early stopping).
//!
//! Every random number of a fit (initialisation, shuffling, dropout masks, VAE samples)
//! comes from oddity's own generator seeded with the job's seed, so the same seed and
//! thread count give bit-identical scores; training runs in a rayon pool of the job's
//! threads ([`oddity_core::FitContext::threads`]).
//!
//! # Example: an autoencoder on rows
//!
//! ```
//! use ndarray::Array2;
//! use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
//! use oddity_deep::AutoencoderParams;
//!
//! let x = Array2::from_shape_fn((64, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 11.0);
//! let detector = AutoencoderParams::default().epochs(2).check()?;
//! let fitted = detector.fit(&Dataset::from_features("train", x.clone()), &FitContext::new(7))?;
//! let scores = fitted.score(&Dataset::from_features("test", x))?;
//! assert_eq!(scores.len(), 64);
//! assert!(scores.iter().all(|s| s.is_finite() && *s >= 0.0));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `cuda`: burn's CUDA backend, selected with the detector parameter `device = "cuda"`.
//! * `wgpu`: burn's wgpu backend, `device = "wgpu"`.
//!
//! The default build uses burn's pure-Rust CPU backend (Flex) and needs no GPU toolkit.
#![deny(missing_docs)]

mod activation;
mod autoencoder;
mod cnn_autoencoder;
mod conv_kernel;
mod conv_op;
mod deepsvdd;
mod device;
mod error;
mod fit;
mod flex_host;
mod host_gemm;
mod lstm_autoencoder;
mod lstm_kernel;
mod lstm_op;
pub mod nn;
mod params;
#[cfg(test)]
mod parity;
mod registry;
mod saved;
mod scratch;
mod sequence;
pub mod train;
mod vae;

pub use autoencoder::{
    AutoencoderNet, AutoencoderParams, AutoencoderParamsError, AutoencoderValidParams, DenseBlock,
    FittedAutoencoder,
};
pub use cnn_autoencoder::{
    CnnAutoencoderParams, CnnAutoencoderParamsError, CnnAutoencoderValidParams, CnnNet,
    FittedCnnAutoencoder,
};
pub use deepsvdd::{
    DeepSvddParams, DeepSvddParamsError, DeepSvddValidParams, FittedDeepSvdd, SvddNet, CENTER_EPS,
};
pub use device::{device, DEVICES};
pub use error::DeepError;
pub use lstm_autoencoder::{
    FittedLstmAutoencoder, LstmAutoencoderParams, LstmAutoencoderParamsError,
    LstmAutoencoderValidParams, LstmNet,
};
pub use params::{Backend, Settings};
pub use registry::{detector, detectors};
pub use sequence::{FittedSequence, SequenceNet};
pub use train::TrainParamsError;
pub use vae::{FittedVae, VaeNet, VaeParams, VaeParamsError, VaeValidParams};
