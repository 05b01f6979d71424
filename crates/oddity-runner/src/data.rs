//! Loading every dataset of a plan once, and cutting it into training and test parts.

use std::path::Path;

use oddity_core::{derive_seed, Dataset};
use oddity_ingest::{
    label_rows_in_windows, read_label_windows, read_labels, read_matrix_with, read_table,
    IngestError, IngestErrorKind, ReadOptions,
};
use oddity_preprocess::{PreprocessError, Split, SplitIndices};

use crate::plan::{DataSource, DatasetPlan};
use crate::RunError;

/// A dataset's rows as read from disk.
#[derive(Debug, Clone)]
pub enum Loaded {
    /// One file (to be split), with the split column's values when the split needs one.
    Single {
        /// Every row.
        rows: Dataset,
        /// Values of the `column` split's column.
        split_column: Option<Vec<f64>>,
    },
    /// Separate training and test parts.
    Separate {
        /// Training part.
        train: Dataset,
        /// Test part (labelled).
        test: Dataset,
    },
}

/// Reads the files of `plan`. With `allow_missing` false, a missing value is an error
/// naming the file, column and row.
pub fn load(plan: &DatasetPlan, allow_missing: bool) -> Result<Loaded, RunError> {
    let err = |message: String| RunError::Data { dataset: plan.name.clone(), message };
    let opts = |label: Option<String>, extra: Vec<String>| ReadOptions {
        label,
        timestamp: plan.timestamp.clone(),
        features: plan.features.clone(),
        extra,
        allow_missing,
        max_array_bytes: None,
    };
    match &plan.source {
        DataSource::Single(path) => {
            let extra = match &plan.split {
                Split::Column { column } => vec![column.clone()],
                _ => vec![],
            };
            let label = plan.label_windows.is_none().then(|| plan.label.clone());
            let table = read_table(path, &plan.name, &opts(label, extra))
                .map_err(|e| err(e.to_string()))?;
            let split_column = table.extra.into_iter().next().map(|(_, v)| v);
            let mut rows = table.dataset;
            if let Some((windows_file, key)) = &plan.label_windows {
                let windows =
                    read_label_windows(windows_file, key).map_err(|e| err(e.to_string()))?;
                let times = rows.timestamps.as_ref().ok_or_else(|| {
                    err(format!("file `{}` has no timestamps to match the windows", path.display()))
                })?;
                let labels = label_rows_in_windows(&times.to_vec(), &windows);
                rows = rows.with_labels(labels).map_err(|e| err(e.to_string()))?;
            }
            Ok(Loaded::Single { rows, split_column })
        }
        DataSource::Separate { train, test, test_labels } => {
            let part_opts = |label| opts(label, vec![]);
            let train_set = read_part(train, &plan.name, part_opts, &plan.label, false)
                .map_err(|e| err(e.to_string()))?;
            let mut test_set = read_part(test, &plan.name, part_opts, &plan.label, true)
                .map_err(|e| err(e.to_string()))?;
            if let Some(labels_path) = test_labels {
                let labels = read_labels(labels_path).map_err(|e| err(e.to_string()))?;
                test_set = test_set
                    .with_labels(labels)
                    .map_err(|e| err(format!("file `{}`: {e}", labels_path.display())))?;
            }
            if train_set.feature_names != test_set.feature_names {
                return Err(err(format!(
                    "file `{}` has features [{}] but file `{}` has [{}]",
                    train.display(),
                    train_set.feature_names.join(", "),
                    test.display(),
                    test_set.feature_names.join(", ")
                )));
            }
            if test_set.labels.is_none() {
                return Err(err(format!(
                    "file `{}` has no labels: give `test_labels` or a `label` column",
                    test.display()
                )));
            }
            Ok(Loaded::Separate { train: train_set, test: test_set })
        }
    }
}

/// Reads one part of a separate-files dataset (or the rows `oddity score` scores):
/// header-less `.txt` matrices as such, other formats as tables with the label column
/// `label`, which only a test part (`is_test`) must have.
pub(crate) fn read_part(
    path: &Path,
    name: &str,
    opts: impl Fn(Option<String>) -> ReadOptions,
    label: &str,
    is_test: bool,
) -> Result<Dataset, IngestError> {
    if path.extension().is_some_and(|e| e == "txt") {
        return read_matrix_with(path, name, &opts(None));
    }
    match read_table(path, name, &opts(Some(label.to_string()))) {
        Ok(t) => Ok(t.dataset),
        Err(e) if !is_test && matches!(e.kind(), IngestErrorKind::LabelMissing { .. }) => {
            read_table(path, name, &opts(None)).map(|t| t.dataset)
        }
        Err(e) => Err(e),
    }
}

/// The row indices of the two parts of a single-file dataset for experiment seed `seed`
/// (`None` for separate files): what [`parts`] cuts, without copying any row.
pub fn split(
    plan: &DatasetPlan,
    loaded: &Loaded,
    seed: u64,
) -> Result<Option<SplitIndices>, PreprocessError> {
    match loaded {
        Loaded::Separate { .. } => Ok(None),
        Loaded::Single { rows, split_column } => {
            single_split(plan, rows, split_column.as_deref(), seed).map(Some)
        }
    }
}

/// The split of one file. Its seed depends only on the dataset and the experiment seed, so
/// every method sees the same parts.
fn single_split(
    plan: &DatasetPlan,
    rows: &Dataset,
    split_column: Option<&[f64]>,
    seed: u64,
) -> Result<SplitIndices, PreprocessError> {
    let split_seed = derive_seed(seed, &[&plan.name, "split"]);
    let labels = rows.labels.as_ref().map(|l| l.to_vec());
    plan.split.indices(rows.n_rows(), labels.as_deref(), split_column, split_seed)
}

/// The training and test parts of `loaded` for experiment seed `seed`.
pub fn parts(
    plan: &DatasetPlan,
    loaded: &Loaded,
    seed: u64,
) -> Result<(Dataset, Dataset), PreprocessError> {
    match loaded {
        Loaded::Separate { train, test } => Ok((train.clone(), test.clone())),
        Loaded::Single { rows, split_column } => {
            let idx = single_split(plan, rows, split_column.as_deref(), seed)?;
            Ok((rows.select_rows(&idx.train), rows.select_rows(&idx.test)))
        }
    }
}

/// The whole series of `loaded` under TSB-AD's protocol: every row of a single file, or the
/// test file of separate files, in file order.
pub fn whole_series(loaded: &Loaded) -> Dataset {
    match loaded {
        Loaded::Single { rows, .. } => rows.clone(),
        Loaded::Separate { test, .. } => test.clone(),
    }
}
