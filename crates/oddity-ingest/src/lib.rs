//! Readers that turn anomaly-detection data files (CSV, Parquet, NumPy `.npz`,
//! ODDS `.mat` and header-less text matrices) into an [`oddity_core::Dataset`].
//!
//! [`read_table`] picks the format from the extension and splits the columns by
//! [`ReadOptions`] into features, 0/1 labels, timestamps and extra columns. Every
//! value is checked: an error names the file, the column and the row (and for CSV
//! and text the line), and no input makes a reader panic.
//!
//! | Extension | Format | Columns |
//! |---|---|---|
//! | `.csv` | header row, read with polars | as in the header |
//! | `.parquet`, `.pq` | read with polars | as stored |
//! | `.npz` | NumPy archive (ADBench), arrays `X` and `y` | `x0 .. x{d-1}`, labels from `y` |
//! | `.mat` | MATLAB Level-5 MAT-file (ODDS), variables `X` and `y` | `x0 .. x{d-1}`, labels from `y` |
//! | `.txt` | header-less numeric matrix, comma- or whitespace-separated | `x0 .. x{d-1}`, no labels |
//!
//! [`read_matrix`] and [`read_labels`] read the SMD/ASD layout, where the test
//! matrix and its labels are separate text files.
//!
//! A `.npz` array is inflated only once the size its zip entry declares and the size
//! its `.npy` header describes agree and are at most [`ReadOptions::max_array_bytes`]
//! ([`DEFAULT_MAX_ARRAY_BYTES`], 8 GiB, unless set), and reading stops as soon as an
//! entry inflates beyond what it declares: a small file cannot make the reader allocate
//! gigabytes.
//!
//! # Example: a labelled CSV file
//!
//! ```
//! use oddity_ingest::{read_table, IngestErrorKind, ReadOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("toy.csv");
//! std::fs::write(&path, "x0,x1,label\n0.5,1.0,0\n0.25,8.0,1\n")?;
//!
//! let table = read_table(&path, "toy", &ReadOptions::default())?;
//! let data = &table.dataset;
//! assert_eq!((data.n_rows(), data.n_features()), (2, 2));
//! assert_eq!(data.feature_names, ["x0", "x1"]);
//! assert_eq!(data.n_anomalies(), Some(1));
//!
//! // Without a label column, the default options fail and say what the file has.
//! std::fs::write(&path, "x0,x1\n0.5,1.0\n")?;
//! let err = read_table(&path, "toy", &ReadOptions::default()).unwrap_err();
//! assert!(matches!(err.kind(), IngestErrorKind::LabelMissing { .. }));
//! assert!(err.to_string().contains("available: `x0`, `x1`"));
//!
//! // A training part has no labels.
//! let opts = ReadOptions { label: None, ..ReadOptions::default() };
//! assert_eq!(read_table(&path, "toy", &opts)?.dataset.labels, None);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: an ODDS `.mat` file
//!
//! ```
//! use std::path::Path;
//! use oddity_ingest::{read_table, ReadOptions};
//!
//! // The Wisconsin breast-cancer set of ODDS, bundled with oddity (datasets/odds/wbc.mat).
//! let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/odds/wbc.mat");
//! let data = read_table(&path, "wbc", &ReadOptions::default())?.dataset;
//! assert_eq!((data.n_rows(), data.n_features()), (378, 30));
//! assert_eq!(data.n_anomalies(), Some(21));
//! assert_eq!(data.feature_names[0], "x0");
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None. polars is built with only its `csv` and `parquet` features; `.npz`,
//! `.mat` and `.txt` files are parsed by this crate.
#![deny(missing_docs)]

mod csv;
mod error;
mod inspect;
mod label_windows;
mod mat;
mod npz;
mod options;
mod parquet;
mod table;
mod text;
mod timestamp;
mod write;

use std::path::Path;

pub use error::{IngestError, IngestErrorKind, OversizedArray};
pub use inspect::{inspect, ColumnKind, ColumnSummary, FileSummary};
pub use label_windows::{label_rows_in_windows, read_label_windows};
pub use npz::DEFAULT_MAX_ARRAY_BYTES;
pub use options::ReadOptions;
pub use table::Table;
pub use text::{read_labels, read_matrix, read_matrix_with};
pub use write::{write_parquet, ColumnData};

/// Reads a data file into a [`Table`], choosing the format by extension
/// (case-insensitive): `.csv` (header row), `.parquet` / `.pq`, `.npz` (arrays
/// `X` and `y`), `.mat` (ODDS MATLAB v5, variables `X` and `y`) or `.txt`
/// (header-less numeric matrix with columns `x0 .. x{d-1}`, no labels inside).
///
/// `name` becomes [`Dataset::name`](oddity_core::Dataset::name). See
/// [`ReadOptions`] for how columns are chosen.
///
/// # Errors
///
/// An [`IngestError`] naming the file, and the column and row where known:
/// [`IngestErrorKind::UnknownFormat`] for another extension,
/// [`IngestErrorKind::Missing`] when the file does not exist, and the other
/// kinds for empty files, unparseable content, absent or non-numeric columns,
/// labels other than 0/1, missing or non-finite values (unless
/// [`ReadOptions::allow_missing`]) and bad timestamps.
pub fn read_table(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => csv::read(path, name, opts),
        Some("parquet" | "pq") => parquet::read(path, name, opts),
        Some("npz") => npz::read(path, name, opts),
        Some("mat") => mat::read(path, name, opts),
        Some("txt") => text::read(path, name, opts),
        other => Err(IngestError::new(
            path,
            IngestErrorKind::UnknownFormat(other.unwrap_or_default().to_string()),
        )),
    }
}
