//! oddity: anomaly-detection experiments from one TOML file.
//!
//! This umbrella crate re-exports the stage crates so that `oddity::eval::roc_auc` and
//! friends work from one dependency; the command-line program lives in `src/main.rs`.
//!
//! # Example: score two slices
//!
//! ```
//! let auc = oddity::eval::roc_auc(&[0, 1, 0, 1], &[0.1, 0.9, 0.2, 0.8])?;
//! assert_eq!(auc, 1.0);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `deep` (default): the deep detectors of [`deep`] (burn) in the runner, the CLI and this
//!   crate. Without it (`--no-default-features`) oddity has every classical and
//!   time-series detector, every metric and report, and compiles no burn.
#![deny(missing_docs)]

pub use oddity_classical as classical;
pub use oddity_core as core;
#[cfg(feature = "deep")]
pub use oddity_deep as deep;
pub use oddity_eval as eval;
pub use oddity_ingest as ingest;
pub use oddity_preprocess as preprocess;
pub use oddity_runner as runner;
pub use oddity_series as series;
