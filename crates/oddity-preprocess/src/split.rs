//! Train/test splits. The training part is what every fitted step sees; the test part is
//! what is scored and evaluated.

use rand::seq::SliceRandom;

use crate::PreprocessError;

/// How one labelled file is divided into a training and a test part. (Separate train and
/// test files need no split: the runner reads both.) In configs:
/// `{ method = "stratified", train = 0.6 }`, `{ method = "prefix", train_rows = 1200 }` …
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)
)]
pub enum Split {
    /// A seeded random split that keeps the anomaly ratio: a fraction `train` of each class
    /// (rounded) goes to the training part. Needs labels.
    Stratified {
        /// Fraction of rows for training, strictly between 0 and 1.
        train: f64,
    },
    /// The first `⌊train · n⌋` rows train, the rest test (time order kept).
    Chronological {
        /// Fraction of rows for training, strictly between 0 and 1.
        train: f64,
    },
    /// The first `train_rows` rows train (the UCR archive convention).
    Prefix {
        /// Number of leading training rows.
        train_rows: i64,
    },
    /// Fit on the whole series and score it (the NAB convention, unsupervised).
    None,
    /// A 0/1 column marks the training rows (a predefined split).
    Column {
        /// The column's name.
        column: String,
    },
}

/// Row indices of the two parts, each in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIndices {
    /// Rows used for fitting.
    pub train: Vec<usize>,
    /// Rows scored and evaluated.
    pub test: Vec<usize>,
}

impl Split {
    /// Checks the split's own fields, independently of any data.
    pub fn validate(&self) -> Result<(), PreprocessError> {
        match *self {
            Split::Stratified { train } | Split::Chronological { train }
                if !(train > 0.0 && train < 1.0) =>
            {
                Err(PreprocessError::BadFraction { field: "train", value: train })
            }
            Split::Prefix { train_rows } if train_rows < 1 => {
                Err(PreprocessError::NonPositiveRows(train_rows))
            }
            _ => Ok(()),
        }
    }

    /// Splits `n` rows. `labels` is needed by [`Split::Stratified`], `column` (the values of
    /// the split column) by [`Split::Column`]; `seed` drives the stratified shuffle.
    pub fn indices(
        &self,
        n: usize,
        labels: Option<&[u8]>,
        column: Option<&[f64]>,
        seed: u64,
    ) -> Result<SplitIndices, PreprocessError> {
        self.validate()?;
        let all: Vec<usize> = (0..n).collect();
        let parts = match self {
            Split::None => SplitIndices { train: all.clone(), test: all },
            Split::Chronological { train } => {
                let k = (train * n as f64).floor() as usize;
                SplitIndices { train: all[..k].to_vec(), test: all[k..].to_vec() }
            }
            Split::Prefix { train_rows } => {
                let k = *train_rows as usize;
                if k >= n {
                    return Err(PreprocessError::BadRowCount {
                        value: *train_rows,
                        max: n.saturating_sub(1),
                    });
                }
                SplitIndices { train: all[..k].to_vec(), test: all[k..].to_vec() }
            }
            Split::Column { column: name } => {
                let values =
                    column.ok_or(PreprocessError::MissingInput("column", "the split column"))?;
                let mut parts = SplitIndices { train: vec![], test: vec![] };
                for (row, &v) in values.iter().enumerate() {
                    match v {
                        1.0 => parts.train.push(row),
                        0.0 => parts.test.push(row),
                        _ => {
                            return Err(PreprocessError::BadSplitColumn {
                                column: name.clone(),
                                row,
                                value: v,
                            })
                        }
                    }
                }
                parts
            }
            Split::Stratified { train } => {
                let labels = labels.ok_or(PreprocessError::MissingInput("stratified", "labels"))?;
                let mut rng = oddity_core::rng(seed);
                let mut parts = SplitIndices { train: vec![], test: vec![] };
                for class in [0u8, 1] {
                    let mut rows: Vec<usize> = (0..n).filter(|&i| labels[i] == class).collect();
                    rows.shuffle(&mut rng);
                    let k = (train * rows.len() as f64).round() as usize;
                    parts.train.extend_from_slice(&rows[..k]);
                    parts.test.extend_from_slice(&rows[k..]);
                }
                parts.train.sort_unstable();
                parts.test.sort_unstable();
                parts
            }
        };
        if parts.train.is_empty() {
            return Err(PreprocessError::EmptyPart("training"));
        }
        if parts.test.is_empty() {
            return Err(PreprocessError::EmptyPart("test"));
        }
        Ok(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_keeps_ratio_and_is_seeded() {
        let labels: Vec<u8> = (0..100).map(|i| u8::from(i % 10 == 0)).collect();
        let a = Split::Stratified { train: 0.6 }.indices(100, Some(&labels), None, 7).unwrap();
        let b = Split::Stratified { train: 0.6 }.indices(100, Some(&labels), None, 7).unwrap();
        let c = Split::Stratified { train: 0.6 }.indices(100, Some(&labels), None, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.train.len(), 60);
        assert_eq!(a.train.iter().filter(|&&i| labels[i] == 1).count(), 6);
        assert_eq!(a.test.iter().filter(|&&i| labels[i] == 1).count(), 4);
        let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn chronological_prefix_none_and_column() {
        let s = Split::Chronological { train: 0.3 }.indices(10, None, None, 0).unwrap();
        assert_eq!(s.train, vec![0, 1, 2]);
        let s = Split::Prefix { train_rows: 4 }.indices(10, None, None, 0).unwrap();
        assert_eq!(s.test.len(), 6);
        let s = Split::None.indices(3, None, None, 0).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (3, 3));
        let col = [1.0, 0.0, 1.0];
        let s =
            Split::Column { column: "is_train".into() }.indices(3, None, Some(&col), 0).unwrap();
        assert_eq!((s.train, s.test), (vec![0, 2], vec![1]));
    }

    #[test]
    fn fractions_outside_open_unit_interval_are_rejected() {
        for bad in [0.0, 1.0, 1.5, -0.2, f64::NAN] {
            assert!(matches!(
                Split::Chronological { train: bad }.validate(),
                Err(PreprocessError::BadFraction { .. })
            ));
        }
        assert!(matches!(
            Split::Prefix { train_rows: 0 }.validate(),
            Err(PreprocessError::NonPositiveRows(0))
        ));
        assert!(matches!(
            Split::Prefix { train_rows: 10 }.indices(10, None, None, 0),
            Err(PreprocessError::BadRowCount { .. })
        ));
    }

    #[test]
    fn bad_split_column_value_names_row() {
        let col = [1.0, 2.0];
        assert!(matches!(
            Split::Column { column: "c".into() }.indices(2, None, Some(&col), 0),
            Err(PreprocessError::BadSplitColumn { row: 1, .. })
        ));
    }

    #[test]
    fn stratified_without_labels_is_an_error() {
        assert!(matches!(
            Split::Stratified { train: 0.5 }.indices(4, None, None, 0),
            Err(PreprocessError::MissingInput(..))
        ));
    }
}
