//! The variational autoencoder (PyOD's `VAE` architecture).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use ndarray::Array1;
use oddity_core::{
    param_error, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError, Rng,
};
use serde::{Deserialize, Serialize};

use crate::autoencoder::{blocks, DenseBlock};
use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, Noise};
use crate::params::{dropout_ok, hidden_ok, training_builders, widths, widths_text};
use crate::saved::{check_features, save, saved_detector, Saved};
use crate::train::{EpochReport, TrainConfig, TrainModel, TrainParamsError};
use crate::{DeepError, Settings};

/// The network: encoder blocks `d → 128 → 64 → 32`, heads `→ (μ, log σ²)` of the latent
/// size, mirrored decoder blocks `latent → 32 → 64 → 128`, linear output `→ d`.
#[derive(Module, Debug)]
pub struct VaeNet {
    encoder: Vec<DenseBlock>,
    mu: Linear,
    log_var: Linear,
    decoder: Vec<DenseBlock>,
    output: Linear,
    dropout: f64,
    beta: f64,
}

impl VaeNet {
    fn new(rng: &mut Rng, d: usize, p: &VaeValidParams, dev: &Device) -> Self {
        let mut enc = vec![d];
        enc.extend(&p.hidden);
        let top = *enc.last().expect("at least d");
        let mut dec = vec![p.latent];
        dec.extend(p.hidden.iter().rev());
        let encoder = blocks(rng, &enc, p.batch_norm, dev);
        let mu = linear(rng, top, p.latent, true, dev);
        let log_var = linear(rng, top, p.latent, true, dev);
        let decoder = blocks(rng, &dec, p.batch_norm, dev);
        let output = linear(rng, *dec.last().expect("latent"), d, true, dev);
        Self { encoder, mu, log_var, decoder, output, dropout: p.dropout, beta: p.beta }
    }

    fn encode(&self, x: Tensor<2>, noise: &mut Noise) -> (Tensor<2>, Tensor<2>) {
        let h = self.encoder.iter().fold(x, |h, b| b.forward(h, self.dropout, noise));
        (self.mu.forward(h.clone()), self.log_var.forward(h))
    }

    fn decode(&self, z: Tensor<2>, noise: &mut Noise) -> Tensor<2> {
        let h = self.decoder.iter().fold(z, |h, b| b.forward(h, self.dropout, noise));
        self.output.forward(h)
    }
}

impl TrainModel for VaeNet {
    /// Reconstruction MSE (mean over rows and features) + β · KL(q(z|x) ‖ N(0, I)) (summed
    /// over latent dimensions, mean over rows), with one reparameterised sample per row.
    fn loss(&self, batch: Tensor<2>, noise: &mut Noise) -> Tensor<1> {
        let (mu, log_var) = self.encode(batch.clone(), noise);
        let [b, k] = mu.dims();
        let eps = noise.gaussian(b, k, &mu.device());
        let z = mu.clone() + (log_var.clone() * 0.5).exp() * eps;
        let recon = (self.decode(z, noise) - batch).square().mean();
        let kl = (log_var.clone().exp() + mu.square() - log_var - 1.0).sum() * (0.5 / b as f64);
        recon + kl * self.beta
    }
}

/// Parameters of the `vae` detector ([`VaeValidParams`] once checked); the defaults are
/// PyOD's `VAE` (`d-128-64-32`, latent 2, β = 1, batch norm, dropout 0.2) trained for 10
/// epochs of batches of 32, Adam lr 1e-3 with weight decay 1e-5.
#[derive(Debug, Clone, PartialEq)]
pub struct VaeParams(VaeValidParams);

impl Default for VaeParams {
    fn default() -> Self {
        Self(VaeValidParams {
            hidden: vec![128, 64, 32],
            latent: 2,
            beta: 1.0,
            dropout: 0.2,
            batch_norm: true,
            settings: Settings::new(TrainConfig::new(10, 32, 1e-3, 1e-5)),
        })
    }
}

impl VaeParams {
    /// Encoder widths (each ≥ 1, at least one); the decoder mirrors them.
    pub fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.0.hidden = hidden;
        self
    }

    /// Latent dimension (≥ 1).
    pub fn latent(mut self, latent: usize) -> Self {
        self.0.latent = latent;
        self
    }

    /// Weight of the KL term (≥ 0, finite; 1 = the plain VAE).
    pub fn beta(mut self, beta: f64) -> Self {
        self.0.beta = beta;
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

training_builders!(VaeParams);

/// A rejected [`VaeParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VaeParamsError {
    /// Occurs when `hidden` is empty or holds a 0.
    #[error("parameter `hidden`: every width must be at least 1, got {0:?}")]
    Hidden(Vec<usize>),
    /// Occurs when `latent` is 0.
    #[error("parameter `latent`: must be at least 1, got {0}")]
    Latent(usize),
    /// Occurs when `beta` is negative or not finite (NaN included).
    #[error("parameter `beta`: must be in [0, inf), got {0}")]
    Beta(f64),
    /// Occurs when `dropout` is outside [0, 1) (NaN included).
    #[error("parameter `dropout`: must be in [0, 1), got {0}")]
    Dropout(f64),
    /// Occurs when a training setting is rejected.
    #[error(transparent)]
    Train(#[from] TrainParamsError),
}

impl ParamsError for VaeParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Hidden(_) => "hidden",
            Self::Latent(_) => "latent",
            Self::Beta(_) => "beta",
            Self::Dropout(_) => "dropout",
            Self::Train(e) => e.param(),
        }
    }
}

