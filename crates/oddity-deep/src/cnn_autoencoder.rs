//! The 1-D convolutional autoencoder over windows.

use burn::module::Module;
use burn::nn::conv::{Conv1d, ConvTranspose1d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use oddity_core::{
    param_error, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    Params, ParamsError, Rng,
};
use serde::{Deserialize, Serialize};

use crate::conv_op;
use crate::nn::{conv1d, conv_transpose1d, Noise};
use crate::params::training_builders;
use crate::sequence::{fit_sequence, mse_loss, FittedSequence, SequenceNet};
use crate::train::{TrainConfig, TrainModel, TrainParamsError};
use crate::{DeepError, Settings};

/// `Conv1d(d,c₁,k,s2,p) → ReLU → Conv1d(c₁,c₂,k,s2,p) → ReLU → ConvT1d(c₂,c₁,k,s2,p,op1) →
/// ReLU → ConvT1d(c₁,d,k,s2,p,op1)`, channels first.
#[derive(Module, Debug)]
pub struct CnnNet {
    conv1: Conv1d,
    conv2: Conv1d,
    deconv1: ConvTranspose1d,
    deconv2: ConvTranspose1d,
    window: usize,
}

impl CnnNet {
    fn new(rng: &mut Rng, w: usize, d: usize, p: &CnnAutoencoderValidParams, dev: &Device) -> Self {
        let (c1, c2, k) = (p.channels, 2 * p.channels, p.kernel);
        let pad = k / 2;
        Self {
            conv1: conv1d(rng, d, c1, k, 2, pad, dev),
            conv2: conv1d(rng, c1, c2, k, 2, pad, dev),
            deconv1: conv_transpose1d(rng, c2, c1, k, 2, pad, 1, dev),
            deconv2: conv_transpose1d(rng, c1, d, k, 2, pad, 1, dev),
            window: w,
        }
    }
}

impl SequenceNet for CnnNet {
    const DETECTOR: &'static str = "cnn_autoencoder";
    type Params = CnnAutoencoderValidParams;

    fn settings(params: &CnnAutoencoderValidParams) -> &Settings {
        &params.settings
    }

    /// The parameters' own checks, and a window that is a multiple of 4 (two stride-2
    /// layers).
    fn check(p: &CnnAutoencoderValidParams, w: usize, _d: usize) -> Result<(), Error> {
        CnnAutoencoderParams(p.clone()).check().map_err(|e| param_error(&e))?;
        if !w.is_multiple_of(4) {
            return Err(DeepError::OutOfRange {
                name: "window",
                range: "multiples of 4 (two stride-2 layers)",
                value: w as f64,
            }
            .into());
        }
        Ok(())
    }

    fn build(
        rng: &mut Rng,
        p: &CnnAutoencoderValidParams,
        w: usize,
        d: usize,
        dev: &Device,
    ) -> Self {
        Self::new(rng, w, d, p, dev)
    }

    fn reconstruct(&self, x: Tensor<3>) -> Tensor<3> {
        if crate::flex_host::available(&x.device()) {
            // Channels last throughout, with the fused convolutions of burn's CPU backend.
            let h = relu(conv_op::conv1d(&self.conv1, x));
            let h = relu(conv_op::conv1d(&self.conv2, h));
            let h = relu(conv_op::conv_transpose1d(&self.deconv1, h));
            return conv_op::conv_transpose1d(&self.deconv2, h);
        }
        let h = x.swap_dims(1, 2); // [b, d, W]
        let h = relu(self.conv1.forward(h));
        let h = relu(self.conv2.forward(h));
        let h = relu(self.deconv1.forward(h));
        self.deconv2.forward(h).swap_dims(1, 2)
    }
}

impl TrainModel for CnnNet {
    fn loss(&self, batch: Tensor<2>, _noise: &mut Noise) -> Tensor<1> {
        mse_loss(self, batch, self.window)
    }
}

/// Parameters of the `cnn_autoencoder` detector ([`CnnAutoencoderValidParams`] once
/// checked); the defaults are the PyTorch peer's (32 channels, kernel 7) trained for 5 epochs
/// of batches of 64, Adam lr 1e-3 without weight decay.
#[derive(Debug, Clone, PartialEq)]
pub struct CnnAutoencoderParams(CnnAutoencoderValidParams);

impl Default for CnnAutoencoderParams {
    fn default() -> Self {
        Self(CnnAutoencoderValidParams {
            channels: 32,
            kernel: 7,
            settings: Settings::new(TrainConfig::new(5, 64, 1e-3, 0.0)),
        })
    }
}

impl CnnAutoencoderParams {
    /// Channels of the first convolution (≥ 1); the second has twice as many.
    pub fn channels(mut self, channels: usize) -> Self {
        self.0.channels = channels;
        self
    }

    /// Kernel size (odd, ≥ 3; padding is `kernel / 2`).
    pub fn kernel(mut self, kernel: usize) -> Self {
        self.0.kernel = kernel;
        self
    }
}

training_builders!(CnnAutoencoderParams);

/// A rejected [`CnnAutoencoderParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CnnAutoencoderParamsError {
    /// Occurs when `channels` is 0.
    #[error("parameter `channels`: must be at least 1, got {0}")]
    Channels(usize),
    /// Occurs when `kernel` is below 3 or even.
    #[error("parameter `kernel`: must be odd and at least 3, got {0}")]
    Kernel(usize),
    /// Occurs when a training setting is rejected.
    #[error(transparent)]
    Train(#[from] TrainParamsError),
}

impl ParamsError for CnnAutoencoderParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Channels(_) => "channels",
            Self::Kernel(_) => "kernel",
            Self::Train(e) => e.param(),
        }
    }
}

