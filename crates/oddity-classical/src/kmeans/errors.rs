//! The errors of the k-means detector's parameters.

use oddity_core::ParamsError;

/// A rejected [`KmeansParams`](crate::KmeansParams) field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KmeansParamsError {
    /// Occurs when `clusters` is 0.
    #[error("parameter `clusters`: must be at least 1, got {0}")]
    Clusters(usize),
    /// Occurs when `n_init` is 0.
    #[error("parameter `n_init`: must be at least 1, got {0}")]
    NInit(usize),
    /// Occurs when `max_iter` is 0.
    #[error("parameter `max_iter`: must be at least 1, got {0}")]
    MaxIter(usize),
    /// Occurs when `tol` is negative or not finite (NaN included).
    #[error("parameter `tol`: must be finite and >= 0, got {0}")]
    Tol(f64),
}

impl ParamsError for KmeansParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Clusters(_) => "clusters",
            Self::NInit(_) => "n_init",
            Self::MaxIter(_) => "max_iter",
            Self::Tol(_) => "tol",
        }
    }
}
