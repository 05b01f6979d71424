//! The INNE detector: isolation by nearest-neighbour hyperspheres.

use ndarray::Array1;
use oddity_core::{
    derive_seed, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    ParamValue, Params, ParamsError,
};
use rayon::prelude::*;

use crate::isolation::{subsample, TreeRng};
use crate::neighbors::pool;
use crate::topk::squared;

/// How many training rows each INNE estimator samples ([`InneParams::max_samples`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InneSamples {
    /// `min(8, n)`, PyOD's `"auto"`.
    Auto,
    /// `min(count, n)` (count ≥ 2).
    Count(usize),
}

/// Parameters of the `inne` detector ([`InneValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InneParams(InneValidParams);

impl Default for InneParams {
    /// PyOD 3.6.7's `INNE()`: 200 estimators, `max_samples = "auto"`.
    fn default() -> Self {
        Self(InneValidParams { n_estimators: 200, max_samples: InneSamples::Auto })
    }
}

impl InneParams {
    /// Number of estimators (sets of hyperspheres; between 1 and 10⁶).
    pub fn n_estimators(mut self, n_estimators: usize) -> Self {
        self.0.n_estimators = n_estimators;
        self
    }

    /// Training rows sampled per estimator: [`InneSamples::Auto`] or a count (2 to 10⁶).
    pub fn max_samples(mut self, max_samples: InneSamples) -> Self {
        self.0.max_samples = max_samples;
        self
    }
}

/// A rejected [`InneParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InneParamsError {
    /// Occurs when `n_estimators` is 0 or above 10⁶.
    #[error("parameter `n_estimators`: must be between 1 and 1000000, got {0}")]
    NEstimators(usize),
    /// Occurs when `max_samples` is a count below 2 or above 10⁶.
    #[error("parameter `max_samples`: must be \"auto\" or between 2 and 1000000, got {0}")]
    MaxSamples(usize),
}

impl ParamsError for InneParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::NEstimators(_) => "n_estimators",
            Self::MaxSamples(_) => "max_samples",
        }
    }
}

impl DetectorParams for InneParams {
    const NAME: &'static str = "inne";
    const SUMMARY: &'static str = "isolation with nearest-neighbour ensembles (Bandaragoda et al. 2018, as PyOD INNE): mean hypersphere isolation score";
    type Valid = InneValidParams;
    type Fitted = FittedInne;
    type Error = InneParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "n_estimators",
                self.0.n_estimators,
                "number of sets of hyperspheres (>= 1)",
            ),
            ParamSpec::int_or(
                "max_samples",
                &["auto"],
                match self.0.max_samples {
                    InneSamples::Auto => ParamValue::Str("auto".into()),
                    InneSamples::Count(m) => ParamValue::Int(m as i64),
                },
                "training rows sampled per set (>= 2; at most n), or \"auto\": min(8, n)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        let samples = match p.value("max_samples")? {
            ParamValue::Int(m) => {
                InneSamples::Count(usize::try_from(*m).map_err(|_| Error::InvalidParameter {
                    name: "max_samples".into(),
                    reason: format!("must be \"auto\" or between 2 and 1000000, got {m}"),
                })?)
            }
            _ => InneSamples::Auto,
        };
        Ok(Self::default().n_estimators(p.usize("n_estimators")?).max_samples(samples))
    }

    fn check(self) -> Result<InneValidParams, InneParamsError> {
        if !(1..=1_000_000).contains(&self.0.n_estimators) {
            return Err(InneParamsError::NEstimators(self.0.n_estimators));
        }
        if let InneSamples::Count(m) = self.0.max_samples {
            if !(2..=1_000_000).contains(&m) {
                return Err(InneParamsError::MaxSamples(m));
            }
        }
        Ok(self.0)
    }
}

