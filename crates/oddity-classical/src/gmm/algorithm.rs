//! EM for the Gaussian mixture (from a k-means initialisation) and the fitted mixture.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, Array3, ArrayView2, Axis};
use oddity_core::{
    derive_seed, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector,
};
use rayon::prelude::*;

use super::{Components, GmmParams, GmmValidParams};
use crate::kmeans::KmeansValidParams;

impl GmmValidParams {
    fn fit_one(&self, x: ArrayView2<'_, f64>, k: usize, seed: u64) -> Result<FittedGmm, Error> {
        let n = x.nrows();
        if n < k {
            return Err(Error::Fit(format!("{k} components need at least {k} rows, got {n}")));
        }
        let runs: Vec<Result<(f64, FittedGmm), Error>> = (0..self.n_init)
            .into_par_iter()
            .map(|run| self.em(x, k, derive_seed(seed, &["gmm", &k.to_string(), &run.to_string()])))
            .collect();
        let mut best: Option<(f64, FittedGmm)> = None;
        let mut last_error = None;
        for run in runs {
            match run {
                Ok((bound, m)) if best.as_ref().map_or(true, |(b, _)| bound > *b) => {
                    best = Some((bound, m))
                }
                Ok(_) => {}
                Err(e) => last_error = Some(e),
            }
        }
        best.map(|(_, m)| m).ok_or_else(|| last_error.expect("n_init >= 1"))
    }

    /// One EM run from a k-means initialisation; returns the final mean log-likelihood and
    /// the mixture. Not converging within `max_iter` keeps the last parameters, as
    /// scikit-learn does (it only warns).
    fn em(&self, x: ArrayView2<'_, f64>, k: usize, seed: u64) -> Result<(f64, FittedGmm), Error> {
        let init = KmeansValidParams { clusters: k, n_init: 1, max_iter: 300, tol: 1e-4 }
            .centroids(x, seed)?;
        let mut resp = Array2::zeros((x.nrows(), k));
        for (i, c) in init.labels.iter().enumerate() {
            resp[[i, *c]] = 1.0;
        }
        let data = x.as_slice().expect("standard layout");
        let start = resp.as_slice().expect("standard layout");
        let first = sum_in_order(
            data.par_chunks(BLOCK * x.ncols())
                .zip(start.par_chunks(BLOCK * k))
                .map(|(rows, r)| block_moments(rows, r, k))
                .collect(),
        );
        let mut mixture = self.m_step(x, resp.view(), &first)?;
        let mut bound = f64::NEG_INFINITY;
        for _ in 0..self.max_iter {
            let previous = bound;
            let (total, first) = mixture.e_step(x, &mut resp);
            bound = total / x.nrows() as f64;
            if !bound.is_finite() {
                return Err(Error::Fit(format!(
                    "gaussian mixture with {k} components: non-finite likelihood"
                )));
            }
            mixture = self.m_step(x, resp.view(), &first)?;
            if (bound - previous).abs() < self.tol {
                break;
            }
        }
        Ok((bound, mixture))
    }

