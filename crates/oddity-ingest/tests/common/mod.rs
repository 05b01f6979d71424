//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use oddity_ingest::IngestError;

/// The shared data folder: `$ODDITY_SHARED`, or `shared/` beside the checkout.
pub fn shared() -> PathBuf {
    std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// A file of the shared data sets, e.g. `odds/cardio.csv`.
pub fn dataset(relative: &str) -> PathBuf {
    let path = shared().join("datasets").join(relative);
    assert!(path.exists(), "{} is missing (set ODDITY_SHARED)", path.display());
    path
}

/// Checks that an error message is one lowercase line without a trailing period
/// that names the file and, when given, the column.
pub fn check_message(err: &IngestError, file: &Path, column: Option<&str>) {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "not one line: {msg}");
    assert!(msg.starts_with("file `"), "{msg}");
    assert!(!msg.ends_with('.'), "trailing period: {msg}");
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(&*name), "file name `{name}` missing: {msg}");
    if let Some(column) = column {
        assert_eq!(err.column.as_deref(), Some(column), "{msg}");
        assert!(msg.contains(&format!("column `{column}`")), "column missing: {msg}");
    }
}
