//! Isolation forest: a hand-worked forest, the ROC-AUC seed bands of scikit-learn's
//! `IsolationForest` on the 8 reference sets (`reference/tabular/seed_bands.json`), seeding
//! and thread-count invariance, and degenerate training sets.

mod common;

use common::{band, labels, parts, DATASETS};
use ndarray::{array, Array2};
use oddity_classical::{
    average_path_length, IForestParams, IForestParamsError, IForestValidParams,
};
use oddity_core::DetectorParams;

fn iforest(n_estimators: usize, max_samples: usize) -> IForestValidParams {
    IForestParams::default().n_estimators(n_estimators).max_samples(max_samples).check().unwrap()
}
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector};

fn roc_auc(detector: &dyn Detector, train: &Dataset, test: &Dataset, l: &[u8], seed: u64) -> f64 {
    let s = detector.fit(train, &FitContext::new(seed)).unwrap().score(test).unwrap();
    oddity_eval::roc_auc(l, s.as_slice().unwrap()).unwrap()
}

#[test]
fn roc_auc_lies_in_the_seed_bands() {
    // Every one of 10 seeds, not only their mean, lies in scikit-learn's 30-seed band ± 0.02.
    for name in DATASETS {
        let (train, test) = parts(name);
        let l = labels(name);
        let (lo, hi) = band(name, "iforest", 0.02);
        for seed in 0..10 {
            let auc = roc_auc(&iforest(100, 256), &train, &test, &l, seed);
            assert!(
                lo <= auc && auc <= hi,
                "{name} seed {seed}: ROC-AUC {auc} outside [{lo}, {hi}]"
            );
        }
    }
}

#[test]
fn hand_worked_forest() {
    // Rows 0, 0, 0, 10 (ψ = 4, height limit 2): every tree splits the root between 0 and 10,
    // then the three equal rows cannot be split. So whatever the seed, a row ≤ 0 ends at
    // depth 1 in a leaf of 3 (h = 1 + c(3)) and a row ≥ 10 at depth 1 alone (h = 1), and the
    // scores are 2^(−h / c(4)).
    let train = Dataset::from_features("t", array![[0.0], [0.0], [0.0], [10.0]]);
    let test = Dataset::from_features("s", array![[-3.0], [0.0], [10.0], [99.0]]);
    let c4 = average_path_length(4);
    let inlier = (-(1.0 + average_path_length(3)) / c4).exp2();
    let outlier = (-1.0 / c4).exp2();
    for seed in [0, 1, 99] {
        let f = iforest(7, 256).fit_model(&train, &FitContext::new(seed)).unwrap();
        assert_eq!(f.subsample_size(), 4);
        assert_eq!(f.n_trees(), 7);
        assert_eq!(f.n_nodes(), 7 * 3);
        let s = f.score(&test).unwrap();
        for (got, want) in s.iter().zip([inlier, inlier, outlier, outlier]) {
            assert!((got - want).abs() <= 1e-15, "{s:?}");
        }
    }
}

#[test]
fn scores_lie_in_zero_one_and_rank_an_outlier_first() {
    let (train, test) = parts("thyroid");
    let f = iforest(100, 256).fit(&train, &FitContext::new(3)).unwrap();
    let s = f.score(&test).unwrap();
    assert!(s.iter().all(|&v| v > 0.0 && v <= 1.0));
    let far = Dataset::from_features("far", Array2::from_elem((1, train.n_features()), 50.0));
    let top = f.score(&far).unwrap()[0];
    assert!(s.iter().all(|&v| v < top), "far row {top}");
}

#[test]
fn same_seed_same_scores_on_any_thread_count() {
    let (train, test) = parts("cardio");
    let d = iforest(100, 256);
    let one = d.fit(&train, &FitContext::new(5).with_threads(1)).unwrap().score(&test).unwrap();
    for threads in [2, 3, 8] {
        let ctx = FitContext::new(5).with_threads(threads);
        assert_eq!(one, d.fit(&train, &ctx).unwrap().score(&test).unwrap(), "{threads} threads");
    }
    let other = d.fit(&train, &FitContext::new(6)).unwrap().score(&test).unwrap();
    assert_ne!(one, other, "another seed grows other trees");
}

