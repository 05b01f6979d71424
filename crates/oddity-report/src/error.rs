//! The one error type of the crate: a record that cannot be read, folders that cannot be
//! merged, or a derived file that cannot be written.

use std::path::PathBuf;

use oddity_runner::record::tracks::TrackError;
use oddity_runner::RunError;

/// Why derived outputs could not be written or shard folders merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Occurs when a folder's record (journal, manifest) cannot be read, or the merged
    /// journal and manifest cannot be written.
    #[error(transparent)]
    Record(#[from] RunError),
    /// Occurs when two of the folders to merge come from different configs (their plans
    /// differ).
    #[error(
        "merge: `{}` and `{}` come from different configs (their plans differ)",
        first.display(),
        other.display()
    )]
    DifferentPlans {
        /// The first folder given.
        first: PathBuf,
        /// The folder whose plan differs from the first's.
        other: PathBuf,
    },
    /// Occurs when none of the folders to merge holds a journal: there is nothing to merge.
    #[error(
        "merge: none of the {count} folders holds a journal (journal.jsonl), the first being `{}`: give the output folders of `oddity run`",
        first.display()
    )]
    NoJournal {
        /// How many folders were given.
        count: usize,
        /// The first of them.
        first: PathBuf,
    },
    /// Occurs when the output folder cannot be created.
    #[error("output `{}`: cannot create folder: {source}", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when a derived file (`results.csv`, `report.md`, `report.html`) cannot be
    /// written.
    #[error("output `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when `results.parquet` cannot be written.
    #[error("output `{}`: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: Box<oddity_ingest::IngestError>,
    },
    /// Occurs when the score tracks of a shard cannot be copied into the merged folder.
    #[error("output `{}`: {source}", path.display())]
    Tracks {
        /// The merged folder.
        path: PathBuf,
        /// What failed (names the file).
        #[source]
        source: TrackError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_paths() {
        let e = ReportError::DifferentPlans { first: "a".into(), other: "b".into() };
        assert_eq!(
            e.to_string(),
            "merge: `a` and `b` come from different configs (their plans differ)"
        );
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = ReportError::Write { path: "out/report.md".into(), source: io };
        assert_eq!(e.to_string(), "output `out/report.md`: denied");
        let e = ReportError::from(RunError::output("out", "full"));
        assert!(matches!(e, ReportError::Record(RunError::Output { .. })));
    }
}
