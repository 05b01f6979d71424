//! The DIF detector: Deep Isolation Forest, isolation forests on random untrained network
//! representations, scored with the deviation-enhanced rule of PyOD's `DIF`.

use ndarray::{concatenate, Array2, ArrayView2, Axis};
use oddity_core::{
    derive_seed, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError,
};
use rayon::prelude::*;

use crate::isolation::{
    average_path_length, draw_axis_split, height_limit, subsample, TreeRng, MAX_SAMPLES, MAX_TREES,
};
use crate::neighbors::pool;

/// The activation of the hidden layers of DIF's networks ([`DifParams::hidden_activation`]),
/// the element-wise ones of PyOD's `get_activation_by_name` with its default constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DifActivation {
    /// `tanh(x)` (PyOD's default for DIF).
    Tanh,
    /// `max(x, 0)`.
    Relu,
    /// `1 / (1 + e^(−x))`.
    Sigmoid,
    /// `x` for `x ≥ 0`, `0.01 x` otherwise.
    LeakyRelu,
    /// `x` for `x > 0`, `e^x − 1` otherwise.
    Elu,
    /// `ln(1 + e^x)`, `x` itself above 20 (torch's `Softplus()`).
    Softplus,
    /// `x`.
    Identity,
}

impl ParamChoice for DifActivation {
    const ALL: &'static [Self] = &[
        Self::Tanh,
        Self::Relu,
        Self::Sigmoid,
        Self::LeakyRelu,
        Self::Elu,
        Self::Softplus,
        Self::Identity,
    ];
    const NAMES: &'static [&'static str] =
        &["tanh", "relu", "sigmoid", "leaky_relu", "elu", "softplus", "identity"];
}

/// The clamp of [`tanh_f32`]: beyond it `tanh` rounds to ±1 in `f32`.
const TANH_CLAMP: f32 = 7.905_311;

/// `tanh` in `f32` by the odd rational minimax approximation of Eigen's
/// `generic_fast_tanh_float` (degree 13 over degree 6 on `[−7.905, 7.905]`, clamped
/// outside): within 5·10⁻⁷ of the exact value, branch-free, so a loop over a slice of it
/// vectorises (libm's `tanhf` took three quarters of the network's time).
#[inline]
fn tanh_f32(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const BETA: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347e-4, 1.198_258_4e-6];
    let x = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let x2 = x * x;
    let mut p = ALPHA[6];
    for a in ALPHA[..6].iter().rev() {
        p = p * x2 + a;
    }
    let mut q = BETA[3];
    for b in BETA[..3].iter().rev() {
        q = q * x2 + b;
    }
    x * p / q
}

impl DifActivation {
    /// Applies the activation to every value of `a`.
    fn apply_all(self, a: &mut Array2<f32>) {
        let values = a.as_slice_mut().expect("a fresh product is contiguous");
        match self {
            Self::Tanh => values.iter_mut().for_each(|v| *v = tanh_f32(*v)),
            other => values.iter_mut().for_each(|v| *v = other.apply(*v)),
        }
    }

    fn apply(self, v: f32) -> f32 {
        match self {
            Self::Tanh => tanh_f32(v),
            Self::Relu => v.max(0.0),
            Self::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            Self::LeakyRelu => {
                if v >= 0.0 {
                    v
                } else {
                    0.01 * v
                }
            }
            Self::Elu => {
                if v > 0.0 {
                    v
                } else {
                    v.exp_m1()
                }
            }
            Self::Softplus => {
                if v > 20.0 {
                    v
                } else {
                    v.exp().ln_1p()
                }
            }
            Self::Identity => v,
        }
    }
}

/// Parameters of the `dif` detector ([`DifValidParams`] once checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DifParams(DifValidParams);

impl Default for DifParams {
    /// PyOD 3.6.7's `DIF()`: 50 networks `d → 500 → 100 → 20` with tanh, 6 trees of 256
    /// rows on each representation, batches of 1000 rows.
    fn default() -> Self {
        Self(DifValidParams {
            n_ensemble: 50,
            n_estimators: 6,
            max_samples: 256,
            hidden_neurons: vec![500, 100],
            representation_dim: 20,
            hidden_activation: DifActivation::Tanh,
            skip_connection: false,
            batch_size: 1000,
        })
    }
}

impl DifParams {
    /// Number of random networks, each with its own representation and forest (between 1
    /// and 10⁴).
    pub fn n_ensemble(mut self, n_ensemble: usize) -> Self {
        self.0.n_ensemble = n_ensemble;
        self
    }

    /// Trees per representation (between 1 and 10⁶).
    pub fn n_estimators(mut self, n_estimators: usize) -> Self {
        self.0.n_estimators = n_estimators;
        self
    }

    /// Subsample size per tree; `min(max_samples, n)` rows are used (between 1 and 2³⁰).
    pub fn max_samples(mut self, max_samples: usize) -> Self {
        self.0.max_samples = max_samples;
        self
    }

