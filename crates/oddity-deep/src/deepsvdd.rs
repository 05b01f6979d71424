//! Deep support vector data description (one-class Deep SVDD).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array1, Array2};
use oddity_core::{
    param_error, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError, Rng,
};
use serde::{Deserialize, Serialize};

use crate::fit::{f32_rows, fit, Trained};
use crate::nn::{linear, matrix, values, Noise};
use crate::params::{hidden_ok, training_builders, widths, widths_text};
use crate::saved::{check_features, save, saved_detector, Saved};
use crate::train::{EpochReport, TrainConfig, TrainModel, TrainParamsError};
use crate::Settings;

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

/// Parameters of the `deepsvdd` detector ([`DeepSvddValidParams`] once checked); the
/// defaults are PyOD's (`d-64-32`) trained for 20 epochs of batches of 32, Adam lr 1e-4 with
/// weight decay 5e-7.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepSvddParams(DeepSvddValidParams);

impl Default for DeepSvddParams {
    fn default() -> Self {
        Self(DeepSvddValidParams {
            hidden: vec![64, 32],
            settings: Settings::new(TrainConfig::new(20, 32, 1e-4, 5e-7)),
        })
    }
}

impl DeepSvddParams {
    /// Layer widths after the input (each ≥ 1, at least one); the last is the embedding
    /// size.
    pub fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.0.hidden = hidden;
        self
    }
}

training_builders!(DeepSvddParams);

/// A rejected [`DeepSvddParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeepSvddParamsError {
    /// Occurs when `hidden` is empty or holds a 0.
    #[error("parameter `hidden`: every width must be at least 1, got {0:?}")]
    Hidden(Vec<usize>),
    /// Occurs when a training setting is rejected.
    #[error(transparent)]
    Train(#[from] TrainParamsError),
}

impl ParamsError for DeepSvddParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Hidden(_) => "hidden",
            Self::Train(e) => e.param(),
        }
    }
}

impl DetectorParams for DeepSvddParams {
    const NAME: &'static str = "deepsvdd";
    const SUMMARY: &'static str = "one-class Deep SVDD, bias-free d-64-32 with ReLU after every layer (as PyOD), Adam lr 1e-4: squared distance of the embedding to the centre";
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = DeepSvddValidParams;
    type Fitted = FittedDeepSvdd;
    type Error = DeepSvddParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let p = &self.0;
        let mut specs = vec![ParamSpec::text(
            "hidden",
            widths_text(&p.hidden),
            "layer widths, comma separated; the last is the embedding size",
        )];
        specs.extend(p.settings.specs());
        specs
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().hidden(widths(p, "hidden")?).settings(Settings::from_params(p)?))
    }

    fn check(self) -> Result<DeepSvddValidParams, DeepSvddParamsError> {
        let p = self.0;
        if !hidden_ok(&p.hidden) {
            return Err(DeepSvddParamsError::Hidden(p.hidden));
        }
        p.settings.train.check()?;
        Ok(p)
    }
}

/// One-class Deep SVDD (Ruff et al., *Deep One-Class Classification*, ICML 2018): a
/// bias-free network `d → 64 → 32` trained to pull the training rows' embeddings towards a
/// centre `c` fixed from the first forward pass (the mean embedding under the initial
/// weights, entries with |c| < 0.1 set to ±0.1 against hypersphere collapse).
///
/// **Score:** the squared distance `‖φ(x) − c‖²` of the row's embedding to the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSvddValidParams {
    pub(crate) hidden: Vec<usize>,
    pub(crate) settings: Settings,
}

impl DeepSvddValidParams {
    /// Layer widths after the input; the last is the embedding size.
    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    /// Training and device settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl DeepSvddValidParams {
    /// Fits on `train` and returns the typed fitted model (with its loss history).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedDeepSvdd, Error> {
        let (rows, standardizer) = f32_rows(train, self.settings.standardize, train.n_features())?;
        let p = self;
        let trained = fit(
            (&rows, standardizer),
            ctx,
            &p.settings.train,
            p.settings.device.name(),
            |rng, dev, x| SvddNet::new(rng, x, &p.hidden, dev),
        )?;
        Ok(FittedDeepSvdd { trained, params: p.clone() })
    }
}

impl Detector for DeepSvddValidParams {
    fn name(&self) -> &str {
        DeepSvddParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted Deep SVDD ([`DeepSvddValidParams`]).
#[derive(Debug)]
pub struct FittedDeepSvdd {
    trained: Trained<SvddNet>,
    params: DeepSvddValidParams,
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
    type Spec = DeepSvddValidParams;

    fn trained(&self) -> &Trained<SvddNet> {
        &self.trained
    }

    fn spec(&self) -> DeepSvddValidParams {
        self.params.clone()
    }

    fn settings(spec: &DeepSvddValidParams) -> &Settings {
        &spec.settings
    }

    fn structure(p: &DeepSvddValidParams, d: usize, dev: &Device) -> Result<SvddNet, Error> {
        let p = DeepSvddParams(p.clone()).check().map_err(|e| param_error(&e))?;
        check_features(Self::DETECTOR, d)?;
        Ok(SvddNet::structure(&mut oddity_core::rng(0), d, &p.hidden, dev))
    }

    fn assemble(trained: Trained<SvddNet>, params: DeepSvddValidParams) -> Self {
        Self { trained, params }
    }
}

saved_detector!(FittedDeepSvdd);

impl FittedDetector for FittedDeepSvdd {
    fn save(&self) -> Result<Vec<u8>, Error> {
        save(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        Ok(self.trained.map_rows(data, |m, x| m.distance(x))?.column(0).to_owned())
    }
}
