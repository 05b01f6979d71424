//! What to read from a file: which columns are features, label, timestamp, extra.

/// Which columns of a file play which part.
///
/// Matrix formats (`.npz`, `.mat`, `.txt`) name their columns `x0 .. x{d-1}`, so
/// `features`, `extra` and `timestamp` can select among those too. Their labels
/// come from the array `y` (`.npz`, `.mat`) whatever `label` names, as long as it
/// is `Some`; `.txt` files hold no labels and ignore `label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The label column (0/1, 1 = anomaly). `None` means the file has no labels,
    /// e.g. the training part of a time series. Default: `Some("label")`.
    pub label: Option<String>,
    /// An optional timestamp column, read as epoch seconds: either integers, or
    /// strings `YYYY-MM-DD[ HH:MM:SS[.fff]][Z]` (also with a `T` separator) in UTC.
    pub timestamp: Option<String>,
    /// The feature columns, in this order. `None` means every column except the
    /// label, timestamp and `extra` columns, in file order.
    pub features: Option<Vec<String>>,
    /// Columns returned beside the dataset as `f64` (e.g. a 0/1 split column),
    /// never used as features. Missing values read as NaN.
    pub extra: Vec<String>,
    /// When false, any missing, NaN or infinite feature value is an error naming
    /// the file, column and row. When true, missing and NaN values read as NaN (an
    /// imputer is expected to follow); infinite values are still an error.
    pub allow_missing: bool,
    /// The most bytes one array of a `.npz` file may hold (its size as stored, shape ×
    /// dtype size). A larger array is refused, naming it, before anything is inflated: a
    /// small compressed file cannot make the reader allocate gigabytes. `None` means
    /// [`DEFAULT_MAX_ARRAY_BYTES`](crate::DEFAULT_MAX_ARRAY_BYTES) (8 GiB). Default: `None`.
    pub max_array_bytes: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            label: Some("label".into()),
            timestamp: None,
            features: None,
            extra: Vec::new(),
            allow_missing: false,
            max_array_bytes: None,
        }
    }
}
