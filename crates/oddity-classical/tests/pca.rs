//! PCA: `score = "pyod"` against PyOD's `PCA().decision_function` (`reference/tabular`,
//! columns `pca` / `pca_drop_null`, own eigendecomposition, 1e-8 relative on all 8 sets),
//! the axes against scikit-learn's, the weighted score against the Mahalanobis detector, a
//! hand-computed oracle and degenerate training sets.

mod common;

use common::{parts, reference, DATASETS};
use ndarray::{array, Array2};
use oddity_classical::{
    FittedPca, MahalanobisParams, PcaParams, PcaParamsError, PcaScore, PcaValidParams,
};
use oddity_core::testing::{assert_close_rel, shared_dir};
use oddity_core::DetectorParams;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector};

fn params(score: PcaScore) -> PcaParams {
    PcaParams::default().score(score)
}

fn pca(score: PcaScore) -> PcaValidParams {
    params(score).check().unwrap()
}

fn fit(d: &PcaValidParams, train: &Dataset) -> FittedPca {
    d.fit_model(train, &FitContext::new(0)).unwrap()
}

#[test]
fn pyod_score_matches_reference() {
    // `pca_drop_null` equals PyOD's `pca` wherever PyOD is finite (all sets but cardio);
    // cardio has one null component, dropped by default.
    for name in DATASETS {
        let (train, test) = parts(name);
        let s = fit(&pca(PcaScore::Pyod), &train).score(&test).unwrap();
        assert_close_rel(s.as_slice().unwrap(), &reference(name, "pca_drop_null"), 1e-8, name);
        if *name != "cardio" {
            assert_close_rel(s.as_slice().unwrap(), &reference(name, "pca"), 1e-8, name);
        }
    }
}

#[test]
fn singular_covariance_without_drop_null_is_an_error() {
    // PyOD scores every cardio row `inf` (an explained-variance ratio of 0); scores must be
    // finite, so keeping null components is a fit error naming the singular covariance.
    let (train, _) = parts("cardio");
    let strict = params(PcaScore::Pyod).drop_null(false).check().unwrap();
    let err = strict.fit(&train, &FitContext::new(0)).err().unwrap();
    assert!(matches!(&err, Error::Fit(m) if m.contains("singular covariance")), "{err}");
    let dropped = fit(&pca(PcaScore::Pyod), &train);
    assert_eq!(dropped.components.nrows(), 20);
    // Without null components, drop_null changes nothing.
    let (train, test) = parts("pima");
    let a = fit(&strict, &train).score(&test).unwrap();
    assert_eq!(a, fit(&pca(PcaScore::Pyod), &train).score(&test).unwrap());
}

