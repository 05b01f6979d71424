//! Exact k-nearest-neighbour search with Euclidean distance, shared by the distance-based
//! detectors (kNN, LOF, DBSCAN).
//!
//! Distances are computed directly as `sqrt(Σ_j (a_j − b_j)²)`, summed in feature order (no
//! `‖a‖² − 2a·b + ‖b‖²` shortcut, so identical rows are exactly 0 apart). Neighbours are
//! ordered by (distance, train index): ties are broken by the lower train index, so the result
//! is fully deterministic and the same whichever search finds it.
//!
//! Two searches give bit-identical results:
//! * a k-d tree ([`crate::kdtree`]) in low dimension, where it prunes most of the train rows;
//! * brute force (every train row, with an early rejection against the current k-th
//!   neighbour) in high dimension or on few rows, where a tree prunes little.
//!
//! Brute force in high dimension first shortlists candidates from blocked matrix products
//! (`‖q − μ‖² + ‖t − μ‖² − 2 (q − μ)·(t − μ)`, as scikit-learn computes every distance, μ the
//! train mean), with a rounding bound wide enough that every true neighbour (ties at the
//! k-th distance included) is kept, then scores the shortlist with the exact in-order sum:
//! the result is the exhaustive search's, bit for bit, at the speed of a matrix product.
//!
//! Query rows are processed in parallel on a local rayon pool of `threads` threads; every row
//! is computed independently, so the result does not depend on the thread count.

use ndarray::ArrayView2;
use oddity_core::Error;
use rayon::prelude::*;

use crate::kdtree::KdTree;
use crate::topk::{squared, TopK};

/// Above this many features the k-d tree is not used: it prunes less and less as the
/// dimension grows, and it was only measured up to 36 features (see [`Index::build`]); brute
/// force has no build cost and no bound computations.
pub(crate) const MAX_TREE_DIM: usize = 40;

/// Below this many train rows brute force is used (a tree costs more than it saves).
pub(crate) const MIN_TREE_ROWS: usize = 256;

/// From this many features on, brute force shortlists by matrix products (below, the
/// direct sums are as fast).
const MIN_GEMM_DIM: usize = 8;

/// Queries per matrix product (the product block is `QUERY_BLOCK × n` values).
const QUERY_BLOCK: usize = 64;

/// The `k` nearest train rows of each query row: `dist[i * k + r]` and `index[i * k + r]`
/// are the distance to and train index of the `r`-th nearest neighbour (0-based) of query
/// row `i`, in increasing order of (distance, index).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// Builds a rayon pool of `threads` threads (at least 1).
pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Fit(format!("cannot start a thread pool: {e}")))
}

/// A row-major copy of the train rows with the search chosen for their shape.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Index {
    /// Brute force over the rows (row-major, `d` columns).
    Brute { rows: Vec<f64>, n: usize, d: usize },
    /// A k-d tree.
    Tree(KdTree),
}

impl Index {
    /// Indexes `train`: a k-d tree when it has at most [`MAX_TREE_DIM`] features and at least
    /// [`MIN_TREE_ROWS`] rows, brute force otherwise. Measured single-threaded, the 20 nearest
    /// neighbours of every train row plus those of every test row: shuttle (29 459 × 9) brute
    /// force 15.8 s, tree 0.9 s; satellite (3 861 × 36) 0.98 s against 0.40 s; cardio
    /// (1 099 × 21) 0.13 s against 0.07 s. The tree still wins at 36 features on these sets
    /// because their rows lie near low-dimensional structures.
    pub(crate) fn build(train: ArrayView2<'_, f64>) -> Self {
        let (n, d) = train.dim();
        let rows: Vec<f64> = train.iter().copied().collect();
        if d <= MAX_TREE_DIM && n >= MIN_TREE_ROWS {
            Self::Tree(KdTree::new(rows, n, d))
        } else {
            Self::Brute { rows, n, d }
        }
    }

    /// Number of indexed rows.
    pub(crate) fn n_rows(&self) -> usize {
        match self {
            Self::Brute { n, .. } => *n,
            Self::Tree(t) => t.n_rows(),
        }
    }

    /// The indexed rows, row-major, in index order (tree order for a tree).
    fn rows(&self) -> &[f64] {
        match self {
            Self::Brute { rows, .. } => rows,
            Self::Tree(t) => t.points(),
        }
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        match self {
            Self::Brute { d, .. } => *d,
            Self::Tree(t) => t.n_features(),
        }
    }

