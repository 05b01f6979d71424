//! Score tracks of time-series datasets: what the HTML report draws under each series.
//!
//! For every dataset that is a time series (any split but the stratified one), a run
//! writes into `OUTPUT/tracks/`:
//! * `series-<dataset>.csv`, once, before the jobs: the test part of the plan's first seed,
//!   its `plot_feature` (by default the first feature) as read (before imputation and
//!   scaling), with its 0/1 label (`value,label`; the label is empty when unknown);
//! * `<job id>.csv`, from each job of the first seed: its test scores, one per row (`score`).
//!
//! Tracks are plain CSV so that a user can plot them with anything; they are a by-product,
//! not results: `results.csv` never depends on them.

use std::path::{Path, PathBuf};

use oddity_preprocess::Split;

use crate::plan::{DataSource, DatasetPlan};

/// The folder of the tracks inside a run's output folder.
pub const TRACKS_DIR: &str = "tracks";

/// The test part of one series: the plotted feature and its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesTrack {
    /// The name of the plotted feature.
    pub feature: String,
    /// Its values, one per test row.
    pub values: Vec<f64>,
    /// The test labels (0/1), when known.
    pub labels: Option<Vec<u8>>,
}

/// Whether a dataset is a time series whose tracks are written: every split keeps the row
/// order except the stratified one (a shuffled sample of rows is not a series).
pub fn is_series(dataset: &DatasetPlan) -> bool {
    matches!(dataset.source, DataSource::Separate { .. })
        || !matches!(dataset.split, Split::Stratified { .. })
}

/// A name made safe as a file name: letters, digits, `-`, `_` and `.` are kept, any other
/// character becomes `_`, and a name that changed gets `~` and 16 hex digits of a hash of
/// the original name appended — so two names never share a file (`a b` and `a_b` differ),
/// and a plain name stays itself (`~` is never kept, so no plain name ends like a changed
/// one).
pub(crate) fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect();
    if safe == name {
        return safe;
    }
    // FNV-1a, 64 bits: stable across platforms and releases.
    let hash = name
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{safe}~{hash:016x}")
}

/// The path of a dataset's series track.
pub fn series_path(dir: &Path, dataset: &str) -> PathBuf {
    dir.join(TRACKS_DIR).join(format!("series-{}.csv", file_safe(dataset)))
}

/// The path of a job's score track.
pub fn scores_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(TRACKS_DIR).join(format!("{}.csv", file_safe(job)))
}

/// Why a track could not be written, read or copied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackError {
    /// Occurs when a track file or folder cannot be written, read or listed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// Occurs when a line of a track file cannot be read.
    #[error("{}, line {line}: {problem}", path.display())]
    Line {
        /// The track file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
}

/// What is wrong with a line of a track file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LineProblem {
    /// Occurs when a value or score is not a number.
    #[error("`{0}` is not a number")]
    NotANumber(String),
    /// Occurs when a series line has no comma.
    #[error("expected `value,label`")]
    NoComma,
    /// Occurs when a label is neither 0, 1 nor empty.
    #[error("label `{0}` is not 0 or 1")]
    Label(String),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> TrackError + '_ {
    move |error| TrackError::Io { path: path.to_path_buf(), error }
}

/// Writes `text` to `path` whole (see [`super::write_whole`]).
fn write_atomic(path: &Path, text: &str) -> Result<(), TrackError> {
    super::write_whole(path, text).map_err(io_error(path))
}

/// Writes the series track of `dataset` into the run folder `dir`.
pub fn write_series(dir: &Path, dataset: &str, track: &SeriesTrack) -> Result<(), TrackError> {
    let mut text = format!("value,label\n# feature={}\n", track.feature.replace('\n', " "));
    for (i, v) in track.values.iter().enumerate() {
        let label = track.labels.as_ref().map_or(String::new(), |l| l[i].to_string());
        text.push_str(&format!("{v:?},{label}\n"));
    }
    write_atomic(&series_path(dir, dataset), &text)
}

/// Writes the score track of job `job` into the run folder `dir`.
pub fn write_scores(dir: &Path, job: &str, scores: &[f64]) -> Result<(), TrackError> {
    let mut text = String::from("score\n");
    for s in scores {
        text.push_str(&format!("{s:?}\n"));
    }
    write_atomic(&scores_path(dir, job), &text)
}

/// A number of a track file, or an error naming the file and line.
fn number(path: &Path, line: usize, field: &str) -> Result<f64, TrackError> {
    field
        .trim()
        .parse::<f64>()
        .map_err(|_| line_error(path, line, LineProblem::NotANumber(field.into())))
}

