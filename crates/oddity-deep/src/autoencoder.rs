//! The dense autoencoder (PyOD's `AutoEncoder` architecture).

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use ndarray::Array1;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector, Rng};
use serde::{Deserialize, Serialize};

use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, Noise};
use crate::saved::{check_features, save, Saved};
use crate::train::{EpochReport, TrainModel};
use crate::{DeepError, Settings};

/// Linear → batch norm (optional) → ReLU → dropout.
#[derive(Module, Debug)]
pub struct DenseBlock {
    linear: Linear,
    norm: Option<BatchNorm>,
}

impl DenseBlock {
    pub(crate) fn new(rng: &mut Rng, d_in: usize, d_out: usize, norm: bool, dev: &Device) -> Self {
        Self {
            linear: linear(rng, d_in, d_out, true, dev),
            norm: norm.then(|| BatchNormConfig::new(d_out).init(dev)),
        }
    }

    pub(crate) fn forward(&self, x: Tensor<2>, dropout: f64, noise: &mut Noise) -> Tensor<2> {
        let mut x = self.linear.forward(x);
        if let Some(norm) = &self.norm {
            x = norm.forward(x);
        }
        noise.dropout(relu(x), dropout)
    }
}

/// A stack of [`DenseBlock`]s `sizes[0] → sizes[1] → …`.
pub(crate) fn blocks(rng: &mut Rng, sizes: &[usize], norm: bool, dev: &Device) -> Vec<DenseBlock> {
    sizes.windows(2).map(|w| DenseBlock::new(rng, w[0], w[1], norm, dev)).collect()
}

/// The network: encoder `d → h₁ → … → h_k`, mirrored decoder, linear output `→ d`.
#[derive(Module, Debug)]
pub struct AutoencoderNet {
    layers: Vec<DenseBlock>,
    output: Linear,
    dropout: f64,
}

impl AutoencoderNet {
    fn new(rng: &mut Rng, d: usize, p: &AutoencoderParams, dev: &Device) -> Self {
        // d → 64 → 32 → 64, then the output layer 64 → d.
        let mut sizes = vec![d];
        sizes.extend(&p.hidden);
        sizes.extend(p.hidden.iter().rev().skip(1));
        let layers = blocks(rng, &sizes, p.batch_norm, dev);
        let last = *sizes.last().expect("at least d");
        Self { layers, output: linear(rng, last, d, true, dev), dropout: p.dropout }
    }

    fn forward(&self, x: Tensor<2>, noise: &mut Noise) -> Tensor<2> {
        let h = self.layers.iter().fold(x, |h, b| b.forward(h, self.dropout, noise));
        self.output.forward(h)
    }
}

impl TrainModel for AutoencoderNet {
    fn loss(&self, batch: Tensor<2>, noise: &mut Noise) -> Tensor<1> {
        (self.forward(batch.clone(), noise) - batch).square().mean()
    }
}

/// Checked parameters of [`Autoencoder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoencoderParams {
    /// Encoder widths after the input (`[64, 32]`); the decoder mirrors them.
    pub hidden: Vec<usize>,
    /// Dropout probability after every hidden layer, in [0, 1).
    pub dropout: f64,
    /// Batch normalisation after every hidden linear layer.
    pub batch_norm: bool,
    /// Training and device settings.
    pub settings: Settings,
}

/// Dense autoencoder: `d → 64 → 32 → 64 → d` with ReLU, batch norm and dropout 0.2 (the
/// architecture of PyOD's `AutoEncoder`), trained to reconstruct the training rows with the
/// mean squared error.
///
/// **Score:** the reconstruction MSE of the row, `mean_j (x̂_j − x_j)²`, with the network in
/// evaluation mode (no dropout, batch norm with its running statistics). Higher = the row is
/// less like the training data. Reference: Aggarwal, *Outlier Analysis* (2017), §3.5;
/// Sakurada & Yairi, *Anomaly detection using autoencoders with nonlinear dimensionality
/// reduction*, MLSDA 2014.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoencoder(pub AutoencoderParams);

impl Autoencoder {
    /// Checks `params`: hidden widths ≥ 1, dropout in [0, 1).
    pub fn new(params: AutoencoderParams) -> Result<Self, DeepError> {
        check_hidden(&params.hidden)?;
        check_dropout(params.dropout)?;
        Ok(Self(params))
    }
}

/// Every width ≥ 1, at least one.
pub(crate) fn check_hidden(hidden: &[usize]) -> Result<(), DeepError> {
    if hidden.is_empty() || hidden.contains(&0) {
        return Err(DeepError::TooSmall { name: "hidden", min: 1, value: 0 });
    }
    Ok(())
}

/// Dropout in [0, 1).
pub(crate) fn check_dropout(p: f64) -> Result<(), DeepError> {
    if !(0.0..1.0).contains(&p) {
        return Err(DeepError::OutOfRange { name: "dropout", range: "[0, 1)", value: p });
    }
    Ok(())
}

impl Autoencoder {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedAutoencoder, Error> {
        let rows = f32_rows(train)?;
        // Batch norm needs two rows per batch to have a variance.
        if rows.nrows() < 2 {
            Err(DeepError::TooFewRows { detector: "autoencoder", min: 2, got: rows.nrows() })?;
        }
        let p = &self.0;
        let trained = fit(&rows, ctx, &p.settings.train, &p.settings.device, |rng, dev, x| {
            AutoencoderNet::new(rng, x.ncols(), p, dev)
        })?;
        Ok(FittedAutoencoder { trained, params: p.clone() })
    }
}

impl Detector for Autoencoder {
    fn name(&self) -> &str {
        "autoencoder"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`Autoencoder`].
#[derive(Debug)]
pub struct FittedAutoencoder {
    trained: Trained<AutoencoderNet>,
    params: AutoencoderParams,
}

impl FittedAutoencoder {
    /// One report per training epoch (loss curve).
    pub fn history(&self) -> &[EpochReport] {
        &self.trained.history
    }
}

impl Saved for FittedAutoencoder {
    const DETECTOR: &'static str = "autoencoder";
    type Net = AutoencoderNet;
    type Spec = AutoencoderParams;

    fn trained(&self) -> &Trained<AutoencoderNet> {
        &self.trained
    }

    fn spec(&self) -> AutoencoderParams {
        self.params.clone()
    }

    fn settings(spec: &AutoencoderParams) -> &Settings {
        &spec.settings
    }

    fn structure(p: &AutoencoderParams, d: usize, dev: &Device) -> Result<AutoencoderNet, Error> {
        let p = Autoencoder::new(p.clone())?.0;
        check_features(Self::DETECTOR, d)?;
        Ok(AutoencoderNet::new(&mut oddity_core::rng(0), d, &p, dev))
    }

    fn assemble(trained: Trained<AutoencoderNet>, params: AutoencoderParams) -> Self {
        Self { trained, params }
    }
}

impl FittedDetector for FittedAutoencoder {
    fn save(&self) -> Result<Vec<u8>, Error> {
        save(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        let err = self.trained.map_rows(data, |m, x| {
            let mut noise = Noise::inert();
            (m.forward(x.clone(), &mut noise) - x).square().mean_dim(1)
        })?;
        Ok(err.column(0).to_owned())
    }
}
