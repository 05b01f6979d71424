//! The sequence autoencoders on windows of a real series.

mod common;

use common::{entry, params, roc_auc, series, windows};
use oddity_core::{Dataset, Detector, Error, FitContext, ParamValue};
use oddity_preprocess::{WindowScore, Windows};

const SERIES: &str = "nab/labeled/artificialWithAnomaly/art_daily_jumpsup.csv";

fn detector(name: &str, epochs: i64) -> Box<dyn Detector> {
    let p = params(&[("epochs", ParamValue::Int(epochs))]);
    entry(name).instantiate(&p).unwrap().1
}

/// Trains on stride-`stride` windows, scores every step from the per-step window errors.
fn step_scores(name: &str, epochs: i64, w: usize, stride: usize) -> (Vec<f64>, Vec<u8>) {
    let (v, y) = series(SERIES);
    let det = detector(name, epochs);
    let fitted = det.fit(&windows(&v, w, stride), &FitContext::new(0).with_threads(2)).unwrap();
    let test = windows(&v, w, 1);
    let steps = fitted.score_steps(&test).unwrap().unwrap();
    assert_eq!(steps.dim(), (v.len() - w + 1, w));
    let spread = Windows::new(w as i64, None, WindowScore::Mean).unwrap();
    (spread.spread_steps(v.len(), steps.view()), y)
}

#[test]
fn cnn_autoencoder_finds_the_jump() {
    let (scores, labels) = step_scores("cnn_autoencoder", 3, 32, 4);
    let auc = roc_auc(&labels, &scores);
    // The PyTorch peer (W = 100, 5 epochs) reaches 1.0 on this series.
    assert!(auc > 0.9, "roc_auc {auc}");
}

#[test]
fn lstm_autoencoder_finds_the_jump() {
    let (scores, labels) = step_scores("lstm_autoencoder", 2, 24, 8);
    let auc = roc_auc(&labels, &scores);
    // The PyTorch peer (W = 100, 5 epochs) reaches 0.97 on this series.
    assert!(auc > 0.8, "roc_auc {auc}");
}

#[test]
fn window_scores_are_the_mean_of_step_errors() {
    let (v, _) = series(SERIES);
    let det = detector("cnn_autoencoder", 1);
    let data = windows(&v[..400], 16, 1);
    let fitted = det.fit(&data, &FitContext::new(0)).unwrap();
    let steps = fitted.score_steps(&data).unwrap().unwrap();
    let rows = fitted.score(&data).unwrap();
    for (row, s) in steps.outer_iter().zip(rows.iter()) {
        assert!((row.mean().unwrap() - s).abs() <= 1e-6 * s.abs().max(1e-12));
    }
}

#[test]
fn rows_without_window_metadata_are_refused() {
    let (v, _) = series(SERIES);
    let flat = windows(&v[..200], 16, 1);
    let plain = Dataset::from_features("rows", flat.features.clone());
    for name in ["cnn_autoencoder", "lstm_autoencoder"] {
        let err = detector(name, 1).fit(&plain, &FitContext::new(0)).err().unwrap();
        assert!(matches!(err, Error::Fit(ref m) if m.contains("window")), "{name}: {err}");
    }
    // Two stride-2 layers need a multiple of 4.
    let err = detector("cnn_autoencoder", 1)
        .fit(&windows(&v[..200], 18, 1), &FitContext::new(0))
        .err()
        .unwrap();
    assert!(matches!(err, Error::InvalidParameter { ref name, .. } if name == "window"));
}

#[test]
fn bad_parameters_are_typed_errors() {
    for (name, k, v) in [
        ("cnn_autoencoder", "kernel", ParamValue::Int(6)),
        ("cnn_autoencoder", "channels", ParamValue::Int(0)),
        ("lstm_autoencoder", "hidden", ParamValue::Int(0)),
        ("lstm_autoencoder", "layers", ParamValue::Int(0)),
        ("lstm_autoencoder", "batch_size", ParamValue::Int(0)),
    ] {
        let err = entry(name).instantiate(&params(&[(k, v.clone())])).err().unwrap();
        assert!(
            matches!(err, Error::InvalidParameter { name: ref n, .. } if n == k),
            "{name}: {k} = {v}"
        );
    }
}
