//! The deep detectors as the runner and `oddity list` see them.

use oddity_core::{Detector, DetectorEntry, Error, ParamSpec, Params};

use crate::device::DEVICES;
use crate::saved::load;
use crate::train::TrainConfig;
use crate::{
    Autoencoder, AutoencoderParams, CnnAutoencoder, CnnNet, DeepSvdd, DeepSvddParams,
    FittedAutoencoder, FittedDeepSvdd, FittedSequence, FittedVae, LstmAutoencoder, LstmNet,
    Settings, Vae, VaeParams,
};

/// The training parameters every deep detector takes, with its own defaults.
fn training_specs(epochs: i64, batch: i64, lr: f64, weight_decay: f64) -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("epochs", epochs, "passes over the training rows (>= 1)"),
        ParamSpec::int("batch_size", batch, "rows per Adam step (>= 1)"),
        ParamSpec::float("lr", lr, "Adam learning rate (> 0)"),
        ParamSpec::float(
            "weight_decay",
            weight_decay,
            "L2 weight decay added to the gradients (>= 0)",
        ),
        ParamSpec::float(
            "validation",
            0.0,
            "share of training rows held out for a validation loss, in [0, 1); 0 = none",
        ),
        ParamSpec::int(
            "patience",
            0,
            "with validation: stop after this many epochs without improvement (0 = never)",
        ),
        ParamSpec::one_of(
            "device",
            DEVICES,
            "cpu",
            "burn device: cpu (Flex), cuda or wgpu (cargo features)",
        ),
    ]
}

/// The training settings from resolved parameters.
fn settings(p: &Params) -> Result<Settings, Error> {
    let train = TrainConfig::new(
        p.int("epochs")?,
        p.int("batch_size")?,
        p.float("lr")?,
        p.float("weight_decay")?,
        p.float("validation")?,
        p.int("patience")?,
    )?;
    Ok(Settings { train, device: p.str("device")?.to_string() })
}

/// A comma-separated list of layer widths (`"64,32"`).
fn widths(p: &Params, name: &str) -> Result<Vec<usize>, Error> {
    p.str(name)?
        .split(',')
        .map(|s| match s.trim().parse::<usize>() {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(Error::InvalidParameter {
                name: name.into(),
                reason: format!("expected comma-separated widths >= 1, got `{}`", p.str(name)?),
            }),
        })
        .collect()
}

fn with(mut specs: Vec<ParamSpec>, common: Vec<ParamSpec>) -> Vec<ParamSpec> {
    specs.extend(common);
    specs
}

/// Every deep detector: name, one-line summary, parameters, constructor and loader of its
/// saved fitted state.
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry {
            load: Some(load::<FittedAutoencoder>),
            name: "autoencoder",
            summary: "dense autoencoder d-64-32-64-d (ReLU, batch norm, dropout): reconstruction MSE of the row",
            params: with(
                vec![
                    ParamSpec::text("hidden", "64,32", "encoder widths, comma separated; the decoder mirrors them"),
                    ParamSpec::float("dropout", 0.2, "dropout after every hidden layer, in [0, 1)"),
                    ParamSpec::bool("batch_norm", true, "batch normalisation after every hidden layer"),
                ],
                training_specs(10, 32, 1e-3, 1e-5),
            ),
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(Autoencoder::new(AutoencoderParams {
                    hidden: widths(p, "hidden")?,
                    dropout: p.float("dropout")?,
                    batch_norm: p.bool("batch_norm")?,
                    settings: settings(p)?,
                })?))
            },
        },
        DetectorEntry {
            load: Some(load::<FittedVae>),
            name: "vae",
            summary: "variational autoencoder d-128-64-32-(mu, log var; latent 2), mirrored decoder: reconstruction MSE of the decoded posterior mean",
            params: with(
                vec![
                    ParamSpec::text("hidden", "128,64,32", "encoder widths, comma separated; the decoder mirrors them"),
                    ParamSpec::int("latent", 2, "latent dimension (>= 1)"),
                    ParamSpec::float("beta", 1.0, "weight of the KL term (>= 0)"),
                    ParamSpec::float("dropout", 0.2, "dropout after every hidden layer, in [0, 1)"),
                    ParamSpec::bool("batch_norm", true, "batch normalisation after every hidden layer"),
                ],
                training_specs(10, 32, 1e-3, 1e-5),
            ),
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                let latent = p.int("latent")?;
                if latent < 1 {
                    return Err(crate::DeepError::TooSmall { name: "latent", min: 1, value: latent }.into());
                }
                Ok(Box::new(Vae::new(VaeParams {
                    hidden: widths(p, "hidden")?,
                    latent: latent as usize,
                    beta: p.float("beta")?,
                    dropout: p.float("dropout")?,
                    batch_norm: p.bool("batch_norm")?,
                    settings: settings(p)?,
                })?))
            },
        },
        DetectorEntry {
            load: Some(load::<FittedDeepSvdd>),
            name: "deepsvdd",
            summary: "one-class Deep SVDD, bias-free d-64-32 with ReLU after every layer (as PyOD), Adam lr 1e-4: squared distance of the embedding to the centre",
            params: with(
                vec![ParamSpec::text("hidden", "64,32", "layer widths, comma separated; the last is the embedding size")],
                training_specs(20, 32, 1e-4, 5e-7),
            ),
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(DeepSvdd::new(DeepSvddParams {
                    hidden: widths(p, "hidden")?,
                    settings: settings(p)?,
                })?))
            },
        },
        DetectorEntry {
            load: Some(load::<FittedSequence<LstmNet>>),
            name: "lstm_autoencoder",
            summary: "LSTM encoder-decoder over windows (needs `window`): per-step reconstruction error, mean over covering windows",
            params: with(
                vec![
                    ParamSpec::int("hidden", 64, "hidden size of every LSTM layer (>= 1)"),
                    ParamSpec::int("layers", 2, "LSTM layers of the encoder and of the decoder (>= 1)"),
                ],
                training_specs(5, 64, 1e-3, 0.0),
            ),
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(LstmAutoencoder::new(p.int("hidden")?, p.int("layers")?, settings(p)?)?))
            },
        },
        DetectorEntry {
            load: Some(load::<FittedSequence<CnnNet>>),
            name: "cnn_autoencoder",
            summary: "1-D CNN autoencoder over windows (needs `window`, a multiple of 4): per-step reconstruction error, mean over covering windows",
            params: with(
                vec![
                    ParamSpec::int("channels", 32, "channels of the first convolution; the second has twice as many (>= 1)"),
                    ParamSpec::int("kernel", 7, "kernel size, odd (>= 3)"),
                ],
                training_specs(5, 64, 1e-3, 0.0),
            ),
            build: |p: &Params| -> Result<Box<dyn Detector>, Error> {
                Ok(Box::new(CnnAutoencoder::new(p.int("channels")?, p.int("kernel")?, settings(p)?)?))
            },
        },
    ]
}

/// The deep detector named `name`.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