    /// Offers every indexed row except `skip` to `top`.
    fn search(&self, q: &[f64], skip: Option<usize>, top: &mut TopK) {
        match self {
            Self::Tree(t) => t.search(q, skip, top),
            Self::Brute { rows, n, d } => {
                if *d == 0 {
                    (0..*n).filter(|&j| Some(j) != skip).for_each(|j| top.push(0.0, j));
                    return;
                }
                for (j, t) in rows.chunks_exact(*d).enumerate() {
                    if Some(j) != skip {
                        top.push(squared(q, t), j);
                    }
                }
            }
        }
    }

    /// The `k` nearest indexed rows of every row of `query` (`1 ≤ k ≤ n_rows`).
    pub(crate) fn k_nearest(
        &self,
        query: ArrayView2<'_, f64>,
        k: usize,
        threads: usize,
    ) -> Result<Neighbors, Error> {
        let n_query = query.nrows();
        let query: Vec<f64> = query.iter().copied().collect();
        self.run(&query, n_query, k, false, threads)
    }

    /// The `k` nearest *other* indexed rows of every indexed row (`1 ≤ k < n_rows`): row `i`
    /// is not its own neighbour, duplicates of it still are (at distance 0).
    pub(crate) fn k_nearest_self(&self, k: usize, threads: usize) -> Result<Neighbors, Error> {
        match self {
            Self::Brute { .. } => self.run(self.rows(), self.n_rows(), k, true, threads),
            Self::Tree(t) => {
                // Rows in tree order: consecutive queries are close, so their searches touch
                // the same nodes. The result is permuted back to the original order.
                let found = self.run(t.points(), t.n_rows(), k, true, threads)?;
                let n = t.n_rows();
                let mut dist = vec![0.0; n * k];
                let mut index = vec![0usize; n * k];
                for (pos, &orig) in t.order().iter().enumerate() {
                    dist[orig * k..(orig + 1) * k].copy_from_slice(found.dist_row(pos));
                    index[orig * k..(orig + 1) * k].copy_from_slice(found.index_row(pos));
                }
                Ok(Neighbors { k, dist, index })
            }
        }
    }

    /// `queries` row-major; with `self_query`, query row `p` is indexed row `skip(p)` (the
    /// identity for brute force, the tree order for a tree) and is skipped.
    fn run(
        &self,
        queries: &[f64],
        n_query: usize,
        k: usize,
        self_query: bool,
        threads: usize,
    ) -> Result<Neighbors, Error> {
        let d = self.n_features();
        debug_assert!(k >= 1 && k + usize::from(self_query) <= self.n_rows());
        let mut dist = vec![0.0; n_query * k];
        let mut index = vec![0usize; n_query * k];
        const CHUNK: usize = QUERY_BLOCK;
        let shortlist = match self {
            Self::Brute { rows, n, d } if *d >= MIN_GEMM_DIM && *n >= 2 * k + 16 => {
                Some(Shortlist::new(rows, *n, *d))
            }
            _ => None,
        };
        let work = |(c, (dchunk, ichunk)): (usize, (&mut [f64], &mut [usize]))| {
            if let (Some(sl), Self::Brute { rows, .. }) = (&shortlist, self) {
                let first = c * CHUNK;
                let count = dchunk.len() / k;
                sl.block(
                    rows,
                    &queries[first * d..(first + count) * d],
                    first,
                    k,
                    self_query,
                    dchunk,
                    ichunk,
                );
                return;
            }
            let mut top = TopK::new(k);
            let first = c * CHUNK;
            for (r, (drow, irow)) in dchunk.chunks_mut(k).zip(ichunk.chunks_mut(k)).enumerate() {
                let p = first + r;
                let q = &queries[p * d..(p + 1) * d];
                let skip = self_query.then(|| match self {
                    Self::Tree(t) => t.order()[p],
                    Self::Brute { .. } => p,
                });
                top.clear();
                self.search(q, skip, &mut top);
                top.write(drow, irow);
            }
        };
        if threads <= 1 {
            dist.chunks_mut(CHUNK * k).zip(index.chunks_mut(CHUNK * k)).enumerate().for_each(work);
        } else {
            pool(threads)?.install(|| {
                dist.par_chunks_mut(CHUNK * k)
                    .zip(index.par_chunks_mut(CHUNK * k))
                    .enumerate()
                    .for_each(work)
            });
        }
        Ok(Neighbors { k, dist, index })
    }
}

/// The brute-force shortlist by matrix products: the train rows centred on their mean, and
/// their squared norms.
struct Shortlist {
    /// The train mean.
    mean: Vec<f64>,
    /// `n × d` centred train rows.
    centred: ndarray::Array2<f64>,
    /// Their squared norms.
    norms: Vec<f64>,
    /// Relative rounding bound of a product-based squared distance, per unit of
    /// `‖q − μ‖² + ‖t − μ‖²`.
    tol: f64,
}

