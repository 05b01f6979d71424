//! The fit and scoring plumbing shared by the detectors: data in as f32, seeded model
//! construction, the thread pool, batched scoring on the plain (non-autodiff) device.

use burn::tensor::{Device, Tensor};
use ndarray::Array2;
use oddity_core::{derive_seed, rng, Dataset, Error, FitContext, Rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::device::{device, in_pool};
use crate::nn::{matrix, values};
use crate::train::{train, EpochReport, TrainConfig, TrainModel};

/// Rows scored per forward pass at scoring time.
pub(crate) const SCORE_BATCH: usize = 1024;

/// A trained model on the plain device, with what scoring needs.
#[derive(Debug)]
pub(crate) struct Trained<M> {
    /// The model in evaluation mode (no autodiff, dropout off, batch-norm running stats).
    pub model: M,
    /// The device the model lives on.
    pub device: Device,
    /// Threads for scoring (the fit's budget).
    pub threads: usize,
    /// Feature columns seen at fit.
    pub n_features: usize,
    /// One report per epoch trained.
    pub history: Vec<EpochReport>,
    /// The standardisation fitted on the training rows, applied to every row scored.
    pub standardizer: Option<Standardizer>,
}

/// Each feature shifted by its training mean and divided by its training standard deviation
/// (population, as scikit-learn's `StandardScaler`, which PyOD's deep detectors apply; a
/// constant feature is only shifted). For flattened windows a feature is one column of the
/// series, so its statistics pool every time step of every window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Standardizer {
    /// Per series feature: mean.
    mean: Vec<f64>,
    /// Per series feature: standard deviation (1 where it is 0).
    scale: Vec<f64>,
}

impl Standardizer {
    /// Fitted on the rows of `x`, whose columns are time-major windows of `d` features
    /// (`d` = the column count for plain rows).
    pub(crate) fn fit(x: &Array2<f64>, d: usize) -> Self {
        let (n, k) = x.dim();
        let count = (n * (k / d)).max(1) as f64;
        let mut mean = vec![0.0; d];
        for row in x.rows() {
            for (c, v) in row.iter().enumerate() {
                mean[c % d] += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= count);
        let mut var = vec![0.0; d];
        for row in x.rows() {
            for (c, v) in row.iter().enumerate() {
                var[c % d] += (v - mean[c % d]).powi(2);
            }
        }
        let scale = var
            .iter()
            .map(|v| (v / count).sqrt())
            .map(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 })
            .collect();
        Self { mean, scale }
    }

    /// Value `v` of column `c`, standardised, as f32.
    fn apply(&self, v: f64, c: usize) -> f32 {
        let j = c % self.mean.len();
        ((v - self.mean[j]) / self.scale[j]) as f32
    }

    /// Checks a loaded standardiser against the `n_features` columns it must serve.
    pub(crate) fn check(&self, n_features: usize) -> Result<(), Error> {
        let d = self.mean.len();
        if d == 0 || d != self.scale.len() || !n_features.is_multiple_of(d) {
            return Err(Error::State(format!(
                "a standardiser of {d} features does not fit {n_features} columns"
            )));
        }
        Ok(())
    }
}

/// The features of `data` as f32 after the finiteness check, standardised when
/// `standardize` (statistics pooled per series feature: `d` of them), with the
/// standardiser.
pub(crate) fn f32_rows(
    data: &Dataset,
    standardize: bool,
    d: usize,
) -> Result<(Array2<f32>, Option<Standardizer>), Error> {
    data.check_finite()?;
    if !standardize {
        return Ok((data.features.mapv(|v| v as f32), None));
    }
    let st = Standardizer::fit(&data.features, d);
    let mut rows = Array2::zeros(data.features.dim());
    for (out, row) in rows.rows_mut().into_iter().zip(data.features.rows()) {
        for (c, (o, &v)) in out.into_iter().zip(row.iter()).enumerate() {
            *o = st.apply(v, c);
        }
    }
    Ok((rows, Some(st)))
}

