//! Parquet files, read with polars.

use std::fs::File;
use std::path::Path;

use polars::prelude::{ParquetReader, SerReader};

use crate::csv::{check_file, from_frame, guard};
use crate::error::IngestError;
use crate::table::{Lines, Table};
use crate::ReadOptions;

/// Reads every column of a Parquet file; the columns then split as for CSV.
pub(crate) fn read(path: &Path, name: &str, opts: &ReadOptions) -> Result<Table, IngestError> {
    check_file(path)?;
    let file = File::open(path).map_err(|e| IngestError::io(path, &e))?;
    let frame = guard(path, || ParquetReader::new(file).finish())?;
    from_frame(path, name, opts, &frame, None, Lines::None)
}