/// The error for line `line` (0-based) of `path`.
fn line_error(path: &Path, line: usize, problem: LineProblem) -> TrackError {
    TrackError::Line { path: path.to_path_buf(), line: line + 1, problem }
}

/// Reads the series track of `dataset` from the run folder `dir`; `None` when there is none.
pub fn read_series(dir: &Path, dataset: &str) -> Result<Option<SeriesTrack>, TrackError> {
    let path = series_path(dir, dataset);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let mut track = SeriesTrack { feature: String::new(), values: vec![], labels: Some(vec![]) };
    for (i, line) in text.lines().enumerate().skip(1) {
        if let Some(feature) = line.strip_prefix("# feature=") {
            track.feature = feature.to_string();
            continue;
        }
        let (value, label) =
            line.split_once(',').ok_or_else(|| line_error(&path, i, LineProblem::NoComma))?;
        track.values.push(number(&path, i, value)?);
        match label {
            "" => track.labels = None,
            "0" | "1" => {
                if let Some(l) = track.labels.as_mut() {
                    l.push(u8::from(label == "1"));
                }
            }
            other => return Err(line_error(&path, i, LineProblem::Label(other.into()))),
        }
    }
    Ok(Some(track))
}

/// Reads the score track of job `job` from the run folder `dir`; `None` when there is none.
pub fn read_scores(dir: &Path, job: &str) -> Result<Option<Vec<f64>>, TrackError> {
    let path = scores_path(dir, job);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    text.lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| number(&path, i, l))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// Copies the tracks of the run folder `from` into the run folder `to` (merging shards).
pub fn copy_tracks(from: &Path, to: &Path) -> Result<(), TrackError> {
    let Ok(entries) = std::fs::read_dir(from.join(TRACKS_DIR)) else { return Ok(()) };
    let target = to.join(TRACKS_DIR);
    std::fs::create_dir_all(&target).map_err(io_error(&target))?;
    for entry in entries {
        let path = entry.map_err(io_error(from))?.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let dest = target.join(path.file_name().expect("a file"));
            std::fs::copy(&path, &dest).map_err(io_error(&dest))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let series = SeriesTrack {
            feature: "value".into(),
            values: vec![0.1, -2.5, 1e-300],
            labels: Some(vec![0, 1, 0]),
        };
        write_series(dir.path(), "nab/speed 1", &series).unwrap();
        let name = series_path(dir.path(), "nab/speed 1").file_name().unwrap().to_owned();
        let name = name.to_str().unwrap();
        assert!(name.starts_with("series-nab_speed_1~") && name.ends_with(".csv"), "{name}");
        assert_eq!(read_series(dir.path(), "nab/speed 1").unwrap(), Some(series));
        let unlabelled = SeriesTrack { feature: "x".into(), values: vec![1.0], labels: None };
        write_series(dir.path(), "u", &unlabelled).unwrap();
        assert_eq!(read_series(dir.path(), "u").unwrap(), Some(unlabelled));
        write_scores(dir.path(), "abc", &[0.5, 3.0]).unwrap();
        assert_eq!(read_scores(dir.path(), "abc").unwrap(), Some(vec![0.5, 3.0]));
        assert_eq!(read_scores(dir.path(), "missing").unwrap(), None);
    }

    #[test]
    fn two_names_that_sanitise_alike_get_different_files() {
        let dir = Path::new("out");
        assert_ne!(series_path(dir, "a b"), series_path(dir, "a_b"));
        assert_ne!(series_path(dir, "a b"), series_path(dir, "a:b"));
        assert_ne!(file_safe("knn[k=5]"), file_safe("knn_k_5_"));
        // Plain names keep their file names; changed ones stay readable.
        assert_eq!(file_safe("cardio-2.v1_x"), "cardio-2.v1_x");
        assert!(file_safe("knn[k=5]").starts_with("knn_k_5_~"), "{}", file_safe("knn[k=5]"));
        let models = Path::new("models");
        assert_ne!(
            crate::model::model_path(models, "a b", "m", 0),
            crate::model::model_path(models, "a_b", "m", 0)
        );
        assert_ne!(
            crate::model::model_path(models, "d", "knn[k=1]", 0),
            crate::model::model_path(models, "d", "knn(k=1)", 0)
        );
    }

    #[test]
    fn a_bad_track_is_an_error_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(TRACKS_DIR)).unwrap();
        std::fs::write(scores_path(dir.path(), "j"), "score\n1.0\nx\n").unwrap();
        let e = read_scores(dir.path(), "j").unwrap_err();
        assert!(e.to_string().ends_with("j.csv, line 3: `x` is not a number"), "{e}");
        assert!(
            matches!(&e, TrackError::Line { line: 3, problem: LineProblem::NotANumber(x), .. } if x == "x"),
            "{e:?}"
        );
    }
}
