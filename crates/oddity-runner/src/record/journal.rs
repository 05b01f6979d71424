//! The journal: an append-only, versioned JSON Lines file in the output folder, one record
//! per finished job, flushed and fsynced as it is written. It is the ground state of a run;
//! the results table and the report are derived from it.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::RunError;

/// Major version of the record format; a journal with another major is refused.
pub const FORMAT_VERSION: u32 = 1;

/// The journal's file name inside the output folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Fit and score succeeded (individual metrics may still be undefined).
    Ok,
    /// The job failed (an error or a panic); `error` says why.
    Failed,
    /// The job ran past its `time_limit` and was stopped.
    Timeout,
    /// The job ran out of its `memory_limit` and was stopped.
    Oom,
}

impl JobStatus {
    /// The status as written in results (`ok`, `failed`, `timeout`, `oom`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Oom => "oom",
        }
    }
}

/// How one metric of a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricStatus {
    /// A value was computed.
    Ok,
    /// The metric is undefined on this data (e.g. no anomaly in the test part).
    Undefined,
    /// The metric failed on invalid input.
    Failed,
}

/// One metric of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    /// Registry name.
    pub metric: String,
    /// Whether the metric picks its threshold with the test labels.
    pub oracle: bool,
    /// The value, when computed.
    pub value: Option<f64>,
    /// How it ended.
    pub status: MetricStatus,
    /// Why it is undefined or failed.
    pub error: Option<String>,
    /// The label of the `[evaluate] threshold` rule the metric was computed at (absent for
    /// threshold-free and oracle metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    /// The metric's options as configured (`k=50`, `buffer=period`), absent for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    /// The period estimated from the series when the options say `buffer=period`: the VUS
    /// buffer length used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<usize>,
}

/// One finished job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Format major version.
    pub v: u32,
    /// The job's stable id.
    pub job: String,
    /// The job's position in the plan (results are sorted by it).
    pub index: usize,
    /// Experiment name.
    pub experiment: String,
    /// Dataset name.
    pub dataset: String,
    /// Method variant label.
    pub method: String,
    /// Detector registry name.
    pub detector: String,
    /// Resolved parameters, `k=v;…`.
    pub params: String,
    /// Experiment seed.
    pub seed: u64,
    /// How the job ended.
    pub status: JobStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// Rows in the training part.
    pub n_train: usize,
    /// Rows in the test part.
    pub n_test: usize,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent scoring the test part.
    pub score_seconds: f64,
    /// Peak resident memory of the job's worker process in bytes (absent when the job ran
    /// inside the runner's own process, where it cannot be told apart from other jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// One entry per requested metric (empty when the job failed).
    pub metrics: Vec<MetricRecord>,
}

/// An open journal, appended to record by record.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens the journal of `dir` to continue it: reads its records, cuts a half-written last
    /// line off the file (so the next record starts on a line of its own), rewrites the file
    /// without its broken lines (whole, through a temporary file) and appends after the
    /// rest. A missing journal is created.
    pub fn resume(dir: &Path) -> Result<(Self, JournalContents), RunError> {
        let path = dir.join(JOURNAL_FILE);
        if !path.exists() {
            return Ok((Self::create(dir)?, JournalContents::default()));
        }
        let mut contents = read(dir)?;
        if !contents.broken_lines.is_empty() {
            let bytes = std::fs::read(&path).map_err(|e| RunError::output(&path, e))?;
            let valid = usize::try_from(contents.valid_len).unwrap_or(bytes.len());
            let kept = without_lines(&bytes[..valid.min(bytes.len())], &contents.broken_lines);
            super::write_whole(&path, &kept).map_err(|e| RunError::output(&path, e))?;
            contents.valid_len = kept.len() as u64;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| RunError::output(&path, e))?;
        file.set_len(contents.valid_len).map_err(|e| RunError::output(&path, e))?;
        let mut journal = Self { file, path };
        journal.file.seek(SeekFrom::End(0)).map_err(|e| RunError::output(&journal.path, e))?;
        journal.file.sync_all().map_err(|e| RunError::output(&journal.path, e))?;
        Ok((journal, contents))
    }

    /// Creates (or truncates) the journal in `dir`.
    pub fn create(dir: &Path) -> Result<Self, RunError> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| RunError::output(&path, e))?;
        Ok(Self { file, path })
    }

    /// Appends one record as a line, flushes it and waits until it is on disk (`fsync`), so
    /// a finished job survives a power loss. A failed write stops the run: the journal *is*
    /// the result.
    pub fn append(&mut self, record: &JobRecord) -> Result<(), RunError> {
        let mut line =
            serde_json::to_string(record).map_err(|e| RunError::output(&self.path, e))?;
        line.push('\n');
        self.file.write_all(line.as_bytes()).map_err(|e| RunError::output(&self.path, e))?;
        self.file.flush().map_err(|e| RunError::output(&self.path, e))?;
        self.file.sync_data().map_err(|e| RunError::output(&self.path, e))
    }
}

