//! Feature scaling, fit on the training part.

use ndarray::{Array2, Axis};
use oddity_core::stats;

use crate::PreprocessError;

/// How features are scaled. A constant training column never yields NaN or infinity: its
/// scale falls back to 1. Config names: `none`, `standard`, `robust`, `minmax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(rename_all = "lowercase"))]
pub enum Scaler {
    /// No scaling.
    #[default]
    None,
    /// `(x − mean) / std` with the population standard deviation (ddof = 0), computed as
    /// numpy does (sequential sums), so results match scikit-learn's `StandardScaler`.
    Standard,
    /// `(x − median) / IQR` with the 25th–75th percentile range (linear interpolation).
    Robust,
    /// `(x − min) / (max − min)`.
    MinMax,
}

/// A scaler fit on a training part: `(x − center) / scale` per column.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FittedScaler {
    /// The value subtracted from each column.
    pub center: Vec<f64>,
    /// The divisor of each column (never 0).
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Learns the per-column center and scale from `train` (which must be finite).
    pub fn fit(self, train: &Array2<f64>) -> Result<FittedScaler, PreprocessError> {
        let d = train.ncols();
        if self == Scaler::None {
            return Ok(FittedScaler { center: vec![0.0; d], scale: vec![1.0; d] });
        }
        if train.nrows() == 0 {
            return Err(PreprocessError::NoRows("scale"));
        }
        let (center, scale): (Vec<f64>, Vec<f64>) = match self {
            Scaler::Standard => stats::column_mean_std(train.view()),
            _ => train
                .axis_iter(Axis(1))
                .map(|col| {
                    let s = stats::sorted(col.iter().copied());
                    match self {
                        Scaler::Robust => (
                            stats::median_sorted(&s),
                            stats::quantile_sorted(&s, 0.75) - stats::quantile_sorted(&s, 0.25),
                        ),
                        _ => (s[0], s[s.len() - 1] - s[0]),
                    }
                })
                .unzip(),
        };
        let scale =
            scale.into_iter().map(|s| if s == 0.0 || !s.is_finite() { 1.0 } else { s }).collect();
        Ok(FittedScaler { center, scale })
    }
}

impl FittedScaler {
    /// Applies the learnt transformation to `x`.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        let mut out = x.clone();
        for mut row in out.axis_iter_mut(Axis(0)) {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.center[j]) / self.scale[j];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standard_uses_population_std() {
        let train = array![[1.0], [3.0]];
        let f = Scaler::Standard.fit(&train).unwrap();
        assert_eq!(f.center, vec![2.0]);
        assert_eq!(f.scale, vec![1.0]);
        assert_eq!(f.transform(&array![[5.0]]), array![[3.0]]);
    }

    #[test]
    fn robust_uses_median_and_iqr() {
        let train = array![[1.0], [2.0], [3.0], [4.0], [100.0]];
        let f = Scaler::Robust.fit(&train).unwrap();
        assert_eq!(f.center, vec![3.0]);
        assert_eq!(f.scale, vec![2.0]);
    }

    #[test]
    fn minmax_maps_train_to_unit_interval() {
        let train = array![[2.0], [4.0], [6.0]];
        let f = Scaler::MinMax.fit(&train).unwrap();
        assert_eq!(f.transform(&train), array![[0.0], [0.5], [1.0]]);
    }

    #[test]
    fn constant_column_never_yields_nan() {
        let train = array![[5.0, 1.0], [5.0, 2.0]];
        for scaler in [Scaler::Standard, Scaler::Robust, Scaler::MinMax] {
            let f = scaler.fit(&train).unwrap();
            let z = f.transform(&array![[5.0, 1.0], [7.0, 3.0]]);
            assert!(z.iter().all(|v| v.is_finite()), "{scaler:?}");
            assert_eq!(z[[0, 0]], 0.0);
        }
    }
}
