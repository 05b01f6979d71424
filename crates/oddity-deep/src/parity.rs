//! Test helpers for the PyTorch parity fixtures of `tests/fixtures/` (written by
//! `make_parity.py`): reading a fixture, comparing at a tensor's scale, and checking the
//! trainer's Adam steps against PyTorch's.

use std::collections::HashMap;

use burn::tensor::{Device, Tensor, TensorData};
use ndarray::Array2;

use crate::nn::{values, Noise};
use crate::train::{train, TrainConfig, TrainModel};

/// The named value lists of `tests/fixtures/{name}` (one `key v1 v2 …` per line).
pub(crate) fn fixture(name: &str) -> HashMap<String, Vec<f32>> {
    read_values(&format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
}

/// The named value lists of the file at `path` (one `key v1 v2 …` per line).
pub(crate) fn read_values(path: &str) -> HashMap<String, Vec<f32>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| {
            let mut it = line.split(' ');
            let key = it.next().expect("key").to_string();
            (key, it.map(|v| v.parse().expect("number")).collect())
        })
        .collect()
}

/// Asserts `ours` is within `rel` of the largest magnitude of `reference` (the small
/// gradients of early layers are compared at the scale of their tensor).
pub(crate) fn assert_close(ours: &[f32], reference: &[f32], rel: f32, what: &str) {
    assert_eq!(ours.len(), reference.len(), "{what}");
    let scale = reference.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (k, (a, b)) in ours.iter().zip(reference).enumerate() {
        assert!((a - b).abs() <= rel * scale, "{what}[{k}]: {a} vs PyTorch {b}");
    }
}

/// The fixture's batch `x` (`shape` starts with b, W, d) as flattened windows `[b, W·d]`.
pub(crate) fn batch(f: &HashMap<String, Vec<f32>>) -> Array2<f32> {
    let s = &f["shape"];
    let (b, w, d) = (s[0] as usize, s[1] as usize, s[2] as usize);
    Array2::from_shape_vec((b, w * d), f["x"].clone()).expect("x")
}

/// `x` as a tensor on `device`.
pub(crate) fn tensor(x: &Array2<f32>, device: &Device) -> Tensor<2> {
    let data = TensorData::new(x.iter().copied().collect::<Vec<_>>(), [x.nrows(), x.ncols()]);
    Tensor::from_data(data, device)
}

/// Trains `model` (holding the fixture's weights) for three full-batch Adam steps (lr 0.01)
/// with the crate's trainer and asserts that the loss before each step and after the last
/// are within `rel` of PyTorch's (`adam_losses`).
pub(crate) fn assert_adam_steps<M: TrainModel>(
    model: M,
    f: &HashMap<String, Vec<f32>>,
    device: &Device,
    rel: f32,
) {
    let x = batch(f);
    let cfg = TrainConfig::new(3, x.nrows(), 0.01, 0.0);
    let (trained, reports) =
        train(model, &x, &cfg, device, oddity_core::rng(1), &mut |_| {}).expect("train");
    let mut losses: Vec<f32> = reports.iter().map(|r| r.train_loss as f32).collect();
    let plain = device.clone().without_autodiff();
    losses.extend(values(trained.valid().loss(tensor(&x, &plain), &mut Noise::inert())));
    assert_close(&losses, &f["adam_losses"], rel, "loss before each step and after the last");
}
