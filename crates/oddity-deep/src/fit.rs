//! The fit and scoring plumbing shared by the detectors: data in as f32, seeded model
//! construction, the thread pool, batched scoring on the plain (non-autodiff) device.

use burn::tensor::{Device, Tensor};
use ndarray::Array2;
use oddity_core::{derive_seed, rng, Dataset, Error, FitContext, Rng};
use rayon::prelude::*;

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
}

/// The features of `data` as f32, after the finiteness check.
pub(crate) fn f32_rows(data: &Dataset) -> Result<Array2<f32>, Error> {
    data.check_finite()?;
    Ok(data.features.mapv(|v| v as f32))
}

/// Builds a model with `build` (from the `init` stream of the job's seed) and trains it with
/// `cfg` on `rows` inside a pool of the context's threads.
pub(crate) fn fit<M: TrainModel>(
    rows: &Array2<f32>,
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
    Ok(Trained { model: model.valid(), device: plain, threads, n_features: rows.ncols(), history })
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
                    let rows = chunk.iter().map(|&v| v as f32).collect();
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
