//! Helpers for the end-to-end tests: run the real `oddity` binary in a fresh folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[allow(unused_imports)]
pub use oddity_core::testing::{shared_dir, NumericCsv};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts a clean failure: non-zero exit, one line on stderr that mentions every
    /// `needle`, and no panic.
    pub fn assert_one_line_error(&self, needles: &[&str]) {
        assert_ne!(self.code, 0, "expected failure, stdout: {}", self.stdout);
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one error line, got: {}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        for n in needles {
            assert!(lines[0].contains(n), "error line lacks `{n}`: {}", lines[0]);
        }
    }
}

/// Runs `oddity ARGS` in `dir`.
pub fn oddity(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_oddity"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the oddity binary runs");
    Run::from(out)
}

/// A temporary folder with `files` (relative path → contents) written into it.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The columns of `results.csv`, in order (the report crate's list: a column renamed there
/// fails every test that reads it by its old name).
pub use oddity_report::RESULTS_COLUMNS as RESULT_COLUMNS;

/// One row of `results.csv`, read by column name (`row["status"]`); an unknown name panics.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<String>);

impl std::ops::Index<&str> for Row {
    type Output = String;

    fn index(&self, column: &str) -> &String {
        let i = RESULT_COLUMNS
            .iter()
            .position(|c| *c == column)
            .unwrap_or_else(|| panic!("results.csv has no column `{column}`"));
        &self.0[i]
    }
}

/// Parses `results.csv` into rows read by column name (quoted fields may hold commas).
pub fn results(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), RESULT_COLUMNS.join(","));
    lines.map(|l| Row(split_csv_line(l))).collect()
}

/// One line of a CSV file written by oddity, split into fields (a double-quoted field may
/// hold commas, e.g. `params` with a list value, and doubled quotes).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}
