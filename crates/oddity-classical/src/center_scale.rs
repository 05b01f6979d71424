//! The fitted form shared by the z-score family: a per-feature center and scale, scored as
//! the largest scaled deviation over the features.

use ndarray::{Array1, ArrayView1, Axis};
use oddity_core::{Dataset, Error};

/// Scores a row as `max_j |x_j − center_j| / scale_j`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CenterScale {
    /// Per-feature center (mean or median of the training part).
    pub(crate) center: Vec<f64>,
    /// Per-feature scale (never 0).
    pub(crate) scale: Vec<f64>,
}

impl CenterScale {
    /// Fits one `(center, scale)` per column of the (finite) training part with `stat`.
    pub(crate) fn fit_columns(
        train: &Dataset,
        stat: impl Fn(ArrayView1<'_, f64>) -> (f64, f64),
    ) -> Result<Self, Error> {
        train.check_finite()?;
        let (center, scale) = train.features.axis_iter(Axis(1)).map(stat).unzip();
        Ok(Self { center, scale })
    }

    /// The score of every row of `data`.
    pub(crate) fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.center.len())?;
        Ok(data
            .features
            .axis_iter(Axis(0))
            .map(|row| {
                row.iter()
                    .zip(self.center.iter().zip(&self.scale))
                    .map(|(&x, (&c, &s))| (x - c).abs() / s)
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect())
    }
}

/// Replaces a zero or non-finite scale by `fallback`.
pub(crate) fn guard_scale(scale: f64, fallback: f64) -> f64 {
    if scale == 0.0 || !scale.is_finite() {
        fallback
    } else {
        scale
    }
}
