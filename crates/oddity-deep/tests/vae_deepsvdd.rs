//! The VAE and Deep SVDD on real data.

mod common;

use common::{entry, odds, params, roc_auc};
use oddity_core::{Detector, DetectorParams, Error, FitContext, ParamValue};
use oddity_deep::train::TrainConfig;
use oddity_deep::{DeepSvddParams, Settings, VaeParams, VaeValidParams, CENTER_EPS};

fn settings(epochs: usize) -> Settings {
    Settings::new(TrainConfig::new(epochs, 32, 1e-3, 1e-5))
}

fn vae(epochs: usize) -> VaeValidParams {
    VaeParams::default().settings(settings(epochs)).check().unwrap()
}

#[test]
fn vae_learns_and_ranks_cardio_anomalies() {
    let (data, labels) = odds("cardio");
    let fitted = vae(10).fit_model(&data, &FitContext::new(0)).unwrap();
    let losses: Vec<f64> = fitted.history().iter().map(|r| r.train_loss).collect();
    assert!(losses[9] < losses[0], "{losses:?}");
    let scores = oddity_core::FittedDetector::score(&fitted, &data).unwrap();
    let auc = roc_auc(&labels, &scores.to_vec());
    // The PyOD peer reaches 0.94 on cardio's test part.
    assert!(auc > 0.8, "roc_auc {auc}");
}

#[test]
fn vae_scores_are_reproducible() {
    let (data, _) = odds("wbc");
    let ctx = FitContext::new(4).with_threads(2);
    let a = vae(2).fit(&data, &ctx).unwrap().score(&data).unwrap();
    let b = vae(2).fit(&data, &ctx).unwrap().score(&data).unwrap();
    assert_eq!(a.to_vec(), b.to_vec());
}

#[test]
fn deepsvdd_centre_is_guarded_and_training_pulls_rows_in() {
    let (data, labels) = odds("cardio");
    let model =
        DeepSvddParams::default().hidden(vec![64, 32]).settings(settings(20)).check().unwrap();
    let fitted = model.fit_model(&data, &FitContext::new(1)).unwrap();
    let c = fitted.center();
    assert_eq!(c.len(), 32);
    assert!(c.iter().all(|v| v.abs() >= CENTER_EPS), "{c:?}");
    let losses: Vec<f64> = fitted.history().iter().map(|r| r.train_loss).collect();
    assert!(losses[19] < losses[0], "{losses:?}");
    let scores = oddity_core::FittedDetector::score(&fitted, &data).unwrap();
    assert!(scores.iter().all(|s| s.is_finite() && *s >= 0.0));
    let auc = roc_auc(&labels, &scores.to_vec());
    // The PyOD peer reaches 0.70 on cardio's test part.
    assert!(auc > 0.6, "roc_auc {auc}");
}

#[test]
fn bad_parameters_are_typed_errors() {
    let bad = |name: &str, k: &str, v: ParamValue| {
        entry(name).instantiate(&params(&[(k, v)])).err().unwrap()
    };
    for (name, k, v) in [
        ("vae", "latent", ParamValue::Int(0)),
        ("vae", "beta", ParamValue::Float(-0.5)),
        ("vae", "hidden", ParamValue::Str("".into())),
        ("deepsvdd", "hidden", ParamValue::Str("0".into())),
        ("deepsvdd", "epochs", ParamValue::Int(-3)),
    ] {
        assert!(
            matches!(bad(name, k, v.clone()), Error::InvalidParameter { name: ref n, .. } if n == k),
            "{name}: {k} = {v}"
        );
    }
}
