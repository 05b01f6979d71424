//! Scoring the rows of a dataset in blocks on a local thread pool: the one parallel scoring
//! loop of the detectors whose rows score independently. Every row's score depends on that
//! row only, so the result does not depend on the thread count or the block size.

use ndarray::Array1;
use oddity_core::{Dataset, Error};
use rayon::prelude::*;

use crate::neighbors::pool;

/// Rows per block of [`score_rows`].
const ROW_BLOCK: usize = 64;

/// The scores of the rows of `data`, computed block by block: `work(rows, out)` gets
/// `out.len()` consecutive rows (row-major, `d = data.n_features()` values each) and writes
/// their scores into `out`. Blocks run on a pool of `threads` threads (serially for one
/// thread or a single block).
pub(crate) fn score_blocks(
    data: &Dataset,
    block: usize,
    threads: usize,
    work: impl Fn(&[f64], &mut [f64]) + Sync,
) -> Result<Array1<f64>, Error> {
    let d = data.n_features();
    let x = data.features.as_standard_layout();
    let x = x.as_slice().expect("standard layout is contiguous");
    let mut scores = vec![0.0; data.n_rows()];
    let block = block.max(1);
    let run = |(i, out): (usize, &mut [f64])| {
        let start = (i * block * d).min(x.len());
        let end = (start + out.len() * d).min(x.len());
        work(&x[start..end], out);
    };
    if threads <= 1 || data.n_rows() <= block {
        scores.chunks_mut(block).enumerate().for_each(run);
    } else {
        pool(threads)?.install(|| scores.par_chunks_mut(block).enumerate().for_each(run));
    }
    Ok(Array1::from(scores))
}

/// The scores of the rows of `data`, each `score(row)`, in blocks on `threads` threads.
pub(crate) fn score_rows(
    data: &Dataset,
    threads: usize,
    score: impl Fn(&[f64]) -> f64 + Sync,
) -> Result<Array1<f64>, Error> {
    let d = data.n_features();
    score_blocks(data, ROW_BLOCK, threads, |rows, out| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = score(&rows[i * d..(i + 1) * d]);
        }
    })
}
