//! The one training loop every deep detector uses: Adam with weight decay, shuffled
//! mini-batches, optional validation split with early stopping, seeded throughout.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use ndarray::Array2;
use oddity_core::{ParamsError, Rng};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::nn::{matrix, values, Noise};
use crate::DeepError;

/// Training settings shared by every deep detector, checked with the detector's parameters
/// ([`TrainConfig::check`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) lr: f64,
    pub(crate) weight_decay: f64,
    pub(crate) validation: f64,
    pub(crate) patience: usize,
}

impl TrainConfig {
    /// `epochs` passes of batches of `batch_size` rows, Adam with learning rate `lr` and
    /// `weight_decay`; no validation part, no early stopping.
    pub fn new(epochs: usize, batch_size: usize, lr: f64, weight_decay: f64) -> Self {
        Self { epochs, batch_size, lr, weight_decay, validation: 0.0, patience: 0 }
    }

    /// The same settings holding out `validation` of the training rows (in [0, 1)) to
    /// measure a validation loss each epoch.
    pub fn with_validation(mut self, validation: f64) -> Self {
        self.validation = validation;
        self
    }

    /// The same settings stopping after `patience` epochs without a better validation loss
    /// (0 = never stop early).
    pub fn with_patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// Passes over the training rows (≥ 1).
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Rows per Adam step (≥ 1); the last batch of an epoch may be smaller.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Adam's learning rate (> 0).
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// L2 weight decay added to the gradients, PyTorch `Adam(weight_decay=…)` style (≥ 0).
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay
    }

    /// Share of the training rows held out to measure a validation loss each epoch, in
    /// [0, 1); 0 = no validation and no early stopping.
    pub fn validation(&self) -> f64 {
        self.validation
    }

    /// With validation: stop after this many epochs without a better validation loss and
    /// keep the best model; 0 = never stop early.
    pub fn patience(&self) -> usize {
        self.patience
    }

    /// Checks every field; the error names the parameter.
    pub fn check(&self) -> Result<(), TrainParamsError> {
        if self.epochs < 1 {
            return Err(TrainParamsError::Epochs(self.epochs));
        }
        if self.batch_size < 1 {
            return Err(TrainParamsError::BatchSize(self.batch_size));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(TrainParamsError::Lr(self.lr));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(TrainParamsError::WeightDecay(self.weight_decay));
        }
        if !(0.0..1.0).contains(&self.validation) {
            return Err(TrainParamsError::Validation(self.validation));
        }
        Ok(())
    }
}

/// A rejected [`TrainConfig`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainParamsError {
    /// Occurs when `epochs` is 0.
    #[error("parameter `epochs`: must be at least 1, got {0}")]
    Epochs(usize),
    /// Occurs when `batch_size` is 0.
    #[error("parameter `batch_size`: must be at least 1, got {0}")]
    BatchSize(usize),
    /// Occurs when `lr` is not positive and finite (NaN included).
    #[error("parameter `lr`: must be in (0, inf), got {0}")]
    Lr(f64),
    /// Occurs when `weight_decay` is negative or not finite (NaN included).
    #[error("parameter `weight_decay`: must be in [0, inf), got {0}")]
    WeightDecay(f64),
    /// Occurs when `validation` is outside [0, 1) (NaN included).
    #[error("parameter `validation`: must be in [0, 1), got {0}")]
    Validation(f64),
}

impl ParamsError for TrainParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Epochs(_) => "epochs",
            Self::BatchSize(_) => "batch_size",
            Self::Lr(_) => "lr",
            Self::WeightDecay(_) => "weight_decay",
            Self::Validation(_) => "validation",
        }
    }
}

/// What one epoch did, as reported to the progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// The 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (weighted by batch size).
    pub train_loss: f64,
    /// The validation loss after the epoch, when a validation part is held out.
    pub validation_loss: Option<f64>,
}

/// A model the trainer can fit: its loss on a batch of rows.
pub trait TrainModel: Module + Clone + Send {
    /// The loss of a `[b, k]` batch (a one-element tensor). On an autodiff device this is
    /// the training loss (dropout and batch statistics active); on a plain device, the
    /// evaluation loss.
    fn loss(&self, batch: Tensor<2>, noise: &mut Noise) -> Tensor<1>;
}

