//! CSV files with a header row, read with polars; and polars frames to raw columns.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use polars::prelude::{
    Column, CsvReadOptions, DataFrame, DataType, PolarsError, PolarsResult, SerReader,
};

use crate::error::{IngestError, IngestErrorKind};
use crate::table::{LabelSource, Lines, RawColumn, RawTable, Table, Values};
use crate::ReadOptions;

/// Reads a CSV file with a header row. The schema is inferred from every row, so
/// a text value late in a numeric column is caught.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    check_file(path)?;
    let frame = guard(path, || {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))?
            .finish()
    })?;
    from_frame(path, name, opts, &frame, Lines::Csv)
}

/// Fails for a missing file, a directory or an empty file.
pub(crate) fn check_file(path: &Path) -> Result<(), IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| IngestError::io(path, &e))?;
    if meta.is_dir() {
        return Err(IngestError::new(path, IngestErrorKind::Io("is a directory".into())));
    }
    if meta.len() == 0 {
        return Err(IngestError::new(path, IngestErrorKind::Empty));
    }
    Ok(())
}

/// Runs a polars reader, mapping its errors and any panic to an [`IngestError`].
pub(crate) fn guard(
    path: &Path,
    read: impl FnOnce() -> PolarsResult<DataFrame>,
) -> Result<DataFrame, IngestError> {
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(Ok(frame)) => Ok(frame),
        Ok(Err(PolarsError::NoData(_))) => Err(IngestError::new(path, IngestErrorKind::Empty)),
        Ok(Err(PolarsError::IO { error, .. })) => Err(IngestError::io(path, &error)),
        Ok(Err(e)) => Err(IngestError::unreadable(path, e)),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown cause");
            Err(IngestError::unreadable(path, format!("the reader failed: {why}")))
        }
    }
}

/// Splits a polars frame by `opts` into a [`Table`].
pub(crate) fn from_frame(
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    frame: &DataFrame,
    lines: Lines,
) -> Result<Table, IngestError> {
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            values(c).map(|values| RawColumn { name: c.name().to_string(), values }).map_err(|e| {
                IngestError::unreadable(path, e).column(c.name().to_string())
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let raw = RawTable { path, columns, n_rows: frame.height(), lines };
    let label = opts.label.clone().map_or(LabelSource::None, LabelSource::Column);
    raw.into_table(name, opts, label)
}

/// One polars column as raw values: integers and booleans as integers, floats
/// as floats, text as text, anything else as its text form.
fn values(column: &Column) -> PolarsResult<Values> {
    let dtype = column.dtype();
    let fits_i64 = !matches!(dtype, DataType::UInt64 | DataType::Int128 | DataType::UInt128);
    if dtype.is_bool() || (dtype.is_integer() && fits_i64) {
        let c = column.cast(&DataType::Int64)?;
        Ok(Values::Int(c.i64()?.iter().collect()))
    } else if dtype.is_numeric() {
        let c = column.cast(&DataType::Float64)?;
        Ok(Values::Float(c.f64()?.iter().collect()))
    } else if dtype == &DataType::Null {
        Ok(Values::Float(vec![None; column.len()]))
    } else {
        let c = column.cast(&DataType::String)?;
        Ok(Values::Text(c.str()?.iter().map(|s| s.map(str::to_owned)).collect()))
    }
}

/// The 1-based line where data row `row` starts, counting like the reader: the
/// header is the first record, quoted fields may span lines, blank lines hold no
/// record. Read again from the file, only to report an error.
pub(crate) fn line_of_row(path: &Path, row: usize) -> Option<usize> {
    let bytes = std::fs::read(path).ok()?;
    let target = row.checked_add(1)?;
    let (mut line, mut start_line, mut record) = (1, 1, 0);
    let (mut in_quotes, mut blank) = (false, true);
    for &b in &bytes {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b'\n' if !in_quotes => {
                if !blank {
                    if record == target {
                        return Some(start_line);
                    }
                    record += 1;
                }
                line += 1;
                start_line = line;
                blank = true;
            }
            b'\n' => line += 1,
            b'\r' => {}
            _ => blank = false,
        }
    }
    (!blank && record == target).then_some(start_line)
}
