//! The error type shared by detectors and stages.

/// An error raised by a detector or a data stage. Messages are lowercase and name the
/// field, parameter or row concerned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Occurs when a parameter has a value outside its domain.
    #[error("parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// Why the value is rejected.
        reason: String,
    },
    /// Occurs when a parameter is not known to the detector.
    #[error(
        "unknown parameter `{name}` for detector `{detector}`{} (known: {known})",
        crate::suggest::did_you_mean(name, known.split(", "))
    )]
    UnknownParameter {
        /// The detector's name.
        detector: String,
        /// The offending parameter.
        name: String,
        /// The accepted parameter names, comma separated.
        known: String,
    },
    /// Occurs when two arrays that must agree in shape do not.
    #[error("shape mismatch: {what} (expected {expected}, got {got})")]
    ShapeMismatch {
        /// What was compared.
        what: String,
        /// The expected size.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// Occurs when a dataset has no rows or no features.
    #[error("empty data: {0}")]
    EmptyData(String),
    /// Occurs when a value is NaN or infinite where a finite value is required.
    #[error("non-finite value in column `{column}` at row {row}")]
    NonFinite {
        /// The column's name.
        column: String,
        /// The 0-based row index.
        row: usize,
    },
    /// Occurs when fitting fails for a reason specific to the method.
    #[error("fit failed: {0}")]
    Fit(String),
    /// Occurs when a fitted detector cannot be saved, or saved bytes cannot be loaded.
    #[error("model state: {0}")]
    State(String),
}