    /// Widths of the hidden layers, input side first (each between 1 and 65536; empty = one
    /// linear layer from the features to the representation).
    pub fn hidden_neurons(mut self, hidden_neurons: Vec<usize>) -> Self {
        self.0.hidden_neurons = hidden_neurons;
        self
    }

    /// Width of the representation each forest isolates (between 1 and 65536).
    pub fn representation_dim(mut self, representation_dim: usize) -> Self {
        self.0.representation_dim = representation_dim;
        self
    }

    /// Activation of every hidden layer (the output layer has none).
    pub fn hidden_activation(mut self, hidden_activation: DifActivation) -> Self {
        self.0.hidden_activation = hidden_activation;
        self
    }

    /// When set, every hidden layer passes its input on beside its output (PyOD's
    /// `skip_connection`: the next layer reads `[input, output]`).
    pub fn skip_connection(mut self, skip_connection: bool) -> Self {
        self.0.skip_connection = skip_connection;
        self
    }

    /// Rows passed through a network at a time (≥ 1): bounds memory, never changes a score.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }
}

/// The largest accepted ensemble, a sanity bound.
const MAX_ENSEMBLE: usize = 10_000;
/// The largest accepted layer width, a sanity bound.
const MAX_WIDTH: usize = 1 << 16;

/// A rejected [`DifParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DifParamsError {
    /// Occurs when `n_ensemble` is 0 or above 10⁴.
    #[error("parameter `n_ensemble`: must be between 1 and 10000, got {0}")]
    NEnsemble(usize),
    /// Occurs when `n_estimators` is 0 or above 10⁶.
    #[error("parameter `n_estimators`: must be between 1 and 1000000, got {0}")]
    NEstimators(usize),
    /// Occurs when `max_samples` is 0 or above 2³⁰.
    #[error("parameter `max_samples`: must be between 1 and 1073741824, got {0}")]
    MaxSamples(usize),
    /// Occurs when a hidden width is 0 or above 65536.
    #[error("parameter `hidden_neurons`: every width must be between 1 and 65536, got {0:?}")]
    HiddenNeurons(Vec<usize>),
    /// Occurs when `representation_dim` is 0 or above 65536.
    #[error("parameter `representation_dim`: must be between 1 and 65536, got {0}")]
    RepresentationDim(usize),
    /// Occurs when `batch_size` is 0.
    #[error("parameter `batch_size`: must be at least 1, got {0}")]
    BatchSize(usize),
}

impl ParamsError for DifParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::NEnsemble(_) => "n_ensemble",
            Self::NEstimators(_) => "n_estimators",
            Self::MaxSamples(_) => "max_samples",
            Self::HiddenNeurons(_) => "hidden_neurons",
            Self::RepresentationDim(_) => "representation_dim",
            Self::BatchSize(_) => "batch_size",
        }
    }
}

/// `widths` as config text (`"500,100"`; empty for no hidden layer).
fn widths_text(widths: &[usize]) -> String {
    widths.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// The widths of config text `"500,100"` (empty text: no hidden layer).
fn parse_widths(text: &str) -> Result<Vec<usize>, Error> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| Error::InvalidParameter {
                name: "hidden_neurons".into(),
                reason: format!("expected comma-separated widths >= 1, got `{text}`"),
            })
        })
        .collect()
}

impl DetectorParams for DifParams {
    const NAME: &'static str = "dif";
    const SUMMARY: &'static str = "deep isolation forest (Xu et al. 2023, as PyOD DIF): isolation forests on random untrained network representations, deviation-enhanced scores";
    type Valid = DifValidParams;
    type Fitted = FittedDif;
    type Error = DifParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let p = &self.0;
        vec![
            ParamSpec::count(
                "n_ensemble",
                p.n_ensemble,
                "number of random networks, one representation and forest each (>= 1)",
            ),
            ParamSpec::count("n_estimators", p.n_estimators, "trees per representation (>= 1)"),
            ParamSpec::count(
                "max_samples",
                p.max_samples,
                "rows per tree, min(max_samples, n) are used (>= 1)",
            ),
            ParamSpec::text(
                "hidden_neurons",
                widths_text(&p.hidden_neurons),
                "hidden layer widths, comma separated (empty: one linear layer)",
            ),
            ParamSpec::count(
                "representation_dim",
                p.representation_dim,
                "width of the representation the forests isolate (>= 1)",
            ),
            ParamSpec::choice(
                "hidden_activation",
                p.hidden_activation,
                "activation of every hidden layer",
            ),
            ParamSpec::bool(
                "skip_connection",
                p.skip_connection,
                "each hidden layer passes its input on beside its output",
            ),
            ParamSpec::count(
                "batch_size",
                p.batch_size,
                "rows through a network at a time (memory only; scores do not depend on it)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .n_ensemble(p.usize("n_ensemble")?)
            .n_estimators(p.usize("n_estimators")?)
            .max_samples(p.usize("max_samples")?)
            .hidden_neurons(parse_widths(p.str("hidden_neurons")?)?)
            .representation_dim(p.usize("representation_dim")?)
            .hidden_activation(p.choice("hidden_activation")?)
            .skip_connection(p.bool("skip_connection")?)
            .batch_size(p.usize("batch_size")?))
    }

