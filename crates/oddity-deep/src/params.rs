//! What the parameters of every deep detector share: the training and device settings,
//! their builder methods, their specifications and how they are read from a config.

use oddity_core::{Error, ParamChoice, ParamSpec, Params};
use serde::{Deserialize, Serialize};

use crate::train::TrainConfig;
use crate::DEVICES;

/// The burn backend a deep detector trains and scores on (the `device` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (Flex), always built.
    Cpu,
    /// burn's CUDA backend (cargo feature `cuda`).
    Cuda,
    /// burn's wgpu backend (cargo feature `wgpu`).
    Wgpu,
}

impl ParamChoice for Backend {
    const ALL: &'static [Self] = &[Self::Cpu, Self::Cuda, Self::Wgpu];
    const NAMES: &'static [&'static str] = DEVICES;
}

/// Training and device settings common to every deep detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub(crate) train: TrainConfig,
    pub(crate) device: Backend,
    /// Standardise the input on the training rows (true unless the config says otherwise).
    #[serde(default = "standardize_default")]
    pub(crate) standardize: bool,
}

/// Whether a deep detector standardises its input when nothing says otherwise (settings
/// saved before the option existed standardised nothing, but are read as such only through
/// `serde`'s default of saved states, see [`crate::saved`]).
fn standardize_default() -> bool {
    false
}

impl Settings {
    /// `train` on the CPU backend.
    pub fn new(train: TrainConfig) -> Self {
        Self { train, device: Backend::Cpu, standardize: true }
    }

    /// The same settings on `device`.
    pub fn with_device(mut self, device: Backend) -> Self {
        self.device = device;
        self
    }

    /// The training loop's settings.
    pub fn train(&self) -> &TrainConfig {
        &self.train
    }

    /// The burn backend.
    pub fn device(&self) -> Backend {
        self.device
    }

    /// Whether the input is standardised on the training rows (true by default).
    pub fn standardize(&self) -> bool {
        self.standardize
    }

    /// The specifications of the training parameters, `self` giving the defaults.
    pub(crate) fn specs(&self) -> Vec<ParamSpec> {
        let t = &self.train;
        vec![
            ParamSpec::count("epochs", t.epochs, "passes over the training rows (>= 1)"),
            ParamSpec::count("batch_size", t.batch_size, "rows per Adam step (>= 1)"),
            ParamSpec::float("lr", t.lr, "Adam learning rate (> 0)"),
            ParamSpec::float(
                "weight_decay",
                t.weight_decay,
                "L2 weight decay added to the gradients (>= 0)",
            ),
            ParamSpec::float(
                "validation",
                t.validation,
                "share of training rows held out for a validation loss, in [0, 1); 0 = none",
            ),
            ParamSpec::count(
                "patience",
                t.patience,
                "with validation: stop after this many epochs without improvement (0 = never)",
            ),
            ParamSpec::bool(
                "standardize",
                self.standardize,
                "standardise each feature on the training rows (mean 0, std 1) before the network; false = raw input",
            ),
            ParamSpec::choice(
                "device",
                self.device,
                "burn device: cpu (Flex), cuda or wgpu (cargo features)",
            ),
        ]
    }

    /// The training parameters of resolved config values.
    pub(crate) fn from_params(p: &Params) -> Result<Self, Error> {
        let train = TrainConfig::new(
            p.usize("epochs")?,
            p.usize("batch_size")?,
            p.float("lr")?,
            p.float("weight_decay")?,
        )
        .with_validation(p.float("validation")?)
        .with_patience(p.usize("patience")?);
        let mut settings = Self::new(train).with_device(p.choice("device")?);
        settings.standardize = p.bool("standardize")?;
        Ok(settings)
    }
}

/// A comma-separated list of layer widths (`"64,32"`) from the parameter `name`.
pub(crate) fn widths(p: &Params, name: &str) -> Result<Vec<usize>, Error> {
    let text = p.str(name)?;
    text.split(',')
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| Error::InvalidParameter {
                name: name.into(),
                reason: format!("expected comma-separated widths >= 1, got `{text}`"),
            })
        })
        .collect()
}

/// `widths` as config text (`"64,32"`).
pub(crate) fn widths_text(widths: &[usize]) -> String {
    widths.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// The builder methods of the training settings, for a `FooParams(FooValidParams)` whose
/// checked parameters hold `settings: Settings`.
macro_rules! training_builders {
    ($params:ty) => {
        impl $params {
            /// Passes over the training rows (≥ 1).
            pub fn epochs(mut self, epochs: usize) -> Self {
                self.0.settings.train.epochs = epochs;
                self
            }

            /// Rows per Adam step (≥ 1).
            pub fn batch_size(mut self, batch_size: usize) -> Self {
                self.0.settings.train.batch_size = batch_size;
                self
            }

            /// Adam's learning rate (> 0, finite).
            pub fn lr(mut self, lr: f64) -> Self {
                self.0.settings.train.lr = lr;
                self
            }

            /// L2 weight decay added to the gradients (≥ 0, finite).
            pub fn weight_decay(mut self, weight_decay: f64) -> Self {
                self.0.settings.train.weight_decay = weight_decay;
                self
            }

            /// Share of the training rows held out for a validation loss, in [0, 1).
            pub fn validation(mut self, validation: f64) -> Self {
                self.0.settings.train.validation = validation;
                self
            }

            /// With validation: epochs without improvement before stopping (0 = never).
            pub fn patience(mut self, patience: usize) -> Self {
                self.0.settings.train.patience = patience;
                self
            }

            /// The burn backend.
            pub fn device(mut self, device: $crate::Backend) -> Self {
                self.0.settings.device = device;
                self
            }

            /// Whether to standardise the input on the training rows (true by default).
            pub fn standardize(mut self, standardize: bool) -> Self {
                self.0.settings.standardize = standardize;
                self
            }

            /// All training and device settings at once.
            pub fn settings(mut self, settings: $crate::Settings) -> Self {
                self.0.settings = settings;
                self
            }
        }
    };
}
pub(crate) use training_builders;

/// Every width ≥ 1, at least one.
pub(crate) fn hidden_ok(hidden: &[usize]) -> bool {
    !hidden.is_empty() && !hidden.contains(&0)
}

/// Dropout in [0, 1) (NaN excluded).
pub(crate) fn dropout_ok(p: f64) -> bool {
    (0.0..1.0).contains(&p)
}
