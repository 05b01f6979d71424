//! Writing a table to Parquet, so that polars stays behind this crate's API for writers too.

use std::fs::File;
use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetWriter};

use crate::error::{IngestError, IngestErrorKind};

/// The values of one column of a table to write; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Text.
    Text(Vec<Option<String>>),
    /// 64-bit floats.
    Float(Vec<Option<f64>>),
    /// 64-bit signed integers.
    Int(Vec<Option<i64>>),
}

impl ColumnData {
    fn len(&self) -> usize {
        match self {
            Self::Text(v) => v.len(),
            Self::Float(v) => v.len(),
            Self::Int(v) => v.len(),
        }
    }
}

/// Writes `columns` (name, values; all of one length) as a Parquet file at `path`,
/// replacing it.
///
/// # Errors
///
/// An [`IngestError`] naming the file when the columns differ in length or the file cannot
/// be written.
pub fn write_parquet(path: &Path, columns: &[(&str, ColumnData)]) -> Result<(), IngestError> {
    let height = columns.first().map_or(0, |(_, c)| c.len());
    if let Some((name, c)) = columns.iter().find(|(_, c)| c.len() != height) {
        return Err(IngestError::new(
            path,
            IngestErrorKind::ShapeMismatch(format!(
                "column `{name}` has {} values, the first column {height}",
                c.len()
            )),
        ));
    }
    let cols: Vec<Column> = columns
        .iter()
        .map(|(name, c)| match c {
            ColumnData::Text(v) => Column::new((*name).into(), v),
            ColumnData::Float(v) => Column::new((*name).into(), v),
            ColumnData::Int(v) => Column::new((*name).into(), v),
        })
        .collect();
    let io = |e: &dyn std::fmt::Display| IngestError::new(path, IngestErrorKind::Io(e.to_string()));
    let mut frame = DataFrame::new(height, cols).map_err(|e| io(&e))?;
    let file = File::create(path).map_err(|e| io(&e))?;
    ParquetWriter::new(file).finish(&mut frame).map_err(|e| io(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_table, ReadOptions};

    #[test]
    fn written_table_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let columns = [
            ("name", ColumnData::Text(vec![Some("a".into()), None])),
            ("x", ColumnData::Float(vec![Some(0.5), Some(1.5)])),
            ("label", ColumnData::Int(vec![Some(0), Some(1)])),
        ];
        write_parquet(&path, &columns).unwrap();
        let opts = ReadOptions { features: Some(vec!["x".into()]), ..ReadOptions::default() };
        let t = read_table(&path, "t", &opts).unwrap();
        assert_eq!(t.dataset.features.column(0).to_vec(), vec![0.5, 1.5]);
        assert_eq!(t.dataset.n_anomalies(), Some(1));
    }

    #[test]
    fn columns_of_different_lengths_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let columns =
            [("a", ColumnData::Int(vec![Some(1)])), ("b", ColumnData::Int(vec![Some(1), None]))];
        let err = write_parquet(&path, &columns).unwrap_err();
        assert!(matches!(err.kind(), IngestErrorKind::ShapeMismatch(_)));
    }
}
