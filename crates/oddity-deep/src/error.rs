//! The errors of the deep detectors.

/// An error raised while checking the parameters of a deep detector or while fitting it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeepError {
    /// Occurs when an integer parameter that must be at least `min` is smaller.
    #[error("parameter `{name}`: must be at least {min}, got {value}")]
    TooSmall {
        /// The parameter's name.
        name: &'static str,
        /// The smallest accepted value.
        min: i64,
        /// The value given.
        value: i64,
    },
    /// Occurs when a number parameter is outside its range (NaN included).
    #[error("parameter `{name}`: must be in {range}, got {value}")]
    OutOfRange {
        /// The parameter's name.
        name: &'static str,
        /// The accepted range, as text (`(0, 1)`, `[0, inf)` …).
        range: &'static str,
        /// The value given.
        value: f64,
    },
    /// Occurs when the `device` parameter names a backend this build does not include.
    #[error("parameter `device`: `{0}` needs oddity-deep built with the `{0}` feature")]
    DeviceNotBuilt(String),
    /// Occurs when a sequence detector gets rows that are not sliding windows.
    #[error("{detector} needs sliding windows: set `window = W` on the method")]
    NotWindows {
        /// The detector's name.
        detector: &'static str,
    },
    /// Occurs when the training part has fewer rows than a fit needs.
    #[error("the training part has {got} rows, {detector} needs at least {min}")]
    TooFewRows {
        /// The detector's name.
        detector: &'static str,
        /// The rows needed.
        min: usize,
        /// The rows given.
        got: usize,
    },
    /// Occurs when the training loss becomes NaN or infinite.
    #[error("the training loss became non-finite at epoch {epoch}")]
    Diverged {
        /// The 1-based epoch.
        epoch: usize,
    },
    /// Occurs when, over two or more epochs, the training loss never fell below the first
    /// epoch's: the network learned nothing, so its scores would mean nothing.
    #[error(
        "the training loss did not decrease in {epochs} epochs (first {first:.6e}, lowest {lowest:.6e}): check the input scale, lr and epochs"
    )]
    NoProgress {
        /// Epochs trained.
        epochs: usize,
        /// The first epoch's mean training loss.
        first: f64,
        /// The lowest later epoch's.
        lowest: f64,
    },
    /// Occurs when the thread pool of a fit cannot be built.
    #[error("cannot build a thread pool of {threads} threads: {reason}")]
    ThreadPool {
        /// The threads asked for.
        threads: usize,
        /// Why it failed.
        reason: String,
    },
}

impl From<DeepError> for oddity_core::Error {
    fn from(e: DeepError) -> Self {
        match &e {
            DeepError::TooSmall { name, .. } | DeepError::OutOfRange { name, .. } => {
                Self::InvalidParameter { name: (*name).into(), reason: parameter_reason(&e) }
            }
            DeepError::DeviceNotBuilt(_) => {
                Self::InvalidParameter { name: "device".into(), reason: parameter_reason(&e) }
            }
            _ => Self::Fit(e.to_string()),
        }
    }
}

/// The message without its `parameter `name`: ` prefix (core adds its own).
fn parameter_reason(e: &DeepError) -> String {
    let text = e.to_string();
    match text.split_once(": ") {
        Some((_, reason)) => reason.to_string(),
        None => text,
    }
}
