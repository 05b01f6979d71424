//! The Gaussian-mixture detector: negative log-likelihood under a fitted mixture.
//!
//! EM is written here rather than taken from `linfa-clustering`: linfa's E-step takes
//! `ln Σ exp(·)` without the log-sum-exp shift, so rows far from every component give
//! `ln 0` and NaN responsibilities (every fit on ODDS shuttle failed), and it cannot return
//! the parameters of a run that hit `max_iter`. See ARCHITECTURE.md.

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use oddity_core::{derive_seed, Dataset, Detector, Error, FitContext, FittedDetector};
use rayon::prelude::*;

use crate::kmeans::KMeans;

/// How many mixture components [`Gmm`] fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Components {
    /// Exactly this many.
    Fixed(usize),
    /// Each of these counts, keeping the fit with the lowest Bayesian information criterion
    /// on the training rows (ties: the fewer components).
    Bic(Vec<usize>),
}

/// Gaussian mixture model with full covariances (Dempster, Laird & Rubin 1977: EM from a
/// k-means initialisation, as scikit-learn's `GaussianMixture`); the score of a row is its
/// negative log-likelihood `−log Σ_k w_k N(x; μ_k, Σ_k)` under the fitted mixture, computed
/// in log space (Cholesky factors, log-sum-exp), as scikit-learn's `−score_samples`.
///
/// `reg_covar` is added to every covariance diagonal (scikit-learn's default 1e-6). With
/// [`Components::Bic`] one mixture is fitted per candidate count and the one with the
/// lowest BIC (Schwarz 1978) `−2 ln L + p ln n`, `p = k·d(d+3)/2 + k − 1`, is kept. The fit
/// is seeded: `n_init` EM runs from different k-means++ initialisations, keeping the one with
/// the highest training log-likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct Gmm {
    /// Number of components, or the candidates of a BIC choice.
    pub components: Components,
    /// Added to each covariance diagonal.
    pub reg_covar: f64,
    /// EM iterations per run at most.
    pub max_iter: usize,
    /// Convergence tolerance on the change of the mean training log-likelihood.
    pub tol: f64,
    /// Independent EM runs (different initialisations).
    pub n_init: usize,
}

