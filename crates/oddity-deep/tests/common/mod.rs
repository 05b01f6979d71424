//! Helpers shared by the integration tests: real data from the shared folder, ROC-AUC.

#![allow(dead_code)]

use ndarray::Array2;
use oddity_core::testing::{shared_dir, NumericCsv};
use oddity_core::{Dataset, DetectorEntry, ParamValue, Params};

/// An ODDS set (`odds/<name>.csv`): standard-scaled features and labels.
pub fn odds(name: &str) -> (Dataset, Vec<u8>) {
    let csv = NumericCsv::read(&format!("datasets/odds/{name}.csv"));
    let d = csv.header.len() - 1;
    let n = csv.rows.len();
    let mut x = Array2::from_shape_fn((n, d), |(i, j)| csv.rows[i][j]);
    for mut col in x.columns_mut() {
        let mean = col.mean().unwrap();
        let sd = col.std(0.0);
        let sd = if sd > 1e-8 { sd } else { 1.0 };
        col.mapv_inplace(|v| (v - mean) / sd);
    }
    let labels = csv.column("label").iter().map(|&v| v as u8).collect();
    (Dataset::from_features(name, x), labels)
}

/// The `value` and `label` columns of a NAB-style CSV under the shared datasets folder.
pub fn series(path: &str) -> (Vec<f64>, Vec<u8>) {
    let full = shared_dir().join("datasets").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let vi = header.iter().position(|h| *h == "value").unwrap();
    let li = header.iter().position(|h| *h == "label").unwrap();
    let (mut v, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        v.push(f[vi].parse().unwrap());
        y.push(f[li].parse::<f64>().unwrap() as u8);
    }
    (v, y)
}

/// Stride-`stride` windows of `w` steps of a univariate series, z-scaled with the series'
/// statistics, as the runner builds them (flattened time-major, window metadata set).
pub fn windows(v: &[f64], w: usize, stride: usize) -> Dataset {
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt().max(1e-8);
    let starts: Vec<usize> = (0..=n - w).step_by(stride).collect();
    let x = Array2::from_shape_fn((starts.len(), w), |(i, k)| (v[starts[i] + k] - mean) / sd);
    Dataset::from_features("series", x).with_window(w).unwrap()
}

/// ROC-AUC of `scores` (oddity-eval's, exact and tie-aware); both classes must be present.
pub fn roc_auc(labels: &[u8], scores: &[f64]) -> f64 {
    oddity_eval::roc_auc(labels, scores).expect("both classes present")
}

/// Parameters from `(name, value)` pairs.
pub fn params(pairs: &[(&str, ParamValue)]) -> Params {
    Params(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// The registered deep detector `name`.
pub fn entry(name: &str) -> DetectorEntry {
    oddity_deep::detector(name).unwrap_or_else(|| panic!("no detector `{name}`"))
}
