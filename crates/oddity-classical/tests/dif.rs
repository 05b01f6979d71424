//! `dif` through the registry: PyOD 3.6.7's `DIF()` defaults, a typed `InvalidParameter`
//! naming the field for every bad value in a config, and the non-default network shapes
//! (skip connections, other activations, no hidden layer) fitting and scoring finitely.
//! Its ROC-AUC against PyOD's seed band is in `pyod_seeded.rs`; finite scores, seeded
//! determinism, bad inputs and save/load for every detector in `contract.rs` and
//! `save_load.rs`.

use ndarray::Array2;
use oddity_core::{Dataset, Error, FitContext, ParamValue, Params};

fn entry() -> oddity_core::DetectorEntry {
    oddity_classical::detector("dif").expect("dif is registered")
}

fn params(pairs: &[(&str, ParamValue)]) -> Params {
    let mut p = Params::default();
    for (k, v) in pairs {
        p.0.insert((*k).into(), v.clone());
    }
    p
}

#[test]
fn defaults_are_pyods() {
    let (resolved, _) = entry().instantiate(&Params::default()).unwrap();
    let want = [
        ("n_ensemble", ParamValue::Int(50)),
        ("n_estimators", ParamValue::Int(6)),
        ("max_samples", ParamValue::Int(256)),
        ("hidden_neurons", ParamValue::Str("500,100".into())),
        ("representation_dim", ParamValue::Int(20)),
        ("hidden_activation", ParamValue::Str("tanh".into())),
        ("skip_connection", ParamValue::Bool(false)),
        ("batch_size", ParamValue::Int(1000)),
    ];
    for (name, value) in want {
        assert_eq!(resolved.0.get(name), Some(&value), "{name}");
    }
    assert_eq!(resolved.0.len(), 8);
}

#[test]
fn every_bad_value_names_its_field() {
    let cases = [
        ("n_ensemble", ParamValue::Int(0)),
        ("n_ensemble", ParamValue::Int(10_001)),
        ("n_estimators", ParamValue::Int(0)),
        ("max_samples", ParamValue::Int(0)),
        ("max_samples", ParamValue::Int(-3)),
        ("hidden_neurons", ParamValue::Str("500,0".into())),
        ("hidden_neurons", ParamValue::Str("500;100".into())),
        ("hidden_neurons", ParamValue::Int(500)),
        ("representation_dim", ParamValue::Int(0)),
        ("hidden_activation", ParamValue::Str("gelu".into())),
        ("skip_connection", ParamValue::Int(1)),
        ("batch_size", ParamValue::Int(0)),
    ];
    for (field, value) in cases {
        let err = entry().instantiate(&params(&[(field, value.clone())])).err();
        assert!(
            matches!(&err, Some(Error::InvalidParameter { name, .. }) if name == field),
            "{field} = {value}: {err:?}"
        );
    }
}

#[test]
fn other_network_shapes_fit_and_score() {
    let x = Array2::from_shape_fn((120, 4), |(i, j)| ((i * 11 + j * 7) % 23) as f64 / 7.0);
    let train = Dataset::from_features("t", x);
    let mut test = Array2::from_shape_fn((6, 4), |(i, j)| ((i * 5 + j) % 9) as f64 / 3.0);
    test.row_mut(5).fill(25.0);
    let test = Dataset::from_features("s", test);
    let small = [
        ("n_ensemble", ParamValue::Int(6)),
        ("hidden_neurons", ParamValue::Str("32,16".into())),
        ("representation_dim", ParamValue::Int(8)),
    ];
    let variants: [&[(&str, ParamValue)]; 4] = [
        &[("skip_connection", ParamValue::Bool(true))],
        &[("hidden_activation", ParamValue::Str("relu".into()))],
        &[("hidden_activation", ParamValue::Str("sigmoid".into()))],
        &[("hidden_neurons", ParamValue::Str(String::new()))],
    ];
    for variant in variants {
        let mut given = small.to_vec();
        given.extend(variant.iter().cloned());
        let (_, det) = entry().instantiate(&params(&given)).unwrap();
        let scores = det.fit(&train, &FitContext::new(4)).unwrap().score(&test).unwrap();
        assert!(scores.iter().all(|s| s.is_finite() && *s >= 0.0), "{variant:?}: {scores}");
        // The far row scores above every ordinary one.
        let top = scores.iter().take(5).copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(scores[5] > top, "{variant:?}: {scores}");
    }
}