    fn check(self) -> Result<DifValidParams, DifParamsError> {
        let p = self.0;
        if !(1..=MAX_ENSEMBLE).contains(&p.n_ensemble) {
            return Err(DifParamsError::NEnsemble(p.n_ensemble));
        }
        if !(1..=MAX_TREES).contains(&p.n_estimators) {
            return Err(DifParamsError::NEstimators(p.n_estimators));
        }
        if !(1..=MAX_SAMPLES).contains(&p.max_samples) {
            return Err(DifParamsError::MaxSamples(p.max_samples));
        }
        if !p.hidden_neurons.iter().all(|w| (1..=MAX_WIDTH).contains(w)) {
            return Err(DifParamsError::HiddenNeurons(p.hidden_neurons));
        }
        if !(1..=MAX_WIDTH).contains(&p.representation_dim) {
            return Err(DifParamsError::RepresentationDim(p.representation_dim));
        }
        if p.batch_size == 0 {
            return Err(DifParamsError::BatchSize(0));
        }
        Ok(p)
    }
}

/// Deep Isolation Forest (Xu, Pang, Wang and Wang, "Deep Isolation Forest for Anomaly
/// Detection", IEEE TKDE 2023), as PyOD 3.6.7's `DIF()`.
///
/// **Fit.** The training columns are min-max scaled to `[0, 1]` (scikit-learn's
/// `MinMaxScaler`: a constant column gets scale 1). Each of the `n_ensemble` members draws a
/// random network that is never trained: bias-free linear layers
/// `d → hidden_neurons… → representation_dim`, every weight standard normal (PyOD re-draws
/// torch's default initialisation with `normal_(0, 1)`, and its `MLPnet` has no bias), the
/// hidden activation after every hidden layer and none after the last; computed in `f32`,
/// as torch (`tanh` by a rational approximation within 5·10⁻⁷ of the exact value). The
/// representation of the training rows is standardised per column (mean and population
/// standard deviation, 0 → 1, as scikit-learn's `StandardScaler`) and passed through
/// `tanh` (exact, in `f64`); on it the member grows `n_estimators` isolation trees, each on
/// `ψ = min(max_samples, n)` rows drawn without replacement, split by a feature drawn
/// uniformly among those not constant in the node at a threshold uniform in its range there,
/// up to depth `⌈log2 ψ⌉` (scikit-learn's `IsolationForest` with `max_features = 1.0`).
///
/// **Score** (PyOD's `_cal_score`). For member `m` and a row, each tree gives the path
/// length `h_t` (depth of the leaf reached plus `c(leaf size)`, [`crate::average_path_length`])
/// and the deviation `g_t = Σ |z_f − τ| / (k + 10⁻⁶)` over the `k` internal nodes on the
/// path whose `|z_f − τ|` is not 0 (`z_f` the representation value the node splits on, `τ`
/// its threshold); a tree that is a single leaf gives `h_t = g_t = 0`. The member's score
/// is `2^(−Σ_t h_t / (T c(ψ))) · (Σ_t g_t / T)` with `T = n_estimators` (0 when `c(ψ) = 0`),
/// and the row's score the mean over members, summed in member order. Higher is more
/// anomalous; scores are finite and non-negative.
///
/// **Difference from PyOD:** PyOD standardises the representation of the rows it scores
/// with *their own* mean and deviation (`StandardScaler().fit_transform` at every call, so
/// a row's score depends on the rows scored with it, and a single row always standardises
/// to 0); oddity keeps the training rows' mean and deviation, so every row scores on its
/// own. On the same rows as the fit both are the same. Scaled inputs are clamped to
/// `±10⁶` (far outside the training range `[0, 1]`) and a representation value that is
/// not a number (an overflow of an unbounded activation) counts as 0, so scores stay
/// finite. PyOD's `contamination` (a label threshold) is oddity's `[evaluate]` thresholds,
/// not a detector parameter.
///
/// Randomness: member `m` draws its weights from `derive_seed(ctx.seed, ["dif-net", m])`
/// and its tree `t` from `derive_seed(ctx.seed, ["dif-tree", m, t])`; members are fitted in
/// parallel on a local pool of `ctx.threads` threads and rows are scored in parallel blocks,
/// so the scores depend on the seed only, never on the thread count or the batch size.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use oddity_classical::DifParams;
/// use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
///
/// let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 7 + j * 3) % 20) as f64 / 10.0);
/// let train = Dataset::from_features("train", x);
/// let dif = DifParams::default().n_ensemble(5).hidden_neurons(vec![32]).check()?;
/// let fitted = dif.fit(&train, &FitContext::new(7))?;
/// let test = Array2::from_shape_vec((2, 3), vec![1.0, 1.0, 1.0, 9.0, -9.0, 9.0])?;
/// let scores = fitted.score(&Dataset::from_features("test", test))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DifValidParams {
    n_ensemble: usize,
    n_estimators: usize,
    max_samples: usize,
    hidden_neurons: Vec<usize>,
    representation_dim: usize,
    hidden_activation: DifActivation,
    skip_connection: bool,
    batch_size: usize,
}

