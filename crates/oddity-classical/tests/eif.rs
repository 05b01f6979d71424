//! Extended isolation forest: `extension_level = 0` is exactly the isolation forest, a
//! hand-worked forest, ROC-AUC against scikit-learn's isolation-forest seed bands, fewer
//! axis-aligned artefacts than the isolation forest on a round blob, seeding and thread-count
//! invariance, and degenerate training sets.

mod common;

use common::{band, labels, parts, DATASETS};
use ndarray::{array, Array2};
use oddity_classical::{
    average_path_length, EifParams, EifParamsError, EifValidParams, IForestParams,
    IForestValidParams,
};
use oddity_core::DetectorParams;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector};

fn eif(level: Option<usize>) -> EifValidParams {
    EifParams::default().extension_level(level).check().unwrap()
}

fn iforest(n_estimators: usize) -> IForestValidParams {
    IForestParams::default().n_estimators(n_estimators).check().unwrap()
}

#[test]
fn extension_level_zero_is_the_isolation_forest() {
    for name in ["cardio", "glass"] {
        let (train, test) = parts(name);
        let ctx = FitContext::new(11);
        let a = eif(Some(0)).fit(&train, &ctx).unwrap().score(&test).unwrap();
        let b = iforest(100).fit(&train, &ctx).unwrap().score(&test).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn roc_auc_is_no_worse_than_the_isolation_forest_band() {
    // No reference implementation of EIF was run on the shared data, so the yardstick is
    // scikit-learn's isolation-forest band (30 seeds): the mean ROC-AUC over 5 seeds of the
    // fully extended forest is at least its minimum − 0.02 on each set. The check is one-sided
    // because oblique splits may rank better than any axis-parallel forest (ionosphere: 0.898
    // over 10 seeds against the band's maximum 0.840; thyroid is the lowest relative to the
    // band: 0.960 against [0.971, 0.985]).
    for name in DATASETS {
        let (train, test) = parts(name);
        let l = labels(name);
        let (lo, _) = band(name, "iforest", 0.02);
        let aucs: Vec<f64> = (0..5)
            .map(|seed| {
                let s =
                    eif(None).fit(&train, &FitContext::new(seed)).unwrap().score(&test).unwrap();
                oddity_eval::roc_auc(&l, s.as_slice().unwrap()).unwrap()
            })
            .collect();
        let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
        assert!(lo <= mean, "{name}: mean ROC-AUC {mean} ({aucs:?}) below {lo}");
    }
}

#[test]
fn hand_worked_forest() {
    // Rows (0, 5) × 3 and (10, 5): only feature 0 varies, so even the fully extended slope
    // has one non-zero coordinate and the root separates the three equal rows from (10, 5);
    // the three equal rows cannot be split. Scores are 2^(−h / c(4)) with h = 1 + c(3) on the
    // left side and 1 on the right, whatever the seed and the sign of the slope.
    let train =
        Dataset::from_features("t", array![[0.0, 5.0], [0.0, 5.0], [0.0, 5.0], [10.0, 5.0]]);
    let test =
        Dataset::from_features("s", array![[0.0, 5.0], [-1.0, 9.0], [10.0, 5.0], [20.0, 0.0]]);
    let c4 = average_path_length(4);
    let inlier = (-(1.0 + average_path_length(3)) / c4).exp2();
    let outlier = (-1.0 / c4).exp2();
    for seed in [0, 1, 99] {
        let f = eif(None).fit_model(&train, &FitContext::new(seed)).unwrap();
        assert_eq!(f.extension_level(), 1);
        assert_eq!((f.n_trees(), f.subsample_size()), (100, 4));
        let s = f.score(&test).unwrap();
        for (got, want) in s.iter().zip([inlier, inlier, outlier, outlier]) {
            assert!((got - want).abs() <= 1e-15, "seed {seed}: {s:?}");
        }
    }
}

/// Scores of 32 points on the circle of radius `r` around the centre of a round blob.
fn ring_scores(detector: &dyn Detector, seed: u64, r: f64) -> Vec<f64> {
    // A deterministic, rotation-symmetric cloud: 16 rings of 32 points (radius ∝ √k).
    let mut rows = Vec::new();
    for k in 1..=16 {
        let radius = (k as f64 / 16.0).sqrt() * 1.5;
        for a in 0..32 {
            let t = std::f64::consts::TAU * (a as f64 + 0.5 * k as f64) / 32.0;
            rows.extend([radius * t.cos(), radius * t.sin()]);
        }
    }
    let train =
        Dataset::from_features("blob", Array2::from_shape_vec((rows.len() / 2, 2), rows).unwrap());
    let ring: Vec<f64> = (0..32)
        .flat_map(|a| {
            let t = std::f64::consts::TAU * a as f64 / 32.0;
            [r * t.cos(), r * t.sin()]
        })
        .collect();
    let ring = Dataset::from_features("ring", Array2::from_shape_vec((32, 2), ring).unwrap());
    detector.fit(&train, &FitContext::new(seed)).unwrap().score(&ring).unwrap().to_vec()
}

fn spread(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

#[test]
fn oblique_splits_reduce_axis_artefacts() {
    // Hariri et al.'s motivating example: on a round blob, the isolation forest scores a
    // ring of equidistant points unevenly (lower along the axes), the extended forest more
    // evenly. Checked on 5 seeds with 400 trees each.
    for seed in 0..5 {
        let axis = spread(&ring_scores(&iforest(400), seed, 2.5));
        let ext = spread(&ring_scores(
            &EifParams::default().n_estimators(400).check().unwrap(),
            seed,
            2.5,
        ));
        assert!(ext < axis, "seed {seed}: spread {ext} (eif) vs {axis} (iforest)");
    }
}

#[test]
fn same_seed_same_scores_on_any_thread_count() {
    let (train, test) = parts("ionosphere");
    let d = eif(None);
    let one = d.fit(&train, &FitContext::new(5).with_threads(1)).unwrap().score(&test).unwrap();
    for threads in [2, 4] {
        let ctx = FitContext::new(5).with_threads(threads);
        assert_eq!(one, d.fit(&train, &ctx).unwrap().score(&test).unwrap(), "{threads} threads");
    }
    let other = d.fit(&train, &FitContext::new(6)).unwrap().score(&test).unwrap();
    assert_ne!(one, other, "another seed grows other trees");
    // An intermediate extension level gives yet other (finite) scores.
    let mid = eif(Some(5)).fit(&train, &FitContext::new(5)).unwrap().score(&test).unwrap();
    assert!(mid.iter().all(|v| v.is_finite() && *v > 0.0 && *v <= 1.0));
    assert_ne!(one, mid);
}

#[test]
fn degenerate_training_sets_score_one_half() {
    let ctx = FitContext::new(0);
    let test = Dataset::from_features("s", array![[0.0, 0.0, 0.0], [5.0, -5.0, 1.0]]);
    let one = Dataset::from_features("t", array![[1.0, 2.0, 3.0]]);
    assert_eq!(eif(None).fit(&one, &ctx).unwrap().score(&test).unwrap().to_vec(), vec![0.5, 0.5]);
    let same = Dataset::from_features("t", Array2::from_elem((30, 3), -1.0));
    let s = eif(None).fit(&same, &ctx).unwrap().score(&test).unwrap();
    assert!(s.iter().all(|v| (v - 0.5).abs() < 1e-15), "{s:?}");
}

#[test]
fn bad_parameters_are_errors() {
    assert_eq!(EifParams::default().n_estimators(0).check(), Err(EifParamsError::NEstimators(0)));
    let mut negative = oddity_core::Params::default();
    negative.0.insert("extension_level".into(), oddity_core::ParamValue::Int(-1));
    let err = oddity_classical::detector("eif").unwrap().instantiate(&negative).err().unwrap();
    assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "extension_level"));
    let train = Dataset::from_features("t", array![[0.0, 1.0], [1.0, 0.0]]);
    let err = eif(Some(2)).fit(&train, &FitContext::new(0)).err().unwrap();
    assert!(
        matches!(&err, Error::InvalidParameter { name, .. } if name == "extension_level"),
        "{err}"
    );
    // The registry accepts "full" (default) and integers.
    let entry = oddity_classical::detector("eif").unwrap();
    let (_, built) = entry.instantiate(&oddity_core::Params::default()).unwrap();
    assert!(built.fit(&train, &FitContext::new(0)).is_ok());
    let mut given = oddity_core::Params::default();
    given.0.insert("extension_level".into(), oddity_core::ParamValue::Int(0));
    assert!(entry.instantiate(&given).is_ok());
}

#[test]
fn autotraits() {
    fn is_send_sync<T: Send + Sync + Unpin>() {}
    is_send_sync::<EifParams>();
    is_send_sync::<EifValidParams>();
    is_send_sync::<oddity_classical::FittedEif>();
}
