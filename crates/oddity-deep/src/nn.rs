//! Building blocks shared by the models: seeded initialisation from oddity's own generator,
//! noise (dropout masks, Gaussian samples) from the same generator, conversions between
//! ndarray and tensors, and an LSTM layer restructured for speed.
//!
//! Every random number of a fit comes from an `oddity_core::Rng` seeded with the job's seed,
//! never from burn's process-global generator, so concurrent jobs cannot disturb each other.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use oddity_core::Rng;
use rand::Rng as _;

/// `shape`-many draws of U(−bound, bound) as tensor data.
fn uniform(rng: &mut Rng, shape: Vec<usize>, bound: f64) -> TensorData {
    let n = shape.iter().product();
    TensorData::new(uniform_vec(rng, n, bound), shape)
}

/// `n` draws of U(−bound, bound).
fn uniform_vec(rng: &mut Rng, n: usize, bound: f64) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(-bound..bound) as f32).collect()
}

/// Standard normal draws (Box–Muller), `n` of them.
pub(crate) fn normal(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
        let u2: f64 = rng.gen::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        out.push((r * a.cos()) as f32);
        out.push((r * a.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// A dense layer `d_in → d_out` initialised like PyTorch's `nn.Linear`
/// (weight and bias ~ U(±1/√d_in)).
pub(crate) fn linear(
    rng: &mut Rng,
    d_in: usize,
    d_out: usize,
    bias: bool,
    device: &Device,
) -> Linear {
    let mut layer = LinearConfig::new(d_in, d_out).with_bias(bias).init(device);
    let bound = 1.0 / (d_in as f64).sqrt();
    layer.weight = Param::from_data(uniform(rng, vec![d_in, d_out], bound), device);
    if bias {
        layer.bias = Some(Param::from_data(uniform(rng, vec![d_out], bound), device));
    }
    layer
}

/// A 1-D convolution initialised like PyTorch's `nn.Conv1d` (U(±1/√(c_in·k))).
pub(crate) fn conv1d(
    rng: &mut Rng,
    c_in: usize,
    c_out: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    device: &Device,
) -> Conv1d {
    let mut layer = Conv1dConfig::new(c_in, c_out, kernel)
        .with_stride(stride)
        .with_padding(PaddingConfig1d::Explicit(padding, padding))
        .init(device);
    let bound = 1.0 / ((c_in * kernel) as f64).sqrt();
    layer.weight = Param::from_data(uniform(rng, vec![c_out, c_in, kernel], bound), device);
    layer.bias = Some(Param::from_data(uniform(rng, vec![c_out], bound), device));
    layer
}

/// A 1-D transposed convolution initialised like PyTorch's `nn.ConvTranspose1d`
/// (U(±1/√(c_out·k)), PyTorch's fan-in of a transposed weight).
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_transpose1d(
    rng: &mut Rng,
    c_in: usize,
    c_out: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    padding_out: usize,
    device: &Device,
) -> ConvTranspose1d {
    let mut layer = ConvTranspose1dConfig::new([c_in, c_out], kernel)
        .with_stride(stride)
        .with_padding(padding)
        .with_padding_out(padding_out)
        .init(device);
    let bound = 1.0 / ((c_out * kernel) as f64).sqrt();
    layer.weight = Param::from_data(uniform(rng, vec![c_in, c_out, kernel], bound), device);
    layer.bias = Some(Param::from_data(uniform(rng, vec![c_out], bound), device));
    layer
}

/// The random draws a training step needs, from the fit's own generator.
pub struct Noise {
    rng: Rng,
}

impl Noise {
    /// Noise from `rng`.
    pub(crate) fn new(rng: Rng) -> Self {
        Self { rng }
    }

    /// Noise for evaluation, where nothing is drawn (dropout is the identity off the
    /// autodiff device).
    pub(crate) fn inert() -> Self {
        Self { rng: oddity_core::rng(0) }
    }

    /// Inverted dropout: zeroes each entry with probability `prob` and scales the kept ones
    /// by `1 / (1 − prob)`. Identity when `prob` is 0 or the tensor is not on an autodiff
    /// device (scoring).
    pub fn dropout(&mut self, x: Tensor<2>, prob: f64) -> Tensor<2> {
        if prob <= 0.0 || !x.device().is_autodiff() {
            return x;
        }
        let [b, k] = x.dims();
        let keep = (1.0 / (1.0 - prob)) as f32;
        let mask: Vec<f32> =
            (0..b * k).map(|_| if self.rng.gen::<f64>() < prob { 0.0 } else { keep }).collect();
        let mask = Tensor::<2>::from_data(TensorData::new(mask, [b, k]), &x.device());
        x * mask
    }

    /// A `[b, k]` tensor of standard normal draws on `device`.
    pub fn gaussian(&mut self, b: usize, k: usize, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(normal(&mut self.rng, b * k), [b, k]), device)
    }
}

/// A `[rows, cols]` f32 tensor from row-major values.
pub(crate) fn matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

/// The f32 values of a tensor, row-major.
pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().expect("float tensors hold f32 on every oddity device")
}

/// One LSTM layer with PyTorch's initialisation (U(±1/√h)) and the gate blocks ordered
/// (input, forget, output, cell), restructured for burn: the two biases are added once per
/// use, the four gates are one `[·, 4h]` block (one product per input per step, one sigmoid over the
/// block), and no step ever slices a tensor that needs a gradient larger than its own gate
/// block (the backward of a slice writes a zero tensor of the full source size: slicing
/// one `[b, W, 4h]` projection per step made the backward pass quadratic in W).
#[derive(Module, Debug)]
pub struct LstmLayer {
    /// Input weights, `[d_in, 4h]`.
    pub w_ih: Param<Tensor<2>>,
    /// Recurrent weights, `[h, 4h]`.
    pub w_hh: Param<Tensor<2>>,
    /// Input bias `b_ih`, `[4h]`.
    pub b_ih: Param<Tensor<1>>,
    /// Recurrent bias `b_hh`, `[4h]`. The two are separate parameters as in PyTorch: Adam
    /// moves each by its own normalised step, so their sum (what the cell sees) moves twice
    /// as far per update as one merged bias would.
    pub b_hh: Param<Tensor<1>>,
    /// Hidden size.
    pub hidden: usize,
}

impl LstmLayer {
    /// A layer `d_in → hidden`.
    pub(crate) fn new(rng: &mut Rng, d_in: usize, hidden: usize, device: &Device) -> Self {
        let bound = 1.0 / (hidden as f64).sqrt();
        let w_ih = uniform(rng, vec![d_in, 4 * hidden], bound);
        let w_hh = uniform(rng, vec![hidden, 4 * hidden], bound);
        // PyTorch has two bias vectors, each U(±1/√h); their sum is what the cell sees.
        let b_ih = uniform(rng, vec![4 * hidden], bound);
        let b_hh = uniform(rng, vec![4 * hidden], bound);
        Self {
            w_ih: Param::from_data(w_ih, device),
            w_hh: Param::from_data(w_hh, device),
            b_ih: Param::from_data(b_ih, device),
            b_hh: Param::from_data(b_hh, device),
            hidden,
        }
    }

    /// `b_ih + b_hh`, `[4h]`.
    pub(crate) fn bias(&self) -> Tensor<1> {
        self.b_ih.val() + self.b_hh.val()
    }

    /// The input projection `x W_ih + b` of one step's `[b, d_in]` input: `[b, 4h]`.
    pub(crate) fn project(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.w_ih.val()) + self.bias().unsqueeze()
    }

    /// Runs the layer over `input` (`[b, T, d]`, or `[b, 1, d]` used at each of the `steps`
    /// steps) as one fused operation, input projection included; returns the hidden states
    /// `[b, T, h]`. Only on burn's Flex CPU backend (see
    /// [`crate::flex_host::available`]).
    pub(crate) fn run_fused(&self, input: Tensor<3>, steps: usize) -> Tensor<3> {
        crate::lstm_op::layer(input, self.w_ih.val(), self.bias(), self.w_hh.val(), steps)
    }

    /// Runs the recurrence over projected inputs given per step by `input(t)` (`[b, 4h]`,
    /// see [`LstmLayer::project`]), from zero states; returns the hidden states of every step.
    pub(crate) fn run(
        &self,
        steps: usize,
        mut input: impl FnMut(usize) -> Tensor<2>,
    ) -> Vec<Tensor<2>> {
        let h_size = self.hidden;
        let w_hh = self.w_hh.val();
        let mut outputs = Vec::with_capacity(steps);
        let mut h: Option<Tensor<2>> = None;
        let mut c: Option<Tensor<2>> = None;
        for t in 0..steps {
            let gates = match &h {
                Some(h) => input(t) + h.clone().matmul(w_hh.clone()),
                None => input(t),
            };
            // Gate blocks in the order (input, forget, output | cell): one sigmoid over the
            // first 3h columns, one tanh over the last h (burn-flex evaluates both with scalar
            // libm calls, the largest cost after the products).
            let act = sigmoid(gates.clone().narrow(1, 0, 3 * h_size));
            let i = act.clone().narrow(1, 0, h_size);
            let o = act.clone().narrow(1, 2 * h_size, h_size);
            let g = gates.narrow(1, 3 * h_size, h_size).tanh();
            let c_new = match c {
                Some(c) => act.narrow(1, h_size, h_size) * c + i * g,
                None => i * g,
            };
            let h_new = o * c_new.clone().tanh();
            outputs.push(h_new.clone());
            h = Some(h_new);
            c = Some(c_new);
        }
        outputs
    }
}
