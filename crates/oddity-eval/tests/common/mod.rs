//! Test helpers: where the shared reference folder is, and a plain CSV reader for it.
#![allow(dead_code)] // Each test binary uses a different part of these helpers.

use std::path::{Path, PathBuf};

use oddity_eval::MetricError;

/// The shared folder (`shared/` beside the repository), or `$ODDITY_SHARED` when set.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("ODDITY_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// `shared/reference/<relative>`.
pub fn reference_path(relative: &str) -> PathBuf {
    shared_dir().join("reference").join(relative)
}

/// A CSV file read with `split(',')`: the reference files quote only their last column
/// (`expected.csv`'s `implementation`), so every earlier field is split correctly.
pub struct Csv {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: PathBuf) -> Self {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("cannot read {} (set ODDITY_SHARED to the shared folder): {e}", path.display())
        });
        let mut lines = text.lines().filter(|line| !line.is_empty());
        let header = lines.next().unwrap_or_default().split(',').map(str::to_owned).collect();
        let rows = lines.map(|line| line.split(',').map(str::to_owned).collect()).collect();
        Self { path, header, rows }
    }

    /// The index of the column `name`.
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column {name:?}", self.path.display()))
    }

    /// Every value of the column `name`, parsed (`inf` and `nan` included).
    pub fn parse_column<T: std::str::FromStr>(&self, name: &str) -> Vec<T>
    where
        T::Err: std::fmt::Display,
    {
        let column = self.column(name);
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| parse(&row[column], &format!("{} row {i} {name}", self.path.display())))
            .collect()
    }
}

/// Parses one field, panicking with `what` on failure.
pub fn parse<T: std::str::FromStr>(field: &str, what: &str) -> T
where
    T::Err: std::fmt::Display,
{
    field.parse().unwrap_or_else(|e| panic!("{what}: cannot parse {field:?}: {e}"))
}

/// Compares one metric value with its reference; returns a line describing a mismatch.
pub fn check_reference(
    what: &str,
    got: Result<f64, MetricError>,
    want: f64,
    tol: f64,
) -> Option<String> {
    match got {
        Ok(got) if (got - want).abs() <= tol => None,
        Ok(got) => Some(format!("{what}: got {got:?}, want {want:?} (|diff| {:e})", got - want)),
        Err(e) => Some(format!("{what}: got error {e:?}, want {want:?}")),
    }
}