impl DifValidParams {
    /// Number of random networks.
    pub fn n_ensemble(&self) -> usize {
        self.n_ensemble
    }

    /// Trees per representation.
    pub fn n_estimators(&self) -> usize {
        self.n_estimators
    }

    /// Subsample size per tree; `min(max_samples, n)` rows are used.
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// Widths of the hidden layers.
    pub fn hidden_neurons(&self) -> &[usize] {
        &self.hidden_neurons
    }

    /// Width of the representation.
    pub fn representation_dim(&self) -> usize {
        self.representation_dim
    }

    /// Activation of the hidden layers.
    pub fn hidden_activation(&self) -> DifActivation {
        self.hidden_activation
    }

    /// Whether hidden layers pass their input on.
    pub fn skip_connection(&self) -> bool {
        self.skip_connection
    }

    /// Rows passed through a network at a time.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedDif, Error> {
        train.check_finite()?;
        let x = train.features.as_standard_layout();
        let (n, d) = x.dim();
        if n >= 1 << 30 {
            return Err(Error::Fit(format!("dif supports fewer than 2^30 rows, got {n}")));
        }
        let scaler = MinMax::fit(x.view());
        let rows = x.as_slice().expect("standard layout is contiguous");
        let psi = self.max_samples.min(n);
        let member = |m: usize| -> Result<Member, Error> {
            let net = Net::draw(self, d, derive_seed(ctx.seed, &["dif-net", &m.to_string()]));
            let r = self.representation_dim;
            let mut rep = Vec::with_capacity(n * r);
            for batch in rows.chunks(self.batch_size * d) {
                rep.extend(net.forward(scaler.transform(batch, d).view()).iter().copied());
            }
            if let Some(i) = rep.iter().position(|v| !v.is_finite()) {
                return Err(Error::Fit(format!(
                    "dif: member {m}'s representation of training row {} is not finite",
                    i / r
                )));
            }
            let (mean, std) = column_mean_std(&rep, r);
            let z: Vec<f64> = rep
                .chunks_exact(r)
                .flat_map(|row| {
                    row.iter().zip(&mean).zip(&std).map(|((v, mu), s)| squash(*v, *mu, *s))
                })
                .collect();
            let trees = (0..self.n_estimators)
                .map(|t| {
                    let seed = derive_seed(ctx.seed, &["dif-tree", &m.to_string(), &t.to_string()]);
                    DevTree::grow(&z, r, psi, seed)
                })
                .collect();
            Ok(Member { net, mean, std, trees })
        };
        let members: Vec<Member> = if ctx.threads <= 1 {
            (0..self.n_ensemble).map(member).collect::<Result<_, _>>()?
        } else {
            pool(ctx.threads)?.install(|| {
                (0..self.n_ensemble).into_par_iter().map(member).collect::<Result<_, _>>()
            })?
        };
        Ok(FittedDif {
            scaler,
            members,
            n_features: d,
            psi,
            batch_size: self.batch_size,
            threads: ctx.threads.max(1),
        })
    }
}

impl Detector for DifValidParams {
    fn name(&self) -> &str {
        DifParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// Scaled inputs are clamped to this magnitude (the training rows scale into `[0, 1]`).
const INPUT_CLAMP: f64 = 1e6;

/// `tanh((v − mean) / std)`, with a value that is not a number counted as 0.
fn squash(v: f32, mean: f64, std: f64) -> f64 {
    let z = ((f64::from(v) - mean) / std).tanh();
    if z.is_nan() {
        0.0
    } else {
        z
    }
}

/// Per column of the row-major `n × r` values: the mean and the population standard
/// deviation (two passes, in `f64`; a deviation of 0 counts as 1).
fn column_mean_std(values: &[f32], r: usize) -> (Vec<f64>, Vec<f64>) {
    let n = (values.len() / r) as f64;
    let mut mean = vec![0.0; r];
    for row in values.chunks_exact(r) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += f64::from(*v));
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; r];
    for row in values.chunks_exact(r) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(*v) - m).powi(2);
        }
    }
    let std = var.iter().map(|s| (s / n).sqrt()).map(|s| if s > 0.0 { s } else { 1.0 }).collect();
    (mean, std)
}

