//! Exact brute-force k-nearest-neighbour search with Euclidean distance, shared by the
//! distance-based detectors (kNN, LOF).
//!
//! Distances are computed directly as `sqrt(Σ_j (a_j − b_j)²)` (no `‖a‖² − 2a·b + ‖b‖²`
//! shortcut, so identical rows are exactly 0 apart). Neighbours are ordered by distance,
//! ties broken by the lower train index, so the result is fully deterministic. Query rows
//! are processed in parallel on a local rayon pool of `threads` threads; every row is
//! computed independently, so the result does not depend on the thread count.

use ndarray::{ArrayView1, ArrayView2, Axis};
use oddity_core::Error;
use rayon::prelude::*;

/// The `k` nearest train rows of each query row: `dist[i * k + r]` and `index[i * k + r]`
/// are the distance to and train index of the `r`-th nearest neighbour (0-based) of query
/// row `i`, in increasing order of (distance, index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Neighbors {
    pub k: usize,
    pub dist: Vec<f64>,
    pub index: Vec<usize>,
}

impl Neighbors {
    /// The distances of query row `i`, nearest first.
    pub fn dist_row(&self, i: usize) -> &[f64] {
        &self.dist[i * self.k..(i + 1) * self.k]
    }

    /// The train indices of query row `i`, nearest first.
    pub fn index_row(&self, i: usize) -> &[usize] {
        &self.index[i * self.k..(i + 1) * self.k]
    }
}

/// Euclidean distance between two rows of equal length.
pub(crate) fn euclidean(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b.iter()) {
        let d = x - y;
        sum += d * d;
    }
    sum.sqrt()
}

/// Builds a rayon pool of `threads` threads (at least 1).
pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Fit(format!("cannot start a thread pool: {e}")))
}

/// The `k` nearest rows of `train` for every row of `query`. With `exclude_self`, `query`
/// must be `train` itself and row `i` is not its own neighbour (duplicates of it still
/// are, at distance 0). Needs `k ≤ n_train` (`k < n_train` with `exclude_self`); callers
/// check this.
pub(crate) fn k_nearest(
    train: ArrayView2<'_, f64>,
    query: ArrayView2<'_, f64>,
    k: usize,
    exclude_self: bool,
    threads: usize,
) -> Result<Neighbors, Error> {
    let n_train = train.nrows();
    let available = n_train - usize::from(exclude_self);
    debug_assert!(k >= 1 && k <= available);
    let n_query = query.nrows();
    let mut dist = vec![0.0; n_query * k];
    let mut index = vec![0usize; n_query * k];
    let work = |(i, (drow, irow)): (usize, (&mut [f64], &mut [usize]))| {
        let q = query.index_axis(Axis(0), i);
        let mut cand: Vec<(f64, usize)> = train
            .axis_iter(Axis(0))
            .enumerate()
            .filter(|(j, _)| !(exclude_self && *j == i))
            .map(|(j, t)| (euclidean(q, t), j))
            .collect();
        let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if k < cand.len() {
            cand.select_nth_unstable_by(k - 1, cmp);
            cand.truncate(k);
        }
        cand.sort_unstable_by(cmp);
        for (r, (d, j)) in cand.into_iter().enumerate() {
            drow[r] = d;
            irow[r] = j;
        }
    };
    pool(threads)?.install(|| {
        dist.par_chunks_mut(k).zip(index.par_chunks_mut(k)).enumerate().for_each(work);
    });
    Ok(Neighbors { k, dist, index })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ties_broken_by_train_index_and_self_excluded() {
        let train = array![[0.0], [1.0], [-1.0], [1.0], [5.0]];
        let q = array![[0.0]];
        let n = k_nearest(train.view(), q.view(), 3, false, 1).unwrap();
        assert_eq!(n.index_row(0), &[0, 1, 2]);
        assert_eq!(n.dist_row(0), &[0.0, 1.0, 1.0]);
        let s = k_nearest(train.view(), train.view(), 2, true, 1).unwrap();
        assert_eq!(s.index_row(0), &[1, 2]);
        assert_eq!(s.index_row(1), &[3, 0]);
        assert_eq!(s.dist_row(1), &[0.0, 1.0]);
        assert_eq!(s.index_row(4), &[1, 3]);
    }

    #[test]
    fn thread_count_does_not_change_the_result() {
        let train = ndarray::Array2::from_shape_fn((40, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let q = ndarray::Array2::from_shape_fn((25, 3), |(i, j)| ((i * 5 + j) % 9) as f64);
        let one = k_nearest(train.view(), q.view(), 6, false, 1).unwrap();
        let four = k_nearest(train.view(), q.view(), 6, false, 4).unwrap();
        assert_eq!(one, four);
        let one = k_nearest(train.view(), train.view(), 6, true, 1).unwrap();
        let four = k_nearest(train.view(), train.view(), 6, true, 4).unwrap();
        assert_eq!(one, four);
    }
}