impl Gmm {
    /// Checks the parameters and builds the detector.
    pub fn new(
        components: Components,
        reg_covar: f64,
        max_iter: i64,
        tol: f64,
        n_init: i64,
    ) -> Result<Self, Error> {
        let bad =
            |name: &str, reason: String| Error::InvalidParameter { name: name.into(), reason };
        let counts = match &components {
            Components::Fixed(k) => std::slice::from_ref(k),
            Components::Bic(ks) if ks.is_empty() => {
                return Err(bad("bic_components", "needs at least one candidate".into()))
            }
            Components::Bic(ks) => ks.as_slice(),
        };
        if counts.contains(&0) {
            return Err(bad("components", "must be at least 1".into()));
        }
        if !(reg_covar.is_finite() && reg_covar >= 0.0) {
            return Err(bad("reg_covar", format!("must be finite and >= 0, got {reg_covar}")));
        }
        if !(tol.is_finite() && tol > 0.0) {
            return Err(bad("tol", format!("must be finite and > 0, got {tol}")));
        }
        let positive = |name: &str, v: i64| {
            usize::try_from(v)
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| bad(name, format!("must be at least 1, got {v}")))
        };
        Ok(Self {
            components,
            reg_covar,
            max_iter: positive("max_iter", max_iter)?,
            tol,
            n_init: positive("n_init", n_init)?,
        })
    }

    /// Parses the `components` and `bic_components` parameters: `components` is a count, or
    /// `"bic"` to choose among the comma-separated counts of `bic_components`.
    pub fn parse_components(
        components: &oddity_core::ParamValue,
        bic: &str,
    ) -> Result<Components, Error> {
        match components {
            oddity_core::ParamValue::Int(k) => {
                usize::try_from(*k).map(Components::Fixed).map_err(|_| Error::InvalidParameter {
                    name: "components".into(),
                    reason: format!("must be at least 1, got {k}"),
                })
            }
            _ => bic
                .split(',')
                .map(|s| {
                    s.trim().parse::<usize>().map_err(|_| Error::InvalidParameter {
                        name: "bic_components".into(),
                        reason: format!("`{bic}` is not a comma-separated list of counts"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Components::Bic),
        }
    }

    fn fit_one(
        &self,
        x: ArrayView2<'_, f64>,
        k: usize,
        seed: u64,
    ) -> Result<GaussianMixture, Error> {
        let n = x.nrows();
        if n < k {
            return Err(Error::Fit(format!("{k} components need at least {k} rows, got {n}")));
        }
        let runs: Vec<Result<(f64, GaussianMixture), Error>> = (0..self.n_init)
            .into_par_iter()
            .map(|run| self.em(x, k, derive_seed(seed, &["gmm", &k.to_string(), &run.to_string()])))
            .collect();
        let mut best: Option<(f64, GaussianMixture)> = None;
        let mut last_error = None;
        for run in runs {
            match run {
                Ok((bound, m)) if best.as_ref().is_none_or(|(b, _)| bound > *b) => {
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
    fn em(
        &self,
        x: ArrayView2<'_, f64>,
        k: usize,
        seed: u64,
    ) -> Result<(f64, GaussianMixture), Error> {
        let init =
            KMeans { clusters: k, n_init: 1, max_iter: 300, tol: 1e-4 }.centroids(x, seed)?;
        let data: Vec<f64> = x.iter().copied().collect();
        let mut resp = vec![0.0; x.nrows() * k];
        for (i, c) in init.labels.iter().enumerate() {
            resp[i * k + c] = 1.0;
        }
        let mut mixture = self.m_step(&data, x.ncols(), &resp, k)?;
        let mut bound = f64::NEG_INFINITY;
        for _ in 0..self.max_iter {
            let previous = bound;
            bound = mixture.e_step(&data, &mut resp) / x.nrows() as f64;
            if !bound.is_finite() {
                return Err(Error::Fit(format!(
                    "gaussian mixture with {k} components: non-finite likelihood"
                )));
            }
            mixture = self.m_step(&data, x.ncols(), &resp, k)?;
            if (bound - previous).abs() < self.tol {
                break;
            }
        }
        Ok((bound, mixture))
    }

    /// Weights, means and regularised covariances from responsibilities `resp` (n × k, row
    /// major), as scikit-learn's M-step (`n_k = Σ_i r_ik + 10·ε`, covariances from
    /// `x − μ_k`). Row chunks are summed in parallel and combined in chunk order.
    fn m_step(
        &self,
        x: &[f64],
        d: usize,
        resp: &[f64],
        k: usize,
    ) -> Result<GaussianMixture, Error> {
        let n = x.len() / d;
        let first = chunked_sum(x, d, k * (d + 1), |row, i, acc, _| {
            for c in 0..k {
                let r = resp[i * k + c];
                acc[c] += r;
                for (a, v) in acc[k + c * d..k + (c + 1) * d].iter_mut().zip(row) {
                    *a += r * v;
                }
            }
        });
        let nk: Vec<f64> = first[..k].iter().map(|v| v + 10.0 * f64::EPSILON).collect();
        let means: Vec<f64> = (0..k * d).map(|i| first[k + i] / nk[i / d]).collect();
        let second = chunked_sum(x, d, k * d * d, |row, i, acc, diff| {
            for c in 0..k {
                let r = resp[i * k + c];
                for (j, v) in diff.iter_mut().enumerate() {
                    *v = row[j] - means[c * d + j];
                }
                let block = &mut acc[c * d * d..(c + 1) * d * d];
                for a in 0..d {
                    let ra = r * diff[a];
                    for b in a..d {
                        block[a * d + b] += ra * diff[b];
                    }
                }
            }
        });
        let mut covariances = Array3::zeros((k, d, d));
        for c in 0..k {
            for a in 0..d {
                for b in a..d {
                    let v = second[c * d * d + a * d + b] / nk[c];
                    covariances[[c, a, b]] = v;
                    covariances[[c, b, a]] = v;
                }
                covariances[[c, a, a]] += self.reg_covar;
            }
        }
        let weights = Array1::from_iter(nk.iter().map(|v| v / n as f64));
        GaussianMixture::new(
            weights,
            Array2::from_shape_vec((k, d), means).expect("k × d"),
            covariances,
        )
    }
}

/// Rows per chunk of the parallel sums: fixed, so results do not depend on the thread count.
const CHUNK: usize = 2048;

/// `Σ_i f(row_i)` into a vector of `len` accumulators: chunks of [`CHUNK`] rows in parallel,
/// their partial sums added in chunk order. `f` gets the row, its index, the chunk's
/// accumulators and a scratch buffer of `d` values.
fn chunked_sum(
    x: &[f64],
    d: usize,
    len: usize,
    f: impl Fn(&[f64], usize, &mut [f64], &mut [f64]) + Sync,
) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = x
        .par_chunks(CHUNK * d)
        .enumerate()
        .map(|(chunk, rows)| {
            let (mut acc, mut scratch) = (vec![0.0; len], vec![0.0; d]);
            for (j, row) in rows.chunks(d).enumerate() {
                f(row, chunk * CHUNK + j, &mut acc, &mut scratch);
            }
            acc
        })
        .collect();
    let mut total = vec![0.0; len];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    total
}

/// `log Σ_j exp(a_ij)` of every row, stable for large magnitudes.
fn log_sum_exp_rows(a: &Array2<f64>) -> Array1<f64> {
    a.axis_iter(Axis(0)).map(|row| log_sum_exp(row.as_slice().expect("standard layout"))).collect()
}

/// `log Σ_j exp(v_j)`, shifted by the maximum; `−∞` when every value is `−∞`.
fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|p| (p - m).exp()).sum::<f64>().ln()
}

impl Detector for Gmm {
    fn name(&self) -> &str {
        "gmm"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let x = train.features.view();
        let pool = crate::neighbors::pool(ctx.threads)?;
        let mixture = pool.install(|| match &self.components {
            Components::Fixed(k) => self.fit_one(x, *k, ctx.seed),
            Components::Bic(ks) => {
                let mut best: Option<(f64, GaussianMixture)> = None;
                let mut errors = Vec::new();
                for &k in ks {
                    match self.fit_one(x, k, ctx.seed) {
                        Ok(m) => {
                            let bic = m.bic(x);
                            if best.as_ref().is_none_or(|(b, bm)| {
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
/// Cholesky factors of the precisions, as scikit-learn stores them. Also the fitted form of
/// [`Gmm`].
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    log_weights: Array1<f64>,
    means: Array2<f64>,
    /// `P_kᵀ = L_k⁻¹` (lower triangular) for each covariance `Σ_k = L_k L_kᵀ`, so
    /// `Σ_k⁻¹ = P_k P_kᵀ`; k blocks of d × d, row major.
    prec_chol: Vec<f64>,
    /// `μ_k P_k` per component (row k).
    mean_prec: Array2<f64>,
    /// `Σ_i ln P_k[i,i] − d/2 · ln 2π` per component.
    log_norm: Array1<f64>,
}

impl GaussianMixture {
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
        let mut prec_chol = Vec::with_capacity(k * d * d);
        let mut mean_prec = Array2::zeros((k, d));
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
            mean_prec.row_mut(c).assign(&means.row(c).dot(&p));
            // Stored transposed (lower triangular, row j = column j of P) so that each
            // `y_j` below is one contiguous dot product.
            prec_chol.extend(p.t().iter());
        }
        Ok(Self { log_weights: weights.mapv(f64::ln), means, prec_chol, mean_prec, log_norm })
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.means.nrows()
    }

    /// `log w_k + log N(x; μ_k, Σ_k)` of one row into `out` (one value per component).
    fn row_log_prob(&self, row: &[f64], out: &mut [f64]) {
        let d = row.len();
        for (c, o) in out.iter_mut().enumerate() {
            let p = &self.prec_chol[c * d * d..(c + 1) * d * d];
            let mut q = 0.0;
            for j in 0..d {
                // P is upper triangular: y_j = Σ_{i ≤ j} x_i P[i, j] − (μ P)_j.
                let column = &p[j * d..j * d + j + 1];
                let dot: f64 = row[..=j].iter().zip(column).map(|(x, v)| x * v).sum();
                let y = dot - self.mean_prec[[c, j]];
                q += y * y;
            }
            *o = -0.5 * q + self.log_norm[c] + self.log_weights[c];
        }
    }

    /// E-step on `x` (n × d, row major): writes the responsibilities into `resp` (n × k) and
    /// returns the summed log-likelihood.
    fn e_step(&self, x: &[f64], resp: &mut [f64]) -> f64 {
        let (k, d) = self.means.dim();
        let sums: Vec<f64> = x
            .par_chunks(CHUNK * d)
            .zip(resp.par_chunks_mut(CHUNK * k))
            .map(|(rows, out)| {
                let mut total = 0.0;
                for (row, r) in rows.chunks(d).zip(out.chunks_mut(k)) {
                    self.row_log_prob(row, r);
                    let z = log_sum_exp(r);
                    r.iter_mut().for_each(|v| *v = (*v - z).exp());
                    total += z;
                }
                total
            })
            .collect();
        sums.iter().sum()
    }

    /// `log w_k + log N(x; μ_k, Σ_k)` for every row (n × k).
    pub fn weighted_log_prob(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let (k, d) = self.means.dim();
        let data: Vec<f64> = x.iter().copied().collect();
        let mut out = vec![0.0; x.nrows() * k];
        data.par_chunks(CHUNK * d).zip(out.par_chunks_mut(CHUNK * k)).for_each(|(rows, o)| {
            for (row, r) in rows.chunks(d).zip(o.chunks_mut(k)) {
                self.row_log_prob(row, r);
            }
        });
        Array2::from_shape_vec((x.nrows(), k), out).expect("n × k")
    }

    /// `log p(x)` of every row of `x` (log-sum-exp over the components).
    pub fn log_likelihood(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        log_sum_exp_rows(&self.weighted_log_prob(x))
    }

    /// Bayesian information criterion of the mixture on `x`.
    pub fn bic(&self, x: ArrayView2<'_, f64>) -> f64 {
        let (k, d) = self.means.dim();
        let params = k * d * (d + 3) / 2 + k - 1;
        -2.0 * self.log_likelihood(x).sum() + params as f64 * (x.nrows() as f64).ln()
    }
}

impl FittedDetector for GaussianMixture {
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
        let m =
            GaussianMixture::new(array![1.0], array![[0.0, 0.0]], array![[[1.0, 0.0], [0.0, 1.0]]])
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
        let two = GaussianMixture::new(array![0.5, 0.5], array![[1.0], [1.0]], cov).unwrap();
        let one = GaussianMixture::new(array![1.0], array![[1.0]], array![[[2.0]]]).unwrap();
        let x = array![[0.0], [1e6]];
        let (a, b) = (two.log_likelihood(x.view()), one.log_likelihood(x.view()));
        assert!((a[0] - b[0]).abs() < 1e-14 && (a[1] - b[1]).abs() < 1e-3 * b[1].abs());
        assert!(a[1].is_finite());
    }

    #[test]
    fn singular_covariance_is_an_error_naming_the_component() {
        let err =
            GaussianMixture::new(array![1.0], array![[0.0, 0.0]], array![[[1.0, 1.0], [1.0, 1.0]]])
                .unwrap_err();
        assert!(err.to_string().contains("component 0"), "{err}");
    }
}
