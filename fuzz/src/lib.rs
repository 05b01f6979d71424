//! Shared glue of the fuzz targets: the readers take paths, so each input is written to a
//! file of the right extension in a per-process scratch folder and read through the same
//! public entry points the CLI uses. Errors are expected; only a panic (or a sanitizer
//! report) is a crash.

use std::path::PathBuf;
use std::sync::OnceLock;

use oddity_ingest::{read_labels, read_matrix, read_table, ReadOptions};

/// The scratch folder of this fuzzing process (one file per extension, overwritten).
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("oddity-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cannot create the fuzz scratch folder");
        dir
    })
}

/// Writes `data` to `input.<ext>` and returns its path.
pub fn write_input(ext: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(format!("input.{ext}"));
    std::fs::write(&path, data).expect("cannot write the fuzz input");
    path
}

/// The option sets every input is read with: the defaults (a `label` column / array `y`
/// required), no labels with missing values allowed, and a timestamp column with named
/// features and an extra column (so the column selection paths run too).
pub fn option_sets() -> [ReadOptions; 3] {
    [
        ReadOptions::default(),
        ReadOptions { label: None, allow_missing: true, ..ReadOptions::default() },
        ReadOptions {
            timestamp: Some("timestamp".into()),
            features: Some(vec!["value".into(), "x0".into()]),
            extra: vec!["x1".into()],
            ..ReadOptions::default()
        },
    ]
}

/// Reads `data` as a `.ext` file with [`read_table`] under every option set; an error must
/// render as one line.
pub fn read_as(ext: &str, data: &[u8]) {
    let path = write_input(ext, data);
    for opts in option_sets() {
        if let Err(e) = read_table(&path, "fuzz", &opts) {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "multi-line error: {msg}");
        }
    }
}

/// The SMD/ASD text layout: the matrix reader (with and without missing values) and the
/// labels reader, beside [`read_table`] on `.txt`.
pub fn read_text(data: &[u8]) {
    read_as("txt", data);
    let path = write_input("txt", data);
    let _ = read_matrix(&path, "fuzz", false);
    let _ = read_matrix(&path, "fuzz", true);
    let _ = read_labels(&path);
}
