//! CSV files with a header row, read with polars; and polars frames to raw columns.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use polars::prelude::{
    Column, CsvReadOptions, DataFrame, DataType, PolarsError, PolarsResult, SerReader,
};

use crate::error::{IngestError, IngestErrorKind};
use crate::table::{LabelSource, Lines, RawColumn, RawTable, Table, Values};
use crate::ReadOptions;

/// Rows read to guess the column types before the whole file is parsed.
const GUESS_ROWS: usize = 1000;

/// Reads a CSV file with a header row. Blank lines are skipped.
///
/// The column types are first guessed from [`GUESS_ROWS`] rows. polars then
/// refuses a later value that does not fit (text in a float column, a float in
/// an integer column), and the file is read again with types inferred from every
/// row, so a late text value is caught and named. Inferring from every row up
/// front cost more than the parse itself (shuttle.csv: 177 ms against 46 ms).
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    let (frame, keep, lines) = frame(path)?;
    from_frame(path, name, opts, &frame, keep.as_deref(), lines)
}

/// The polars frame of a CSV file, which rows of it to keep (blank lines are not rows) and
/// the lines of the kept rows.
pub(crate) fn frame(path: &Path) -> Result<(DataFrame, Option<Vec<bool>>, Lines), IngestError> {
    check_file(path)?;
    let bytes = std::fs::read(path).map_err(|e| IngestError::io(path, &e))?;
    check_header(path, &bytes)?;
    let parse = |infer_rows: Option<usize>| {
        guard(path, || {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(infer_rows)
                .into_reader_with_file_handle(Cursor::new(bytes.as_slice()))
                .finish()
        })
    };
    let frame = match parse(Some(GUESS_ROWS)) {
        Err(e) if matches!(e.kind, IngestErrorKind::Unreadable(_)) => parse(None)?,
        read => read?,
    };
    // polars reads a blank line as a row of missing values; drop those rows. Should
    // the record count disagree with polars', keep every row and give no line.
    let records = data_records(&bytes);
    let (keep, lines) = if records.len() == frame.height() {
        let keep: Vec<bool> = records.iter().map(|r| !r.blank).collect();
        let lines = records.iter().filter(|r| !r.blank).map(|r| r.line).collect();
        (Some(keep), Lines::PerRow(lines))
    } else {
        (None, Lines::None)
    };
    Ok((frame, keep, lines))
}

/// Fails when two columns of the header line share a name: polars would rename the second
/// (`label_duplicated_0`) and it would be read as a feature.
fn check_header(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    let end = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..end]);
    let names: Vec<&str> =
        header.trim_end_matches('\r').split(',').map(|n| n.trim().trim_matches('"')).collect();
    for (j, name) in names.iter().enumerate() {
        if let Some(i) = names[..j].iter().position(|n| n == name) {
            return Err(IngestError::new(
                path,
                IngestErrorKind::DuplicateColumn { first: i + 1, again: j + 1 },
            )
            .column(*name));
        }
    }
    Ok(())
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
    keep: Option<&[bool]>,
    lines: Lines,
) -> Result<Table, IngestError> {
    let columns = raw_columns(path, frame, keep)?;
    let n_rows = keep.map_or(frame.height(), |k| k.iter().filter(|&&k| k).count());
    let raw = RawTable { path, columns, n_rows, lines };
    let label = opts.label.clone().map_or(LabelSource::None, LabelSource::Column);
    raw.into_table(name, opts, label)
}

/// The columns of a polars frame as raw values, keeping the rows where `keep` is true.
pub(crate) fn raw_columns(
    path: &Path,
    frame: &DataFrame,
    keep: Option<&[bool]>,
) -> Result<Vec<RawColumn>, IngestError> {
    frame
        .columns()
        .iter()
        .map(|c| {
            let values = values(c)
                .map_err(|e| IngestError::unreadable(path, e).column(c.name().to_string()))?;
            let values = match keep {
                Some(keep) => values.filter(keep),
                None => values,
            };
            Ok(RawColumn { name: c.name().to_string(), values })
        })
        .collect()
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

/// One data record of a CSV text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    /// The 1-based line where it starts.
    line: usize,
    /// Whether it holds only whitespace.
    blank: bool,
}

/// The data records of a CSV text, split as polars splits them: blank lines
/// before the header are skipped, the header is the first record, every later
/// line is a record (blank or not) except after the final line break, and a
/// quoted field may span lines.
fn data_records(bytes: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let (mut line, mut start, mut header_seen) = (1, 1, false);
    let (mut in_quotes, mut blank, mut pending) = (false, true, false);
    let mut end = |start: usize, blank: bool| {
        if header_seen {
            out.push(Record { line: start, blank });
        } else if !blank {
            header_seen = true;
        }
    };
    for &b in bytes {
        match b {
            b'\n' if !in_quotes => {
                end(start, blank);
                line += 1;
                start = line;
                (blank, pending) = (true, false);
                continue;
            }
            b'\n' => line += 1,
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => blank = false,
        }
        pending = true;
    }
    if pending && !blank {
        end(start, blank);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(usize, bool)> {
        data_records(text.as_bytes()).iter().map(|r| (r.line, r.blank)).collect()
    }

    #[test]
    fn records_follow_lines_blank_lines_and_quotes() {
        assert_eq!(lines("a,b\n1,2\n3,4\n"), [(2, false), (3, false)]);
        assert_eq!(lines("a,b\n1,2\n3,4"), [(2, false), (3, false)]);
        assert_eq!(lines("\na,b\n1,2\n\n3,4\n\n"), [(3, false), (4, true), (5, false), (6, true)]);
        assert_eq!(lines("a,b\r\n1,2\r\n\r\n"), [(2, false), (3, true)]);
        assert_eq!(lines("a,b\n\"x\ny\",2\n3,4\n"), [(2, false), (4, false)]);
        assert_eq!(lines("a\n"), []);
    }
}