    /// Weights, means and regularised covariances from responsibilities `resp` (n × k) and
    /// their first moments `first` (see [`block_moments`]), as scikit-learn's M-step:
    /// `n_k = Σ_i r_ik + 10·ε`, `μ_k = Σ_i r_ik x_i / n_k` and
    /// `Σ_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / n_k + reg_covar·I`. The second moments are
    /// matrix products (matrixmultiply's, whose summation order depends on the shapes only)
    /// over fixed blocks of rows, added in block order, so the result does not depend on the
    /// thread count.
    fn m_step(
        &self,
        x: ArrayView2<'_, f64>,
        resp: ArrayView2<'_, f64>,
        first: &[f64],
    ) -> Result<FittedGmm, Error> {
        let (n, d) = x.dim();
        let k = resp.ncols();
        let nk: Vec<f64> = first[..k].iter().map(|v| v + 10.0 * f64::EPSILON).collect();
        let means = Array2::from_shape_fn((k, d), |(c, j)| first[k + c * d + j] / nk[c]);
        // Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ = Σ_i r_ik (x_i − μ_k) x_iᵀ − 10ε·μ_k μ_kᵀ (as
        // Σ_i r_ik (x_i − μ_k) = 10ε·μ_k): one product per block of rows for all components,
        // `[W_1 | … | W_k]ᵀ X` with `W_k = r_k ∘ (X − μ_k)`.
        let data = x.as_slice().expect("standard layout");
        let r = resp.as_slice().expect("standard layout");
        let centre = means.as_slice().expect("standard layout");
        let parts: Vec<Array2<f64>> = data
            .par_chunks(M_CHUNK * d)
            .zip(r.par_chunks(M_CHUNK * k))
            .map(|(rows, r)| {
                let mut sum = Array2::zeros((k * d, d));
                let mut w = Array2::zeros((M_BLOCK, k * d));
                for (rows, r) in rows.chunks(M_BLOCK * d).zip(r.chunks(M_BLOCK * k)) {
                    let m = rows.len() / d;
                    let wb = w.as_slice_mut().expect("standard layout");
                    for ((row, ri), wi) in
                        rows.chunks_exact(d).zip(r.chunks_exact(k)).zip(wb.chunks_exact_mut(k * d))
                    {
                        for ((wc, mu), rc) in
                            wi.chunks_exact_mut(d).zip(centre.chunks_exact(d)).zip(ri)
                        {
                            for ((v, x), m) in wc.iter_mut().zip(row).zip(mu) {
                                *v = rc * (x - m);
                            }
                        }
                    }
                    let xb = ArrayView2::from_shape((m, d), rows).expect("block shape");
                    general_mat_mul(1.0, &w.slice(s![..m, ..]).t(), &xb, 1.0, &mut sum);
                }
                sum
            })
            .collect();
        let sum = parts.into_iter().reduce(|a, b| a + b).expect("at least one row");
        let mut covariances = Array3::zeros((k, d, d));
        for c in 0..k {
            let block = sum.slice(s![c * d..(c + 1) * d, ..]);
            let mu = means.row(c);
            for a in 0..d {
                for b in a..d {
                    // Symmetrised: the two triangles differ by rounding only.
                    let v =
                        0.5 * (block[[a, b]] + block[[b, a]]) - 10.0 * f64::EPSILON * mu[a] * mu[b];
                    covariances[[c, a, b]] = v / nk[c];
                    covariances[[c, b, a]] = v / nk[c];
                }
                covariances[[c, a, a]] += self.reg_covar;
            }
        }
        let weights = Array1::from_iter(nk.iter().map(|v| v / n as f64));
        FittedGmm::new(weights, means, covariances)
    }
}

/// Rows per block of the M-step's covariance products (fixed, as [`BLOCK`]).
const M_BLOCK: usize = 256;
/// Rows per parallel chunk of the M-step, whose sums are added in chunk order.
const M_CHUNK: usize = 2048;

/// Rows per block of the E-step and of scoring: fixed, so results do not depend on the
/// thread count.
const BLOCK: usize = 512;

/// `[Σ_i r_ik (k values) | Σ_i r_ik x_i (k × d)]` over the rows of one block (`rows` n × d
/// and `resp` n × k, row major), summed in row order.
fn block_moments(rows: &[f64], resp: &[f64], k: usize) -> Vec<f64> {
    let d = rows.len() / (resp.len() / k).max(1);
    let mut m = vec![0.0; k + k * d];
    let (weights, sums) = m.split_at_mut(k);
    for (row, r) in rows.chunks_exact(d.max(1)).zip(resp.chunks_exact(k)) {
        for ((w, s), rc) in weights.iter_mut().zip(sums.chunks_exact_mut(d.max(1))).zip(r) {
            *w += rc;
            for (s, v) in s.iter_mut().zip(row) {
                *s += rc * v;
            }
        }
    }
    m
}

/// The element-wise sum of equally long vectors, added in the order given.
fn sum_in_order(parts: Vec<Vec<f64>>) -> Vec<f64> {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one block");
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    total
}

/// `Σ_j (a_j − b_j)²` in four interleaved partial sums (vectorisable; the order is fixed).
fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| (x - y) * (x - y)).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += (x[l] - y[l]) * (x[l] - y[l]);
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `log Σ_j exp(v_j)`, shifted by the maximum; `−∞` when every value is `−∞`.
fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|p| (p - m).exp()).sum::<f64>().ln()
}

impl Detector for GmmValidParams {
    fn name(&self) -> &str {
        GmmParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let x = train.features.as_standard_layout();
        let x = x.view();
        let pool = crate::neighbors::pool(ctx.threads)?;
        let mixture = pool.install(|| match self.components {
            Components::Fixed(k) => self.fit_one(x, k, ctx.seed),
            Components::Bic => {
                let ks = &self.bic_components;
                // The candidates are fitted in parallel and compared in list order.
                let fits: Vec<Result<(f64, FittedGmm), Error>> = ks
                    .par_iter()
                    .map(|&k| self.fit_one(x, k, ctx.seed).map(|m| (m.bic(x), m)))
                    .collect();
                let mut best: Option<(f64, FittedGmm)> = None;
                let mut errors = Vec::new();
                for (k, fit) in ks.iter().zip(fits) {
                    match fit {
                        Ok((bic, m)) => {
                            if best.as_ref().map_or(true, |(b, bm)| {
                                bic < *b || (bic == *b && m.n_components() < bm.n_components())
                            }) {
                                best = Some((bic, m));
                            }
                        }
                        Err(e) => errors.push(format!("{k}: {e}")),
                    }
                }
                best.map(|(_, m)| m).ok_or_else(|| {
                    Error::Fit(format!(
                        "no candidate mixture could be fitted ({})",
                        errors.join("; ")
                    ))
                })
            }
        })?;
        Ok(Box::new(mixture))
    }
}

