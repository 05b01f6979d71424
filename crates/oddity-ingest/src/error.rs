//! The error type of every reader: the file, where in it, and what went wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error raised while reading a data file.
///
/// It always names the file, and the column and row when they are known. Its
/// [`Display`](fmt::Display) is one lowercase line without a trailing period, e.g.
/// ``file `odds/x.csv`: column `x3`, row 17 (line 19): value `abc` is not a number``.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestError {
    /// The file being read.
    pub path: PathBuf,
    /// The column concerned, when known. Matrix formats name columns `x0 .. x{d-1}`.
    pub column: Option<String>,
    /// The 0-based data row concerned, when known (the header is not a data row).
    pub row: Option<usize>,
    /// The 1-based line of the file holding `row`, for CSV and text files.
    pub line: Option<usize>,
    /// What went wrong.
    pub kind: IngestErrorKind,
}

/// An array over the size limit: what [`IngestErrorKind::ArrayTooLarge`] holds (boxed, to
/// keep every error small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OversizedArray {
    /// The array's name (`X`, `y`).
    pub array: String,
    /// The bytes it declares.
    pub declared: u64,
    /// Its shape, when the `.npy` header was read (`None`: the zip entry's size alone was
    /// over the limit).
    pub shape: Option<Vec<usize>>,
    /// The limit in force.
    pub limit: u64,
}

/// The kind of an [`IngestError`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IngestErrorKind {
    /// Occurs when the file does not exist.
    Missing,
    /// Occurs when the file exists but cannot be read (permissions, a directory …).
    Io(String),
    /// Occurs when the file has zero bytes, or a CSV file has no header.
    Empty,
    /// Occurs when the file has a header (or only blank lines) but no data row.
    NoRows,
    /// Occurs when no feature column is left after the label, timestamp and extra
    /// columns are set aside.
    NoFeatures,
    /// Occurs when the file's extension is not one of `.csv`, `.parquet`, `.pq`,
    /// `.npz`, `.mat` or `.txt`. Holds the extension (empty when there is none).
    UnknownFormat(String),
    /// Occurs when the file is not valid for its format: a CSV, Parquet, NumPy or
    /// MATLAB parse failure, an unsupported array type, or a missing `X` array.
    Unreadable(String),
    /// Occurs when `label` names a column that is not in the file, or a `.npz` or
    /// `.mat` file has no `y`. Holds the columns (or arrays) the file has.
    LabelMissing {
        /// The columns or array names found in the file.
        available: Vec<String>,
    },
    /// Occurs when a column named in `features`, `extra` or `timestamp` is not in
    /// the file. Holds the columns the file has.
    ColumnMissing {
        /// The columns found in the file.
        available: Vec<String>,
    },
    /// Occurs when a feature or extra column holds a value that is not a number.
    NonNumeric {
        /// The first offending value.
        value: String,
    },
    /// Occurs when a label is neither 0 nor 1 (an empty `value` means missing).
    BadLabel {
        /// The offending value as written.
        value: String,
    },
    /// Occurs when a feature value is missing, NaN or infinite and `allow_missing`
    /// is false, or infinite whatever `allow_missing` says.
    NonFinite,
    /// Occurs when a timestamp is neither a `YYYY-MM-DD[ HH:MM:SS]` date-time nor
    /// an integer of epoch seconds (an empty `value` means missing).
    BadTimestamp {
        /// The offending value as written.
        value: String,
    },
    /// Occurs when arrays or rows disagree in shape: a ragged text row, `y` of
    /// another length than `X`, an array with more than 2 dimensions.
    ShapeMismatch(String),
    /// Occurs when the [`ReadOptions`](crate::ReadOptions) contradict each other,
    /// e.g. one column is both the label and a feature.
    BadOptions(String),
    /// Occurs when an array of a `.npz` file declares more bytes than
    /// [`ReadOptions::max_array_bytes`](crate::ReadOptions::max_array_bytes) allows,
    /// either in its zip entry or in its `.npy` header (shape × dtype size). Nothing of
    /// the array has been inflated.
    ArrayTooLarge(Box<OversizedArray>),
    /// Occurs when two columns of the header have the same name (a reader would rename one
    /// and read it as a feature, a duplicated label column included). Holds the 1-based
    /// positions of the two.
    DuplicateColumn {
        /// Where the name first appears.
        first: usize,
        /// Where it appears again.
        again: usize,
    },
}

impl IngestError {
    /// An error about the whole file.
    pub(crate) fn new(path: &Path, kind: IngestErrorKind) -> Self {
        Self { path: path.to_path_buf(), column: None, row: None, line: None, kind }
    }

    /// Names the column concerned.
    pub(crate) fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Names the row concerned and, where known, its line.
    pub(crate) fn at(mut self, row: usize, line: Option<usize>) -> Self {
        self.row = Some(row);
        self.line = line;
        self
    }

    /// Maps an I/O error on opening or reading `path`.
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => IngestErrorKind::Missing,
            _ => IngestErrorKind::Io(err.to_string()),
        };
        Self::new(path, kind)
    }

    /// A parse failure of the file's format.
    pub(crate) fn unreadable(path: &Path, detail: impl fmt::Display) -> Self {
        Self::new(path, IngestErrorKind::Unreadable(detail.to_string()))
    }

    /// A shape disagreement.
    pub(crate) fn shape(path: &Path, detail: impl Into<String>) -> Self {
        Self::new(path, IngestErrorKind::ShapeMismatch(detail.into()))
    }

    /// What went wrong.
    pub fn kind(&self) -> &IngestErrorKind {
        &self.kind
    }
}

