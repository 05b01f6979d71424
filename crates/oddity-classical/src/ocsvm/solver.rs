//! libsvm's SMO solver for the one-class ν-SVM dual (Fan, Chen & Lin, "Working set selection
//! using second order information for training support vector machines", JMLR 6, 2005),
//! written after the algorithm of libsvm 3.x's `Solver` as scikit-learn 1.9.1 builds it.
//!
//! The problem is `min ½ αᵀQα` subject to `0 ≤ α_i ≤ 1` and `Σ α_i = ν·l`, with `Q_ij` the RBF
//! kernel of rows `i` and `j`. Everything that decides the path of the iterations follows
//! libsvm, so that the solution is the same up to rounding:
//!
//! * the initial point: `ν·l` (summed as `Σ 1·ν`) spread greedily over the first rows (each
//!   gets `min(1, rest)`);
//! * the kernel columns are stored as `f32` (libsvm's `Qfloat`), the diagonal and every sum
//!   in `f64`; the training kernel is `exp(−γ(‖x_i‖² + ‖x_j‖² − 2 x_i·x_j))`;
//! * second-order working-set selection (WSS3), ties going to the last index in `≥`/`≤`
//!   order, over the active set in its current (shrinking-permuted) order;
//! * shrinking every `min(l, 1000)` iterations with the same rule, the same swaps of the
//!   shrunk variables to the end of the active set, the same gradient reconstruction (both of
//!   its loop orders) and the same one-time unshrinking at `10·eps`;
//! * the stopping rule `m(α) − M(α) < eps` and `ρ` as `calculate_rho` (mean gradient over
//!   the free variables, else the midpoint of the bounds). scikit-learn runs without an
//!   iteration cap (`max_iter = -1`); here the original libsvm cap, `max(10⁷, 100·l)`
//!   iterations, guards against a loop that never stops (a fit that reaches it stops there,
//!   with the gradient made whole, as libsvm 3.x does).
//!
//! Kernel columns are cached as libsvm caches them: by position in the active set, each
//! filled only up to the length asked, swapped along with the variables, least recently used
//! dropped first when [`CACHE_BYTES`] are used.

use oddity_core::Error;
use rayon::prelude::*;

/// libsvm's `TAU`: the quadratic coefficient used when the kernel is not positive definite
/// along the pair's direction.
const TAU: f64 = 1e-12;

/// Memory for cached kernel columns (libsvm's `cache_size`, 200 MB in scikit-learn; 512 MiB
/// here, the fastest of 256 MiB, 512 MiB and 1 GiB on shuttle; the
/// cache only changes the speed).
const CACHE_BYTES: usize = 1 << 29;

/// Rows × features above which a kernel column is computed on the thread pool.
const PARALLEL_COLUMN: usize = 1 << 16;

/// Active variables above which the working-set scans and the gradient update run on the
/// thread pool, in chunks of [`CHUNK`] combined in order (the same result as one pass).
const PARALLEL_SCAN: usize = 1 << 14;

/// Chunk of the parallel scans.
const CHUNK: usize = 1 << 12;

/// The state of a variable against its box `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Lower,
    Upper,
    Free,
}

/// The RBF kernel on the training rows, with the squared norms libsvm precomputes.
struct Kernel<'a> {
    x: &'a [f64],
    d: usize,
    minus_gamma: f64,
    square: Vec<f64>,
}

impl<'a> Kernel<'a> {
    fn new(x: &'a [f64], d: usize, gamma: f64) -> Self {
        let square = x.chunks_exact(d).map(|r| dot(r, r)).collect();
        Self { x, d, minus_gamma: -gamma, square }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// libsvm's `kernel_rbf(i, j)`.
    fn eval(&self, i: usize, j: usize) -> f64 {
        (self.minus_gamma * (self.square[i] + self.square[j] - 2.0 * dot(self.row(i), self.row(j))))
            .exp()
    }
}

/// The dot product as libsvm's dense `Kernel::dot`: one sequential sum.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        sum += x * y;
    }
    sum
}