#[test]
fn subsample_is_min_of_max_samples_and_rows() {
    let (train, _) = parts("glass");
    let ctx = FitContext::new(0);
    let all = iforest(100, 256).fit_model(&train, &ctx).unwrap();
    assert_eq!(all.subsample_size(), train.n_rows());
    let some = iforest(10, 32).fit_model(&train, &ctx).unwrap();
    assert_eq!(some.subsample_size(), 32);
    // Axis splits always separate rows: at most 2ψ − 1 nodes per tree.
    assert!(some.n_nodes() <= 10 * (2 * 32 - 1));
}

#[test]
fn degenerate_training_sets_score_one_half() {
    let d = iforest(100, 256);
    let ctx = FitContext::new(0);
    let test = Dataset::from_features("s", array![[0.0, 0.0], [5.0, -5.0]]);
    // One row: c(1) = 0, the depth ratio counts as 1 (scikit-learn's convention).
    let one = Dataset::from_features("t", array![[1.0, 2.0]]);
    assert_eq!(d.fit(&one, &ctx).unwrap().score(&test).unwrap().to_vec(), vec![0.5, 0.5]);
    // Identical rows: no split is possible, h = c(ψ) for every row.
    let same = Dataset::from_features("t", Array2::from_elem((40, 2), 3.0));
    let s = d.fit(&same, &ctx).unwrap().score(&test).unwrap();
    assert!(s.iter().all(|v| (v - 0.5).abs() < 1e-15), "{s:?}");
    // Two rows: each tree isolates both at depth 1, so h = 1 = c(2) for every row.
    let two = Dataset::from_features("t", array![[0.0, 0.0], [1.0, 1.0]]);
    let s = d.fit(&two, &ctx).unwrap().score(&test).unwrap();
    assert!(s.iter().all(|v| (v - 0.5).abs() < 1e-15), "{s:?}");
}

#[test]
fn bad_parameters_and_inputs_are_errors() {
    let p = IForestParams::default;
    assert_eq!(p().n_estimators(0).check(), Err(IForestParamsError::NEstimators(0)));
    assert_eq!(p().max_samples(0).check(), Err(IForestParamsError::MaxSamples(0)));
    let mut negative = oddity_core::Params::default();
    negative.0.insert("n_estimators".into(), oddity_core::ParamValue::Int(-1));
    let err = oddity_classical::detector("iforest").unwrap().instantiate(&negative).err().unwrap();
    assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "n_estimators"));
    let ctx = FitContext::new(0);
    let empty = Dataset::from_features("e", Array2::zeros((0, 2)));
    assert!(matches!(iforest(100, 256).fit(&empty, &ctx), Err(Error::EmptyData(_))));
    let nan = Dataset::from_features("n", array![[1.0], [f64::NAN]]);
    assert!(matches!(iforest(100, 256).fit(&nan, &ctx), Err(Error::NonFinite { .. })));
    let f =
        iforest(100, 256).fit(&Dataset::from_features("t", array![[1.0], [2.0]]), &ctx).unwrap();
    let inf = Dataset::from_features("s", array![[f64::INFINITY]]);
    assert!(matches!(f.score(&inf), Err(Error::NonFinite { .. })));
}

#[test]
fn registry_defaults_match_the_type() {
    let entry = oddity_classical::detector("iforest").unwrap();
    let (params, _) = entry.instantiate(&oddity_core::Params::default()).unwrap();
    let built = iforest(
        params.int("n_estimators").unwrap() as usize,
        params.int("max_samples").unwrap() as usize,
    );
    assert_eq!(built, IForestParams::default().check().unwrap());
    assert_eq!((built.n_estimators(), built.max_samples()), (100, 256));
}

#[test]
fn autotraits() {
    fn is_send_sync<T: Send + Sync + Unpin>() {}
    is_send_sync::<IForestParams>();
    is_send_sync::<IForestValidParams>();
    is_send_sync::<oddity_classical::FittedIForest>();
}
