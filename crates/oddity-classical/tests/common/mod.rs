//! Shared helpers for the reference tests: the reference split and standardization of
//! `reference/tabular`, and one `check_reference` comparison.

#![allow(dead_code)]

use ndarray::Array2;
use oddity_core::testing::NumericCsv;
use oddity_core::{stats, Dataset, Detector, FitContext};

/// The 8 sets of `reference/tabular`.
pub const DATASETS: &[&str] =
    &["cardio", "thyroid", "wbc", "glass", "pima", "lympho", "ionosphere", "letter"];

/// Standardized train and test parts of `name` under the reference split rule (row i
/// trains when i % 5 < 3; mean and population std of the train part, std 0 → 1).
pub fn parts(name: &str) -> (Dataset, Dataset) {
    let csv = NumericCsv::read(&format!("datasets/odds/{name}.csv"));
    let d = csv.header.len() - 1;
    let matrix = |keep: fn(usize) -> bool| {
        let rows: Vec<&Vec<f64>> =
            csv.rows.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, r)| r).collect();
        Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j])
    };
    let (mut train, mut test) = (matrix(|i| i % 5 < 3), matrix(|i| i % 5 >= 3));
    let (mean, std) = stats::column_mean_std(train.view());
    for x in [&mut train, &mut test] {
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - mean[j]) / if std[j] == 0.0 { 1.0 } else { std[j] };
            }
        }
    }
    (Dataset::from_features("train", train), Dataset::from_features("test", test))
}

/// The 0/1 labels of the test part of `name`.
pub fn labels(name: &str) -> Vec<u8> {
    reference(name, "label").iter().map(|v| *v as u8).collect()
}

/// `[min − pad, max + pad]` of scikit-learn's ROC-AUC spread over seeds for `detector` on
/// `name` (`reference/tabular/seed_bands.json`; `detector` is `iforest`, `gmm_loglik` or
/// `kmeans_dist`).
pub fn band(name: &str, detector: &str, pad: f64) -> (f64, f64) {
    let path = oddity_core::testing::shared_dir().join("reference/tabular/seed_bands.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let b = &json["bands"][name][detector];
    (b["min"].as_f64().unwrap() - pad, b["max"].as_f64().unwrap() + pad)
}

/// The reference column `column` of `name` (one value per test row).
pub fn reference(name: &str, column: &str) -> Vec<f64> {
    NumericCsv::read(&format!("reference/tabular/{name}_scores.csv")).column(column)
}

/// Fits `detector` on the standardized train part of `name`, scores the test part and
/// asserts `|got − want| ≤ rel·|want| + abs` for every test row not in `skip` (0-based test
/// positions).
pub fn check_reference(
    detector: &dyn Detector,
    name: &str,
    column: &str,
    rel: f64,
    abs: f64,
    skip: &[usize],
) {
    let (train, test) = parts(name);
    let scores = detector.fit(&train, &FitContext::new(0)).unwrap().score(&test).unwrap();
    let want = reference(name, column);
    assert_eq!(scores.len(), want.len(), "{name} {column}: length");
    for (i, (g, w)) in scores.iter().zip(&want).enumerate() {
        if skip.contains(&i) {
            continue;
        }
        assert!(
            (g - w).abs() <= rel * w.abs() + abs,
            "{name} {column} test row {i}: got {g}, want {w}"
        );
    }
}