/// Trains `model` on the rows of `x` (f32, one row per sample or flattened window) on the
/// autodiff `device`; shuffling, the validation split and every noise draw come from `rng`.
/// Calls `progress` after every epoch and returns the trained model (the best one by
/// validation loss when early stopping is on) and every epoch's report.
pub fn train<M: TrainModel>(
    mut model: M,
    x: &Array2<f32>,
    cfg: &TrainConfig,
    device: &Device,
    mut rng: Rng,
    progress: &mut dyn FnMut(&EpochReport),
) -> Result<(M, Vec<EpochReport>), DeepError> {
    let (n, k) = x.dim();
    let x = x.as_standard_layout();
    let data = x.as_slice().expect("standard layout");
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let n_val = if cfg.validation > 0.0 {
        ((n as f64 * cfg.validation).round() as usize).clamp(1, n.saturating_sub(1))
    } else {
        0
    };
    let (val_rows, train_rows) = order.split_at(n_val);
    let (val_rows, mut train_rows) = (val_rows.to_vec(), train_rows.to_vec());
    let plain = device.clone().without_autodiff();
    let gather = |rows: &[usize], device: &Device| -> Tensor<2> {
        let mut buf = Vec::with_capacity(rows.len() * k);
        for &r in rows {
            buf.extend_from_slice(&data[r * k..(r + 1) * k]);
        }
        matrix(buf, rows.len(), k, device)
    };

    let mut adam = AdamConfig::new().with_epsilon(1e-8);
    if cfg.weight_decay > 0.0 {
        adam = adam.with_weight_decay(Some(WeightDecayConfig::new(cfg.weight_decay as f32)));
    }
    let mut optim = adam.init();
    let mut noise = Noise::new(rng.clone());
    let mut reports = Vec::with_capacity(cfg.epochs);
    let mut best: Option<(f64, M)> = None;
    let mut since_best = 0;
    for epoch in 1..=cfg.epochs {
        train_rows.shuffle(&mut rng);
        let mut total = 0.0;
        for batch in train_rows.chunks(cfg.batch_size) {
            let loss = model.loss(gather(batch, device), &mut noise);
            let value = f64::from(values(loss.clone())[0]);
            if !value.is_finite() {
                return Err(DeepError::Diverged { epoch });
            }
            total += value * batch.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(cfg.lr, model, grads);
        }
        let train_loss = total / train_rows.len().max(1) as f64;
        let validation_loss = (!val_rows.is_empty()).then(|| {
            let eval = model.valid();
            let mut sum = 0.0;
            for batch in val_rows.chunks(1024) {
                let l = eval.loss(gather(batch, &plain), &mut noise);
                sum += f64::from(values(l)[0]) * batch.len() as f64;
            }
            sum / val_rows.len() as f64
        });
        let report = EpochReport { epoch, train_loss, validation_loss };
        progress(&report);
        reports.push(report);
        if let Some(v) = validation_loss {
            if best.as_ref().is_none_or(|(b, _)| v < *b) {
                best = Some((v, model.clone()));
                since_best = 0;
            } else {
                since_best += 1;
                if cfg.patience > 0 && since_best >= cfg.patience {
                    break;
                }
            }
        }
    }
    check_progress(&reports)?;
    Ok((best.map_or(model, |(_, m)| m), reports))
}

/// Refuses a fit whose training loss never fell below its first epoch's over two or more
/// epochs (a loss already 0 has nothing left to learn and passes).
fn check_progress(reports: &[EpochReport]) -> Result<(), DeepError> {
    let Some((first, later)) = reports.split_first() else { return Ok(()) };
    let lowest = later.iter().map(|r| r.train_loss).fold(f64::INFINITY, f64::min);
    if !later.is_empty() && first.train_loss > 0.0 && lowest >= first.train_loss {
        return Err(DeepError::NoProgress {
            epochs: reports.len(),
            first: first.train_loss,
            lowest,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports(losses: &[f64]) -> Vec<EpochReport> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &train_loss)| EpochReport { epoch: i + 1, train_loss, validation_loss: None })
            .collect()
    }

    #[test]
    fn a_loss_that_never_falls_below_the_first_epoch_fails_the_fit() {
        let err = check_progress(&reports(&[2.0, 2.5, 2.0])).unwrap_err();
        assert!(matches!(err, DeepError::NoProgress { epochs: 3, .. }), "{err}");
        assert!(err.to_string().contains("did not decrease in 3 epochs"), "{err}");
        // Any decrease, one epoch, or a loss already 0 passes.
        check_progress(&reports(&[2.0, 2.5, 1.9])).unwrap();
        check_progress(&reports(&[2.0])).unwrap();
        check_progress(&reports(&[0.0, 0.0])).unwrap();
    }
}