impl DetectorParams for CnnAutoencoderParams {
    const NAME: &'static str = "cnn_autoencoder";
    const SUMMARY: &'static str = "1-D CNN autoencoder over windows (needs `window`, a multiple of 4): per-step reconstruction error, mean over covering windows";
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = CnnAutoencoderValidParams;
    type Fitted = FittedCnnAutoencoder;
    type Error = CnnAutoencoderParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let p = &self.0;
        let mut specs = vec![
            ParamSpec::count(
                "channels",
                p.channels,
                "channels of the first convolution; the second has twice as many (>= 1)",
            ),
            ParamSpec::count("kernel", p.kernel, "kernel size, odd (>= 3)"),
        ];
        specs.extend(p.settings.specs());
        specs
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .channels(p.usize("channels")?)
            .kernel(p.usize("kernel")?)
            .settings(Settings::from_params(p)?))
    }

    fn check(self) -> Result<CnnAutoencoderValidParams, CnnAutoencoderParamsError> {
        let p = self.0;
        if p.channels < 1 {
            return Err(CnnAutoencoderParamsError::Channels(p.channels));
        }
        if p.kernel < 3 || p.kernel.is_multiple_of(2) {
            return Err(CnnAutoencoderParamsError::Kernel(p.kernel));
        }
        p.settings.train.check()?;
        Ok(p)
    }
}

/// 1-D convolutional autoencoder over sliding windows (the PyTorch peer's `cnn_ae`): two
/// stride-2 convolutions (W → W/2 → W/4) and two stride-2 transposed convolutions back to W,
/// trained with the MSE on the training windows. Needs `window = W` on the method with W a
/// multiple of 4.
///
/// **Score:** per window, the squared reconstruction error at every step (mean over
/// features); each time step gets the mean (or max) of the errors at that step of the windows
/// covering it (see `FittedDetector::score_steps`). Row scores (`score`) are the window MSE.
/// Reference: Malhotra et al. style reconstruction detection with convolutions, as in
/// Schmidl, Wenig & Papenbrock, *Anomaly Detection in Time Series: A Comprehensive
/// Evaluation*, VLDB 2022.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CnnAutoencoderValidParams {
    pub(crate) channels: usize,
    pub(crate) kernel: usize,
    pub(crate) settings: Settings,
}

impl CnnAutoencoderValidParams {
    /// Channels of the first convolution; the second has twice as many.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Kernel size.
    pub fn kernel(&self) -> usize {
        self.kernel
    }

