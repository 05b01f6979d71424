//! The dataset that flows between stages.

use ndarray::{Array1, Array2, Axis};

use crate::Error;

/// Rows are samples, or time steps in order when `timestamps` is set.
///
/// `labels` (1 = anomaly) are never used for fitting; they travel with the rows so
/// that evaluation can read them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// A short name used in results and error messages.
    pub name: String,
    /// The `n × d` feature matrix.
    pub features: Array2<f64>,
    /// One name per feature column.
    pub feature_names: Vec<String>,
    /// Optional 0/1 labels, one per row.
    pub labels: Option<Array1<u8>>,
    /// Optional timestamps (seconds since the Unix epoch), one per row.
    pub timestamps: Option<Array1<i64>>,
    /// When each row is a sliding window of consecutive time steps flattened time-major
    /// (as `oddity_preprocess::Windows` builds them), the number of steps per window: a row
    /// then holds `window` steps of `n_features() / window` values each. `None` for plain rows.
    /// Sequence detectors read it to see a row as a `window × d` sequence.
    pub window: Option<usize>,
}

impl Dataset {
    /// Builds an unlabelled dataset, checking that there is one name per column.
    pub fn new(
        name: impl Into<String>,
        features: Array2<f64>,
        feature_names: Vec<String>,
    ) -> Result<Self, Error> {
        if feature_names.len() != features.ncols() {
            return Err(Error::ShapeMismatch {
                what: "feature names vs columns".into(),
                expected: features.ncols(),
                got: feature_names.len(),
            });
        }
        Ok(Self {
            name: name.into(),
            features,
            feature_names,
            labels: None,
            timestamps: None,
            window: None,
        })
    }

    /// Builds a dataset with generated feature names `x0 .. x{d-1}`.
    pub fn from_features(name: impl Into<String>, features: Array2<f64>) -> Self {
        let names = (0..features.ncols()).map(|j| format!("x{j}")).collect();
        Self {
            name: name.into(),
            features,
            feature_names: names,
            labels: None,
            timestamps: None,
            window: None,
        }
    }

    /// Attaches labels (one per row, each 0 or 1).
    pub fn with_labels(mut self, labels: Array1<u8>) -> Result<Self, Error> {
        self.check_len("labels", labels.len())?;
        if let Some(row) = labels.iter().position(|&v| v > 1) {
            return Err(Error::InvalidParameter {
                name: "labels".into(),
                reason: format!("row {row} has label {}, expected 0 or 1", labels[row]),
            });
        }
        self.labels = Some(labels);
        Ok(self)
    }

    /// Attaches timestamps (one per row).
    pub fn with_timestamps(mut self, timestamps: Array1<i64>) -> Result<Self, Error> {
        self.check_len("timestamps", timestamps.len())?;
        self.timestamps = Some(timestamps);
        Ok(self)
    }

    /// Marks the rows as flattened sliding windows of `steps` time steps (see
    /// [`Dataset::window`]); fails with [`Error::ShapeMismatch`] when `steps` is 0 or does
    /// not divide the number of feature columns.
    pub fn with_window(mut self, steps: usize) -> Result<Self, Error> {
        if steps == 0 || self.n_features() % steps != 0 {
            return Err(Error::ShapeMismatch {
                what: "window steps dividing the feature columns".into(),
                expected: self.n_features(),
                got: steps,
            });
        }
        self.window = Some(steps);
        Ok(self)
    }

    fn check_len(&self, what: &str, got: usize) -> Result<(), Error> {
        if got != self.n_rows() {
            return Err(Error::ShapeMismatch { what: what.into(), expected: self.n_rows(), got });
        }
        Ok(())
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// Number of rows labelled 1, when labels are present.
    pub fn n_anomalies(&self) -> Option<usize> {
        self.labels.as_ref().map(|l| l.iter().filter(|&&v| v == 1).count())
    }

    /// The first `rows` rows (a series' training prefix). Errors: `rows` of 0 or more than
    /// the dataset has ([`Error::Fit`], naming both counts).
    pub fn prefix(&self, rows: usize) -> Result<Self, Error> {
        if rows == 0 || rows > self.n_rows() {
            return Err(Error::Fit(format!(
                "a training prefix of {rows} rows is not part of a series of {} rows",
                self.n_rows()
            )));
        }
        Ok(self.select_rows(&(0..rows).collect::<Vec<_>>()))
    }

    /// The rows at `indices`, in that order, with their labels and timestamps.
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        Self {
            name: self.name.clone(),
            features: self.features.select(Axis(0), indices),
            feature_names: self.feature_names.clone(),
            labels: self.labels.as_ref().map(|l| l.select(Axis(0), indices)),
            timestamps: self.timestamps.as_ref().map(|t| t.select(Axis(0), indices)),
            window: self.window,
        }
    }

