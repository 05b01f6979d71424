//! Imputation of missing values, fit on the training part.

use ndarray::{Array2, Axis};
use oddity_core::stats;

use crate::PreprocessError;

/// How missing values (NaN) are filled. Config names: `none`, `mean`, `median`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(rename_all = "lowercase"))]
pub enum Imputer {
    /// No imputation: a missing or non-finite value is an error.
    #[default]
    None,
    /// The mean of the observed training values of the column.
    Mean,
    /// The median of the observed training values of the column.
    Median,
}

/// An imputer fit on a training part: one fill value per column (none for [`Imputer::None`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FittedImputer {
    fill: Option<Vec<f64>>,
}

impl Imputer {
    /// Learns the fill values from `train`; `names` label the columns in errors.
    pub fn fit(
        self,
        train: &Array2<f64>,
        names: &[String],
    ) -> Result<FittedImputer, PreprocessError> {
        if self == Imputer::None {
            return Ok(FittedImputer { fill: None });
        }
        let fill = train
            .axis_iter(Axis(1))
            .enumerate()
            .map(|(j, col)| {
                let observed: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
                if observed.is_empty() {
                    return Err(PreprocessError::AllMissing { column: column_name(names, j) });
                }
                Ok(match self {
                    Imputer::Mean => stats::mean(ndarray::ArrayView1::from(&observed)),
                    _ => stats::median(observed),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(FittedImputer { fill: Some(fill) })
    }
}

impl FittedImputer {
    /// Fills the missing values of `x`, or fails at the first one when no imputer is set.
    pub fn transform(
        &self,
        x: &Array2<f64>,
        names: &[String],
    ) -> Result<Array2<f64>, PreprocessError> {
        let mut out = x.clone();
        for ((row, col), v) in out.indexed_iter_mut() {
            if v.is_finite() {
                continue;
            }
            match &self.fill {
                Some(fill) => *v = fill[col],
                None => {
                    return Err(PreprocessError::Missing { column: column_name(names, col), row })
                }
            }
        }
        Ok(out)
    }
}

fn column_name(names: &[String], j: usize) -> String {
    names.get(j).cloned().unwrap_or_else(|| format!("x{j}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn none_rejects_nan_naming_column_and_row() {
        let x = array![[1.0, 2.0], [f64::NAN, 3.0]];
        let f = Imputer::None.fit(&x, &names()).unwrap();
        assert_eq!(
            f.transform(&x, &names()),
            Err(PreprocessError::Missing { column: "a".into(), row: 1 })
        );
    }

    #[test]
    fn mean_and_median_use_train_only() {
        let train = array![[1.0, 1.0], [2.0, f64::NAN], [6.0, 3.0]];
        let test = array![[f64::NAN, f64::NAN]];
        let mean = Imputer::Mean.fit(&train, &names()).unwrap();
        assert_eq!(mean.transform(&test, &names()).unwrap(), array![[3.0, 2.0]]);
        let median = Imputer::Median.fit(&train, &names()).unwrap();
        assert_eq!(median.transform(&test, &names()).unwrap(), array![[2.0, 2.0]]);
    }

    #[test]
    fn all_missing_column_is_an_error() {
        let train = array![[f64::NAN, 1.0]];
        assert!(matches!(
            Imputer::Median.fit(&train, &names()),
            Err(PreprocessError::AllMissing { .. })
        ));
    }
}