    /// Training and device settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// A fitted 1-D CNN autoencoder.
pub type FittedCnnAutoencoder = FittedSequence<CnnNet>;

impl CnnAutoencoderValidParams {
    /// Fits on `train` (flattened windows, [`Dataset::window`] set) and returns the typed
    /// fitted model (with its loss history).
    pub fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<FittedCnnAutoencoder, Error> {
        fit_sequence(self, train, ctx)
    }
}

impl Detector for CnnAutoencoderValidParams {
    fn name(&self) -> &str {
        CnnAutoencoderParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

#[cfg(test)]
mod tests {
    //! Parity with PyTorch: `tests/fixtures/cnn_parity.txt` holds the weights, one batch, the
    //! loss, every gradient and three Adam steps of the peer's `CNNAE` layer stack (4 / 8
    //! channels). burn stores convolution weights in PyTorch's layout.

    use std::collections::HashMap;

    use burn::module::Param;
    use burn::tensor::{Device, Tensor, TensorData};

    use super::{CnnAutoencoderValidParams, CnnNet};
    use crate::nn::{values, Noise};
    use crate::parity::{assert_adam_steps, assert_close, batch, fixture, tensor};
    use crate::train::{TrainConfig, TrainModel};
    use crate::Settings;

    /// PyTorch's names of (conv1, conv2, deconv1, deconv2) in its `Sequential`.
    const TORCH: [&str; 4] = ["net.0", "net.2", "net.4", "net.6"];

    /// The fixture's weights in a `CnnNet` (W, d, channels from `shape`, kernel 7).
    fn load(f: &HashMap<String, Vec<f32>>, device: &Device) -> CnnNet {
        let s = &f["shape"];
        let (w, d, c) = (s[1] as usize, s[2] as usize, s[3] as usize);
        let settings = Settings::new(TrainConfig::new(1, 1, 1e-3, 0.0));
        let p = CnnAutoencoderValidParams { channels: c, kernel: 7, settings };
        let mut net = CnnNet::new(&mut oddity_core::rng(0), w, d, &p, device);
        let param = |name: &str, shape: [usize; 3]| {
            let v = f[&format!("param.{name}.weight")].clone();
            let b = f[&format!("param.{name}.bias")].clone();
            let n = b.len();
            (
                Param::from_data(TensorData::new(v, shape), device),
                Some(Param::from_data(TensorData::new(b, [n]), device)),
            )
        };
        (net.conv1.weight, net.conv1.bias) = param(TORCH[0], [c, d, 7]);
        (net.conv2.weight, net.conv2.bias) = param(TORCH[1], [2 * c, c, 7]);
        (net.deconv1.weight, net.deconv1.bias) = param(TORCH[2], [2 * c, c, 7]);
        (net.deconv2.weight, net.deconv2.bias) = param(TORCH[3], [c, d, 7]);
        net
    }

    #[test]
    fn loss_and_gradients_match_pytorch() {
        // Measured: loss equal, gradients within 1.8e-7 of each tensor's largest magnitude.
        let f = fixture("cnn_parity.txt");
        let device = Device::flex().autodiff();
        let net = load(&f, &device);
        let loss = net.loss(tensor(&batch(&f), &device), &mut Noise::inert());
        let grads = loss.clone().backward();
        assert_close(&values(loss), &f["loss"], 1e-6, "loss");
        let grad = |p: &Param<Tensor<3>>| values(p.val().grad(&grads).expect("gradient"));
        let grad1 = |p: &Option<Param<Tensor<1>>>| {
            values(p.as_ref().expect("bias").val().grad(&grads).expect("gradient"))
        };
        let layers = [
            (&net.conv1.weight, &net.conv1.bias),
            (&net.conv2.weight, &net.conv2.bias),
            (&net.deconv1.weight, &net.deconv1.bias),
            (&net.deconv2.weight, &net.deconv2.bias),
        ];
        for ((w, b), name) in layers.into_iter().zip(TORCH) {
            let (gw, gb) = (format!("grad.{name}.weight"), format!("grad.{name}.bias"));
            assert_close(&grad(w), &f[&gw], 1e-5, &gw);
            assert_close(&grad1(b), &f[&gb], 1e-5, &gb);
        }
    }

    #[test]
    fn three_adam_steps_match_pytorch() {
        // Measured: equal to PyTorch's f32 losses as printed (9 digits).
        let f = fixture("cnn_parity.txt");
        let device = Device::flex().autodiff();
        assert_adam_steps(load(&f, &device), &f, &device, 2e-6);
    }
}
