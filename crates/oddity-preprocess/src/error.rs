//! Errors of the preprocessing steps.

/// An error of a preprocessing step; messages name the column, row or field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PreprocessError {
    /// Occurs when a value is missing (NaN) or infinite and no imputer is configured.
    #[error("column `{column}`, row {row}: missing or non-finite value and `impute = \"none\"` (set `impute = \"mean\"` or `\"median\"`)")]
    Missing {
        /// The column's name.
        column: String,
        /// The 0-based row.
        row: usize,
    },
    /// Occurs when a training column has no observed value to impute from.
    #[error("column `{column}`: no observed value in the training part to impute from")]
    AllMissing {
        /// The column's name.
        column: String,
    },
    /// Occurs when a split fraction is not strictly between 0 and 1.
    #[error("split `{field}` must be strictly between 0 and 1, got {value}")]
    BadFraction {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// Occurs when a prefix split names fewer than one row.
    #[error("split `train_rows` must be at least 1, got {0}")]
    NonPositiveRows(i64),
    /// Occurs when a prefix split names every row.
    #[error("split `train_rows` must be between 1 and {max} (rows - 1), got {value}")]
    BadRowCount {
        /// The value given.
        value: i64,
        /// The largest valid value.
        max: usize,
    },
    /// Occurs when a split column holds a value other than 0 or 1.
    #[error("split column `{column}`, row {row}: expected 0 or 1, got {value}")]
    BadSplitColumn {
        /// The column's name.
        column: String,
        /// The 0-based row.
        row: usize,
        /// The value found.
        value: f64,
    },
    /// Occurs when the split needs labels or a column it was not given.
    #[error("split `{0}` needs {1}")]
    MissingInput(&'static str, &'static str),
    /// Occurs when a split leaves the training or the test part empty.
    #[error("split leaves the {0} part empty")]
    EmptyPart(&'static str),
    /// Occurs when a window size or stride is too small.
    #[error("`{field}` must be at least {min}, got {value}")]
    BadWindow {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: i64,
        /// The smallest valid value.
        min: i64,
    },
    /// Occurs when a part has fewer rows than one window.
    #[error("window of {size} rows is longer than the {part} part ({rows} rows)")]
    WindowTooLong {
        /// The window size.
        size: usize,
        /// Rows available.
        rows: usize,
        /// Which part (`train` or `test`).
        part: &'static str,
    },
    /// Occurs when the data to fit on has no rows.
    #[error("cannot fit `{0}` on zero rows")]
    NoRows(&'static str),
}