impl DetectorParams for VaeParams {
    const NAME: &'static str = "vae";
    const SUMMARY: &'static str = "variational autoencoder d-128-64-32-(mu, log var; latent 2), mirrored decoder: reconstruction MSE of the decoded posterior mean";
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = VaeValidParams;
    type Fitted = FittedVae;
    type Error = VaeParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let p = &self.0;
        let mut specs = vec![
            ParamSpec::text(
                "hidden",
                widths_text(&p.hidden),
                "encoder widths, comma separated; the decoder mirrors them",
            ),
            ParamSpec::count("latent", p.latent, "latent dimension (>= 1)"),
            ParamSpec::float("beta", p.beta, "weight of the KL term (>= 0)"),
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
            .latent(p.usize("latent")?)
            .beta(p.float("beta")?)
            .dropout(p.float("dropout")?)
            .batch_norm(p.bool("batch_norm")?)
            .settings(Settings::from_params(p)?))
    }

    fn check(self) -> Result<VaeValidParams, VaeParamsError> {
        let p = self.0;
        if !hidden_ok(&p.hidden) {
            return Err(VaeParamsError::Hidden(p.hidden));
        }
        if p.latent < 1 {
            return Err(VaeParamsError::Latent(p.latent));
        }
        if !(p.beta >= 0.0 && p.beta.is_finite()) {
            return Err(VaeParamsError::Beta(p.beta));
        }
        if !dropout_ok(p.dropout) {
            return Err(VaeParamsError::Dropout(p.dropout));
        }
        p.settings.train.check()?;
        Ok(p)
    }
}

/// Variational autoencoder (Kingma & Welling, *Auto-Encoding Variational Bayes*, ICLR 2014)
/// used as an anomaly detector as in An & Cho (2015) and PyOD's `VAE`: encoder
/// `d → 128 → 64 → 32 → (μ, log σ²)` with latent size 2, mirrored decoder, ReLU, batch norm,
/// dropout 0.2, β = 1.
///
/// **Score:** the reconstruction MSE of the row decoded from the posterior mean μ (not a
/// mean over samples: deterministic, and it ranks like the expected error for small σ), with
/// the network in evaluation mode. Higher = less like the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeValidParams {
    pub(crate) hidden: Vec<usize>,
    pub(crate) latent: usize,
    pub(crate) beta: f64,
    pub(crate) dropout: f64,
    pub(crate) batch_norm: bool,
    pub(crate) settings: Settings,
}

impl VaeValidParams {
    /// Encoder widths; the decoder mirrors them.
    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    /// Latent dimension.
    pub fn latent(&self) -> usize {
        self.latent
    }

    /// Weight of the KL term.
    pub fn beta(&self) -> f64 {
        self.beta
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

impl VaeValidParams {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedVae, Error> {
        let (rows, standardizer) = f32_rows(train, self.settings.standardize, train.n_features())?;
        if rows.nrows() < 2 {
            Err(DeepError::TooFewRows { detector: "vae", min: 2, got: rows.nrows() })?;
        }
        let p = self;
        let trained = fit(
            (&rows, standardizer),
            ctx,
            &p.settings.train,
            p.settings.device.name(),
            |rng, dev, x| VaeNet::new(rng, x.ncols(), p, dev),
        )?;
        Ok(FittedVae { trained, params: p.clone() })
    }
}

impl Detector for VaeValidParams {
    fn name(&self) -> &str {
        VaeParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted variational autoencoder ([`VaeValidParams`]).
#[derive(Debug)]
pub struct FittedVae {
    trained: Trained<VaeNet>,
    params: VaeValidParams,
}

impl FittedVae {
    /// One report per training epoch (loss curve).
    pub fn history(&self) -> &[EpochReport] {
        &self.trained.history
    }
}

impl Saved for FittedVae {
    const DETECTOR: &'static str = "vae";
    type Net = VaeNet;
    type Spec = VaeValidParams;

    fn trained(&self) -> &Trained<VaeNet> {
        &self.trained
    }

    fn spec(&self) -> VaeValidParams {
        self.params.clone()
    }

    fn settings(spec: &VaeValidParams) -> &Settings {
        &spec.settings
    }

    fn structure(p: &VaeValidParams, d: usize, dev: &Device) -> Result<VaeNet, Error> {
        let p = VaeParams(p.clone()).check().map_err(|e| param_error(&e))?;
        check_features(Self::DETECTOR, d)?;
        Ok(VaeNet::new(&mut oddity_core::rng(0), d, &p, dev))
    }

    fn assemble(trained: Trained<VaeNet>, params: VaeValidParams) -> Self {
        Self { trained, params }
    }
}

saved_detector!(FittedVae);

impl FittedDetector for FittedVae {
    fn save(&self) -> Result<Vec<u8>, Error> {
        save(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        let err = self.trained.map_rows(data, |m, x| {
            let mut noise = Noise::inert();
            let (mu, _) = m.encode(x.clone(), &mut noise);
            (m.decode(mu, &mut noise) - x).square().mean_dim(1)
        })?;
        Ok(err.column(0).to_owned())
    }
}