/// A Gaussian mixture with full covariances, ready to score: log-weights, means and the
/// Cholesky factors of the precisions, as scikit-learn stores them. The fitted form of
/// [`GmmValidParams`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedGmm {
    log_weights: Array1<f64>,
    means: Array2<f64>,
    /// `[P_1 | … | P_k]` (d × k·d), `P_k = L_k⁻ᵀ` (upper triangular) for each covariance
    /// `Σ_k = L_k L_kᵀ`, so `Σ_k⁻¹ = P_k P_kᵀ`: one matrix product whitens a block of rows
    /// against every component.
    prec_chol: Array2<f64>,
    /// `[μ_1 P_1 | … | μ_k P_k]` (k·d).
    mean_prec: Vec<f64>,
    /// `Σ_i ln P_k[i,i] − d/2 · ln 2π` per component.
    log_norm: Array1<f64>,
}

impl FittedGmm {
    /// A mixture from its weights (k), means (k × d) and covariances (k × d × d, any
    /// regularisation already added). A covariance that is not positive definite is an
    /// error naming the component.
    pub fn new(
        weights: Array1<f64>,
        means: Array2<f64>,
        covariances: Array3<f64>,
    ) -> Result<Self, Error> {
        let (k, d) = means.dim();
        if weights.len() != k || covariances.dim() != (k, d, d) {
            return Err(Error::ShapeMismatch {
                what: "mixture weights / means / covariances".into(),
                expected: k,
                got: weights.len(),
            });
        }
        if weights.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(Error::Fit("mixture weights must be positive".into()));
        }
        let mut prec_chol = Array2::zeros((d, k * d));
        let mut mean_prec = Vec::with_capacity(k * d);
        let mut log_norm = Array1::zeros(k);
        let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        for c in 0..k {
            let l = cholesky(covariances.index_axis(Axis(0), c)).ok_or_else(|| {
                Error::Fit(format!(
                    "covariance of mixture component {c} is not positive definite (raise reg_covar)"
                ))
            })?;
            let p = lower_inverse(&l).reversed_axes();
            log_norm[c] = p.diag().mapv(f64::ln).sum() - d as f64 * half_log_2pi;
            mean_prec.extend(means.row(c).dot(&p));
            prec_chol.slice_mut(s![.., c * d..(c + 1) * d]).assign(&p);
        }
        Ok(Self { log_weights: weights.mapv(f64::ln), means, prec_chol, mean_prec, log_norm })
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.means.nrows()
    }

    /// `log w_k + log N(x; μ_k, Σ_k)` of every row of `rows` (standard layout, at most
    /// [`BLOCK`] rows) into `out` (rows × k, row major): `y = x P_k − μ_k P_k` for all
    /// components as one matrix product, then `−½‖y‖² + log-normaliser + log-weight`.
    fn block_log_prob(&self, rows: ArrayView2<'_, f64>, out: &mut [f64]) {
        let (k, d) = self.means.dim();
        let mut y = Array2::zeros((rows.nrows(), k * d));
        general_mat_mul(1.0, &rows, &self.prec_chol, 0.0, &mut y);
        for (y, o) in y.rows().into_iter().zip(out.chunks_mut(k)) {
            let y = y.to_slice().expect("standard layout");
            for (c, o) in o.iter_mut().enumerate() {
                let span = c * d..(c + 1) * d;
                let q = squared_distance(&y[span.clone()], &self.mean_prec[span]);
                *o = -0.5 * q + self.log_norm[c] + self.log_weights[c];
            }
        }
    }

    /// Blocks of [`BLOCK`] rows of `x` in parallel: each writes its rows of `out` (n × k)
    /// with [`Self::block_log_prob`], then `finish(rows of x, rows of out)` makes the block's
    /// result; the results come back in block order.
    fn blocks<T, F>(&self, x: ArrayView2<'_, f64>, out: &mut Array2<f64>, finish: F) -> Vec<T>
    where
        T: Send,
        F: Fn(&[f64], &mut [f64]) -> T + Sync,
    {
        let k = self.means.nrows();
        let x = x.as_standard_layout();
        let d = x.ncols();
        let data = x.as_slice().expect("standard layout");
        let out = out.as_slice_mut().expect("standard layout");
        data.par_chunks(BLOCK * d.max(1))
            .zip(out.par_chunks_mut(BLOCK * k))
            .map(|(rows, o)| {
                let rows = ArrayView2::from_shape((o.len() / k, d), rows).expect("block shape");
                self.block_log_prob(rows.view(), o);
                finish(rows.as_slice().expect("standard layout"), o)
            })
            .collect()
    }

    /// E-step on `x` (n × d): writes the responsibilities into `resp` (n × k) and returns
    /// the summed log-likelihood and the first moments of the responsibilities (see
    /// [`block_moments`]), block sums added in block order.
    fn e_step(&self, x: ArrayView2<'_, f64>, resp: &mut Array2<f64>) -> (f64, Vec<f64>) {
        let k = self.means.nrows();
        let parts = self.blocks(x, resp, |rows, o| {
            let mut total = 0.0;
            for r in o.chunks_mut(k) {
                let z = log_sum_exp(r);
                r.iter_mut().for_each(|v| *v = (*v - z).exp());
                total += z;
            }
            (total, block_moments(rows, o, k))
        });
        let total = parts.iter().map(|(t, _)| t).sum();
        (total, sum_in_order(parts.into_iter().map(|(_, m)| m).collect()))
    }

    /// `log w_k + log N(x; μ_k, Σ_k)` for every row (n × k).
    pub fn weighted_log_prob(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.means.nrows()));
        self.blocks(x, &mut out, |_, _| ());
        out
    }

    /// `log p(x)` of every row of `x` (log-sum-exp over the components).
    pub fn log_likelihood(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        self.weighted_log_prob(x)
            .rows()
            .into_iter()
            .map(|row| log_sum_exp(row.as_slice().expect("standard layout")))
            .collect()
    }

    /// Bayesian information criterion of the mixture on `x`.
    pub fn bic(&self, x: ArrayView2<'_, f64>) -> f64 {
        let (k, d) = self.means.dim();
        let params = k * d * (d + 3) / 2 + k - 1;
        -2.0 * self.log_likelihood(x).sum() + params as f64 * (x.nrows() as f64).ln()
    }
}

