//! The dense autoencoder (PyOD's `AutoEncoder` architecture).

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use ndarray::Array1;
use oddity_core::{
    param_error, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError, Rng,
};
use serde::{Deserialize, Serialize};

use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, Noise};
use crate::params::{dropout_ok, hidden_ok, training_builders, widths, widths_text};
use crate::saved::{check_features, save, saved_detector, Saved};
use crate::train::{EpochReport, TrainConfig, TrainModel, TrainParamsError};
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
    fn new(rng: &mut Rng, d: usize, p: &AutoencoderValidParams, dev: &Device) -> Self {
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

/// Parameters of the `autoencoder` detector ([`AutoencoderValidParams`] once checked);
/// the defaults are PyOD's `AutoEncoder` (`d-64-32-64-d`, batch norm, dropout 0.2) trained
/// for 10 epochs of batches of 32, Adam lr 1e-3 with weight decay 1e-5.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoencoderParams(AutoencoderValidParams);

impl Default for AutoencoderParams {
    fn default() -> Self {
        Self(AutoencoderValidParams {
            hidden: vec![64, 32],
            dropout: 0.2,
            batch_norm: true,
            settings: Settings::new(TrainConfig::new(10, 32, 1e-3, 1e-5)),
        })
    }
}

impl AutoencoderParams {
    /// Encoder widths after the input (each ≥ 1, at least one); the decoder mirrors them.
    pub fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.0.hidden = hidden;
        self
    }

    /// Dropout probability after every hidden layer, in [0, 1).
    pub fn dropout(mut self, dropout: f64) -> Self {
        self.0.dropout = dropout;
        self
    }

    /// Batch normalisation after every hidden linear layer.
    pub fn batch_norm(mut self, batch_norm: bool) -> Self {
        self.0.batch_norm = batch_norm;
        self
    }
}

training_builders!(AutoencoderParams);

/// A rejected [`AutoencoderParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AutoencoderParamsError {
    /// Occurs when `hidden` is empty or holds a 0.
    #[error("parameter `hidden`: every width must be at least 1, got {0:?}")]
    Hidden(Vec<usize>),
    /// Occurs when `dropout` is outside [0, 1) (NaN included).
    #[error("parameter `dropout`: must be in [0, 1), got {0}")]
    Dropout(f64),
    /// Occurs when a training setting is rejected.
    #[error(transparent)]
    Train(#[from] TrainParamsError),
}

impl ParamsError for AutoencoderParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Hidden(_) => "hidden",
            Self::Dropout(_) => "dropout",
            Self::Train(e) => e.param(),
        }
    }
}

impl DetectorParams for AutoencoderParams {
    const NAME: &'static str = "autoencoder";
    const SUMMARY: &'static str =
        "dense autoencoder d-64-32-64-d (ReLU, batch norm, dropout): reconstruction MSE of the row";
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = AutoencoderValidParams;
    type Fitted = FittedAutoencoder;
    type Error = AutoencoderParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let p = &self.0;
        let mut specs = vec![
            ParamSpec::text(
                "hidden",
                widths_text(&p.hidden),
                "encoder widths, comma separated; the decoder mirrors them",
            ),
            ParamSpec::float("dropout", p.dropout, "dropout after every hidden layer, in [0, 1)"),
            ParamSpec::bool(
                "batch_norm",
                p.batch_norm,
                "batch normalisation after every hidden layer",
            ),
        ];
        specs.extend(p.settings.specs());
        specs
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .hidden(widths(p, "hidden")?)
            .dropout(p.float("dropout")?)
            .batch_norm(p.bool("batch_norm")?)
            .settings(Settings::from_params(p)?))
    }

    fn check(self) -> Result<AutoencoderValidParams, AutoencoderParamsError> {
        let p = self.0;
        if !hidden_ok(&p.hidden) {
            return Err(AutoencoderParamsError::Hidden(p.hidden));
        }
        if !dropout_ok(p.dropout) {
            return Err(AutoencoderParamsError::Dropout(p.dropout));
        }
        p.settings.train.check()?;
        Ok(p)
    }
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoencoderValidParams {
    pub(crate) hidden: Vec<usize>,
    pub(crate) dropout: f64,
    pub(crate) batch_norm: bool,
    pub(crate) settings: Settings,
}

impl AutoencoderValidParams {
    /// Encoder widths after the input; the decoder mirrors them.
    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    /// Dropout probability after every hidden layer.
    pub fn dropout(&self) -> f64 {
        self.dropout
    }

    /// Batch normalisation after every hidden linear layer.
    pub fn batch_norm(&self) -> bool {
        self.batch_norm
    }

    /// Training and device settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl AutoencoderValidParams {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedAutoencoder, Error> {
        let (rows, standardizer) = f32_rows(train, self.settings.standardize, train.n_features())?;
        // Batch norm needs two rows per batch to have a variance.
        if rows.nrows() < 2 {
            Err(DeepError::TooFewRows { detector: "autoencoder", min: 2, got: rows.nrows() })?;
        }
        let p = self;
        let trained = fit(
            (&rows, standardizer),
            ctx,
            &p.settings.train,
            p.settings.device.name(),
            |rng, dev, x| AutoencoderNet::new(rng, x.ncols(), p, dev),
        )?;
        Ok(FittedAutoencoder { trained, params: p.clone() })
    }
}

impl Detector for AutoencoderValidParams {
    fn name(&self) -> &str {
        AutoencoderParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted dense autoencoder ([`AutoencoderValidParams`]).
#[derive(Debug)]
pub struct FittedAutoencoder {
    trained: Trained<AutoencoderNet>,
    params: AutoencoderValidParams,
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
    type Spec = AutoencoderValidParams;

    fn trained(&self) -> &Trained<AutoencoderNet> {
        &self.trained
    }

    fn spec(&self) -> AutoencoderValidParams {
        self.params.clone()
    }

    fn settings(spec: &AutoencoderValidParams) -> &Settings {
        &spec.settings
    }

    fn structure(
        p: &AutoencoderValidParams,
        d: usize,
        dev: &Device,
    ) -> Result<AutoencoderNet, Error> {
        let p = AutoencoderParams(p.clone()).check().map_err(|e| param_error(&e))?;
        check_features(Self::DETECTOR, d)?;
        Ok(AutoencoderNet::new(&mut oddity_core::rng(0), d, &p, dev))
    }

    fn assemble(trained: Trained<AutoencoderNet>, params: AutoencoderValidParams) -> Self {
        Self { trained, params }
    }
}

saved_detector!(FittedAutoencoder);

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
