//! Column selection: from the columns of a file to a [`Dataset`] and extra columns.
//!
//! Every format first becomes a [`RawTable`] of named columns; this module alone
//! decides which column is a feature, the label, the timestamp or extra, and checks
//! their values, so every format follows the same rules.

use std::borrow::Cow;
use std::path::Path;

use ndarray::{Array1, Array2};
use oddity_core::Dataset;

use crate::error::{IngestError, IngestErrorKind};
use crate::timestamp::parse_timestamp;
use crate::ReadOptions;

/// The result of [`read_table`](crate::read_table): a dataset plus the columns
/// asked for in [`ReadOptions::extra`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Features, labels and timestamps.
    pub dataset: Dataset,
    /// The `extra` columns, in the order asked, as `(name, values)`; missing
    /// values read as NaN.
    pub extra: Vec<(String, Vec<f64>)>,
}

/// The values of one column as read, before any check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    /// Floating-point values; `None` is a missing value.
    Float(Vec<Option<f64>>),
    /// Integer (or boolean, as 0/1) values; `None` is a missing value.
    Int(Vec<Option<i64>>),
    /// Text values; `None` is a missing value.
    Text(Vec<Option<String>>),
}

impl Values {
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Float(v) => v.len(),
            Self::Int(v) => v.len(),
            Self::Text(v) => v.len(),
        }
    }

    /// The values at the rows where `keep` is true.
    pub(crate) fn filter(self, keep: &[bool]) -> Self {
        fn pick<T>(v: Vec<T>, keep: &[bool]) -> Vec<T> {
            v.into_iter().zip(keep).filter(|(_, &k)| k).map(|(x, _)| x).collect()
        }
        match self {
            Self::Float(v) => Self::Float(pick(v, keep)),
            Self::Int(v) => Self::Int(pick(v, keep)),
            Self::Text(v) => Self::Text(pick(v, keep)),
        }
    }

    /// The value at `row` as written, for error messages (empty when missing).
    fn show(&self, row: usize) -> String {
        match self {
            Self::Float(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            Self::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            Self::Text(v) => v[row].clone().unwrap_or_default(),
        }
    }

    /// The values as numbers, or the first row whose text is not a number.
    pub(crate) fn numeric(&self) -> Result<Cow<'_, [Option<f64>]>, usize> {
        match self {
            Self::Float(v) => Ok(Cow::Borrowed(v)),
            Self::Int(v) => Ok(Cow::Owned(v.iter().map(|x| x.map(|x| x as f64)).collect())),
            Self::Text(v) => v
                .iter()
                .enumerate()
                .map(|(row, s)| match s.as_deref().map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(s) => s.parse::<f64>().map(Some).map_err(|_| row),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Cow::Owned),
        }
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawColumn {
    pub(crate) name: String,
    pub(crate) values: Values,
}

/// Where each data row sits in the file, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lines {
    /// The format has no lines (binary formats).
    None,
    /// The 1-based line of each row.
    PerRow(Vec<usize>),
}

/// The columns of a file, all of the same length.
#[derive(Debug)]
pub(crate) struct RawTable<'a> {
    pub(crate) path: &'a Path,
    pub(crate) columns: Vec<RawColumn>,
    pub(crate) n_rows: usize,
    pub(crate) lines: Lines,
}

/// Where the labels come from.
#[derive(Debug)]
pub(crate) enum LabelSource {
    /// The file has no labels.
    None,
    /// The named column of the table.
    Column(String),
    /// An array read beside the table (`y` of `.npz` and `.mat`), named for messages.
    Given(String, Values),
}