impl Shortlist {
    fn new(rows: &[f64], n: usize, d: usize) -> Self {
        let mut mean = vec![0.0; d];
        for t in rows.chunks_exact(d) {
            for (m, v) in mean.iter_mut().zip(t) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let centred = ndarray::Array2::from_shape_fn((n, d), |(i, j)| rows[i * d + j] - mean[j]);
        let norms = centred.rows().into_iter().map(|r| r.dot(&r)).collect();
        // Dot products of length d err by at most ~d·ε times the products of the norms, the
        // in-order exact sum by as much again: 8 (d + 2) ε leaves a wide margin.
        let tol = 8.0 * (d as f64 + 2.0) * f64::EPSILON;
        Self { mean, centred, norms, tol }
    }

    /// The `k` nearest train rows (exact, in (distance, index) order) of the queries `q`
    /// (row-major, the first being query row `first`), written into `dist` and `index`.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        rows: &[f64],
        q: &[f64],
        first: usize,
        k: usize,
        self_query: bool,
        dist: &mut [f64],
        index: &mut [usize],
    ) {
        let (n, d) = self.centred.dim();
        let m = q.len() / d;
        let qc = ndarray::Array2::from_shape_fn((m, d), |(i, j)| q[i * d + j] - self.mean[j]);
        let g = qc.dot(&self.centred.t());
        let mut top = TopK::new(k);
        let mut upper: Vec<f64> = Vec::with_capacity(n);
        for r in 0..m {
            let skip = self_query.then_some(first + r);
            let qn = qc.row(r).dot(&qc.row(r));
            let bounds = |j: usize| {
                let approx = qn + self.norms[j] - 2.0 * g[[r, j]];
                let delta = self.tol * (qn + self.norms[j]) + f64::MIN_POSITIVE;
                (approx - delta, approx + delta)
            };
            upper.clear();
            upper.extend((0..n).filter(|&j| Some(j) != skip).map(|j| bounds(j).1));
            // No true k-th squared distance exceeds the k-th smallest upper bound.
            let (_, kth, _) = upper.select_nth_unstable_by(k - 1, f64::total_cmp);
            let tau = *kth;
            top.clear();
            let qr = &q[r * d..(r + 1) * d];
            for j in (0..n).filter(|&j| Some(j) != skip) {
                if bounds(j).0 <= tau {
                    top.push(squared(qr, &rows[j * d..(j + 1) * d]), j);
                }
            }
            top.write(&mut dist[r * k..(r + 1) * k], &mut index[r * k..(r + 1) * k]);
        }
    }
}

/// The `k` nearest rows of `train` for every row of `query`. With `exclude_self`, `query`
/// must be `train` itself and row `i` is not its own neighbour (duplicates of it still
/// are, at distance 0). Needs `k ≤ n_train` (`k < n_train` with `exclude_self`); callers
/// check this. (The detectors keep their [`Index`]; this builds one for a single search.)
#[cfg(test)]
pub(crate) fn k_nearest(
    train: ArrayView2<'_, f64>,
    query: ArrayView2<'_, f64>,
    k: usize,
    exclude_self: bool,
    threads: usize,
) -> Result<Neighbors, Error> {
    let index = Index::build(train);
    if exclude_self {
        debug_assert_eq!(train.dim(), query.dim());
        index.k_nearest_self(k, threads)
    } else {
        index.k_nearest(query, k, threads)
    }
}