/// scikit-learn's `MinMaxScaler` fitted on the training rows: `x · scale + shift`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct MinMax {
    scale: Vec<f64>,
    shift: Vec<f64>,
}

impl MinMax {
    fn fit(x: ArrayView2<f64>) -> Self {
        let (scale, shift) = x
            .columns()
            .into_iter()
            .map(|c| {
                let lo = c.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                // scikit-learn's `_handle_zeros_in_scale`: a range below 10 ε counts as 1.
                let range = hi - lo;
                let scale = if range < 10.0 * f64::EPSILON { 1.0 } else { 1.0 / range };
                (scale, -lo * scale)
            })
            .unzip();
        Self { scale, shift }
    }

    /// The scaled rows (row-major, `d` values each) in `f32`, clamped to `±INPUT_CLAMP`.
    fn transform(&self, rows: &[f64], d: usize) -> Array2<f32> {
        let b = rows.len() / d;
        let values = rows
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(&self.scale)
                    .zip(&self.shift)
                    .map(|((v, s), t)| (v * s + t).clamp(-INPUT_CLAMP, INPUT_CLAMP) as f32)
            })
            .collect();
        Array2::from_shape_vec((b, d), values).expect("b · d values")
    }
}

/// One random, untrained network: bias-free linear layers, `weights[l]` of shape
/// `in × out`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Net {
    weights: Vec<Array2<f32>>,
    activation: DifActivation,
    skip: bool,
}

impl Net {
    /// Draws the layers of `p` for `d` inputs, every weight standard normal.
    fn draw(p: &DifValidParams, d: usize, seed: u64) -> Self {
        let mut rng = TreeRng::new(seed);
        let mut weights = Vec::with_capacity(p.hidden_neurons.len() + 1);
        let mut width = d;
        for &out in p.hidden_neurons.iter().chain(std::iter::once(&p.representation_dim)) {
            weights.push(Array2::from_shape_simple_fn((width, out), || rng.normal() as f32));
            width = if p.skip_connection { width + out } else { out };
        }
        Self { weights, activation: p.hidden_activation, skip: p.skip_connection }
    }

    /// The representation of the rows of `x`.
    fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let last = self.weights.len() - 1;
        let mut h = x.to_owned();
        for (l, w) in self.weights.iter().enumerate() {
            let mut out = h.dot(w);
            if l == last {
                return out;
            }
            self.activation.apply_all(&mut out);
            h = if self.skip { concatenate![Axis(1), h, out] } else { out };
        }
        unreachable!("a network has at least its output layer")
    }
}

/// One node of a flat tree: internal nodes have `child > 0` (left; the right child is
/// `child + 1`) and `value` is the threshold on `feature` (`≤` goes left); a leaf has
/// `child == 0` and `value` = its depth + `c(size)`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct Node {
    value: f64,
    child: u32,
    feature: u32,
}

/// An isolation tree that also gives the deviations along a path (PyOD's `_cal_score`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct DevTree {
    nodes: Vec<Node>,
}

/// Uniform in `[0, 1)` with 53 random bits.
fn unit(rng: &mut TreeRng) -> f64 {
    rng.below(1 << 53) as f64 / (1u64 << 53) as f64
}

impl DevTree {
    /// Grows a tree on `psi` rows of the row-major `z` (`r` values a row), drawn without
    /// replacement.
    fn grow(z: &[f64], r: usize, psi: usize, seed: u64) -> Self {
        let mut rng = TreeRng::new(seed);
        let n = z.len() / r;
        let sample = subsample(&mut rng, n, psi);
        let mut grower = Grower {
            z,
            r,
            limit: height_limit(psi),
            rng,
            features: (0..r as u32).collect(),
            nodes: vec![Node { value: 0.0, child: 0, feature: 0 }],
        };
        let mut idx: Vec<u32> = sample.iter().map(|&i| i as u32).collect();
        grower.grow(0, &mut idx, 0);
        Self { nodes: grower.nodes }
    }

    /// The path length of `row` and its deviation `Σ |z_f − τ| / (k + 10⁻⁶)` over the `k`
    /// internal nodes on the path with a non-zero `|z_f − τ|`; `(0, 0)` for a single leaf.
    #[inline]
    fn walk(&self, row: &[f64]) -> (f64, f64) {
        if self.nodes.len() == 1 {
            return (0.0, 0.0);
        }
        let (mut i, mut sum, mut k) = (0usize, 0.0, 0u32);
        loop {
            let node = self.nodes[i];
            if node.child == 0 {
                return (node.value, sum / (f64::from(k) + 1e-6));
            }
            let v = row[node.feature as usize];
            let dev = (v - node.value).abs();
            sum += dev;
            k += u32::from(dev != 0.0);
            i = node.child as usize + usize::from(v > node.value);
        }
    }
}