impl RawTable<'_> {
    fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    fn line(&self, row: usize) -> Option<usize> {
        match &self.lines {
            Lines::None => None,
            Lines::PerRow(lines) => lines.get(row).copied(),
        }
    }

    fn err(&self, kind: IngestErrorKind) -> IngestError {
        IngestError::new(self.path, kind)
    }

    fn err_at(&self, kind: IngestErrorKind, column: &str, row: usize) -> IngestError {
        self.err(kind).column(column).at(row, self.line(row))
    }

    fn require(&self, name: &str) -> Result<usize, IngestError> {
        self.find(name).ok_or_else(|| {
            self.err(IngestErrorKind::ColumnMissing { available: self.names() }).column(name)
        })
    }

    /// The column's values as numbers, or a `NonNumeric` error at the first text
    /// value that is not one.
    fn numeric(&self, index: usize) -> Result<Cow<'_, [Option<f64>]>, IngestError> {
        let column = &self.columns[index];
        column.values.numeric().map_err(|row| {
            let value = column.values.show(row);
            self.err_at(IngestErrorKind::NonNumeric { value }, &column.name, row)
        })
    }

    /// Splits the columns by `opts` and checks every value.
    pub(crate) fn into_table(
        self,
        name: &str,
        opts: &ReadOptions,
        label: LabelSource,
    ) -> Result<Table, IngestError> {
        if let Some(c) = self.columns.iter().find(|c| c.values.len() != self.n_rows) {
            let detail = format!("{} values, expected {}", c.values.len(), self.n_rows);
            return Err(self.err(IngestErrorKind::ShapeMismatch(detail)).column(&c.name));
        }
        if self.n_rows == 0 {
            return Err(self.err(IngestErrorKind::NoRows));
        }
        let label_index = match &label {
            LabelSource::Column(l) => Some(self.find(l).ok_or_else(|| {
                self.err(IngestErrorKind::LabelMissing { available: self.names() }).column(l)
            })?),
            LabelSource::None | LabelSource::Given(..) => None,
        };
        let timestamp_index = opts.timestamp.as_deref().map(|t| self.require(t)).transpose()?;
        let extra_index =
            opts.extra.iter().map(|e| self.require(e)).collect::<Result<Vec<_>, _>>()?;
        let reserved = |j: usize| {
            Some(j) == label_index || Some(j) == timestamp_index || extra_index.contains(&j)
        };
        let feature_index = match &opts.features {
            Some(features) => {
                let mut chosen = Vec::with_capacity(features.len());
                for f in features {
                    let j = self.require(f)?;
                    if reserved(j) {
                        return Err(self.err(IngestErrorKind::BadOptions(format!(
                            "column `{f}` is a feature and also the label, timestamp or an extra \
                             column"
                        ))));
                    }
                    if chosen.contains(&j) {
                        return Err(self.err(IngestErrorKind::BadOptions(format!(
                            "column `{f}` is listed twice in `features`"
                        ))));
                    }
                    chosen.push(j);
                }
                chosen
            }
            None => (0..self.columns.len()).filter(|&j| !reserved(j)).collect(),
        };
        if feature_index.is_empty() {
            return Err(self.err(IngestErrorKind::NoFeatures));
        }

        let features = self.features(&feature_index, opts.allow_missing)?;
        let names = feature_index.iter().map(|&j| self.columns[j].name.clone()).collect();
        let shape_err =
            |e: oddity_core::Error| self.err(IngestErrorKind::ShapeMismatch(e.to_string()));
        let mut dataset = Dataset::new(name, features, names).map_err(shape_err)?;
        let labels = match (&label, label_index) {
            (LabelSource::Given(y, values), _) => Some(self.labels(y, values)?),
            (_, Some(j)) => Some(self.labels(&self.columns[j].name, &self.columns[j].values)?),
            _ => None,
        };
        if let Some(labels) = labels {
            dataset = dataset.with_labels(labels).map_err(shape_err)?;
        }
        if let Some(j) = timestamp_index {
            dataset = dataset.with_timestamps(self.timestamps(j)?).map_err(shape_err)?;
        }
        let extra = extra_index
            .iter()
            .map(|&j| {
                let values = self.numeric(j)?.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                Ok((self.columns[j].name.clone(), values))
            })
            .collect::<Result<_, IngestError>>()?;
        Ok(Table { dataset, extra })
    }

    /// The `n × d` feature matrix; the first bad value in file order (row by row)
    /// is reported.
    fn features(&self, index: &[usize], allow_missing: bool) -> Result<Array2<f64>, IngestError> {
        let columns = index.iter().map(|&j| self.numeric(j)).collect::<Result<Vec<_>, _>>()?;
        let mut out = Array2::zeros((self.n_rows, index.len()));
        // The first bad value in file order: (row, position in `index`). A later
        // column can only beat it with an earlier row.
        let mut first_bad: Option<(usize, usize)> = None;
        for (k, column) in columns.iter().enumerate() {
            let rows = first_bad.map_or(self.n_rows, |(row, _)| row);
            for (row, (slot, value)) in
                out.column_mut(k).iter_mut().zip(column.iter()).enumerate().take(rows)
            {
                *slot = match *value {
                    Some(x) if x.is_finite() => x,
                    Some(x) if x.is_nan() && allow_missing => f64::NAN,
                    None if allow_missing => f64::NAN,
                    _ => {
                        first_bad = Some((row, k));
                        break;
                    }
                };
            }
        }
        match first_bad {
            None => Ok(out),
            Some((row, k)) => {
                let name = &self.columns[index[k]].name;
                Err(self.err_at(IngestErrorKind::NonFinite, name, row))
            }
        }
    }

    /// 0/1 labels: integers 0 and 1, floats exactly 0.0 and 1.0, or such text.
    fn labels(&self, column: &str, values: &Values) -> Result<Array1<u8>, IngestError> {
        let label = |row: usize| -> Option<u8> {
            let x = match values {
                Values::Int(v) => {
                    return v[row].and_then(|x| u8::try_from(x).ok()).filter(|&x| x <= 1)
                }
                Values::Float(v) => v[row]?,
                Values::Text(v) => v[row].as_deref()?.trim().parse::<f64>().ok()?,
            };
            if x == 0.0 {
                Some(0)
            } else if x == 1.0 {
                Some(1)
            } else {
                None
            }
        };
        (0..values.len())
            .map(|row| {
                label(row).ok_or_else(|| {
                    let value = values.show(row);
                    self.err_at(IngestErrorKind::BadLabel { value }, column, row)
                })
            })
            .collect()
    }

    /// Epoch seconds from integers, integral floats or date-time text.
    fn timestamps(&self, index: usize) -> Result<Array1<i64>, IngestError> {
        let column = &self.columns[index];
        let stamp = |row: usize| -> Option<i64> {
            match &column.values {
                Values::Int(v) => v[row],
                Values::Float(v) => {
                    v[row].filter(|x| x.fract() == 0.0 && x.abs() < 9.0e18).map(|x| x as i64)
                }
                Values::Text(v) => {
                    let s = v[row].as_deref()?.trim();
                    s.parse::<i64>().ok().or_else(|| parse_timestamp(s))
                }
            }
        };
        (0..self.n_rows)
            .map(|row| {
                stamp(row).ok_or_else(|| {
                    let value = column.values.show(row);
                    self.err_at(IngestErrorKind::BadTimestamp { value }, &column.name, row)
                })
            })
            .collect()
    }
}