/// Isolation using nearest-neighbour ensembles (Bandaragoda, Ting, Albrecht, Liu and Wells
/// 2018, "Isolation-based anomaly detection using nearest-neighbor ensembles", Computational
/// Intelligence 34), as PyOD 3.6.7's `INNE()`.
///
/// Each of the `n_estimators` estimators samples `ψ` distinct training rows (`ψ = min(8, n)`
/// for `"auto"`, else `min(max_samples, n)`). Every sampled row `c` is the centre of a
/// hypersphere whose squared radius `r(c)` is the squared distance to its nearest other
/// sampled row `η(c)` (the first in sample order on ties), and gets the ratio
/// `τ(c) = 1 − (r(η(c)) + ε) / (r(c) + ε)` with `ε` the machine epsilon, as PyOD (radii are
/// squared distances there too). A row `x` is scored by each estimator as `τ` of the
/// smallest hypersphere that covers it (`‖x − c‖² ≤ r(c)`; the first in sample order on
/// ties), or 1 when none does; the score is the mean over estimators, summed in estimator
/// order. Scores lie in `(−∞, 1]`, higher = more anomalous. Distances are summed exactly,
/// feature by feature (scikit-learn's `euclidean_distances` expands `‖x‖² − 2x·y + ‖y‖²`,
/// which can differ in the last bits, and so on which side of a radius a row on a sphere's
/// boundary falls).
///
/// Randomness: estimator `e` draws its sample from its own stream seeded with
/// `derive_seed(ctx.seed, ["inne-estimator", e])`; estimators are built in parallel on a
/// local pool of `FitContext::threads` threads and rows are scored in parallel, each row's
/// sum in estimator order, so the scores depend on the seed only, never on the thread count.
/// At least 2 training rows are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InneValidParams {
    n_estimators: usize,
    max_samples: InneSamples,
}

impl InneValidParams {
    /// The number of estimators.
    pub fn n_estimators(&self) -> usize {
        self.n_estimators
    }

    /// The training rows sampled per estimator.
    pub fn max_samples(&self) -> InneSamples {
        self.max_samples
    }

    fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedInne, Error> {
        train.check_finite()?;
        let x = train.features.as_standard_layout();
        let (n, d) = x.dim();
        if n < 2 {
            return Err(Error::Fit(format!("inne needs at least 2 training rows, got {n}")));
        }
        let psi = match self.max_samples {
            InneSamples::Auto => 8,
            InneSamples::Count(m) => m,
        }
        .min(n);
        let x = x.as_slice().expect("standard layout is contiguous");
        let build = |e: usize| {
            let mut rng = TreeRng::new(derive_seed(ctx.seed, &["inne-estimator", &e.to_string()]));
            Spheres::new(x, d, &subsample(&mut rng, n, psi))
        };
        let estimators: Vec<Spheres> = if ctx.threads <= 1 {
            (0..self.n_estimators).map(build).collect()
        } else {
            pool(ctx.threads)?
                .install(|| (0..self.n_estimators).into_par_iter().map(build).collect())
        };
        Ok(FittedInne { estimators, d, psi, threads: ctx.threads.max(1) })
    }
}

impl Detector for InneValidParams {
    fn name(&self) -> &str {
        InneParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// One estimator's hyperspheres, ordered by squared radius (ties in sample order), so the
/// first covering sphere is the smallest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Spheres {
    /// Centres, row-major `ψ × d`.
    centres: Vec<f64>,
    /// Squared radii, ascending.
    radius: Vec<f64>,
    /// The isolation ratio `τ` of each sphere.
    ratio: Vec<f64>,
}

impl Spheres {
    /// The hyperspheres around the rows `sample` of `x` (at least 2).
    fn new(x: &[f64], d: usize, sample: &[usize]) -> Self {
        let row = |i: usize| &x[sample[i] * d..(sample[i] + 1) * d];
        let m = sample.len();
        let mut radius = vec![f64::INFINITY; m];
        let mut nearest = vec![0usize; m];
        for a in 0..m {
            for b in 0..m {
                if a != b {
                    let s = squared(row(a), row(b));
                    if s < radius[a] {
                        (radius[a], nearest[a]) = (s, b);
                    }
                }
            }
        }
        let ratio: Vec<f64> = (0..m)
            .map(|a| 1.0 - (radius[nearest[a]] + f64::EPSILON) / (radius[a] + f64::EPSILON))
            .collect();
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|a, b| radius[*a].total_cmp(&radius[*b]));
        Self {
            centres: order.iter().flat_map(|&a| row(a).iter().copied()).collect(),
            radius: order.iter().map(|&a| radius[a]).collect(),
            ratio: order.iter().map(|&a| ratio[a]).collect(),
        }
    }

    /// `τ` of the smallest sphere covering `q`, or 1.
    fn isolation(&self, q: &[f64]) -> f64 {
        let d = q.len();
        for (a, r) in self.radius.iter().enumerate() {
            if squared(q, &self.centres[a * d..(a + 1) * d]) <= *r {
                return self.ratio[a];
            }
        }
        1.0
    }
}

/// Rows scored together per parallel task.
const SCORE_BLOCK: usize = 256;

/// A fitted [`InneValidParams`]: the hyperspheres of every estimator.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedInne {
    estimators: Vec<Spheres>,
    d: usize,
    psi: usize,
    threads: usize,
}

crate::saved!(FittedInne, "inne");

