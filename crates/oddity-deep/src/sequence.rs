//! What the sequence autoencoders share: rows that are flattened windows, reshaped to
//! `[b, W, d]`, and per-step reconstruction errors.

use burn::tensor::Tensor;
use ndarray::{Array1, Array2, Axis};
use oddity_core::{Dataset, Error, FittedDetector};

use crate::fit::Trained;
use crate::train::{EpochReport, TrainModel};
use crate::DeepError;

/// A network that reconstructs `[b, W, d]` windows.
pub trait SequenceNet: TrainModel + Sync {
    /// The reconstruction of `x`, same shape.
    fn reconstruct(&self, x: Tensor<3>) -> Tensor<3>;
}

/// `(W, d)` of windowed rows, or an error naming `detector` when the rows are not windows.
pub(crate) fn window_shape(
    data: &Dataset,
    detector: &'static str,
) -> Result<(usize, usize), DeepError> {
    match data.window {
        Some(w) if w >= 2 && data.n_features().is_multiple_of(w) => Ok((w, data.n_features() / w)),
        _ => Err(DeepError::NotWindows { detector }),
    }
}

/// The mean squared reconstruction error of each window (over its steps and features).
pub(crate) fn mse_loss<M: SequenceNet>(net: &M, batch: Tensor<2>, w: usize) -> Tensor<1> {
    let [b, k] = batch.dims();
    let x = batch.reshape([b, w, k / w]);
    (net.reconstruct(x.clone()) - x).square().mean()
}

/// A fitted sequence autoencoder.
#[derive(Debug)]
pub struct FittedSequence<M> {
    pub(crate) trained: Trained<M>,
    pub(crate) window: usize,
}

impl<M: SequenceNet> FittedSequence<M> {
    /// One report per training epoch (loss curve).
    pub fn history(&self) -> &[EpochReport] {
        &self.trained.history
    }

    /// The squared reconstruction error of every window at each of its steps (mean over
    /// features): `[windows, W]`.
    pub fn step_errors(&self, data: &Dataset) -> Result<Array2<f64>, Error> {
        let w = self.window;
        self.trained.map_rows(data, |m, x| {
            let [b, k] = x.dims();
            let x = x.reshape([b, w, k / w]);
            (m.reconstruct(x.clone()) - x).square().mean_dim(2).reshape([b, w])
        })
    }
}

impl<M: SequenceNet> FittedDetector for FittedSequence<M> {
    /// The window's reconstruction MSE (mean over its steps and features).
    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        Ok(self.step_errors(data)?.mean_axis(Axis(1)).expect("W >= 2 columns"))
    }

    /// The window's squared error at each step, mean over features ("that window's error
    /// at t", the rule of the PyTorch peer).
    fn score_steps(&self, data: &Dataset) -> Option<Result<Array2<f64>, Error>> {
        Some(self.step_errors(data))
    }
}