#[test]
fn axes_and_ratios_match_scikit_learn() {
    for name in DATASETS {
        let path = shared_dir().join(format!("reference/tabular/{name}_params.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let axes: Vec<Vec<f64>> =
            serde_json::from_value(json["pca"]["components"].clone()).unwrap();
        let evr: Vec<f64> =
            serde_json::from_value(json["pca"]["explained_variance_ratio"].clone()).unwrap();
        let (train, _) = parts(name);
        let f = fit(&pca(PcaScore::Pyod), &train);
        for (j, axis) in f.components.rows().into_iter().enumerate() {
            for (got, want) in axis.iter().zip(&axes[j]) {
                assert!((got - want).abs() <= 1e-8, "{name} axis {j}: {got} vs {want}");
            }
        }
        let kept = f.explained_variance_ratio.len();
        assert_close_rel(&f.explained_variance_ratio, &evr[..kept], 1e-9, name);
    }
}

#[test]
fn weighted_score_with_all_components_is_the_mahalanobis_distance() {
    // Σ_j y_j² / λ_j over all components = (x − μ)ᵀ S⁻¹ (x − μ) with the ddof-1 covariance S,
    // which is (n − 1) / n times the ddof-0 Mahalanobis distance; on cardio both drop the
    // null direction. Internal standardisation changes nothing (affine invariance).
    for name in DATASETS {
        let (train, test) = parts(name);
        let n = train.n_rows() as f64;
        let want: Vec<f64> = MahalanobisParams::default()
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap()
            .score(&test)
            .unwrap()
            .iter()
            .map(|m| m * (n - 1.0) / n)
            .collect();
        for standardize in [true, false] {
            let d = params(PcaScore::Weighted).standardize(standardize).check().unwrap();
            let got = fit(&d, &train).score(&test).unwrap();
            assert_close_rel(got.as_slice().unwrap(), &want, 1e-9, name);
        }
    }
}

#[test]
fn hand_computed_oracle() {
    // Train (±1, 0), (0, ±2), no standardisation: mean 0, ddof-1 covariance diag(2/3, 8/3),
    // axes (0, 1) (variance 8/3, ratio 0.8) and (1, 0) (variance 2/3, ratio 0.2).
    let train =
        Dataset::from_features("t", array![[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]);
    let test = Dataset::from_features("s", array![[1.0, 2.0], [0.0, 0.0]]);
    let plain = |score, components| {
        params(score).standardize(false).components(components).check().unwrap()
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    let f = fit(&plain(PcaScore::Weighted, None), &train);
    assert_eq!(f.components, array![[0.0, 1.0], [1.0, 0.0]]);
    // (1, 2): 2² / (8/3) + 1² / (2/3) = 1.5 + 1.5.
    let s = f.score(&test).unwrap();
    assert!(close(s[0], 3.0) && s[1] == 0.0, "{s:?}");
    // PyOD: ‖(1, 2) − (0, 1)‖ / 0.8 + ‖(1, 2) − (1, 0)‖ / 0.2 = √2 / 0.8 + 10;
    // (0, 0) is at distance 1 from both axes: 1 / 0.8 + 1 / 0.2.
    let s = fit(&plain(PcaScore::Pyod, None), &train).score(&test).unwrap();
    assert!(close(s[0], 2f64.sqrt() / 0.8 + 10.0) && close(s[1], 1.25 + 5.0), "{s:?}");
    // One component keeps the leading axis only (its ratio stays 0.8).
    let s = fit(&plain(PcaScore::Weighted, Some(1)), &train).score(&test).unwrap();
    assert!(close(s[0], 1.5), "{s:?}");
    let s = fit(&plain(PcaScore::Pyod, Some(1)), &train).score(&test).unwrap();
    assert!(close(s[0], 2f64.sqrt() / 0.8), "{s:?}");
}

#[test]
fn whiten_changes_no_score() {
    let (train, test) = parts("glass");
    for score in [PcaScore::Weighted, PcaScore::Pyod] {
        let a = fit(&pca(score), &train).score(&test).unwrap();
        let b = fit(&params(score).whiten(true).check().unwrap(), &train).score(&test).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn fewer_components_score_the_leading_subspace() {
    // Keeping the first k components: weighted scores grow with k (terms are added).
    let (train, test) = parts("letter");
    let mut previous = vec![0.0; test.n_rows()];
    for k in [1, 5, 20, 32] {
        let d = params(PcaScore::Weighted).components(Some(k)).check().unwrap();
        let f = fit(&d, &train);
        assert_eq!(f.components.nrows(), k);
        let s = f.score(&test).unwrap();
        assert!(s.iter().zip(&previous).all(|(a, b)| a >= b), "k = {k}");
        previous = s.to_vec();
    }
}

#[test]
fn degenerate_training_sets_are_typed_errors() {
    let ctx = FitContext::new(0);
    let d = pca(PcaScore::Weighted);
    let one = Dataset::from_features("t", array![[1.0, 2.0]]);
    let err = d.fit(&one, &ctx).err().unwrap();
    assert!(matches!(&err, Error::Fit(m) if m.contains("at least 2 training rows")), "{err}");
    let same = Dataset::from_features("t", Array2::from_elem((10, 3), 4.0));
    let err = d.fit(&same, &ctx).err().unwrap();
    assert!(matches!(&err, Error::Fit(m) if m.contains("no variance")), "{err}");
    // Fewer rows than requested components.
    let three = Dataset::from_features(
        "t",
        array![[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 1.0, 0.0], [2.0, 2.0, 0.0, 1.0]],
    );
    let four = params(PcaScore::Weighted).components(Some(4)).check().unwrap();
    let err = four.fit(&three, &ctx).err().unwrap();
    assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "components"), "{err}");
    // Fewer rows than features with all components: the null directions are dropped.
    let f = d.fit_model(&three, &ctx).unwrap();
    assert_eq!(f.components.nrows(), 2);
    assert!(f.score(&three).unwrap().iter().all(|v| v.is_finite()));
    // A constant column is a null direction, dropped; scores stay finite.
    let x = Array2::from_shape_fn(
        (20, 3),
        |(i, j)| if j == 2 { 7.0 } else { ((i * (j + 3)) % 7) as f64 },
    );
    let c = Dataset::from_features("t", x);
    for score in [PcaScore::Weighted, PcaScore::Pyod] {
        let f = pca(score).fit_model(&c, &ctx).unwrap();
        assert_eq!(f.components.nrows(), 2);
        assert!(f.score(&c).unwrap().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn bad_parameters_and_inputs_are_errors() {
    let zero = params(PcaScore::Pyod).components(Some(0)).check();
    assert_eq!(zero, Err(PcaParamsError::Components(0)));
    assert_eq!(PcaParams::default().check().unwrap(), pca(PcaScore::Weighted));
    let mut negative = oddity_core::Params::default();
    negative.0.insert("components".into(), oddity_core::ParamValue::Int(-1));
    let err = oddity_classical::detector("pca").unwrap().instantiate(&negative).err().unwrap();
    assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "components"));
    let ctx = FitContext::new(0);
    let nan = Dataset::from_features("n", array![[1.0, 0.0], [f64::NAN, 1.0]]);
    assert!(matches!(pca(PcaScore::Pyod).fit(&nan, &ctx), Err(Error::NonFinite { .. })));
    let (train, _) = parts("glass");
    let f = pca(PcaScore::Pyod).fit(&train, &ctx).unwrap();
    assert!(matches!(
        f.score(&Dataset::from_features("s", array![[1.0]])),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn autotraits() {
    fn is_send_sync<T: Send + Sync + Unpin>() {}
    is_send_sync::<PcaParams>();
    is_send_sync::<PcaValidParams>();
    is_send_sync::<FittedPca>();
}