/// Generated columns `x0 .. x{d-1}` of an `n × d` matrix stored row-major, or
/// column-major when `fortran_order`.
pub(crate) fn matrix_columns(
    values: &[f64],
    n: usize,
    d: usize,
    fortran_order: bool,
) -> Vec<RawColumn> {
    (0..d)
        .map(|j| {
            let column = if fortran_order {
                values[j * n..(j + 1) * n].iter().map(|&x| Some(x)).collect()
            } else {
                values.iter().skip(j).step_by(d).map(|&x| Some(x)).collect()
            };
            RawColumn { name: format!("x{j}"), values: Values::Float(column) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: Vec<(&str, Values)>) -> RawTable<'static> {
        let n_rows = columns.first().map_or(0, |c| c.1.len());
        RawTable {
            path: Path::new("t.csv"),
            columns: columns
                .into_iter()
                .map(|(name, values)| RawColumn { name: name.into(), values })
                .collect(),
            n_rows,
            lines: Lines::PerRow((0..n_rows).map(|r| r + 2).collect()),
        }
    }

    fn floats(v: &[f64]) -> Values {
        Values::Float(v.iter().copied().map(Some).collect())
    }

    #[test]
    fn default_features_are_the_other_columns() {
        let t = table(vec![
            ("a", floats(&[1.0, 2.0])),
            ("label", Values::Int(vec![Some(0), Some(1)])),
            ("split", floats(&[0.0, 1.0])),
            ("b", Values::Int(vec![Some(3), Some(4)])),
        ]);
        let opts = ReadOptions { extra: vec!["split".into()], ..ReadOptions::default() };
        let got = t.into_table("t", &opts, LabelSource::Column("label".into())).unwrap();
        assert_eq!(got.dataset.feature_names, ["a", "b"]);
        assert_eq!(got.dataset.features, ndarray::array![[1.0, 3.0], [2.0, 4.0]]);
        assert_eq!(got.dataset.labels, Some(ndarray::array![0, 1]));
        assert_eq!(got.extra, vec![("split".to_string(), vec![0.0, 1.0])]);
    }

    #[test]
    fn text_numbers_are_numbers_and_text_words_are_not() {
        let t = table(vec![("a", Values::Text(vec![Some(" 1.5".into()), Some("nan".into())]))]);
        let opts = ReadOptions { label: None, allow_missing: true, ..ReadOptions::default() };
        let got = t.into_table("t", &opts, LabelSource::None).unwrap();
        assert_eq!(got.dataset.features[[0, 0]], 1.5);
        assert!(got.dataset.features[[1, 0]].is_nan());

        let t = table(vec![("a", Values::Text(vec![Some("1".into()), Some("high".into())]))]);
        let err = t.into_table("t", &opts, LabelSource::None).unwrap_err();
        assert!(matches!(err.kind(), IngestErrorKind::NonNumeric { value } if value == "high"));
        assert_eq!((err.row, err.line), (Some(1), Some(3)));
    }

    #[test]
    fn first_bad_value_in_file_order_is_reported() {
        let t = table(vec![
            ("a", Values::Float(vec![Some(1.0), Some(1.0), None])),
            ("b", Values::Float(vec![Some(1.0), Some(f64::INFINITY), Some(1.0)])),
        ]);
        let opts = ReadOptions { label: None, ..ReadOptions::default() };
        let err = t.into_table("t", &opts, LabelSource::None).unwrap_err();
        assert!(matches!(err.kind(), IngestErrorKind::NonFinite));
        assert_eq!((err.column.as_deref(), err.row), (Some("b"), Some(1)));
    }

    #[test]
    fn infinity_is_rejected_even_with_allow_missing() {
        let t = table(vec![("a", floats(&[1.0, f64::NEG_INFINITY]))]);
        let opts = ReadOptions { label: None, allow_missing: true, ..ReadOptions::default() };
        let err = t.into_table("t", &opts, LabelSource::None).unwrap_err();
        assert!(matches!(err.kind(), IngestErrorKind::NonFinite));
    }

    #[test]
    fn labels_accept_exact_zero_and_one_only() {
        let ok = Values::Text(vec![Some("0".into()), Some("1.0".into())]);
        let t = table(vec![("a", floats(&[1.0, 2.0])), ("label", ok)]);
        let got = t
            .into_table("t", &ReadOptions::default(), LabelSource::Column("label".into()))
            .unwrap();
        assert_eq!(got.dataset.labels, Some(ndarray::array![0, 1]));

        for bad in [
            Values::Float(vec![Some(0.0), Some(0.5)]),
            Values::Float(vec![Some(0.0), None]),
            Values::Int(vec![Some(0), Some(-1)]),
            Values::Text(vec![Some("0".into()), Some("yes".into())]),
        ] {
            let t = table(vec![("a", floats(&[1.0, 2.0])), ("label", bad)]);
            let err = t
                .into_table("t", &ReadOptions::default(), LabelSource::Column("label".into()))
                .unwrap_err();
            assert!(matches!(err.kind(), IngestErrorKind::BadLabel { .. }), "{err}");
            assert_eq!(err.row, Some(1));
        }
    }

    #[test]
    fn explicit_features_cannot_overlap_the_label() {
        let t = table(vec![("a", floats(&[1.0])), ("label", Values::Int(vec![Some(0)]))]);
        let opts = ReadOptions {
            features: Some(vec!["a".into(), "label".into()]),
            ..ReadOptions::default()
        };
        let err = t.into_table("t", &opts, LabelSource::Column("label".into())).unwrap_err();
        assert!(matches!(err.kind(), IngestErrorKind::BadOptions(_)));
    }

    #[test]
    fn timestamps_from_integers_floats_and_text() {
        let t = table(vec![
            ("a", floats(&[1.0, 2.0, 3.0])),
            (
                "t",
                Values::Text(vec![
                    Some("2014-04-01 00:00:00".into()),
                    Some("1396310460".into()),
                    Some("2014-04-01T00:02:00Z".into()),
                ]),
            ),
        ]);
        let opts = ReadOptions { label: None, timestamp: Some("t".into()), ..Default::default() };
        let got = t.into_table("t", &opts, LabelSource::None).unwrap();
        assert_eq!(
            got.dataset.timestamps,
            Some(ndarray::array![1396310400, 1396310460, 1396310520])
        );
        assert_eq!(got.dataset.feature_names, ["a"]);
    }
}