/// Kernel columns by position in the active-set order (`f32`), each valid on a prefix
/// `0..len` as libsvm's `Cache`: filled on demand up to the length asked, least recently
/// used dropped first, entries swapped along with the variables.
struct Cache {
    columns: Vec<Vec<f32>>,
    used: Vec<u64>,
    clock: u64,
    /// Entries that may still be allocated.
    free: usize,
    /// The positions holding a column, and where each position is in that list.
    cached: Vec<usize>,
    slot: Vec<usize>,
}

/// No slot in [`Cache::cached`].
const NONE: usize = usize::MAX;

impl Cache {
    fn new(l: usize) -> Self {
        let free = (CACHE_BYTES / 4).max(2 * l);
        Self {
            columns: vec![Vec::new(); l],
            used: vec![0; l],
            clock: 0,
            free,
            cached: Vec::new(),
            slot: vec![NONE; l],
        }
    }

    /// Drops the column at position `pos`.
    fn drop_column(&mut self, pos: usize) {
        self.free += self.columns[pos].len();
        self.columns[pos] = Vec::new();
        let s = self.slot[pos];
        if s != NONE {
            self.cached.swap_remove(s);
            if s < self.cached.len() {
                self.slot[self.cached[s]] = s;
            }
            self.slot[pos] = NONE;
        }
    }

    /// Makes room for `more` entries, dropping least recently used columns other than `keep`.
    fn reserve(&mut self, more: usize, keep: usize) {
        while self.free < more {
            let victim =
                self.cached.iter().copied().filter(|&c| c != keep).min_by_key(|&c| self.used[c]);
            match victim {
                Some(v) => self.drop_column(v),
                None => break,
            }
        }
        self.free = self.free.saturating_sub(more);
        if self.slot[keep] == NONE {
            self.slot[keep] = self.cached.len();
            self.cached.push(keep);
        }
    }

    /// libsvm's `Cache::swap_index`: columns `i` and `j` trade places, and every cached
    /// column long enough has its entries `i` and `j` swapped (a column covering one of
    /// them only is dropped).
    fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        self.columns.swap(i, j);
        self.used.swap(i, j);
        self.slot.swap(i, j);
        for p in [i, j] {
            if self.slot[p] != NONE {
                self.cached[self.slot[p]] = p;
            }
        }
        let (lo, hi) = (i.min(j), i.max(j));
        let mut dropped = Vec::new();
        for &p in &self.cached {
            let col = &mut self.columns[p];
            if col.len() > lo {
                if col.len() > hi {
                    col.swap(lo, hi);
                } else {
                    dropped.push(p);
                }
            }
        }
        for p in dropped {
            self.drop_column(p);
        }
    }
}

/// The solution: `α` in the original row order and `ρ`.
pub(crate) struct Solution {
    pub alpha: Vec<f64>,
    pub rho: f64,
}

/// The solver's working state, every array in the active set's current order.
struct Solver<'a> {
    kernel: Kernel<'a>,
    cache: Cache,
    /// Whether the solver runs inside a thread pool of more than one thread.
    parallel: bool,
    l: usize,
    active_size: usize,
    /// Position → original row (libsvm's `active_set`).
    index: Vec<usize>,
    alpha: Vec<f64>,
    status: Vec<Status>,
    grad: Vec<f64>,
    grad_bar: Vec<f64>,
    diag: Vec<f64>,
    eps: f64,
    unshrink: bool,
    qi: Vec<f32>,
    qj: Vec<f32>,
}