struct Grower<'a> {
    /// The representation, row-major `n × r`.
    z: &'a [f64],
    r: usize,
    limit: usize,
    rng: TreeRng,
    /// Candidate features, reordered as constant ones are set aside.
    features: Vec<u32>,
    nodes: Vec<Node>,
}

impl Grower<'_> {
    /// Makes node `at` a leaf or splits it and grows its two children.
    fn grow(&mut self, at: usize, idx: &mut [u32], depth: usize) {
        let leaf =
            Node { value: depth as f64 + average_path_length(idx.len()), child: 0, feature: 0 };
        if idx.len() <= 1 || depth >= self.limit {
            self.nodes[at] = leaf;
            return;
        }
        let Some((feature, threshold)) = self.split(idx) else {
            self.nodes[at] = leaf;
            return;
        };
        let value = |i: u32| self.z[i as usize * self.r + feature as usize];
        let mut left = 0;
        for k in 0..idx.len() {
            if value(idx[k]) <= threshold {
                idx.swap(left, k);
                left += 1;
            }
        }
        let child = self.nodes.len();
        self.nodes.push(leaf);
        self.nodes.push(leaf);
        self.nodes[at] = Node { value: threshold, child: child as u32, feature };
        let (l, r) = idx.split_at_mut(left);
        self.grow(child, l, depth + 1);
        self.grow(child + 1, r, depth + 1);
    }

    /// Draws features until one varies over `idx` and returns it with a threshold uniform in
    /// `[min, max)`; `None` when every feature is constant there.
    fn split(&mut self, idx: &[u32]) -> Option<(u32, f64)> {
        let (z, r) = (self.z, self.r);
        draw_axis_split(&mut self.rng, unit, &mut self.features, idx, |i, f| {
            z[i as usize * r + f as usize]
        })
    }
}

/// One ensemble member: its network, the training representation's column means and
/// deviations, and its trees.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Member {
    net: Net,
    mean: Vec<f64>,
    std: Vec<f64>,
    trees: Vec<DevTree>,
}

/// A fitted [`DifValidParams`]: the input scaler and the members.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedDif {
    scaler: MinMax,
    members: Vec<Member>,
    n_features: usize,
    psi: usize,
    batch_size: usize,
    threads: usize,
}

crate::saved!(FittedDif, "dif");

impl FittedDif {
    /// Number of ensemble members.
    pub fn n_ensemble(&self) -> usize {
        self.members.len()
    }

    /// The subsample size `ψ = min(max_samples, n)` of every tree.
    pub fn subsample_size(&self) -> usize {
        self.psi
    }

    /// Total number of tree nodes over all members.
    pub fn n_nodes(&self) -> usize {
        self.members.iter().flat_map(|m| &m.trees).map(|t| t.nodes.len()).sum()
    }

    /// Adds each member's score of the rows (row-major, `d` values each) to `out`, in
    /// member order, and divides by the member count.
    fn score_block(&self, rows: &[f64], out: &mut [f64]) {
        let d = self.n_features;
        let x = self.scaler.transform(rows, d);
        let norm = average_path_length(self.psi);
        out.fill(0.0);
        for m in &self.members {
            let rep = m.net.forward(x.view());
            let t = m.trees.len() as f64;
            let r = m.mean.len();
            let mut z = vec![0.0; r];
            for (row, o) in rep.rows().into_iter().zip(out.iter_mut()) {
                for (j, zj) in z.iter_mut().enumerate() {
                    *zj = squash(row[j], m.mean[j], m.std[j]);
                }
                let (mut depth, mut dev) = (0.0, 0.0);
                for tree in &m.trees {
                    let (h, g) = tree.walk(&z);
                    depth += h;
                    dev += g;
                }
                let isolation = if norm > 0.0 { (-depth / (t * norm)).exp2() } else { 0.0 };
                *o += isolation * (dev / t);
            }
        }
        let e = self.members.len() as f64;
        out.iter_mut().for_each(|o| *o /= e);
    }
}

