//! Labels from anomaly windows: NAB's `combined_windows.json` (a JSON object from series key,
//! `"<category>/<series>.csv"`, to a list of `[start, end]` timestamp pairs, both inclusive).

use std::path::Path;

use ndarray::Array1;

use crate::error::{IngestError, IngestErrorKind};
use crate::timestamp::parse_timestamp;

/// The anomaly windows of series `key` in the NAB windows file at `path`, as inclusive
/// `(start, end)` epoch seconds. A series listed with no window (NAB's anomaly-free series)
/// gives an empty list.
///
/// # Errors
///
/// An [`IngestError`] naming the file: [`IngestErrorKind::Missing`], or
/// [`IngestErrorKind::Unreadable`] for invalid JSON, a `key` the file does not list (the
/// message names the closest keys), a window that is not a pair of strings or ends before
/// it starts; [`IngestErrorKind::BadTimestamp`] for a timestamp that does not parse.
///
/// # Example
///
/// ```
/// use oddity_ingest::{label_rows_in_windows, read_label_windows};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("windows.json");
/// std::fs::write(
///     &path,
///     r#"{"realTraffic/speed.csv": [["2015-09-01 10:00:00.000000", "2015-09-01 10:10:00.000000"]]}"#,
/// )?;
/// let windows = read_label_windows(&path, "realTraffic/speed.csv")?;
/// // Rows at 09:55, 10:00, 10:05, 10:15: the two inside the window are anomalies.
/// let t0 = 1_441_101_300;
/// let labels = label_rows_in_windows(&[t0, t0 + 300, t0 + 600, t0 + 1200], &windows);
/// assert_eq!(labels.to_vec(), [0, 1, 1, 0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_label_windows(path: &Path, key: &str) -> Result<Vec<(i64, i64)>, IngestError> {
    let text = std::fs::read_to_string(path).map_err(|e| IngestError::io(path, &e))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| IngestError::unreadable(path, e))?;
    let serde_json::Value::Object(series) = json else {
        return Err(IngestError::unreadable(path, "expected a JSON object of series keys"));
    };
    let Some(windows) = series.get(key) else {
        let name = key.rsplit('/').next().unwrap_or(key);
        let mut near: Vec<&str> =
            series.keys().map(String::as_str).filter(|k| k.ends_with(name)).collect();
        if near.is_empty() {
            near = series.keys().map(String::as_str).take(5).collect();
        }
        return Err(IngestError::unreadable(
            path,
            format!("no series `{key}` (keys such as: {})", near.join(", ")),
        ));
    };
    let serde_json::Value::Array(windows) = windows else {
        return Err(IngestError::unreadable(
            path,
            format!("series `{key}`: expected a list of windows"),
        ));
    };
    let mut out = Vec::with_capacity(windows.len());
    for (i, w) in windows.iter().enumerate() {
        let bad = || {
            IngestError::unreadable(
                path,
                format!("series `{key}`, window {i}: expected [start, end] strings"),
            )
        };
        let pair = w.as_array().filter(|p| p.len() == 2).ok_or_else(bad)?;
        let mut bounds = [0_i64; 2];
        for (b, v) in bounds.iter_mut().zip(pair) {
            let s = v.as_str().ok_or_else(bad)?;
            *b = parse_timestamp(s).ok_or_else(|| {
                IngestError::new(path, IngestErrorKind::BadTimestamp { value: s.to_string() })
                    .column(key)
                    .at(i, None)
            })?;
        }
        if bounds[1] < bounds[0] {
            return Err(IngestError::unreadable(
                path,
                format!("series `{key}`, window {i}: ends before it starts"),
            ));
        }
        out.push((bounds[0], bounds[1]));
    }
    Ok(out)
}

/// 1 for every timestamp inside one of `windows` (inclusive bounds), 0 elsewhere.
/// `O((n + w) log w)` for `n` timestamps and `w` windows.
pub fn label_rows_in_windows(timestamps: &[i64], windows: &[(i64, i64)]) -> Array1<u8> {
    let mut sorted = windows.to_vec();
    sorted.sort_unstable();
    // The largest end among windows starting at or before each start.
    let mut reach = Vec::with_capacity(sorted.len());
    let mut far = i64::MIN;
    for &(_, end) in &sorted {
        far = far.max(end);
        reach.push(far);
    }
    timestamps
        .iter()
        .map(|&t| {
            let started = sorted.partition_point(|&(start, _)| start <= t);
            u8::from(started > 0 && reach[started - 1] >= t)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_windows_may_overlap() {
        let windows = [(10, 20), (15, 30), (40, 40)];
        let t = [9, 10, 20, 25, 30, 31, 39, 40, 41];
        assert_eq!(label_rows_in_windows(&t, &windows).to_vec(), [0, 1, 1, 1, 1, 0, 0, 1, 0]);
        assert_eq!(label_rows_in_windows(&t, &[]).to_vec(), [0; 9]);
    }

    #[test]
    fn bad_files_are_errors_that_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.json");
        let cases = [
            ("not json", "expected"),
            ("[1, 2]", "JSON object"),
            (r#"{"a/b.csv": 3}"#, "list of windows"),
            (r#"{"a/b.csv": [["2015-01-01 00:00:00", 5]]}"#, "[start, end]"),
            (r#"{"a/b.csv": [["2015-01-02", "2015-01-01"]]}"#, "ends before"),
            (r#"{"a/b.csv": [["2015-13-01", "2015-01-01"]]}"#, "2015-13-01"),
            (r#"{"x/b.csv": []}"#, "x/b.csv"),
        ];
        for (text, needle) in cases {
            std::fs::write(&path, text).unwrap();
            let err = read_label_windows(&path, "a/b.csv").unwrap_err().to_string();
            assert!(err.contains("w.json") && err.contains(needle), "{text}: {err}");
        }
        let missing = read_label_windows(&dir.path().join("none.json"), "a").unwrap_err();
        assert_eq!(missing.kind(), &IngestErrorKind::Missing);
    }
}