/// Solves the one-class dual on the `l` rows of `x` (row-major, `d` columns) with `nu`,
/// RBF `gamma`, tolerance `eps` and libsvm's shrinking when `shrinking`; kernel columns are
/// computed on `threads` threads (the result does not depend on it).
pub(crate) fn solve_one_class(
    x: &[f64],
    d: usize,
    gamma: f64,
    nu: f64,
    eps: f64,
    shrinking: bool,
    threads: usize,
) -> Result<Solution, Error> {
    let l = x.len() / d;
    let pool = if threads > 1 && l * d >= PARALLEL_COLUMN {
        Some(crate::neighbors::pool(threads)?)
    } else {
        None
    };
    let kernel = Kernel::new(x, d, gamma);
    let diag: Vec<f64> = (0..l).map(|i| kernel.eval(i, i)).collect();
    // The initial point of libsvm's `solve_one_class` (unit weights).
    let mut alpha = vec![0.0; l];
    let mut rest = 0.0;
    for _ in 0..l {
        rest += nu;
    }
    let mut i = 0;
    while rest > 0.0 && i < l {
        alpha[i] = if 1.0 < rest { 1.0 } else { rest };
        rest -= alpha[i];
        i += 1;
    }
    let mut s = Solver {
        kernel,
        cache: Cache::new(l),
        parallel: pool.is_some(),
        l,
        active_size: l,
        index: (0..l).collect(),
        status: alpha.iter().map(|&a| status(a)).collect(),
        alpha,
        grad: vec![0.0; l],
        grad_bar: vec![0.0; l],
        diag,
        eps,
        unshrink: false,
        qi: Vec::with_capacity(l),
        qj: Vec::with_capacity(l),
    };
    match &pool {
        Some(pool) => pool.install(|| s.run(shrinking)),
        None => s.run(shrinking),
    }
    let rho = s.rho();
    let mut alpha = vec![0.0; l];
    for (k, &orig) in s.index.iter().enumerate() {
        alpha[orig] = s.alpha[k];
    }
    Ok(Solution { alpha, rho })
}

/// libsvm's `update_alpha_status` for the box `[0, 1]`.
fn status(a: f64) -> Status {
    if a >= 1.0 {
        Status::Upper
    } else if a <= 0.0 {
        Status::Lower
    } else {
        Status::Free
    }
}

