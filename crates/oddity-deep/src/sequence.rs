//! What the sequence autoencoders share: rows that are flattened windows, reshaped to
//! `[b, W, d]`, and per-step reconstruction errors.

use std::fmt::Debug;

use burn::tensor::{Device, Tensor};
use ndarray::{Array1, Array2, Axis};
use oddity_core::{Dataset, Error, FitContext, FittedDetector, ParamChoice, Rng, SavedDetector};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::fit::{f32_rows, fit, Trained};
use crate::saved::{check_features, save, Saved};
use crate::train::{EpochReport, TrainModel};
use crate::{DeepError, Settings};

/// A network that reconstructs `[b, W, d]` windows.
pub trait SequenceNet: TrainModel + Sync {
    /// The detector's registry name (`"lstm_autoencoder"`), also written into its saved state.
    const DETECTOR: &'static str;
    /// The detector's checked parameters; with the window shape they fix the structure.
    type Params: Clone + Debug + Send + Sync + Serialize + DeserializeOwned;

    /// The training and device settings among `params`.
    fn settings(params: &Self::Params) -> &Settings;

    /// Checks that `params` (checked again: they may come from saved bytes) make a network
    /// for windows of `w` steps of `d` features.
    fn check(params: &Self::Params, w: usize, d: usize) -> Result<(), Error>;

    /// A network for windows of `w` steps of `d` features with weights drawn from `rng`
    /// (`params` and the shape passed [`SequenceNet::check`]).
    fn build(rng: &mut Rng, params: &Self::Params, w: usize, d: usize, device: &Device) -> Self;

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

/// Fits `M` with `params` on `train` (flattened windows, [`Dataset::window`] set).
pub(crate) fn fit_sequence<M: SequenceNet>(
    params: &M::Params,
    train: &Dataset,
    ctx: &FitContext,
) -> Result<FittedSequence<M>, Error> {
    let (w, d) = window_shape(train, M::DETECTOR)?;
    M::check(params, w, d)?;
    let s = M::settings(params);
    let (rows, standardizer) = f32_rows(train, s.standardize, d)?;
    let device = s.device.name();
    let trained = fit((&rows, standardizer), ctx, &s.train, device, |rng, dev, _| {
        M::build(rng, params, w, d, dev)
    })?;
    Ok(FittedSequence { trained, window: w, params: params.clone() })
}

/// A fitted sequence autoencoder.
#[derive(Debug)]
pub struct FittedSequence<M: SequenceNet> {
    trained: Trained<M>,
    window: usize,
    params: M::Params,
}

/// What rebuilds a sequence network besides the input width `W · d`.
#[derive(Serialize, Deserialize)]
pub(crate) struct SequenceSpec<P> {
    /// The detector's checked parameters.
    params: P,
    /// The window length W.
    window: usize,
}

impl<M: SequenceNet> Saved for FittedSequence<M> {
    const DETECTOR: &'static str = M::DETECTOR;
    type Net = M;
    type Spec = SequenceSpec<M::Params>;

    fn trained(&self) -> &Trained<M> {
        &self.trained
    }

    fn spec(&self) -> Self::Spec {
        SequenceSpec { params: self.params.clone(), window: self.window }
    }

    fn settings(spec: &Self::Spec) -> &Settings {
        M::settings(&spec.params)
    }

    fn structure(spec: &Self::Spec, n_features: usize, dev: &Device) -> Result<M, Error> {
        check_features(M::DETECTOR, n_features)?;
        let w = spec.window;
        if w < 2 || !n_features.is_multiple_of(w) {
            return Err(Error::State(format!(
                "{}: a saved window of {w} steps does not divide {n_features} columns",
                M::DETECTOR
            )));
        }
        let d = n_features / w;
        M::check(&spec.params, w, d)?;
        Ok(M::build(&mut oddity_core::rng(0), &spec.params, w, d, dev))
    }

    fn assemble(trained: Trained<M>, spec: Self::Spec) -> Self {
        Self { trained, window: spec.window, params: spec.params }
    }
}

impl<M: SequenceNet + 'static> SavedDetector for FittedSequence<M> {
    const TAG: &'static str = M::DETECTOR;

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        crate::saved::load(bytes)
    }
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
    fn save(&self) -> Result<Vec<u8>, Error> {
        save(self)
    }

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
