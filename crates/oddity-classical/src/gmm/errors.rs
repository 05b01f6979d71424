//! The errors of the Gaussian-mixture detector's parameters.

use oddity_core::ParamsError;

/// A rejected [`GmmParams`](crate::GmmParams) field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GmmParamsError {
    /// Occurs when a fixed `components` is 0.
    #[error("parameter `components`: must be at least 1, got {0}")]
    Components(usize),
    /// Occurs when `components = bic` and `bic_components` is empty or holds a 0.
    #[error(
        "parameter `bic_components`: needs at least one candidate, each at least 1, got {0:?}"
    )]
    BicComponents(Vec<usize>),
    /// Occurs when `reg_covar` is negative or not finite (NaN included).
    #[error("parameter `reg_covar`: must be finite and >= 0, got {0}")]
    RegCovar(f64),
    /// Occurs when `max_iter` is 0.
    #[error("parameter `max_iter`: must be at least 1, got {0}")]
    MaxIter(usize),
    /// Occurs when `tol` is not positive and finite (NaN included).
    #[error("parameter `tol`: must be finite and > 0, got {0}")]
    Tol(f64),
    /// Occurs when `n_init` is 0.
    #[error("parameter `n_init`: must be at least 1, got {0}")]
    NInit(usize),
}

impl ParamsError for GmmParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Components(_) => "components",
            Self::BicComponents(_) => "bic_components",
            Self::RegCovar(_) => "reg_covar",
            Self::MaxIter(_) => "max_iter",
            Self::Tol(_) => "tol",
            Self::NInit(_) => "n_init",
        }
    }
}