/// What reading a journal found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalContents {
    /// Complete records in file order.
    pub records: Vec<JobRecord>,
    /// Warnings (e.g. a dropped half-written last line).
    pub warnings: Vec<String>,
    /// Bytes of the file up to the end of the last complete line.
    pub valid_len: u64,
    /// The 1-based numbers of broken complete lines that were dropped (a half-written last
    /// line is not among them).
    pub broken_lines: Vec<usize>,
}

/// Reads the journal of `dir`. A half-written last line (the run was killed mid-write) is
/// dropped with a warning; so is a broken line elsewhere (a record damaged on disk), while
/// every valid line around it is kept — its job counts as not run. Another major version is
/// an error.
pub fn read(dir: &Path) -> Result<JournalContents, RunError> {
    let path = dir.join(JOURNAL_FILE);
    let bytes = std::fs::read(&path)
        .map_err(|e| RunError::output(&path, format!("cannot read journal: {e}")))?;
    let mut out = JournalContents::default();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let last = lines.len();
    let mut offset = 0u64;
    for (i, raw) in lines.iter().enumerate() {
        let complete = raw.ends_with(b"\n");
        offset += raw.len() as u64;
        if complete {
            out.valid_len = offset;
        }
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<JobRecord>(&line);
        // A last line without its newline was cut short, even if what is there parses.
        let parsed = match parsed {
            Ok(_) if !complete => Err(None),
            Ok(r) => Ok(r),
            Err(e) => Err(Some(e)),
        };
        match parsed {
            Ok(r) if r.v == FORMAT_VERSION => out.records.push(r),
            Ok(r) => {
                return Err(RunError::Journal {
                    path: path.clone(),
                    line: i + 1,
                    message: format!(
                        "format version {} is not supported (expected {FORMAT_VERSION})",
                        r.v
                    ),
                })
            }
            Err(_) if i + 1 == last => out.warnings.push(format!(
                "journal `{}`: dropped a half-written last line {}",
                path.display(),
                i + 1
            )),
            Err(e) => {
                let why = e.map_or_else(|| "line cut short".into(), |e| e.to_string());
                out.warnings.push(format!(
                    "journal `{}`, line {}: dropped a broken line ({why}); its job counts as not run",
                    path.display(),
                    i + 1
                ));
                out.broken_lines.push(i + 1);
            }
        }
    }
    Ok(out)
}

