//! The LSTM encoder–decoder autoencoder over windows.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Device;
use burn::tensor::Tensor;
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector, Rng};

use crate::error::at_least;
use crate::fit::{f32_rows, fit};
use crate::nn::{linear, LstmLayer, Noise};
use crate::sequence::{mse_loss, window_shape, FittedSequence, SequenceNet};
use crate::train::TrainModel;
use crate::{DeepError, Settings};

/// Encoder LSTM (`d → h`, L layers); the top layer's last hidden state repeated W times
/// feeds the decoder LSTM (`h → h`, L layers), then `Linear(h → d)` at every step.
#[derive(Module, Debug)]
pub struct LstmNet {
    encoder: Vec<LstmLayer>,
    decoder: Vec<LstmLayer>,
    output: Linear,
}

impl LstmNet {
    fn new(rng: &mut Rng, d: usize, hidden: usize, layers: usize, dev: &Device) -> Self {
        let encoder =
            (0..layers).map(|l| LstmLayer::new(rng, if l == 0 { d } else { hidden }, hidden, dev));
        let encoder = encoder.collect();
        let decoder = (0..layers).map(|_| LstmLayer::new(rng, hidden, hidden, dev)).collect();
        Self { encoder, decoder, output: linear(rng, hidden, d, true, dev) }
    }

    /// Runs a stack of layers; the first layer's projected input is `first(t)`, every
    /// other layer projects the hidden states of the layer below step by step.
    fn stack(
        layers: &[LstmLayer],
        steps: usize,
        first: impl FnMut(usize) -> Tensor<2>,
    ) -> Vec<Tensor<2>> {
        let mut hs = layers[0].run(steps, first);
        for layer in &layers[1..] {
            let below = hs;
            hs = layer.run(steps, |t| layer.project(below[t].clone()));
        }
        hs
    }

    /// Runs a stack of layers with the fused operation over `input` (`[b, W, d]`, or
    /// `[b, 1, d]` repeated); returns the top layer's states `[b, W, h]`.
    fn stack_fused(layers: &[LstmLayer], input: Tensor<3>, steps: usize) -> Tensor<3> {
        layers.iter().fold(input, |x, layer| layer.run_fused(x, steps))
    }

    /// [`LstmNet::reconstruct_flat`] with the fused layers of burn's CPU backend.
    fn reconstruct_fused(&self, x: Tensor<2>, w: usize) -> Tensor<3> {
        let [b, k] = x.dims();
        let (d, h) = (k / w, self.decoder[0].hidden);
        let enc = Self::stack_fused(&self.encoder, x.reshape([b, w, d]), w);
        // The top encoder state after the last step is the decoder's input at every step.
        let z = enc.narrow(1, w - 1, 1); // [b, 1, h]
        let dec = Self::stack_fused(&self.decoder, z, w);
        self.output.forward(dec.reshape([b * w, h])).reshape([b, w, d])
    }

    /// The reconstruction of a `[b, W·d]` batch of flattened windows as `[b, W, d]`.
    fn reconstruct_flat(&self, x: Tensor<2>, w: usize) -> Tensor<3> {
        if crate::flex_host::available(&x.device()) {
            return self.reconstruct_fused(x, w);
        }
        let [b, k] = x.dims();
        let d = k / w;
        let first = &self.encoder[0];
        // The input needs no gradient: slicing it per step costs only the step's values.
        let enc = Self::stack(&self.encoder, w, |t| first.project(x.clone().narrow(1, t * d, d)));
        let z = enc.last().expect("W >= 2 steps").clone(); // [b, h]
                                                           // The decoder's input is z at every step: its projection is computed once.
        let dec0 = &self.decoder[0];
        let zp = dec0.project(z);
        let dec = Self::stack(&self.decoder, w, |_| zp.clone());
        let h = dec0.hidden;
        let y: Tensor<3> = Tensor::stack(dec, 1); // [b, W, h]
        self.output.forward(y.reshape([b * w, h])).reshape([b, w, d])
    }
}

impl SequenceNet for LstmNet {
    fn reconstruct(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, w, d] = x.dims();
        self.reconstruct_flat(x.reshape([b, w * d]), w)
    }
}

impl TrainModel for LstmNet {
    fn loss(&self, batch: Tensor<2>, _noise: &mut Noise) -> Tensor<1> {
        let w = batch.dims()[1] / self.output.weight.dims()[1];
        mse_loss(self, batch, w)
    }
}

/// Checked parameters of [`LstmAutoencoder`].
#[derive(Debug, Clone, PartialEq)]
pub struct LstmAutoencoderParams {
    /// Hidden size of every LSTM layer (64).
    pub hidden: usize,
    /// Layers of the encoder and of the decoder (2).
    pub layers: usize,
    /// Training and device settings.
    pub settings: Settings,
}

/// LSTM encoder–decoder autoencoder over sliding windows (Malhotra et al., *LSTM-based
/// Encoder-Decoder for Multi-sensor Anomaly Detection*, ICML workshop 2016; the PyTorch
/// peer's `lstm_ae`): a 2-layer LSTM encodes the window, its top layer's last hidden state
/// is repeated at every step as the input of a 2-layer LSTM decoder, and a linear layer maps
/// each decoder state back to the d features. Needs `window = W` on the method.
///
/// **Score:** per window, the squared reconstruction error at every step (mean over
/// features); each time step gets the mean (or max) of the errors at that step of the windows
/// covering it (see `FittedDetector::score_steps`). Row scores (`score`) are the window MSE.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmAutoencoder(pub LstmAutoencoderParams);

impl LstmAutoencoder {
    /// Checks `params`: hidden ≥ 1, layers ≥ 1.
    pub fn new(hidden: i64, layers: i64, settings: Settings) -> Result<Self, DeepError> {
        let hidden = at_least("hidden", hidden, 1)?;
        let layers = at_least("layers", layers, 1)?;
        Ok(Self(LstmAutoencoderParams { hidden, layers, settings }))
    }
}

impl LstmAutoencoder {
    /// Fits on `train` (flattened windows, [`Dataset::window`] set) and returns the typed
    /// fitted model (with its loss history).
    pub fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<FittedSequence<LstmNet>, Error> {
        let (w, d) = window_shape(train, "lstm_autoencoder")?;
        let rows = f32_rows(train)?;
        let p = &self.0;
        let trained = fit(&rows, ctx, &p.settings.train, &p.settings.device, |rng, dev, _| {
            LstmNet::new(rng, d, p.hidden, p.layers, dev)
        })?;
        Ok(FittedSequence { trained, window: w })
    }
}

impl Detector for LstmAutoencoder {
    fn name(&self) -> &str {
        "lstm_autoencoder"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}