impl std::error::Error for IngestError {}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file `{}`", one_line(&self.path.display().to_string()))?;
        let mut sep = ": ";
        if let Some(column) = &self.column {
            write!(f, "{sep}column `{}`", one_line(column))?;
            sep = ", ";
        }
        if let Some(row) = self.row {
            write!(f, "{sep}row {row}")?;
            if let Some(line) = self.line {
                write!(f, " (line {line})")?;
            }
        } else if let Some(line) = self.line {
            write!(f, "{sep}line {line}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for IngestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("file not found"),
            Self::Io(d) => write!(f, "cannot read the file: {}", detail(d)),
            Self::Empty => f.write_str("file is empty"),
            Self::NoRows => f.write_str("file has no data rows"),
            Self::NoFeatures => {
                f.write_str("no feature column left after the label, timestamp and extra columns")
            }
            Self::UnknownFormat(ext) if ext.is_empty() => f.write_str(
                "file has no extension (expected .csv, .parquet, .pq, .npz, .mat or .txt)",
            ),
            Self::UnknownFormat(ext) => write!(
                f,
                "unknown extension `.{}` (expected .csv, .parquet, .pq, .npz, .mat or .txt)",
                one_line(ext)
            ),
            Self::Unreadable(d) => write!(f, "cannot parse the file: {}", detail(d)),
            Self::LabelMissing { available } => {
                write!(f, "label column not found (available: {})", list(available))
            }
            Self::ColumnMissing { available } => {
                write!(f, "column not found (available: {})", list(available))
            }
            Self::NonNumeric { value } => write!(
                f,
                "value `{}` is not a number (set `features` to choose the feature columns)",
                one_line(value)
            ),
            Self::BadLabel { value } if value.is_empty() => f.write_str("label is missing"),
            Self::BadLabel { value } => {
                write!(f, "label `{}` is not 0 or 1", one_line(value))
            }
            Self::NonFinite => f.write_str(
                "value is missing, NaN or infinite (in a config, `[preprocess] impute = \"median\"` \
                 or `\"mean\"` fills missing and NaN values; infinite values are always rejected)",
            ),
            Self::BadTimestamp { value } if value.is_empty() => f.write_str("timestamp is missing"),
            Self::BadTimestamp { value } => write!(
                f,
                "timestamp `{}` is neither `YYYY-MM-DD[ HH:MM:SS]` nor integer epoch seconds",
                one_line(value)
            ),
            Self::ShapeMismatch(d) => write!(f, "shape mismatch: {}", detail(d)),
            Self::BadOptions(d) => write!(f, "invalid read options: {}", detail(d)),
            Self::ArrayTooLarge(a) => {
                let OversizedArray { array, declared, shape, limit } = &**a;
                write!(f, "array `{}` declares {declared} bytes (", one_line(array))?;
                match shape {
                    Some(shape) => write!(f, "shape {}", python_shape(shape))?,
                    None => f.write_str("its zip entry's uncompressed size")?,
                }
                write!(
                    f,
                    "), more than the limit of {limit} bytes; the file is corrupt or a \
                     decompression bomb, or the array needs a larger `max_array_bytes`"
                )
            }
            Self::DuplicateColumn { first, again } => write!(
                f,
                "the header names columns {first} and {again} alike: rename one (a duplicate is never read as a feature)"
            ),
        }
    }
}

/// Folds a multi-line message (polars errors have several lines) into one line.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.lines().map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(part);
    }
    out
}

/// A message from another library as one line without a trailing period.
fn detail(s: &str) -> String {
    let mut out = one_line(s);
    let trimmed = out.trim_end_matches('.').len();
    out.truncate(trimmed);
    out
}

/// A shape as NumPy writes it: `(3,)`, `(3, 2)`, `()`.
fn python_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// A comma-separated list of names, shortened after 20.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 20;
    if names.is_empty() {
        return "none".into();
    }
    let mut out =
        names.iter().take(SHOWN).map(|n| format!("`{}`", one_line(n))).collect::<Vec<_>>();
    if names.len() > SHOWN {
        out.push(format!("and {} more", names.len() - SHOWN));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_column_row_and_line() {
        let err = IngestError::new(
            Path::new("datasets/odds/x.csv"),
            IngestErrorKind::NonNumeric { value: "abc".into() },
        )
        .column("x3")
        .at(17, Some(19));
        assert_eq!(
            err.to_string(),
            "file `datasets/odds/x.csv`: column `x3`, row 17 (line 19): value `abc` is not a \
             number (set `features` to choose the feature columns)"
        );
    }

    #[test]
    fn multi_line_details_fold_into_one_line() {
        let err = IngestError::unreadable(Path::new("a.csv"), "first line\n\n  second line.\n");
        assert_eq!(err.to_string(), "file `a.csv`: cannot parse the file: first line; second line");
    }

    #[test]
    fn long_column_lists_are_shortened() {
        let available: Vec<String> = (0..25).map(|j| format!("x{j}")).collect();
        let err = IngestError::new(Path::new("a.csv"), IngestErrorKind::LabelMissing { available })
            .column("label");
        let msg = err.to_string();
        assert!(msg.contains("`x19`, and 5 more"), "{msg}");
        assert!(!msg.contains("`x20`"), "{msg}");
    }
}