impl FittedInne {
    /// Number of estimators.
    pub fn n_estimators(&self) -> usize {
        self.estimators.len()
    }

    /// The training rows `ψ` each estimator sampled.
    pub fn subsample_size(&self) -> usize {
        self.psi
    }
}

impl FittedDetector for FittedInne {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.d)?;
        let t = self.estimators.len() as f64;
        // Estimator by estimator over a block of rows (its spheres stay in cache); each
        // row's sum still runs in estimator order.
        let work = |rows: &[f64], out: &mut [f64]| {
            out.fill(0.0);
            for e in &self.estimators {
                for (row, o) in rows.chunks_exact(self.d).zip(out.iter_mut()) {
                    *o += e.isolation(row);
                }
            }
            out.iter_mut().for_each(|o| *o /= t);
        };
        crate::rows::score_blocks(data, SCORE_BLOCK, self.threads, work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn n_estimators_must_be_between_1_and_a_million() {
        for bad in [0, 1_000_001] {
            let err = InneParams::default().n_estimators(bad).check().unwrap_err();
            assert_eq!(err, InneParamsError::NEstimators(bad));
            assert_eq!(err.param(), "n_estimators");
        }
    }

    #[test]
    fn max_samples_must_be_auto_or_at_least_2() {
        for bad in [0, 1, 1_000_001] {
            let err = InneParams::default().max_samples(InneSamples::Count(bad)).check();
            assert_eq!(err.unwrap_err(), InneParamsError::MaxSamples(bad));
        }
        assert!(InneParams::default().max_samples(InneSamples::Count(2)).check().is_ok());
    }

    #[test]
    fn oracle_three_points_on_a_line() {
        // ψ = n = 3 rows 0, 1, 3 (every estimator samples all of them): squared radii 1, 1, 4;
        // η(0) = 1, η(1) = 0, η(3) = 1; so τ = 1 − (1 + ε)/(1 + ε) = 0 for 0 and 1, and
        // τ(3) = 1 − (1 + ε)/(4 + ε) ≈ 3/4.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let inne = InneParams::default().n_estimators(5).check().unwrap();
        let f = inne.fit(&train, &FitContext::new(0)).unwrap();
        let test = array![[0.5], [2.5], [4.5], [-1.5], [1.9]];
        let s = f.score(&Dataset::from_features("s", test)).unwrap();
        // 0.5: inside the spheres of 0 and 1 (radius 1) → 0. 2.5: only inside 3's (radius 2)
        // → 3/4. 4.5: inside 3's (distance 1.5 ≤ 2) → 3/4. −1.5: none → 1. 1.9: inside 1's
        // (0.9) and 3's (1.1): the smaller sphere wins → 0.
        let tau3 = 1.0 - (1.0 + f64::EPSILON) / (4.0 + f64::EPSILON);
        let want = [0.0, tau3, tau3, 1.0, 0.0];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{s} vs {want:?}");
        }
    }

    #[test]
    fn duplicates_get_zero_radius_spheres() {
        // Two equal rows: both radii 0, τ = 1 − ε/ε = 0; the copies themselves are covered.
        let train = Dataset::from_features("t", array![[1.0, 2.0], [1.0, 2.0]]);
        let f = InneParams::default().check().unwrap().fit(&train, &FitContext::new(1)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0, 2.0], [1.0, 2.1]])).unwrap();
        assert_eq!(s.to_vec(), vec![0.0, 1.0]);
    }

    #[test]
    fn too_few_rows_is_an_error() {
        let one = Dataset::from_features("t", array![[1.0]]);
        let err = InneParams::default().check().unwrap().fit(&one, &FitContext::new(0));
        assert!(matches!(err, Err(Error::Fit(_))));
    }

    #[test]
    fn same_seed_any_thread_count() {
        let x = Array2::from_shape_fn((600, 5), |(i, j)| ((i * 37 + j * 11) % 29) as f64 / 7.0);
        let train = Dataset::from_features("t", x);
        let inne = InneParams::default().check().unwrap();
        let one = inne.fit(&train, &FitContext::new(9)).unwrap().score(&train).unwrap();
        let ctx = FitContext::new(9).with_threads(4);
        let four = inne.fit(&train, &ctx).unwrap().score(&train).unwrap();
        assert_eq!(one, four);
        let other = inne.fit(&train, &FitContext::new(10)).unwrap().score(&train).unwrap();
        assert_ne!(one, other);
        assert!(one.iter().all(|v| v.is_finite() && *v <= 1.0));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<InneParams>();
        is_send_sync::<InneValidParams>();
        is_send_sync::<FittedInne>();
    }
}
