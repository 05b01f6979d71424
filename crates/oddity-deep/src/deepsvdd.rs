//! Deep support vector data description (one-class Deep SVDD).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array1, Array2};
use oddity_core::{Dataset, Detector, Error, FitContext, FittedDetector, Rng};
use serde::{Deserialize, Serialize};

use crate::autoencoder::check_hidden;
use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, matrix, values, Noise};
use crate::saved::{check_features, save, Saved};
use crate::train::{EpochReport, TrainModel};
use crate::{DeepError, Settings};

/// Entries of the centre closer to 0 than this are pushed to ±`CENTER_EPS` (Ruff et al.'s
/// guard, as in PyOD): a centre at 0 is reachable by zero weights, the collapsed solution.
pub const CENTER_EPS: f32 = 0.1;

/// The network `d → 64 → 32` without bias terms (a bias would let the network map every
/// row to the centre), a ReLU after every layer, and the fixed centre `c`.
#[derive(Module, Debug)]
pub struct SvddNet {
    layers: Vec<Linear>,
    /// The centre, fixed after initialisation (no gradient).
    center: Param<Tensor<1>>,
}

impl SvddNet {
    /// The layers `d → hidden…` drawn from `rng`, the centre at 0.
    fn structure(rng: &mut Rng, d: usize, hidden: &[usize], dev: &Device) -> Self {
        let mut sizes = vec![d];
        sizes.extend(hidden);
        let layers: Vec<Linear> =
            sizes.windows(2).map(|w| linear(rng, w[0], w[1], false, dev)).collect();
        let k = *sizes.last().expect("at least d");
        let zero = Param::from_data(TensorData::new(vec![0f32; k], [k]), dev);
        Self { layers, center: zero.set_require_grad(false) }
    }

    fn new(rng: &mut Rng, x: &Array2<f32>, hidden: &[usize], dev: &Device) -> Self {
        let mut net = Self::structure(rng, x.ncols(), hidden, dev);
        let k = hidden.last().copied().unwrap_or(x.ncols());
        // The centre: mean embedding of the training rows under the initial weights.
        let plain = dev.clone().without_autodiff();
        let eval = net.valid();
        let mut sum = vec![0f64; k];
        let flat = x.as_standard_layout();
        let flat = flat.as_slice().expect("standard layout");
        let d = x.ncols();
        for chunk in flat.chunks(4096 * d) {
            let z = values(eval.embed(matrix(chunk.to_vec(), chunk.len() / d, d, &plain)));
            for row in z.chunks(k) {
                for (s, v) in sum.iter_mut().zip(row) {
                    *s += f64::from(*v);
                }
            }
        }
        let center: Vec<f32> = sum
            .iter()
            .map(|s| {
                let c = (*s / x.nrows() as f64) as f32;
                match c {
                    c if c.abs() >= CENTER_EPS => c,
                    c if c < 0.0 => -CENTER_EPS,
                    _ => CENTER_EPS,
                }
            })
            .collect();
        net.center = Param::from_data(TensorData::new(center, [k]), dev).set_require_grad(false);
        net
    }

    /// Every layer is followed by a ReLU, the embedding layer too (PyOD's `InnerDeepSVDD`).
    fn embed(&self, x: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(x, |h, l| relu(l.forward(h)))
    }

    /// Squared distance of each row's embedding to the centre, `[b, 1]`.
    fn distance(&self, x: Tensor<2>) -> Tensor<2> {
        (self.embed(x) - self.center.val().unsqueeze()).square().sum_dim(1)
    }
}

impl TrainModel for SvddNet {
    /// Mean over the batch of the squared distance to the centre (one-class Deep SVDD).
    fn loss(&self, batch: Tensor<2>, _noise: &mut Noise) -> Tensor<1> {
        self.distance(batch).mean()
    }
}

/// Checked parameters of [`DeepSvdd`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSvddParams {
    /// Layer widths after the input (`[64, 32]`); the last is the embedding size.
    pub hidden: Vec<usize>,
    /// Training and device settings.
    pub settings: Settings,
}

/// One-class Deep SVDD (Ruff et al., *Deep One-Class Classification*, ICML 2018): a
/// bias-free network `d → 64 → 32` trained to pull the training rows' embeddings towards a
/// centre `c` fixed from the first forward pass (the mean embedding under the initial
/// weights, entries with |c| < 0.1 set to ±0.1 against hypersphere collapse).
///
/// **Score:** the squared distance `‖φ(x) − c‖²` of the row's embedding to the centre.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepSvdd(pub DeepSvddParams);

impl DeepSvdd {
    /// Checks `params`: hidden widths ≥ 1.
    pub fn new(params: DeepSvddParams) -> Result<Self, DeepError> {
        check_hidden(&params.hidden)?;
        Ok(Self(params))
    }
}

impl DeepSvdd {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedDeepSvdd, Error> {
        let rows = f32_rows(train)?;
        let p = &self.0;
        let trained = fit(&rows, ctx, &p.settings.train, &p.settings.device, |rng, dev, x| {
            SvddNet::new(rng, x, &p.hidden, dev)
        })?;
        Ok(FittedDeepSvdd { trained, params: p.clone() })
    }
}

impl Detector for DeepSvdd {
    fn name(&self) -> &str {
        "deepsvdd"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`DeepSvdd`].
#[derive(Debug)]
pub struct FittedDeepSvdd {
    trained: Trained<SvddNet>,
    params: DeepSvddParams,
}

impl FittedDeepSvdd {
    /// One report per training epoch (loss curve).
    pub fn history(&self) -> &[EpochReport] {
        &self.trained.history
    }

    /// The centre `c`.
    pub fn center(&self) -> Vec<f32> {
        values(self.trained.model.center.val())
    }
}

/// The centre is a (gradient-free) parameter of the network: it is saved with the weights.
impl Saved for FittedDeepSvdd {
    const DETECTOR: &'static str = "deepsvdd";
    type Net = SvddNet;
    type Spec = DeepSvddParams;

    fn trained(&self) -> &Trained<SvddNet> {
        &self.trained
    }

    fn spec(&self) -> DeepSvddParams {
        self.params.clone()
    }

    fn settings(spec: &DeepSvddParams) -> &Settings {
        &spec.settings
    }

    fn structure(p: &DeepSvddParams, d: usize, dev: &Device) -> Result<SvddNet, Error> {
        let p = DeepSvdd::new(p.clone())?.0;
        check_features(Self::DETECTOR, d)?;
        Ok(SvddNet::structure(&mut oddity_core::rng(0), d, &p.hidden, dev))
    }

    fn assemble(trained: Trained<SvddNet>, params: DeepSvddParams) -> Self {
        Self { trained, params }
    }
}

impl FittedDetector for FittedDeepSvdd {
    fn save(&self) -> Result<Vec<u8>, Error> {
        save(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        Ok(self.trained.map_rows(data, |m, x| m.distance(x))?.column(0).to_owned())
    }
}
