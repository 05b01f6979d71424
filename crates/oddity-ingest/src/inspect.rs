//! A first look at a data file before any column is given a part: what each column holds
//! and how many values it misses (what `oddity init` writes a starter config from).

use std::path::Path;

use crate::error::{IngestError, IngestErrorKind};
use crate::table::{RawColumn, Values};
use crate::timestamp::parse_timestamp;
use crate::{csv, parquet, read_table, ReadOptions};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Only the numbers 0 and 1, both present: a candidate label.
    Binary,
    /// Numbers: integers, floats, or text that parses as numbers.
    Numeric,
    /// Date-times `YYYY-MM-DD[ HH:MM:SS]` (what a `timestamp` column may hold).
    Timestamp,
    /// Any other text.
    Text,
}

/// One column of a [`FileSummary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSummary {
    /// The column's name (`x0 .. x{d-1}` and `y` in matrix formats).
    pub name: String,
    /// What it holds.
    pub kind: ColumnKind,
    /// Missing values (empty fields, nulls, NaN).
    pub missing: usize,
    /// Whether its present values are all equal (a feature that cannot tell rows apart).
    pub constant: bool,
}

/// The columns of a data file, as [`inspect`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// Data rows.
    pub rows: usize,
    /// Every column, in file order.
    pub columns: Vec<ColumnSummary>,
}

impl FileSummary {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&ColumnSummary> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Reads every column of a data file (any format [`read_table`] reads) and says what each
/// holds, without choosing features, label or timestamp. Matrix formats (`.npz`, `.mat`,
/// `.txt`) list `x0 .. x{d-1}` as numeric, and their label array as a binary column `y`.
///
/// # Errors
///
/// The errors of [`read_table`] about the file itself: missing, empty, unreadable, no rows,
/// unknown extension.
pub fn inspect(path: &Path) -> Result<FileSummary, IngestError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    let columns = match ext.as_deref() {
        Some("csv") => {
            let (frame, keep, _) = csv::frame(path)?;
            csv::raw_columns(path, &frame, keep.as_deref())?
        }
        Some("parquet" | "pq") => csv::raw_columns(path, &parquet::frame(path)?, None)?,
        _ => return inspect_matrix(path),
    };
    let rows = columns.first().map_or(0, |c| c.values.len());
    if rows == 0 {
        return Err(IngestError::new(path, IngestErrorKind::NoRows));
    }
    Ok(FileSummary { rows, columns: columns.iter().map(summarise).collect() })
}

/// [`inspect`] for the formats whose columns are `x0 .. x{d-1}` with labels apart.
fn inspect_matrix(path: &Path) -> Result<FileSummary, IngestError> {
    let read = |label: Option<&str>| {
        let opts = ReadOptions {
            label: label.map(String::from),
            allow_missing: true,
            ..ReadOptions::default()
        };
        read_table(path, "", &opts)
    };
    let table = match read(Some("y")) {
        Err(e) if matches!(e.kind(), IngestErrorKind::LabelMissing { .. }) => read(None)?,
        read => read?,
    };
    let data = table.dataset;
    let mut columns: Vec<ColumnSummary> = data
        .feature_names
        .iter()
        .zip(data.features.columns())
        .map(|(name, col)| {
            summarise(&RawColumn {
                name: name.clone(),
                values: Values::Float(col.iter().map(|&v| (!v.is_nan()).then_some(v)).collect()),
            })
        })
        .collect();
    if let Some(labels) = &data.labels {
        let values = Values::Int(labels.iter().map(|&l| Some(i64::from(l))).collect());
        columns.push(summarise(&RawColumn { name: "y".into(), values }));
    }
    Ok(FileSummary { rows: data.n_rows(), columns })
}

/// The kind, missing count and constancy of one column.
fn summarise(column: &RawColumn) -> ColumnSummary {
    let name = column.name.clone();
    // The values as numbers (None: missing), unless some text is not a number.
    if let Ok(numbers) = column.values.numeric() {
        let present: Vec<f64> = numbers.iter().flatten().copied().filter(|x| !x.is_nan()).collect();
        let missing = numbers.len() - present.len();
        let constant = present.windows(2).all(|w| w[0] == w[1]);
        let zeros_and_ones = present.iter().all(|&v| v == 0.0 || v == 1.0)
            && present.contains(&0.0)
            && present.contains(&1.0);
        let kind = if zeros_and_ones { ColumnKind::Binary } else { ColumnKind::Numeric };
        return ColumnSummary { name, kind, missing, constant };
    }
    let Values::Text(v) = &column.values else { unreachable!("numbers are summarised above") };
    let present: Vec<&str> =
        v.iter().filter_map(|s| s.as_deref().map(str::trim)).filter(|s| !s.is_empty()).collect();
    let missing = v.len() - present.len();
    let constant = present.windows(2).all(|w| w[0] == w[1]);
    let dates = present.iter().all(|s| parse_timestamp(s).is_some());
    let kind = if dates { ColumnKind::Timestamp } else { ColumnKind::Text };
    ColumnSummary { name, kind, missing, constant }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(text: &str) -> FileSummary {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text).expect("write");
        inspect(&path).expect("inspect")
    }

    #[test]
    fn kinds_missing_values_and_constants() {
        let s = summary(
            "time,a,b,flag,name,is_anomaly\n\
             2024-01-01 00:00:00,1.5,3,x,u,0\n\
             2024-01-01 00:01:00,,3,x,v,1\n\
             2024-01-01 00:02:00,2.5,3,x,w,0\n",
        );
        assert_eq!(s.rows, 3);
        let kinds: Vec<_> = s.columns.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("time", ColumnKind::Timestamp),
                ("a", ColumnKind::Numeric),
                ("b", ColumnKind::Numeric),
                ("flag", ColumnKind::Text),
                ("name", ColumnKind::Text),
                ("is_anomaly", ColumnKind::Binary),
            ]
        );
        assert_eq!(s.column("a").map(|c| (c.missing, c.constant)), Some((1, false)));
        assert_eq!(s.column("b").map(|c| (c.missing, c.constant)), Some((0, true)));
        assert!(s.column("flag").is_some_and(|c| c.constant));
        assert!(s.column("nope").is_none());
    }

    #[test]
    fn numbers_written_as_text_and_one_valued_columns() {
        // A column of 0s only is numeric (constant), not a label; "1e3" is a number.
        let s = summary("a,z,t\n 1e3 ,0,5\n2,0,6\nNaN,0,7\n");
        assert_eq!(s.column("a").map(|c| (c.kind, c.missing)), Some((ColumnKind::Numeric, 1)));
        assert_eq!(s.column("z").map(|c| (c.kind, c.constant)), Some((ColumnKind::Numeric, true)));
    }

    #[test]
    fn bundled_odds_mat_lists_x_columns_and_y() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/odds/wbc.mat");
        let s = inspect(&path).expect("wbc.mat");
        assert_eq!((s.rows, s.columns.len()), (378, 31));
        assert_eq!(s.columns[0].name, "x0");
        assert_eq!(s.column("y").map(|c| c.kind), Some(ColumnKind::Binary));
    }

    #[test]
    fn a_header_without_rows_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.csv");
        std::fs::write(&path, "a,b\n").expect("write");
        let err = inspect(&path).expect_err("no rows");
        assert!(err.to_string().contains("h.csv"), "{err}");
    }
}
