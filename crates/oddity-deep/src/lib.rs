//! Deep anomaly detectors for oddity on [burn](https://burn.dev): a dense autoencoder, a
//! variational autoencoder, one-class Deep SVDD, and LSTM and 1-D CNN autoencoders over
//! sliding windows, all behind the [`oddity_core::Detector`] trait and trained by one loop
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
//! use oddity_core::{Dataset, Detector, FitContext};
//!
//! let x = Array2::from_shape_fn((64, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 11.0);
//! let entry = oddity_deep::detector("autoencoder").unwrap();
//! let params = oddity_core::Params(
//!     [("epochs".to_string(), oddity_core::ParamValue::Int(2))].into(),
//! );
//! let (_, detector) = entry.instantiate(&params)?;
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
#[cfg(test)]
mod parity;
mod registry;
mod saved;
mod scratch;
mod sequence;
pub mod train;
mod vae;

pub use autoencoder::{
    Autoencoder, AutoencoderNet, AutoencoderParams, DenseBlock, FittedAutoencoder,
};
pub use cnn_autoencoder::{CnnAutoencoder, CnnAutoencoderParams, CnnNet};
pub use deepsvdd::{DeepSvdd, DeepSvddParams, FittedDeepSvdd, SvddNet, CENTER_EPS};
pub use device::{device, DEVICES};
pub use error::DeepError;
pub use lstm_autoencoder::{LstmAutoencoder, LstmAutoencoderParams, LstmNet};
pub use registry::{detector, detectors};
pub use sequence::{FittedSequence, SequenceNet};
pub use vae::{FittedVae, Vae, VaeNet, VaeParams};

/// Training and device settings common to every deep detector.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// The training loop's settings.
    pub train: train::TrainConfig,
    /// The burn device name (`cpu`, `cuda`, `wgpu`; see [`DEVICES`]).
    pub device: String,
}