impl FittedDetector for FittedDif {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<ndarray::Array1<f64>, Error> {
        data.check_scoring(self.n_features)?;
        // Blocks of at most `batch_size` rows, small enough that every thread gets one.
        let block = self.batch_size.min(data.n_rows().div_ceil(self.threads)).max(1);
        crate::rows::score_blocks(data, block, self.threads, |rows, out| {
            self.score_block(rows, out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn small() -> DifParams {
        DifParams::default().n_ensemble(4).hidden_neurons(vec![16, 8]).representation_dim(5)
    }

    #[test]
    fn every_bad_field_is_a_typed_error() {
        let cases = [
            (DifParams::default().n_ensemble(0), DifParamsError::NEnsemble(0)),
            (DifParams::default().n_ensemble(10_001), DifParamsError::NEnsemble(10_001)),
            (DifParams::default().n_estimators(0), DifParamsError::NEstimators(0)),
            (DifParams::default().max_samples(0), DifParamsError::MaxSamples(0)),
            (
                DifParams::default().hidden_neurons(vec![500, 0]),
                DifParamsError::HiddenNeurons(vec![500, 0]),
            ),
            (DifParams::default().representation_dim(0), DifParamsError::RepresentationDim(0)),
            (DifParams::default().batch_size(0), DifParamsError::BatchSize(0)),
        ];
        for (params, want) in cases {
            let err = params.check().unwrap_err();
            assert_eq!(err.param(), want.param());
            assert_eq!(err, want);
        }
        assert!(DifParams::default().hidden_neurons(Vec::new()).check().is_ok());
    }

    #[test]
    fn widths_parse_from_config_text() {
        assert_eq!(parse_widths("500, 100").unwrap(), vec![500, 100]);
        assert_eq!(parse_widths("").unwrap(), Vec::<usize>::new());
        assert!(matches!(parse_widths("5,x"), Err(Error::InvalidParameter { .. })));
        assert_eq!(widths_text(&[500, 100]), "500,100");
    }

    #[test]
    fn activations_as_torch() {
        let a = |act: DifActivation, v: f32| act.apply(v);
        assert_eq!(a(DifActivation::Relu, -2.0), 0.0);
        assert_eq!(a(DifActivation::LeakyRelu, -2.0), -0.02);
        assert!((a(DifActivation::Sigmoid, 0.0) - 0.5).abs() < 1e-7);
        assert!((a(DifActivation::Elu, -1.0) - (-0.632_120_56)).abs() < 1e-6);
        assert_eq!(a(DifActivation::Softplus, 30.0), 30.0);
        assert!((a(DifActivation::Softplus, 0.0) - 2f32.ln()).abs() < 1e-7);
        assert_eq!(a(DifActivation::Identity, -3.5), -3.5);
        assert!((a(DifActivation::Tanh, 1.0) - 0.761_594_2).abs() < 1e-6);
    }

    #[test]
    fn fast_tanh_is_within_5e_7_of_tanh() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 5e-5;
            worst = worst.max((f64::from(tanh_f32(x)) - f64::from(x).tanh()).abs());
        }
        assert!(worst < 5e-7, "{worst}");
        assert_eq!(tanh_f32(50.0), tanh_f32(TANH_CLAMP));
        assert!((tanh_f32(-50.0) + 1.0).abs() < 1e-6);
        assert_eq!(tanh_f32(0.0), 0.0);
    }

    #[test]
    fn network_shapes_with_and_without_skip_connections() {
        let p = small().check().unwrap();
        let net = Net::draw(&p, 3, 1);
        let shapes: Vec<_> = net.weights.iter().map(|w| w.dim()).collect();
        assert_eq!(shapes, vec![(3, 16), (16, 8), (8, 5)]);
        let p = small().skip_connection(true).check().unwrap();
        let net = Net::draw(&p, 3, 1);
        let shapes: Vec<_> = net.weights.iter().map(|w| w.dim()).collect();
        // Layer i reads the features and every earlier hidden output (PyOD's MLPnet).
        assert_eq!(shapes, vec![(3, 16), (19, 8), (27, 5)]);
        let out = net.forward(Array2::<f32>::ones((4, 3)).view());
        assert_eq!(out.dim(), (4, 5));
        // No hidden layer: one linear map.
        let p = small().hidden_neurons(Vec::new()).check().unwrap();
        let net = Net::draw(&p, 2, 3);
        let x = array![[1.0f32, 0.0], [0.0, 1.0]];
        assert_eq!(net.forward(x.view()), net.weights[0]);
    }

    #[test]
    fn weights_are_standard_normal() {
        let p = DifParams::default().check().unwrap();
        let net = Net::draw(&p, 10, 4);
        let w = &net.weights[1];
        let n = w.len() as f64;
        let mean = w.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
        let var = w.iter().map(|v| (f64::from(*v) - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.02, "{mean} {var}");
    }

    #[test]
    fn oracle_deviation_walk() {
        // Root splits feature 0 at 0.5; its left child splits feature 1 at −0.25 into two
        // leaves of sizes 3 (depth 2) and 1; the right child is a leaf of size 2 (depth 1).
        let c3 = average_path_length(3);
        let tree = DevTree {
            nodes: vec![
                Node { value: 0.5, child: 1, feature: 0 },
                Node { value: -0.25, child: 3, feature: 1 },
                Node { value: 1.0 + 1.0, child: 0, feature: 0 },
                Node { value: 2.0 + c3, child: 0, feature: 0 },
                Node { value: 2.0, child: 0, feature: 0 },
            ],
        };
        // (0.1, −0.5): left, left: deviations 0.4 and 0.25 over 2 nodes.
        let (h, g) = tree.walk(&[0.1, -0.5]);
        assert_eq!(h, 2.0 + c3);
        assert!((g - 0.65 / (2.0 + 1e-6)).abs() < 1e-15);
        // (0.9, 7): right at once: one deviation of 0.4.
        let (h, g) = tree.walk(&[0.9, 7.0]);
        assert_eq!(h, 2.0);
        assert!((g - 0.4 / (1.0 + 1e-6)).abs() < 1e-15);
        // On the threshold: that node's deviation is 0 and not counted (PyOD's `mat != 0`).
        let (_, g) = tree.walk(&[0.5, 0.0]);
        assert!((g - 0.25 / (1.0 + 1e-6)).abs() < 1e-15);
        // A single leaf counts as neither depth nor deviation.
        assert_eq!(DevTree { nodes: vec![tree.nodes[2]] }.walk(&[0.0, 0.0]), (0.0, 0.0));
    }

    #[test]
    fn oracle_member_score() {
        // One member, one tree: the score is 2^(−h / c(ψ)) · g.
        let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 3 + j * 7) % 11) as f64);
        let train = Dataset::from_features("t", x);
        let p = small().n_ensemble(1).n_estimators(1).max_samples(16).check().unwrap();
        let f = p.fit_model(&train, &FitContext::new(2)).unwrap();
        let test = array![[3.0, 4.0], [30.0, -8.0]];
        let s = f.score(&Dataset::from_features("s", test.clone())).unwrap();
        let m = &f.members[0];
        let rep = m.net.forward(f.scaler.transform(test.as_slice().unwrap(), 2).view());
        for (i, row) in rep.rows().into_iter().enumerate() {
            let z: Vec<f64> = (0..5).map(|j| squash(row[j], m.mean[j], m.std[j])).collect();
            let (h, g) = m.trees[0].walk(&z);
            let want = (-h / average_path_length(16)).exp2() * g;
            assert_eq!(s[i], want);
        }
    }