/// Reference brute force without any pruning: every distance, then a full sort. Used by the
/// tests to check both searches.
#[cfg(test)]
pub(crate) fn k_nearest_naive(
    train: ArrayView2<'_, f64>,
    query: ArrayView2<'_, f64>,
    k: usize,
    exclude_self: bool,
) -> Neighbors {
    use ndarray::Axis;
    let mut dist = Vec::new();
    let mut index = Vec::new();
    for (i, q) in query.axis_iter(Axis(0)).enumerate() {
        let mut cand: Vec<(f64, usize)> = train
            .axis_iter(Axis(0))
            .enumerate()
            .filter(|(j, _)| !(exclude_self && *j == i))
            .map(|(j, t)| (squared(q.as_slice().unwrap(), t.as_slice().unwrap()).sqrt(), j))
            .collect();
        cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (dd, j) in cand.into_iter().take(k) {
            dist.push(dd);
            index.push(j);
        }
    }
    Neighbors { k, dist, index }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

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
        let train = Array2::from_shape_fn((400, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let q = Array2::from_shape_fn((250, 3), |(i, j)| ((i * 5 + j) % 9) as f64);
        let one = k_nearest(train.view(), q.view(), 6, false, 1).unwrap();
        let four = k_nearest(train.view(), q.view(), 6, false, 4).unwrap();
        assert_eq!(one, four);
        let one = k_nearest(train.view(), train.view(), 6, true, 1).unwrap();
        let four = k_nearest(train.view(), train.view(), 6, true, 4).unwrap();
        assert_eq!(one, four);
    }

    /// A deterministic pseudo-random matrix with many exact ties: coordinates on a coarse
    /// grid, some rows repeated.
    fn grid(n: usize, d: usize, seed: u64, levels: u64) -> Array2<f64> {
        let mut s = seed;
        let mut next = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) % levels
        };
        let mut x = Array2::from_shape_fn((n, d), |_| next() as f64 * 0.37 - 1.1);
        for i in (5..n).step_by(7) {
            let src = x.row(i / 3).to_owned();
            x.row_mut(i).assign(&src);
        }
        x
    }

    #[test]
    fn tree_and_brute_force_equal_the_naive_search_bit_for_bit() {
        for (d, levels) in [(1, 5), (2, 4), (3, 6), (5, 1000), (9, 3), (16, 2)] {
            let train = grid(700, d, d as u64, levels);
            let query = grid(300, d, 100 + d as u64, levels);
            let tree = Index::build(train.view());
            assert!(matches!(tree, Index::Tree(_)), "d = {d}");
            let brute = Index::Brute { rows: train.iter().copied().collect(), n: 700, d };
            for k in [1, 5, 20] {
                let want = k_nearest_naive(train.view(), query.view(), k, false);
                assert_eq!(tree.k_nearest(query.view(), k, 2).unwrap(), want, "d {d} k {k}");
                assert_eq!(brute.k_nearest(query.view(), k, 1).unwrap(), want, "d {d} k {k}");
                let want = k_nearest_naive(train.view(), train.view(), k, true);
                assert_eq!(tree.k_nearest_self(k, 1).unwrap(), want, "d {d} k {k} self");
                assert_eq!(brute.k_nearest_self(k, 2).unwrap(), want, "d {d} k {k} self");
            }
        }
    }

    #[test]
    fn the_product_shortlist_equals_the_naive_search_in_high_dimension_far_from_the_origin() {
        // Windows of a series far from 0 (NAB-like values around 10⁴) with ties and
        // duplicates: the shortlist's rounding bound must still keep every true neighbour.
        for (d, levels, offset) in [(64, 7, 1.0e4), (256, 3, 0.0), (48, 1000, -5.0e6)] {
            let train = grid(500, d, d as u64, levels) + offset;
            let query = grid(130, d, 7 + d as u64, levels) + offset;
            let brute = Index::build(train.view());
            assert!(matches!(brute, Index::Brute { .. }), "d = {d}");
            for k in [1, 10] {
                let want = k_nearest_naive(train.view(), query.view(), k, false);
                assert_eq!(brute.k_nearest(query.view(), k, 2).unwrap(), want, "d {d} k {k}");
                let want = k_nearest_naive(train.view(), train.view(), k, true);
                assert_eq!(brute.k_nearest_self(k, 1).unwrap(), want, "d {d} k {k} self");
            }
        }
    }

    #[test]
    fn all_rows_identical_and_k_equal_to_n() {
        let train = Array2::from_elem((300, 4), 2.5);
        let index = Index::build(train.view());
        let s = index.k_nearest_self(299, 1).unwrap();
        assert!(s.dist.iter().all(|&d| d == 0.0));
        assert_eq!(s.index_row(0), (1..300).collect::<Vec<_>>().as_slice());
        assert_eq!(s.index_row(7)[..8], [0, 1, 2, 3, 4, 5, 6, 8]);
        let q = array![[2.5, 2.5, 2.5, 3.5]];
        let n = index.k_nearest(q.view(), 300, 1).unwrap();
        assert!(n.dist.iter().all(|&d| d == 1.0));
        assert_eq!(n.index_row(0), (0..300).collect::<Vec<_>>().as_slice());
    }

    #[test]
    fn zero_features() {
        let train = Array2::<f64>::zeros((4, 0));
        let s = k_nearest(train.view(), train.view(), 2, true, 1).unwrap();
        assert_eq!(s.index_row(0), &[1, 2]);
        assert_eq!(s.dist_row(3), &[0.0, 0.0]);
    }
}
