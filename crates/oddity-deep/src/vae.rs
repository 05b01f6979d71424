//! The variational autoencoder (PyOD's `VAE` architecture).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use ndarray::Array1;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector, Rng};
use serde::{Deserialize, Serialize};

use crate::autoencoder::{blocks, check_dropout, check_hidden, DenseBlock};
use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, Noise};
use crate::saved::{check_features, save, Saved};
use crate::train::{EpochReport, TrainModel};
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
    fn new(rng: &mut Rng, d: usize, p: &VaeParams, dev: &Device) -> Self {
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

/// Checked parameters of [`Vae`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeParams {
    /// Encoder widths (`[128, 64, 32]`); the decoder mirrors them.
    pub hidden: Vec<usize>,
    /// Latent dimension (≥ 1).
    pub latent: usize,
    /// Weight of the KL term (≥ 0; 1 = the plain VAE).
    pub beta: f64,
    /// Dropout probability after every hidden layer, in [0, 1).
    pub dropout: f64,
    /// Batch normalisation after every hidden linear layer.
    pub batch_norm: bool,
    /// Training and device settings.
    pub settings: Settings,
}

/// Variational autoencoder (Kingma & Welling, *Auto-Encoding Variational Bayes*, ICLR 2014)
/// used as an anomaly detector as in An & Cho (2015) and PyOD's `VAE`: encoder
/// `d → 128 → 64 → 32 → (μ, log σ²)` with latent size 2, mirrored decoder, ReLU, batch norm,
/// dropout 0.2, β = 1.
///
/// **Score:** the reconstruction MSE of the row decoded from the posterior mean μ (not a
/// mean over samples: deterministic, and it ranks like the expected error for small σ), with
/// the network in evaluation mode. Higher = less like the training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Vae(pub VaeParams);

impl Vae {
    /// Checks `params`: hidden widths ≥ 1, latent ≥ 1, β ≥ 0, dropout in [0, 1).
    pub fn new(params: VaeParams) -> Result<Self, DeepError> {
        check_hidden(&params.hidden)?;
        if params.latent == 0 {
            return Err(DeepError::TooSmall { name: "latent", min: 1, value: 0 });
        }
        if !(params.beta >= 0.0 && params.beta.is_finite()) {
            return Err(DeepError::OutOfRange {
                name: "beta",
                range: "[0, inf)",
                value: params.beta,
            });
        }
        check_dropout(params.dropout)?;
        Ok(Self(params))
    }
}

impl Vae {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedVae, Error> {
        let rows = f32_rows(train)?;
        if rows.nrows() < 2 {
            Err(DeepError::TooFewRows { detector: "vae", min: 2, got: rows.nrows() })?;
        }
        let p = &self.0;
        let trained = fit(&rows, ctx, &p.settings.train, &p.settings.device, |rng, dev, x| {
            VaeNet::new(rng, x.ncols(), p, dev)
        })?;
        Ok(FittedVae { trained, params: p.clone() })
    }
}

impl Detector for Vae {
    fn name(&self) -> &str {
        "vae"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`Vae`].
#[derive(Debug)]
pub struct FittedVae {
    trained: Trained<VaeNet>,
    params: VaeParams,
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
    type Spec = VaeParams;

    fn trained(&self) -> &Trained<VaeNet> {
        &self.trained
    }

    fn spec(&self) -> VaeParams {
        self.params.clone()
    }

    fn settings(spec: &VaeParams) -> &Settings {
        &spec.settings
    }

    fn structure(p: &VaeParams, d: usize, dev: &Device) -> Result<VaeNet, Error> {
        let p = Vae::new(p.clone())?.0;
        check_features(Self::DETECTOR, d)?;
        Ok(VaeNet::new(&mut oddity_core::rng(0), d, &p, dev))
    }

    fn assemble(trained: Trained<VaeNet>, params: VaeParams) -> Self {
        Self { trained, params }
    }
}

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