crate::saved!(FittedGmm, "gmm");

impl FittedDetector for FittedGmm {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.means.ncols())?;
        let scores = -self.log_likelihood(data.features.view());
        match scores.iter().position(|s| !s.is_finite()) {
            Some(row) => Err(Error::Fit(format!(
                "row {row} has a non-finite log-likelihood under the mixture"
            ))),
            None => Ok(scores),
        }
    }
}

/// Inverse of a lower-triangular matrix with a positive diagonal (forward substitution on
/// the identity), itself lower triangular.
fn lower_inverse(l: &Array2<f64>) -> Array2<f64> {
    let d = l.nrows();
    let mut inv = Array2::<f64>::zeros((d, d));
    for col in 0..d {
        for i in col..d {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for j in col..i {
                v -= l[[i, j]] * inv[[j, col]];
            }
            inv[[i, col]] = v / l[[i, i]];
        }
    }
    inv
}

/// Lower Cholesky factor of a symmetric positive-definite matrix, or `None`.
fn cholesky(a: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
    let d = a.nrows();
    let mut l = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[[i, j]];
            for m in 0..j {
                s -= l[[i, m]] * l[[j, m]];
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn one_standard_normal_component_is_the_gaussian_density() {
        let m = FittedGmm::new(array![1.0], array![[0.0, 0.0]], array![[[1.0, 0.0], [0.0, 1.0]]])
            .unwrap();
        let ll = m.log_likelihood(array![[0.0, 0.0], [1.0, 2.0]].view());
        let c = -(2.0 * std::f64::consts::PI).ln();
        assert!((ll[0] - c).abs() < 1e-15);
        assert!((ll[1] - (c - 2.5)).abs() < 1e-15);
    }

    #[test]
    fn equal_components_add_up_in_log_space() {
        // Two identical components with weight 1/2 each are one component; far rows stay finite.
        let cov = array![[[2.0]], [[2.0]]];
        let two = FittedGmm::new(array![0.5, 0.5], array![[1.0], [1.0]], cov).unwrap();
        let one = FittedGmm::new(array![1.0], array![[1.0]], array![[[2.0]]]).unwrap();
        let x = array![[0.0], [1e6]];
        let (a, b) = (two.log_likelihood(x.view()), one.log_likelihood(x.view()));
        assert!((a[0] - b[0]).abs() < 1e-14 && (a[1] - b[1]).abs() < 1e-3 * b[1].abs());
        assert!(a[1].is_finite());
    }

    #[test]
    fn singular_covariance_is_an_error_naming_the_component() {
        let err = FittedGmm::new(array![1.0], array![[0.0, 0.0]], array![[[1.0, 1.0], [1.0, 1.0]]])
            .unwrap_err();
        assert!(err.to_string().contains("component 0"), "{err}");
    }
}