/// `bytes` without its lines numbered (1-based) in `drop`.
fn without_lines(bytes: &[u8], drop: &[usize]) -> Vec<u8> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .filter(|(i, _)| !drop.contains(&(i + 1)))
        .flat_map(|(_, l)| l.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(seed: u64, value: Option<f64>) -> JobRecord {
        JobRecord {
            v: FORMAT_VERSION,
            job: format!("{seed:016x}"),
            index: 0,
            experiment: "e".into(),
            dataset: "d, with comma".into(),
            method: "m".into(),
            detector: "zscore".into(),
            params: "".into(),
            seed,
            status: JobStatus::Ok,
            error: None,
            n_train: 3,
            n_test: 2,
            fit_seconds: 0.5,
            score_seconds: 0.25,
            peak_rss_bytes: Some(1 << 20),
            metrics: vec![MetricRecord {
                metric: "roc_auc".into(),
                oracle: false,
                value,
                status: if value.is_some() { MetricStatus::Ok } else { MetricStatus::Undefined },
                error: value.is_none().then(|| "undefined".into()),
                threshold: None,
                options: None,
                period: None,
            }],
        }
    }

    #[test]
    fn half_written_last_line_is_dropped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path()).unwrap();
        j.append(&record(1, Some(0.5))).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(dir.path().join(JOURNAL_FILE)).unwrap();
        f.write_all(b"{\"v\":1,\"job\":\"ab").unwrap();
        let c = read(dir.path()).unwrap();
        assert_eq!(c.records.len(), 1);
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn resume_cuts_the_half_written_line_and_appends_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path()).unwrap();
        j.append(&record(1, Some(0.5))).unwrap();
        drop(j);
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        // A complete record without its newline is still a cut line.
        let cut = serde_json::to_string(&record(9, None)).unwrap();
        f.write_all(cut.as_bytes()).unwrap();
        drop(f);
        let (mut j, contents) = Journal::resume(dir.path()).unwrap();
        assert_eq!(contents.records.len(), 1);
        assert_eq!(contents.warnings.len(), 1);
        j.append(&record(2, Some(0.25))).unwrap();
        let c = read(dir.path()).unwrap();
        assert_eq!(c.records, vec![record(1, Some(0.5)), record(2, Some(0.25))]);
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn resume_without_a_journal_starts_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, contents) = Journal::resume(dir.path()).unwrap();
        assert!(contents.records.is_empty());
        j.append(&record(3, None)).unwrap();
        assert_eq!(read(dir.path()).unwrap().records, vec![record(3, None)]);
    }

    #[test]
    fn corrupt_middle_line_is_a_warning_and_the_lines_around_it_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let line = |r: &JobRecord| serde_json::to_string(r).unwrap() + "\n";
        let text = format!(
            "{}garbage\n{}{{}}\n{}",
            line(&record(1, Some(0.5))),
            line(&record(2, None)),
            line(&record(3, Some(0.25)))
        );
        std::fs::write(dir.path().join(JOURNAL_FILE), &text).unwrap();
        let c = read(dir.path()).unwrap();
        assert_eq!(c.records, vec![record(1, Some(0.5)), record(2, None), record(3, Some(0.25))]);
        assert_eq!(c.broken_lines, vec![2, 4]);
        assert_eq!(c.warnings.len(), 2);
        assert!(c.warnings[0].contains("line 2: dropped a broken line"), "{}", c.warnings[0]);
        assert!(c.warnings[1].contains("line 4"), "{}", c.warnings[1]);
    }

    #[test]
    fn resume_drops_broken_middle_lines_and_appends_after_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let line = |r: &JobRecord| serde_json::to_string(r).unwrap() + "\n";
        let text = format!(
            "{}{{\"v\":1,\"jo\n{}{{\"v\":1",
            line(&record(1, Some(0.5))),
            line(&record(2, None)),
        );
        std::fs::write(dir.path().join(JOURNAL_FILE), &text).unwrap();
        let (mut j, contents) = Journal::resume(dir.path()).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert_eq!(contents.warnings.len(), 2);
        j.append(&record(3, None)).unwrap();
        let c = read(dir.path()).unwrap();
        assert_eq!(c.records, vec![record(1, Some(0.5)), record(2, None), record(3, None)]);
        assert!(c.warnings.is_empty() && c.broken_lines.is_empty());
    }

    #[test]
    fn another_major_version_is_still_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = serde_json::to_value(record(1, None)).unwrap();
        r["v"] = 2.into();
        std::fs::write(dir.path().join(JOURNAL_FILE), format!("{r}\n")).unwrap();
        assert!(matches!(read(dir.path()), Err(RunError::Journal { line: 1, .. })));
    }

    proptest! {
        #[test]
        fn records_round_trip(seed in any::<u64>(), value in proptest::option::of(-1e300f64..1e300)) {
            let dir = tempfile::tempdir().unwrap();
            let mut j = Journal::create(dir.path()).unwrap();
            let r = record(seed, value);
            j.append(&r).unwrap();
            let c = read(dir.path()).unwrap();
            prop_assert_eq!(c.records, vec![r]);
        }
    }
}
