//! The 1-D convolutional autoencoder over windows.

use burn::module::Module;
use burn::nn::conv::{Conv1d, ConvTranspose1d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector, Rng};

use crate::conv_op;
use crate::error::at_least;
use crate::fit::{f32_rows, fit};
use crate::nn::{conv1d, conv_transpose1d, Noise};
use crate::sequence::{mse_loss, window_shape, FittedSequence, SequenceNet};
use crate::train::TrainModel;
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
    fn new(rng: &mut Rng, w: usize, d: usize, p: &CnnAutoencoderParams, dev: &Device) -> Self {
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

/// Checked parameters of [`CnnAutoencoder`].
#[derive(Debug, Clone, PartialEq)]
pub struct CnnAutoencoderParams {
    /// Channels of the first convolution (32); the second has twice as many.
    pub channels: usize,
    /// Kernel size (odd, ≥ 3; padding is `kernel / 2`).
    pub kernel: usize,
    /// Training and device settings.
    pub settings: Settings,
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
#[derive(Debug, Clone, PartialEq)]
pub struct CnnAutoencoder(pub CnnAutoencoderParams);

impl CnnAutoencoder {
    /// Checks `params`: channels ≥ 1, odd kernel ≥ 3.
    pub fn new(channels: i64, kernel: i64, settings: Settings) -> Result<Self, DeepError> {
        let channels = at_least("channels", channels, 1)?;
        let kernel = at_least("kernel", kernel, 3)?;
        if kernel.is_multiple_of(2) {
            return Err(DeepError::OutOfRange {
                name: "kernel",
                range: "odd numbers",
                value: kernel as f64,
            });
        }
        Ok(Self(CnnAutoencoderParams { channels, kernel, settings }))
    }
}

impl CnnAutoencoder {
    /// Fits on `train` (flattened windows, [`Dataset::window`] set) and returns the typed
    /// fitted model (with its loss history).
    pub fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<FittedSequence<CnnNet>, Error> {
        let (w, d) = window_shape(train, "cnn_autoencoder")?;
        if !w.is_multiple_of(4) {
            return Err(DeepError::OutOfRange {
                name: "window",
                range: "multiples of 4 (two stride-2 layers)",
                value: w as f64,
            }
            .into());
        }
        let rows = f32_rows(train)?;
        let p = &self.0;
        let trained = fit(&rows, ctx, &p.settings.train, &p.settings.device, |rng, dev, _| {
            CnnNet::new(rng, w, d, p, dev)
        })?;
        Ok(FittedSequence { trained, window: w })
    }
}

impl Detector for CnnAutoencoder {
    fn name(&self) -> &str {
        "cnn_autoencoder"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}
