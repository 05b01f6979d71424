//! The contract every detector of this crate keeps, checked through the registry so that a
//! new detector is covered by adding its entry (`sub_mcd`, `sub_ocsvm` and `kshape_ad`
//! included; the semi-supervised ones also through `fit_prefix`): one finite score per time step, the same
//! scores for the same seed, a saved and loaded detector scoring bit for bit as the original,
//! and typed errors (never a panic) for a window longer than the series, NaN, and no rows; a
//! constant series gives finite scores or a typed error.

use ndarray::Array2;
use oddity_core::{Dataset, Error, FitContext, ParamValue, Params};
use oddity_series::detectors;

/// A noisy sine of period 24 with a spike, `n` steps, univariate.
fn series(n: usize) -> Dataset {
    let mut state = 11_u64;
    let x = Array2::from_shape_fn((n, 1), |(t, _)| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1442695040888963407);
        let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let spike = if t == n / 2 { 4.0 } else { 0.0 };
        (std::f64::consts::TAU * t as f64 / 24.0).sin() + 0.1 * noise + spike
    });
    Dataset::from_features("contract", x)
}

fn constant(n: usize) -> Dataset {
    Dataset::from_features("constant", Array2::from_elem((n, 1), 2.5))
}

#[test]
fn every_detector_keeps_the_contract() {
    assert!(!detectors().is_empty());
    for entry in detectors() {
        let name = entry.name;
        let (_, detector) = entry.instantiate(&Params::default()).unwrap();
        let ctx = FitContext::new(7);
        let data = series(600);

        let (fitted, scores) =
            detector.fit_score(&data, &ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(scores.len(), 600, "{name}");
        assert!(scores.iter().all(|s| s.is_finite()), "{name}: {scores:?}");
        let spike = scores[300];
        assert!(spike > scores[100], "{name}: the spike scores {spike}, step 100 {}", scores[100]);

        // The same seed gives the same scores, through fit_score and fit + score.
        let (_, again) = detector.fit_score(&data, &ctx).unwrap();
        assert_eq!(scores, again, "{name}: fit_score is not deterministic");
        let scored = fitted.score(&series(500)).unwrap();
        let refit = detector.fit(&data, &ctx).unwrap().score(&series(500)).unwrap();
        assert_eq!(scored, refit, "{name}: fit + score is not deterministic");
        assert_eq!(scored.len(), 500, "{name}");
        assert!(scored.iter().all(|s| s.is_finite()), "{name}: {scored:?}");

        // Saved and loaded, it scores bit for bit as before.
        let bytes = fitted.save().unwrap_or_else(|e| panic!("{name}: save: {e}"));
        let loaded = entry.load_fitted(&bytes).unwrap_or_else(|e| panic!("{name}: load: {e}"));
        let reloaded = loaded.score(&series(500)).unwrap();
        let bits = |v: &ndarray::Array1<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&scored), bits(&reloaded), "{name}: save/load changed the scores");

        // NaN and empty series are typed errors.
        let mut nan = series(600);
        nan.features[[5, 0]] = f64::NAN;
        assert!(
            matches!(detector.fit_score(&nan, &ctx), Err(Error::NonFinite { .. })),
            "{name}: NaN"
        );
        assert!(
            matches!(fitted.score(&nan), Err(Error::NonFinite { .. })),
            "{name}: NaN at scoring"
        );
        let empty = Dataset::from_features("e", Array2::zeros((0, 1)));
        assert!(detector.fit_score(&empty, &ctx).is_err(), "{name}: empty series");

        // With a window: a series shorter than the fitted window cannot be scored, a series
        // shorter than a fixed window cannot be fitted. Without: short series give finite
        // scores or a typed error.
        if entry.params.iter().any(|p| p.name == "window") {
            assert!(fitted.score(&series(5)).is_err(), "{name}: 5 steps scored");
            let given = Params([("window".to_string(), ParamValue::Int(50))].into());
            let (_, fixed) = entry.instantiate(&given).unwrap();
            assert!(
                matches!(fixed.fit_score(&series(40), &ctx), Err(Error::Fit(_))),
                "{name}: window 50 on 40 steps"
            );
        } else if let Ok(s) = fitted.score(&series(5)) {
            assert!(s.iter().all(|v| v.is_finite()), "{name}: 5 steps {s:?}");
        }

        // A constant series: finite scores or a typed error, never a panic or NaN.
        if let Ok((_, s)) = detector.fit_score(&constant(400), &ctx) {
            assert!(s.iter().all(|v| v.is_finite()), "{name}: constant series {s:?}");
        }
    }
}

#[test]
fn names_and_state_tags_are_unique_and_stable() {
    oddity_core::testing::check_tags(&detectors());
}

#[test]
fn spec_defaults_equal_the_params_defaults() {
    use oddity_core::testing::check_registered;
    let entries = detectors();
    check_registered::<oddity_series::SubPcaParams>(&entries);
    check_registered::<oddity_series::SubKnnParams>(&entries);
    check_registered::<oddity_series::SubLofParams>(&entries);
    check_registered::<oddity_series::SubHbosParams>(&entries);
    check_registered::<oddity_series::SubIForestParams>(&entries);
    check_registered::<oddity_series::KmeansAdParams>(&entries);
    check_registered::<oddity_series::SubMcdParams>(&entries);
    check_registered::<oddity_series::SubOcsvmParams>(&entries);
    check_registered::<oddity_series::KShapeAdParams>(&entries);
    check_registered::<oddity_series::SpectralResidualParams>(&entries);
    check_registered::<oddity_series::PolyParams>(&entries);
    check_registered::<oddity_series::MatrixProfileParams>(&entries);
}

#[test]
fn semi_supervised_presets_keep_the_contract_through_fit_prefix() {
    use oddity_core::DetectorParams;
    use oddity_series::{SubMcdParams, SubOcsvmParams};
    let ctx = FitContext::new(5);
    let data = series(600);
    let mcd = SubMcdParams::default().check().unwrap();
    let ocsvm = SubOcsvmParams::default().check().unwrap();
    let runs = [
        ("sub_mcd", mcd.fit_prefix(&data, 300, &ctx)),
        ("sub_ocsvm", ocsvm.fit_prefix(&data, 300, &ctx)),
    ];
    for (name, run) in runs {
        let (fitted, scores) = run.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(scores.len(), 600, "{name}");
        assert!(scores.iter().all(|s| s.is_finite()), "{name}");
        assert!(
            scores[300] > scores[100],
            "{name}: the spike scores {} vs {}",
            scores[300],
            scores[100]
        );
        // The fitted model scores the series as fit_prefix did, and bit for bit once loaded.
        assert_eq!(fitted.score(&data).unwrap(), scores, "{name}");
        let entry = oddity_series::detector(name).unwrap();
        let loaded = entry.load_fitted(&fitted.save().unwrap()).unwrap();
        let bits = |v: &ndarray::Array1<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&loaded.score(&data).unwrap()), bits(&scores), "{name}: save/load");
    }
    let mut nan = series(600);
    nan.features[[450, 0]] = f64::NAN;
    assert!(matches!(mcd.fit_prefix(&nan, 300, &ctx), Err(Error::NonFinite { .. })));
    assert!(matches!(ocsvm.fit_prefix(&data, 10, &ctx), Err(Error::Fit(_))));
}
