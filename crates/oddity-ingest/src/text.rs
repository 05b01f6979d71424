//! Header-less text: numeric matrices (SMD/ASD `train/M.txt`, UCR series) and
//! label files (SMD `test_label/M.txt`).

use std::path::Path;

use ndarray::Array1;
use oddity_core::Dataset;

use crate::error::{IngestError, IngestErrorKind};
use crate::table::{LabelSource, Lines, RawColumn, RawTable, Table, Values};
use crate::ReadOptions;

/// Reads a header-less numeric matrix as a dataset with features `x0 .. x{d-1}`.
///
/// Values are separated by commas when the first line has one (SMD), otherwise by
/// whitespace (UCR's one value per line reads as one column). Blank lines are
/// skipped; an empty comma-separated field is a missing value, read as NaN when
/// `allow_missing` is true and an error otherwise, like NaN and infinite values.
///
/// # Errors
///
/// [`IngestErrorKind::ShapeMismatch`] for a row of another width than the first,
/// [`IngestErrorKind::NonNumeric`] for a value that is not a number, and the
/// kinds listed at [`read_table`](crate::read_table).
pub fn read_matrix(path: &Path, name: &str, allow_missing: bool) -> Result<Dataset, IngestError> {
    let opts = ReadOptions { label: None, allow_missing, ..ReadOptions::default() };
    read_matrix_with(path, name, &opts)
}

/// [`read_matrix`] with the options of a table read: `features` picks columns by their
/// names `x0 .. x{d-1}` (an unknown name is [`IngestErrorKind::ColumnMissing`]), and
/// `allow_missing` as there. A header-less matrix has no label or timestamp column, so
/// `label`, `timestamp` and `extra` must be empty.
pub fn read_matrix_with(
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<Dataset, IngestError> {
    let opts = ReadOptions { label: None, timestamp: None, extra: vec![], ..opts.clone() };
    read(path, name, &opts).map(|t| t.dataset)
}

/// Reads one 0/1 label per line (SMD `test_label/M.txt`); `0.0` and `1.0` are
/// accepted too, blank lines are skipped.
///
/// # Errors
///
/// [`IngestErrorKind::BadLabel`] naming the row and line of a value other than
/// 0 or 1, [`IngestErrorKind::Empty`] for an empty file, [`IngestErrorKind::NoRows`]
/// when it has only blank lines.
pub fn read_labels(path: &Path) -> Result<Array1<u8>, IngestError> {
    let text = read_text(path)?;
    let mut labels = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let value = line.trim();
        if value.is_empty() {
            continue;
        }
        let label = match value {
            "0" => Some(0),
            "1" => Some(1),
            _ => match value.parse::<f64>() {
                Ok(0.0) => Some(0),
                Ok(1.0) => Some(1),
                _ => None,
            },
        };
        let label = label.ok_or_else(|| {
            IngestError::new(path, IngestErrorKind::BadLabel { value: value.into() })
                .at(labels.len(), Some(line_index + 1))
        })?;
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(IngestError::new(path, IngestErrorKind::NoRows));
    }
    Ok(Array1::from(labels))
}

/// Reads a `.txt` matrix for [`read_table`](crate::read_table): no labels inside.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let text = read_text(path)?;
    let mut columns: Vec<Vec<Option<f64>>> = Vec::new();
    let mut lines = Vec::new();
    let mut comma = None;
    for (line_index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (row, line_no) = (lines.len(), line_index + 1);
        let comma = *comma.get_or_insert_with(|| line.contains(','));
        let fields: Vec<&str> = if comma {
            line.split(',').map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        if row == 0 {
            columns = vec![Vec::new(); fields.len()];
        } else if fields.len() != columns.len() {
            let detail = format!(
                "line {line_no} has {} values, the first row has {}",
                fields.len(),
                columns.len()
            );
            return Err(IngestError::shape(path, detail).at(row, Some(line_no)));
        }
        for (j, (field, column)) in fields.iter().zip(&mut columns).enumerate() {
            let value = if field.is_empty() {
                None
            } else {
                let x = field.parse::<f64>().map_err(|_| {
                    IngestError::new(path, IngestErrorKind::NonNumeric { value: (*field).into() })
                        .column(format!("x{j}"))
                        .at(row, Some(line_no))
                })?;
                Some(x)
            };
            column.push(value);
        }
        lines.push(line_no);
    }
    let raw = RawTable {
        path,
        n_rows: lines.len(),
        columns: columns
            .into_iter()
            .enumerate()
            .map(|(j, v)| RawColumn { name: format!("x{j}"), values: Values::Float(v) })
            .collect(),
        lines: Lines::PerRow(lines),
    };
    raw.into_table(name, opts, LabelSource::None)
}

/// The file as UTF-8 text; an empty file is an error.
fn read_text(path: &Path) -> Result<String, IngestError> {
    let bytes = std::fs::read(path).map_err(|e| IngestError::io(path, &e))?;
    if bytes.is_empty() {
        return Err(IngestError::new(path, IngestErrorKind::Empty));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        IngestError::unreadable(path, format!("not UTF-8 text (invalid byte at offset {at})"))
    })
}
