//! Parquet files, read with polars.

use std::fs::File;
use std::path::Path;

use polars::prelude::{DataFrame, ParquetReader, SerReader};

use crate::csv::{check_file, from_frame, guard};
use crate::error::IngestError;
use crate::table::{Lines, Table};
use crate::ReadOptions;

/// Reads every column of a Parquet file; the columns then split as for CSV.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    from_frame(path, name, opts, &frame(path)?, None, Lines::None)
}

/// Every column of a Parquet file as a polars frame.
pub(crate) fn frame(path: &Path) -> Result<DataFrame, IngestError> {
    check_file(path)?;
    let file = File::open(path).map_err(|e| IngestError::io(path, &e))?;
    guard(path, || ParquetReader::new(file).finish())
}