    #[test]
    fn min_max_scaling_as_scikit_learn() {
        let s = MinMax::fit(array![[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]].view());
        let x = s.transform(&[2.0, 5.0, 8.0, 6.0], 2);
        // Column 1 is constant: scale 1, shifted by −5.
        assert_eq!(x, array![[0.5f32, 0.0], [2.0, 1.0]]);
        assert_eq!(s.transform(&[1e300, -1e300], 2), array![[1e6f32, -1e6]]);
    }

    #[test]
    fn a_row_scores_alone_as_in_any_block() {
        let x = Array2::from_shape_fn((300, 4), |(i, j)| ((i * 13 + j * 5) % 17) as f64 / 4.0);
        let data = Dataset::from_features("t", x.clone());
        for threads in [1, 3] {
            let p = small().batch_size(7).check().unwrap();
            let f = p.fit_model(&data, &FitContext::new(9).with_threads(threads)).unwrap();
            let all = f.score(&data).unwrap();
            for i in [0, 6, 7, 150, 299] {
                let one =
                    Dataset::from_features("r", x.slice(ndarray::s![i..i + 1, ..]).to_owned());
                assert_eq!(f.score(&one).unwrap()[0].to_bits(), all[i].to_bits(), "row {i}");
            }
            let other = small().batch_size(1000).check().unwrap();
            let g = other.fit_model(&data, &FitContext::new(9).with_threads(threads)).unwrap();
            assert_eq!(g.score(&data).unwrap(), all, "batch size changes nothing");
        }
    }

    #[test]
    fn outliers_score_higher_and_far_rows_stay_finite() {
        let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 7 + j * 3) % 20) as f64 / 10.0);
        let train = Dataset::from_features("t", x);
        let f = small().n_ensemble(10).check().unwrap().fit(&train, &FitContext::new(1)).unwrap();
        let test = array![[1.0, 1.0, 1.0], [40.0, -40.0, 40.0], [1e300, -1e300, 1e300]];
        let s = f.score(&Dataset::from_features("s", test)).unwrap();
        assert!(s.iter().all(|v| v.is_finite() && *v >= 0.0), "{s}");
        assert!(s[1] > s[0], "{s}");
        for act in DifActivation::ALL {
            let p = small().hidden_activation(*act).check().unwrap();
            let f = p.fit(&train, &FitContext::new(1)).unwrap();
            let far = array![[1e300, -1e300, 1e300]];
            let s = f.score(&Dataset::from_features("s", far)).unwrap();
            assert!(s[0].is_finite(), "{act:?}: {s}");
        }
    }

    #[test]
    fn one_training_row_or_identical_rows_score_zero() {
        // ψ = 1 (c(ψ) = 0), or no split possible: every tree is a single leaf.
        for n in [1, 5] {
            let train = Dataset::from_features("t", Array2::from_elem((n, 2), 3.0));
            let f = small().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
            let s = f.score(&Dataset::from_features("s", array![[3.0, 3.0], [9.0, 0.0]]));
            assert_eq!(s.unwrap().to_vec(), vec![0.0, 0.0]);
        }
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<DifParams>();
        is_send_sync::<DifValidParams>();
        is_send_sync::<FittedDif>();
    }
}