impl Solver<'_> {
    /// The kernel column of the variable at position `pos`, entries `0..len` in the active
    /// set's order, into `out` (libsvm's `get_Q(pos, len)`).
    fn column(&mut self, pos: usize, len: usize, which: Which) {
        let cache = &mut self.cache;
        cache.clock += 1;
        cache.used[pos] = cache.clock;
        let have = cache.columns[pos].len();
        if have < len {
            let more = len - have;
            cache.reserve(more, pos);
            let col = &mut cache.columns[pos];
            col.resize(len, 0.0);
            let (kernel, index) = (&self.kernel, &self.index);
            let orig = index[pos];
            let fill = |(k, c): (usize, &mut f32)| *c = kernel.eval(orig, index[have + k]) as f32;
            if self.parallel && more * kernel.d >= PARALLEL_COLUMN {
                col[have..].par_iter_mut().enumerate().for_each(fill);
            } else {
                col[have..].iter_mut().enumerate().for_each(fill);
            }
        }
        let col = &self.cache.columns[pos];
        let out = match which {
            Which::I => &mut self.qi,
            Which::J => &mut self.qj,
        };
        out.clear();
        out.extend_from_slice(&col[..len]);
    }

    fn is_upper(&self, i: usize) -> bool {
        self.status[i] == Status::Upper
    }

    fn is_lower(&self, i: usize) -> bool {
        self.status[i] == Status::Lower
    }

    fn is_free(&self, i: usize) -> bool {
        self.status[i] == Status::Free
    }

    /// libsvm's `Solver::Solve` main loop (`y = +1`, `p = 0`, `C = 1` for every variable).
    fn run(&mut self, shrinking: bool) {
        let l = self.l;
        // The gradient of ½αᵀQα at the initial point, and G_bar (the part of the bound ones).
        for i in 0..l {
            if !self.is_lower(i) {
                self.column(i, l, Which::I);
                let a = self.alpha[i];
                for (g, &q) in self.grad.iter_mut().zip(&self.qi) {
                    *g += a * q as f64;
                }
                if self.is_upper(i) {
                    for (g, &q) in self.grad_bar.iter_mut().zip(&self.qi) {
                        *g += 1.0 * q as f64;
                    }
                }
            }
        }
        let max_iter = (100 * l).max(10_000_000);
        let mut iter = 0usize;
        let mut counter = l.min(1000) + 1;
        while iter < max_iter {
            counter -= 1;
            if counter == 0 {
                counter = l.min(1000);
                if shrinking {
                    self.shrink();
                }
            }
            let (i, j) = match self.select_working_set() {
                Some(pair) => pair,
                None => {
                    self.reconstruct_gradient();
                    self.active_size = l;
                    match self.select_working_set() {
                        Some(pair) => {
                            counter = 1;
                            pair
                        }
                        None => break,
                    }
                }
            };
            iter += 1;
            self.update(i, j);
        }
        if iter >= max_iter && self.active_size < l {
            self.reconstruct_gradient();
            self.active_size = l;
        }
    }

    /// One SMO step on the pair `(i, j)` (libsvm's `y_i = y_j` branch).
    fn update(&mut self, i: usize, j: usize) {
        let active = self.active_size;
        self.column(i, active, Which::I);
        self.column(j, active, Which::J);
        let (c_i, c_j) = (1.0, 1.0);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let mut quad = self.diag[i] + self.diag[j] - 2.0 * self.qi[j] as f64;
        if quad <= 0.0 {
            quad = TAU;
        }
        let delta = (self.grad[i] - self.grad[j]) / quad;
        let sum = self.alpha[i] + self.alpha[j];
        self.alpha[i] -= delta;
        self.alpha[j] += delta;
        if sum > c_i {
            if self.alpha[i] > c_i {
                self.alpha[i] = c_i;
                self.alpha[j] = sum - c_i;
            }
        } else if self.alpha[j] < 0.0 {
            self.alpha[j] = 0.0;
            self.alpha[i] = sum;
        }
        if sum > c_j {
            if self.alpha[j] > c_j {
                self.alpha[j] = c_j;
                self.alpha[i] = sum - c_j;
            }
        } else if self.alpha[i] < 0.0 {
            self.alpha[i] = 0.0;
            self.alpha[j] = sum;
        }
        let (da_i, da_j) = (self.alpha[i] - old_i, self.alpha[j] - old_j);
        let step = |(g, (qi, qj)): (&mut [f64], (&[f32], &[f32]))| {
            for ((g, &a), &b) in g.iter_mut().zip(qi).zip(qj) {
                *g += a as f64 * da_i + b as f64 * da_j;
            }
        };
        let (grad, qi, qj) = (&mut self.grad[..active], &self.qi[..active], &self.qj[..active]);
        if self.parallel && active >= PARALLEL_SCAN {
            grad.par_chunks_mut(CHUNK)
                .zip(qi.par_chunks(CHUNK).zip(qj.par_chunks(CHUNK)))
                .for_each(step);
        } else {
            step((grad, (qi, qj)));
        }
        let (was_upper_i, was_upper_j) = (self.is_upper(i), self.is_upper(j));
        self.status[i] = status(self.alpha[i]);
        self.status[j] = status(self.alpha[j]);
        let l = self.l;
        for (pos, was, c) in [(i, was_upper_i, c_i), (j, was_upper_j, c_j)] {
            if was != self.is_upper(pos) {
                self.column(pos, l, Which::I);
                if was {
                    for (g, &q) in self.grad_bar.iter_mut().zip(&self.qi) {
                        *g -= c * q as f64;
                    }
                } else {
                    for (g, &q) in self.grad_bar.iter_mut().zip(&self.qi) {
                        *g += c * q as f64;
                    }
                }
            }
        }
    }

    /// WSS3: `i` maximises `−G_i` over the variables below their upper bound, `j` the
    /// second-order decrease over those above their lower bound; `None` when optimal.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        let active = self.active_size;
        let parallel = self.parallel && active >= PARALLEL_SCAN;
        // i: the last of the largest −G_t below the upper bound (libsvm's `>=` scan).
        let scan_i = |lo: usize, grad: &[f64], status: &[Status]| {
            let (mut gmax, mut idx) = (f64::NEG_INFINITY, None);
            for (t, (&g, &st)) in grad.iter().zip(status).enumerate() {
                if st != Status::Upper && -g >= gmax {
                    gmax = -g;
                    idx = Some(lo + t);
                }
            }
            (gmax, idx)
        };
        let later_max = |a: (f64, Option<usize>), b: (f64, Option<usize>)| {
            if b.1.is_some() && b.0 >= a.0 {
                b
            } else {
                a
            }
        };
        let (grad, status) = (&self.grad[..active], &self.status[..active]);
        let (gmax, gmax_idx) = if parallel {
            let parts: Vec<_> = grad
                .par_chunks(CHUNK)
                .zip(status.par_chunks(CHUNK))
                .enumerate()
                .map(|(c, (g, st))| scan_i(c * CHUNK, g, st))
                .collect();
            parts.into_iter().fold((f64::NEG_INFINITY, None), later_max)
        } else {
            scan_i(0, grad, status)
        };
        if let Some(i) = gmax_idx {
            self.column(i, active, Which::I);
        }
        // j: the last of the smallest second-order decrease above the lower bound.
        let diag_i = gmax_idx.map_or(0.0, |i| self.diag[i]);
        let scan_j = |lo: usize, grad: &[f64], status: &[Status], diag: &[f64], qi: &[f32]| {
            let (mut gmax2, mut obj_min, mut idx) = (f64::NEG_INFINITY, f64::INFINITY, None);
            for (t, (((&g, &st), &dj), &q)) in grad.iter().zip(status).zip(diag).zip(qi).enumerate()
            {
                if st == Status::Lower {
                    continue;
                }
                let grad_diff = gmax + g;
                if g >= gmax2 {
                    gmax2 = g;
                }
                if grad_diff > 0.0 {
                    let quad = diag_i + dj - 2.0 * q as f64;
                    let obj_diff = if quad > 0.0 {
                        -(grad_diff * grad_diff) / quad
                    } else {
                        -(grad_diff * grad_diff) / TAU
                    };
                    if obj_diff <= obj_min {
                        idx = Some(lo + t);
                        obj_min = obj_diff;
                    }
                }
            }
            (gmax2, obj_min, idx)
        };
        let (grad, status, diag) =
            (&self.grad[..active], &self.status[..active], &self.diag[..active]);
        // Without an `i` no grad_diff is positive and `qi` is not read.
        let qi: &[f32] = if gmax_idx.is_some() { &self.qi[..active] } else { &[] };
        let (gmax2, gmin_idx) = if gmax_idx.is_none() {
            let g2 = (0..active)
                .filter(|&t| status[t] != Status::Lower)
                .map(|t| grad[t])
                .fold(f64::NEG_INFINITY, |m, g| if g >= m { g } else { m });
            (g2, None)
        } else if parallel {
            let parts: Vec<_> = grad
                .par_chunks(CHUNK)
                .zip(status.par_chunks(CHUNK))
                .zip(diag.par_chunks(CHUNK).zip(qi.par_chunks(CHUNK)))
                .enumerate()
                .map(|(c, ((g, st), (dg, q)))| scan_j(c * CHUNK, g, st, dg, q))
                .collect();
            let mut acc = (f64::NEG_INFINITY, f64::INFINITY, None);
            for (g2, obj, idx) in parts {
                if g2 >= acc.0 {
                    acc.0 = g2;
                }
                if idx.is_some() && obj <= acc.1 {
                    acc.1 = obj;
                    acc.2 = idx;
                }
            }
            (acc.0, acc.2)
        } else {
            let (g2, _, idx) = scan_j(0, grad, status, diag, qi);
            (g2, idx)
        };
        match (gmax_idx, gmin_idx) {
            (Some(i), Some(j)) if gmax + gmax2 >= self.eps => Some((i, j)),
            _ => None,
        }
    }

    /// libsvm's `be_shrunk`.
    fn be_shrunk(&self, i: usize, gmax1: f64, gmax2: f64) -> bool {
        match self.status[i] {
            Status::Upper => -self.grad[i] > gmax1,
            Status::Lower => self.grad[i] > gmax2,
            Status::Free => false,
        }
    }

    /// libsvm's `do_shrinking`.
    fn shrink(&mut self) {
        let mut gmax1 = f64::NEG_INFINITY;
        let mut gmax2 = f64::NEG_INFINITY;
        for i in 0..self.active_size {
            if !self.is_upper(i) && -self.grad[i] >= gmax1 {
                gmax1 = -self.grad[i];
            }
            if !self.is_lower(i) && self.grad[i] >= gmax2 {
                gmax2 = self.grad[i];
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, gmax1, gmax2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, gmax1, gmax2) {
                        self.swap(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    /// libsvm's `swap_index`.
    fn swap(&mut self, i: usize, j: usize) {
        self.cache.swap(i, j);
        self.index.swap(i, j);
        self.alpha.swap(i, j);
        self.status.swap(i, j);
        self.grad.swap(i, j);
        self.grad_bar.swap(i, j);
        self.diag.swap(i, j);
    }

    /// libsvm's `reconstruct_gradient`: the gradient of the inactive variables from G_bar
    /// and the free active ones.
    fn reconstruct_gradient(&mut self) {
        let (l, active) = (self.l, self.active_size);
        if active == l {
            return;
        }
        for j in active..l {
            self.grad[j] = self.grad_bar[j] + 0.0;
        }
        let nr_free = (0..active).filter(|&j| self.is_free(j)).count();
        if (nr_free as u128) * (l as u128) > 2 * (active as u128) * ((l - active) as u128) {
            for i in active..l {
                self.column(i, active, Which::I);
                let mut g = self.grad[i];
                for j in 0..active {
                    if self.is_free(j) {
                        g += self.alpha[j] * self.qi[j] as f64;
                    }
                }
                self.grad[i] = g;
            }
        } else {
            for i in 0..active {
                if self.is_free(i) {
                    self.column(i, l, Which::I);
                    let a = self.alpha[i];
                    for j in active..l {
                        self.grad[j] += a * self.qi[j] as f64;
                    }
                }
            }
        }
    }

    /// libsvm's `calculate_rho` (`y = +1`).
    fn rho(&self) -> f64 {
        let (mut ub, mut lb, mut sum_free, mut nr_free) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
        for i in 0..self.active_size {
            let g = self.grad[i];
            match self.status[i] {
                Status::Upper => lb = if lb > g { lb } else { g },
                Status::Lower => ub = if ub < g { ub } else { g },
                Status::Free => {
                    nr_free += 1;
                    sum_free += g;
                }
            }
        }
        if nr_free > 0 {
            sum_free / nr_free as f64
        } else {
            (ub + lb) / 2.0
        }
    }
}

/// Which gather buffer a column goes to.
#[derive(Clone, Copy)]
enum Which {
    I,
    J,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_rows_split_nu_l() {
        // l = 2, ν = 0.5: Σα = 1 with α ≤ 1; by symmetry α = (½, ½) is optimal, so both are
        // free and ρ = G = ½ (1 + k) with k = exp(−γ‖x_0 − x_1‖²) = e^{−1}.
        let s = solve_one_class(&[0.0, 1.0], 1, 1.0, 0.5, 1e-3, true, 1).unwrap();
        let k = (-1.0f64).exp() as f32 as f64;
        assert!((s.alpha[0] - 0.5).abs() < 1e-12 && (s.alpha[1] - 0.5).abs() < 1e-12);
        assert!((s.rho - 0.5 * (1.0 + k)).abs() < 1e-12, "{}", s.rho);
    }

    #[test]
    fn parallel_scans_change_nothing() {
        // Above PARALLEL_SCAN active variables the scans run in chunks on the pool: the same
        // path, bit for bit, as one thread.
        let n = PARALLEL_SCAN + 100;
        let mut state = 12345u64;
        let x: Vec<f64> = (0..2 * n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        let one = solve_one_class(&x, 2, 0.5, 0.5, 1e-3, true, 1).unwrap();
        let two = solve_one_class(&x, 2, 0.5, 0.5, 1e-3, true, 2).unwrap();
        assert_eq!(one.alpha, two.alpha);
        assert_eq!(one.rho, two.rho);
    }

    #[test]
    fn constraints_hold_and_shrinking_changes_nothing_much() {
        let x: Vec<f64> = (0..600).map(|i| ((i * 37 % 101) as f64 / 17.0).sin()).collect();
        let a = solve_one_class(&x, 3, 0.3, 0.3, 1e-3, true, 1).unwrap();
        let b = solve_one_class(&x, 3, 0.3, 0.3, 1e-3, false, 1).unwrap();
        for s in [&a, &b] {
            let sum: f64 = s.alpha.iter().sum();
            assert!((sum - 0.3 * 200.0).abs() < 1e-9, "{sum}");
            assert!(s.alpha.iter().all(|&v| (0.0..=1.0).contains(&v)));
        }
        assert!((a.rho - b.rho).abs() < 1e-3 * a.rho.abs());
        let c = solve_one_class(&x, 3, 0.3, 0.3, 1e-3, true, 3).unwrap();
        assert_eq!(a.alpha, c.alpha);
        assert_eq!(a.rho, c.rho);
    }
}
