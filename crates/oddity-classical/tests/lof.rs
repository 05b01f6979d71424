//! LOF against the shared reference (`reference/tabular`): scikit-learn
//! `LocalOutlierFactor(n_neighbors=20, novelty=True)`, to 1e-9 relative on all 8 sets,
//! skipping on thyroid the 40 test rows whose 20-neighbour set is tied at the boundary.

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::LofParams;
use oddity_core::DetectorParams;

/// `thyroid_params.json → lof.tie_sensitive_test_rows_original` (0-based CSV rows).
const THYROID_TIE_SENSITIVE_ORIGINAL: &[usize] = &[
    143, 144, 163, 164, 333, 403, 434, 488, 573, 839, 898, 913, 973, 1043, 1094, 1193, 1223, 1448,
    1559, 1578, 1704, 1728, 1734, 1823, 1848, 1993, 2009, 2054, 2109, 2228, 2353, 2403, 2604, 2689,
    2913, 2934, 3289, 3293, 3368, 3483,
];

/// Test position of CSV row `i` (test rows are those with `i % 5` in {3, 4}, in order).
fn test_position(i: usize) -> usize {
    assert!(i % 5 >= 3, "row {i} is a train row");
    2 * (i / 5) + (i % 5 - 3)
}

#[test]
fn lof_matches_reference() {
    let thyroid_skip: Vec<usize> =
        THYROID_TIE_SENSITIVE_ORIGINAL.iter().map(|&i| test_position(i)).collect();
    for name in DATASETS {
        let skip: &[usize] = if *name == "thyroid" { &thyroid_skip } else { &[] };
        check_reference(&LofParams::default().check().unwrap(), name, "lof", 1e-9, 0.0, skip);
    }
}

#[test]
fn lof_tie_sensitive_rows_stay_within_the_documented_band() {
    let thyroid_rows: Vec<usize> =
        THYROID_TIE_SENSITIVE_ORIGINAL.iter().map(|&i| test_position(i)).collect();
    let all: Vec<usize> = (0..1508).filter(|i| !thyroid_rows.contains(i)).collect();
    check_reference(&LofParams::default().check().unwrap(), "thyroid", "lof", 0.0, 0.03, &all);
}

#[test]
fn thread_count_does_not_change_the_scores() {
    use oddity_core::{Detector, FitContext};
    let (train, test) = common::parts("thyroid");
    let one = LofParams::default()
        .check()
        .unwrap()
        .fit(&train, &FitContext::new(0))
        .unwrap()
        .score(&test)
        .unwrap();
    let ctx = FitContext::new(0).with_threads(3);
    let three =
        LofParams::default().check().unwrap().fit(&train, &ctx).unwrap().score(&test).unwrap();
    assert_eq!(one, three);
}

/// All training rows identical (a k-d tree leaf of duplicates), with `k ≥ n` capped to
/// `n − 1`: the training lrd is 1 / 1e-10, a duplicate scores exactly 1 and a row at distance
/// 5 scores (5 + 1e-10) / 1e-10.
#[test]
fn identical_rows_and_k_above_n() {
    use ndarray::{array, Array2};
    use oddity_classical::LRD_EPSILON;
    use oddity_core::{Dataset, Detector, FitContext};
    let train = Dataset::from_features("t", Array2::from_elem((300, 2), -1.0));
    let test = Dataset::from_features("s", array![[-1.0, -1.0], [2.0, 3.0]]);
    let lof = LofParams::default().k(1000).check().unwrap();
    let s = lof.fit(&train, &FitContext::new(0)).unwrap().score(&test).unwrap();
    assert_eq!(s[0], 1.0);
    let want = (5.0 + LRD_EPSILON) / LRD_EPSILON;
    assert!((s[1] - want).abs() <= 1e-12 * want, "{} vs {want}", s[1]);
}
