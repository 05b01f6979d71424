//! z-score and robust z-score against the shared reference (`reference/tabular`): same
//! split rule (row i trains when i % 5 < 3), standardization fit on train, scores of the
//! test rows equal to 1e-9 relative.

use ndarray::Array2;
use oddity_classical::{RobustZScore, ZScore};
use oddity_core::testing::{assert_close_rel, NumericCsv};
use oddity_core::{stats, Dataset, Detector, FitContext};

const DATASETS: &[&str] =
    &["cardio", "thyroid", "wbc", "glass", "pima", "lympho", "ionosphere", "letter"];

/// Standardized train and test parts of `name` under the reference split rule.
fn parts(name: &str) -> (Dataset, Dataset) {
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

fn check(detector: &dyn Detector, column: &str) {
    for name in DATASETS {
        let (train, test) = parts(name);
        let scores = detector.fit(&train, &FitContext::new(0)).unwrap().score(&test).unwrap();
        let want = NumericCsv::read(&format!("reference/tabular/{name}_scores.csv")).column(column);
        assert_close_rel(scores.as_slice().unwrap(), &want, 1e-9, &format!("{name} {column}"));
    }
}

#[test]
fn zscore_matches_reference() {
    check(&ZScore::default(), "zscore");
}

#[test]
fn robust_zscore_matches_reference() {
    check(&RobustZScore::default(), "robust_z");
}