    /// The same rows with new features (same row count), e.g. after scaling.
    pub fn with_features(&self, features: Array2<f64>) -> Result<Self, Error> {
        self.check_len("features", features.nrows())?;
        if features.ncols() != self.n_features() {
            return Err(Error::ShapeMismatch {
                what: "feature columns".into(),
                expected: self.n_features(),
                got: features.ncols(),
            });
        }
        Ok(Self { features, ..self.clone() })
    }

    /// The check before scoring with a model fitted on `n_features` columns: the same column
    /// count ([`Error::ShapeMismatch`] otherwise), then [`Dataset::check_finite`].
    pub fn check_scoring(&self, n_features: usize) -> Result<(), Error> {
        if self.n_features() != n_features {
            return Err(Error::ShapeMismatch {
                what: "feature columns at scoring".into(),
                expected: n_features,
                got: self.n_features(),
            });
        }
        self.check_finite()
    }

    /// Fails with [`Error::EmptyData`] when there is no row or no feature, and with
    /// [`Error::NonFinite`] at the first NaN or infinite value.
    pub fn check_finite(&self) -> Result<(), Error> {
        if self.n_rows() == 0 {
            return Err(Error::EmptyData(format!("dataset `{}` has no rows", self.name)));
        }
        if self.n_features() == 0 {
            return Err(Error::EmptyData(format!("dataset `{}` has no features", self.name)));
        }
        // A branch-free pass over the values first (it vectorises); the slower indexed walk
        // only runs to name the first bad value.
        let all_finite =
            |s: &[f64]| s.chunks(4096).all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()));
        let fine = match self.features.as_slice_memory_order() {
            Some(s) => all_finite(s),
            None => self.features.iter().all(|v| v.is_finite()),
        };
        if fine {
            return Ok(());
        }
        for ((row, col), v) in self.features.indexed_iter() {
            if !v.is_finite() {
                return Err(Error::NonFinite { column: self.feature_names[col].clone(), row });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, ShapeBuilder};

    #[test]
    fn labels_must_be_binary() {
        let d = Dataset::from_features("t", array![[1.0], [2.0]]);
        assert!(matches!(d.with_labels(array![0, 2]), Err(Error::InvalidParameter { .. })));
    }

    #[test]
    fn labels_must_match_rows() {
        let d = Dataset::from_features("t", array![[1.0], [2.0]]);
        assert!(matches!(d.with_labels(array![0]), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn select_rows_keeps_labels_aligned() {
        let d = Dataset::from_features("t", array![[1.0], [2.0], [3.0]])
            .with_labels(array![0, 1, 0])
            .unwrap();
        let s = d.select_rows(&[2, 1]);
        assert_eq!(s.features, array![[3.0], [2.0]]);
        assert_eq!(s.labels.unwrap(), array![0, 1]);
    }

    #[test]
    fn check_finite_names_column_and_row() {
        let d = Dataset::from_features("t", array![[1.0, 2.0], [3.0, f64::NAN]]);
        assert_eq!(d.check_finite(), Err(Error::NonFinite { column: "x1".into(), row: 1 }));
        // The first bad value in row order, whatever the memory order.
        let mut x = Array2::from_elem((5000, 3), 1.0);
        x[[4000, 0]] = f64::INFINITY;
        x[[4100, 2]] = f64::NAN;
        let want = Err(Error::NonFinite { column: "x0".into(), row: 4000 });
        assert_eq!(Dataset::from_features("t", x.clone()).check_finite(), want);
        let mut column_major = Array2::zeros((5000, 3).f());
        column_major.assign(&x);
        assert_eq!(Dataset::from_features("t", column_major).check_finite(), want);
        let y = Array2::from_elem((5000, 3), 1.0);
        assert_eq!(Dataset::from_features("t", y.clone()).check_finite(), Ok(()));
        let mut strided = y.clone();
        strided.slice_collapse(ndarray::s![..;2, ..]);
        assert!(strided.as_slice_memory_order().is_none());
        assert_eq!(Dataset::from_features("t", strided).check_finite(), Ok(()));
    }
}
