//! The contract every registered detector keeps, checked through the registry so that a new
//! detector is covered by adding its entry: finite scores, one per row; typed errors (never a
//! panic) for empty data, NaN, and a column-count mismatch at scoring.

use ndarray::Array2;
use oddity_classical::detectors;
use oddity_core::{Dataset, Error, FitContext, Params};

/// A small deterministic dataset with a constant column and a duplicated row.
fn data(n: usize, d: usize) -> Dataset {
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        if j == d - 1 {
            3.0
        } else {
            ((i * 7 + j * 13) % 11) as f64 / 3.0 - (i % 2) as f64
        }
    });
    let mut x = x;
    let first = x.row(0).to_owned();
    x.row_mut(1).assign(&first);
    Dataset::from_features("contract", x)
}

#[test]
fn every_detector_keeps_the_contract() {
    for entry in detectors() {
        let (_, detector) = entry.instantiate(&Params::default()).unwrap();
        let ctx = FitContext::new(7);
        let fitted =
            detector.fit(&data(40, 3), &ctx).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        let scores = fitted.score(&data(25, 3)).unwrap();
        assert_eq!(scores.len(), 25, "{}", entry.name);
        assert!(scores.iter().all(|s| s.is_finite()), "{}: {scores:?}", entry.name);
        // The same seed gives the same scores.
        let again = detector.fit(&data(40, 3), &ctx).unwrap().score(&data(25, 3)).unwrap();
        assert_eq!(scores, again, "{}", entry.name);

        let empty = Dataset::from_features("e", Array2::zeros((0, 3)));
        assert!(detector.fit(&empty, &ctx).is_err(), "{}: empty fit", entry.name);
        let mut nan = data(40, 3);
        nan.features[[5, 0]] = f64::NAN;
        assert!(
            matches!(detector.fit(&nan, &ctx), Err(Error::NonFinite { .. })),
            "{}: NaN",
            entry.name
        );
        assert!(
            matches!(fitted.score(&data(25, 2)), Err(Error::ShapeMismatch { .. })),
            "{}: column mismatch",
            entry.name
        );
    }
}
