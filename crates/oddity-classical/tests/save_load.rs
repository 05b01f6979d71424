//! Every classical detector saves its fitted state and loads it back scoring bit for bit
//! as before; truncated bytes and bytes of another detector are errors, never panics.

mod common;

use oddity_core::{FitContext, FittedDetector, Params};

/// Fits every registered detector (default parameters; 2 threads) on the standardized
/// cardio train part.
fn fitted_all() -> Vec<(&'static str, Box<dyn FittedDetector>)> {
    let (train, _) = common::parts("cardio");
    oddity_classical::detectors()
        .into_iter()
        .map(|entry| {
            let (_, detector) = entry.instantiate(&Params::default()).unwrap();
            let ctx = FitContext::new(11).with_threads(2);
            (entry.name, detector.fit(&train, &ctx).unwrap())
        })
        .collect()
}

#[test]
fn every_detector_round_trips_bit_for_bit() {
    let (_, test) = common::parts("cardio");
    let fitted = fitted_all();
    assert_eq!(fitted.len(), 24);
    for (name, model) in &fitted {
        let entry = oddity_classical::detector(name).unwrap();
        let bytes = model.save().unwrap_or_else(|e| panic!("{name}: {e}"));
        let loaded = entry.load_fitted(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (a, b) = (model.score(&test).unwrap(), loaded.score(&test).unwrap());
        assert_eq!(a.len(), test.n_rows());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x.to_bits(), y.to_bits(), "{name} row {i}: {x} vs {y}");
        }
        assert_eq!(loaded.save().unwrap(), bytes, "{name}: saving again changes the bytes");
    }
}

#[test]
fn truncated_and_foreign_bytes_are_errors() {
    let fitted = fitted_all();
    for (i, (name, model)) in fitted.iter().enumerate() {
        let entry = oddity_classical::detector(name).unwrap();
        let bytes = model.save().unwrap();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            let e = entry.load_fitted(&bytes[..cut]).err();
            assert!(e.is_some(), "{name}: {cut} of {} bytes loaded", bytes.len());
            assert!(e.unwrap().to_string().starts_with("model state: "), "{name}");
        }
        // Every other detector's state, even of the same shape (iforest and eif store
        // forests, zscore and robust_zscore a center and a scale per feature).
        for (j, (other, other_model)) in fitted.iter().enumerate() {
            if i != j {
                let foreign = other_model.save().unwrap();
                let e = entry.load_fitted(&foreign).err();
                assert!(e.is_some(), "{name} loaded {other}'s state");
            }
        }
    }
}