/// Builds a model with `build` (from the `init` stream of the job's seed) and trains it with
/// `cfg` on `rows` inside a pool of the context's threads.
pub(crate) fn fit<M: TrainModel>(
    (rows, standardizer): (&Array2<f32>, Option<Standardizer>),
    ctx: &FitContext,
    cfg: &TrainConfig,
    device_name: &str,
    build: impl FnOnce(&mut Rng, &Device, &Array2<f32>) -> M + Send,
) -> Result<Trained<M>, Error> {
    let plain = device(device_name)?;
    let ad = plain.clone().autodiff();
    let threads = ctx.threads;
    let (model, history) = in_pool(threads, || {
        let mut init = rng(derive_seed(ctx.seed, &["init"]));
        let model = build(&mut init, &ad, rows);
        let stream = rng(derive_seed(ctx.seed, &["train"]));
        train(model, rows, cfg, &ad, stream, &mut |_| {})
    })??;
    Ok(Trained {
        model: model.valid(),
        device: plain,
        threads,
        n_features: rows.ncols(),
        history,
        standardizer,
    })
}

impl<M: Sync> Trained<M> {
    /// Applies `f` to batches of the rows of `data` on the plain device and concatenates the
    /// per-row results (`f` returns `[b, c]`); returns the `[n, c]` matrix as f64.
    pub(crate) fn map_rows(
        &self,
        data: &Dataset,
        f: impl Fn(&M, Tensor<2>) -> Tensor<2> + Sync,
    ) -> Result<Array2<f64>, Error> {
        data.check_scoring(self.n_features)?;
        let k = data.n_features();
        let x = data.features.as_standard_layout();
        let flat = x.as_slice().expect("standard layout");
        // Batches are scored in parallel (their results joined in order), so the serial
        // parts of one batch's forward pass overlap with another's; each batch turns its
        // own rows into f32.
        let out = in_pool(self.threads, || {
            let parts: Vec<(Vec<f32>, usize)> = flat
                .par_chunks(SCORE_BATCH * k)
                .map(|chunk| {
                    let b = chunk.len() / k;
                    let rows = match &self.standardizer {
                        None => chunk.iter().map(|&v| v as f32).collect(),
                        Some(st) => {
                            chunk.iter().enumerate().map(|(i, &v)| st.apply(v, i % k)).collect()
                        }
                    };
                    let y = f(&self.model, matrix(rows, b, k, &self.device));
                    let cols = y.dims()[1];
                    (values(y), cols)
                })
                .collect();
            let cols = parts.first().map_or(0, |p| p.1);
            let out: Vec<f64> =
                parts.into_iter().flat_map(|(v, _)| v.into_iter().map(f64::from)).collect();
            (out, cols)
        })
        .map_err(Error::from)?;
        let (out, cols) = out;
        let n = data.n_rows();
        Array2::from_shape_vec((n, cols), out).map_err(|e| Error::Fit(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn the_standardiser_pools_every_step_of_a_window_per_series_feature() {
        // Two windows of 2 steps × 2 features: feature 0 takes 1, 3, 3, 5 (mean 3, std √2);
        // feature 1 is constant 7 (only shifted).
        let x = array![[1.0, 7.0, 3.0, 7.0], [3.0, 7.0, 5.0, 7.0]];
        let st = Standardizer::fit(&x, 2);
        assert_eq!(st.mean, [3.0, 7.0]);
        assert_eq!(st.scale, [2f64.sqrt(), 1.0]);
        let data = Dataset::from_features("t", x);
        let (rows, kept) = f32_rows(&data, true, 2).unwrap();
        let r = std::f32::consts::SQRT_2;
        assert_eq!(rows, array![[-r, 0.0, 0.0, 0.0], [0.0, 0.0, r, 0.0]]);
        assert_eq!(kept, Some(st));
        assert_eq!(f32_rows(&data, false, 2).unwrap().1, None);
        assert!(Standardizer::fit(&array![[1.0, 2.0, 3.0]], 3).check(4).is_err());
    }
}
