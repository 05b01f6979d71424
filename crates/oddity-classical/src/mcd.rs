//! The minimum covariance determinant detector (FAST-MCD, as scikit-learn's `MinCovDet`).

use ndarray::{Array1, Array2};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    ParamValue, Params, ParamsError,
};
use oddity_eval::stats::special::gamma_q;
use rand::Rng as _;
use rayon::prelude::*;

use crate::linalg::pinvh;
use crate::mahalanobis::FittedMahalanobis;

/// Parameters of the `mcd` detector ([`McdValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McdParams(McdValidParams);

impl Default for McdParams {
    /// PyOD 3.6.7's `MCD()`: `support_fraction = None`, i.e. `⌈(n + d + 1) / 2⌉` rows.
    fn default() -> Self {
        Self(McdValidParams { support_fraction: None })
    }
}

impl McdParams {
    /// The fraction of the training rows in the raw MCD support, in `(0, 1]` (`None`:
    /// `⌈(n + d + 1) / 2⌉` rows, the most robust choice).
    pub fn support_fraction(mut self, support_fraction: Option<f64>) -> Self {
        self.0.support_fraction = support_fraction;
        self
    }
}

/// A rejected [`McdParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum McdParamsError {
    /// Occurs when `support_fraction` is not in `(0, 1]` (NaN included).
    #[error("parameter `support_fraction`: must be in (0, 1], got {0}")]
    SupportFraction(f64),
}

impl ParamsError for McdParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::SupportFraction(_) => "support_fraction",
        }
    }
}

impl DetectorParams for McdParams {
    const NAME: &'static str = "mcd";
    const SUMMARY: &'static str =
        "Minimum covariance determinant (FAST-MCD, as PyOD MCD / scikit-learn MinCovDet): squared robust Mahalanobis distance";
    /// TSB-AD fits MCD and OCSVM on normal training data (its `Semisupervise_AD_Pool`).
    const SUPERVISION: oddity_core::Supervision = oddity_core::Supervision::SemiSupervised;
    type Valid = McdValidParams;
    type Fitted = FittedMcd;
    type Error = McdParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::float_or(
            "support_fraction",
            &["auto"],
            match self.0.support_fraction {
                None => ParamValue::Str("auto".into()),
                Some(v) => ParamValue::Float(v),
            },
            "fraction of rows in the raw support, in (0, 1], or \"auto\": (n + d + 1) / 2 rows",
        )]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        let fraction = match p.value("support_fraction")? {
            ParamValue::Float(v) => Some(*v),
            ParamValue::Int(v) => Some(*v as f64),
            _ => None,
        };
        Ok(Self::default().support_fraction(fraction))
    }

    fn check(self) -> Result<McdValidParams, McdParamsError> {
        if let Some(f) = self.0.support_fraction {
            if !(f > 0.0 && f <= 1.0) {
                return Err(McdParamsError::SupportFraction(f));
            }
        }
        Ok(self.0)
    }
}

/// Minimum covariance determinant outlier detector (Rousseeuw 1984; FAST-MCD of Rousseeuw &
/// Van Driessen, "A fast algorithm for the minimum covariance determinant estimator",
/// Technometrics 41, 1999), equal in method to PyOD 3.6.7's `MCD()` (scikit-learn 1.9.1's
/// `MinCovDet`): the score of a row is its squared Mahalanobis distance to the reweighted
/// robust location and covariance.
///
/// The fit follows scikit-learn's `fast_mcd` step by step, on `h` support rows (`⌈(n + d +
/// 1)/2⌉` by default, else `⌊support_fraction · n⌋`):
///
/// * `d = 1`: the shortest half (scikit-learn's univariate rule);
/// * `n ≤ 500`: 30 random `h`-subsets, 2 C-steps each, the 10 of lowest covariance
///   determinant refined by up to 30 C-steps, the lowest kept;
/// * `n > 500`: the rows shuffled into `⌊n/300⌋` subsets, `max(10, 500 / subsets)` random
///   starts of 2 C-steps in each, their 10 best each merged on a random 1500-row sample
///   (up to 30 C-steps, the best 10 kept, or the best 1 when `n < 1500`), and those
///   refined on all rows;
/// * a C-step is scikit-learn's `_c_step`: distances under the pseudo-inverse
///   (`scipy.linalg.pinvh`) of the current covariance, the `h` nearest rows, their mean and
///   maximum-likelihood covariance, stopped when the log-determinant no longer decreases;
///   a singular covariance (log-determinant −∞) stops it and wins the selection, as there.
///   A covariance whose condition number is provably below `0.1 / (d · ε)` is inverted
///   through its Cholesky factor (pinvh would drop no eigenvalue: the same inverse up to
///   rounding); the others go through the crate's symmetric eigendecomposition, which is
///   where most of the time goes on sets with near-constant features (ionosphere, cardio);
/// * the consistency correction divides the raw distances by `c(h/n) = α / F_{χ²(d+2)}(
///   F⁻¹_{χ²(d)}(α))` (`_consistency_factor`), rows with corrected distance below
///   `χ²_d(0.975)` are reweighted into the final mean and covariance (times `c(0.975)`), whose
///   pseudo-inverse scores.
///
/// Randomness: the subsets are drawn from oddity's generator seeded with `FitContext::seed`
/// (scikit-learn draws numpy permutations), so a seed picks other subsets than PyOD's
/// `random_state`; when the search converges to the same support (glass and pima of the
/// reference sets), the scores are the same up to rounding (5e-14 relative). The random starts of a stage are drawn first, in order, and
/// then run in parallel on `FitContext::threads` threads, so the result does not depend on
/// the thread count.
///
/// Errors: fewer than 2 training rows; every value equal in the support while `h < n`
/// (scikit-learn's "covariance matrix of the support data is equal to 0"); no row inside the
/// reweighting threshold.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct McdValidParams {
    support_fraction: Option<f64>,
}

impl McdValidParams {
    /// The support fraction (`None`: `⌈(n + d + 1)/2⌉` rows).
    pub fn support_fraction(&self) -> Option<f64> {
        self.support_fraction
    }
}

/// `P(X ≤ x)` for `X ~ χ²(k)`.
fn chi2_cdf(x: f64, k: f64) -> f64 {
    if x.is_infinite() {
        return 1.0;
    }
    1.0 - gamma_q(k / 2.0, x / 2.0)
}

/// The `p` quantile of `χ²(k)` (bisection to the last bit on [`gamma_q`]).
fn chi2_ppf(p: f64, k: f64) -> f64 {
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let upper = 1.0 - p;
    let (mut lo, mut hi) = (0.0f64, k.max(1.0));
    while gamma_q(k / 2.0, hi / 2.0) > upper {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if gamma_q(k / 2.0, mid / 2.0) > upper {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// scikit-learn's `_consistency_factor(d, α)` (Croux & Haesbroeck 1999; Pison, Van Aelst &
/// Willems 2002): `α / F_{χ²(d+2)}(F⁻¹_{χ²(d)}(α))`, 1 at `α = 1`.
fn consistency_factor(d: usize, alpha: f64) -> f64 {
    if alpha >= 1.0 {
        return 1.0;
    }
    alpha / chi2_cdf(chi2_ppf(alpha, d as f64), d as f64 + 2.0)
}

/// A location and covariance estimate on rows of a matrix.
#[derive(Clone)]
struct Estimate {
    location: Vec<f64>,
    covariance: Array2<f64>,
    /// `log det` of the covariance, −∞ when it is not positive.
    det: f64,
    /// The `h` rows it was computed from.
    support: Vec<usize>,
    /// The squared distances of every row (see [`c_step`]).
    dist: Dist,
}

/// The squared distances of an estimate, computed only for the one `fast_mcd` returns.
#[derive(Clone)]
enum Dist {
    /// Computed.
    Known(Vec<f64>),
    /// To the location under the inverse.
    Pending(Vec<f64>, Lazy),
}

/// An inverse covariance, or the covariance whose `pinvh` it is.
#[derive(Clone)]
enum Lazy {
    Ready(Inverse),
    Pinvh(Array2<f64>),
}

impl Dist {
    /// The distances of the rows `x`.
    fn resolve(self, x: &Rows) -> Result<Vec<f64>, Error> {
        Ok(match self {
            Dist::Known(d) => d,
            Dist::Pending(location, Lazy::Ready(inv)) => x.mahalanobis(&location, &inv),
            Dist::Pending(location, Lazy::Pinvh(cov)) => {
                x.mahalanobis(&location, &Inverse::Pinv(pinv(&cov)?))
            }
        })
    }
}

/// Row-major rows with `d` columns.
struct Rows<'a> {
    x: &'a [f64],
    d: usize,
}

impl Rows<'_> {
    fn n(&self) -> usize {
        self.x.len() / self.d
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// Mean (sequential sums, `X[support].mean(0)`) and maximum-likelihood covariance
    /// (`np.cov(X[support].T, bias=1)`) of the rows `support`.
    fn empirical(&self, support: &[usize]) -> (Vec<f64>, Array2<f64>) {
        let d = self.d;
        let m = support.len() as f64;
        let mut mean = vec![0.0; d];
        for &i in support {
            for (s, v) in mean.iter_mut().zip(self.row(i)) {
                *s += v;
            }
        }
        for s in &mut mean {
            *s /= m;
        }
        let mut cov = vec![0.0; d * d];
        let mut c = vec![0.0; d];
        for &i in support {
            for ((t, v), mu) in c.iter_mut().zip(self.row(i)).zip(&mean) {
                *t = v - mu;
            }
            for a in 0..d {
                let ca = c[a];
                for (acc, cb) in cov[a * d + a..(a + 1) * d].iter_mut().zip(&c[a..]) {
                    *acc += ca * cb;
                }
            }
        }
        let mut out = Array2::<f64>::zeros((d, d));
        for a in 0..d {
            for b in a..d {
                out[[a, b]] = cov[a * d + b] / m;
                out[[b, a]] = out[[a, b]];
            }
        }
        let cov = out;
        (mean, cov)
    }

    /// `(X − location) · Σ⁻¹ · (X − location)ᵀ` row by row. Four rows go through the matrix
    /// together (four independent sums, the matrix read once for them), each row's sums in
    /// the same order as one row at a time.
    fn mahalanobis(&self, location: &[f64], inverse: &Inverse) -> Vec<f64> {
        const B: usize = 4;
        let (d, n) = (self.d, self.n());
        let (flat, cholesky): (Vec<f64>, bool) = match inverse {
            Inverse::Cholesky(m) => (m.clone(), true),
            Inverse::Pinv(p) => (p.iter().copied().collect(), false),
        };
        let mut out = Vec::with_capacity(n);
        let mut c = vec![0.0; B * d];
        for first in (0..n).step_by(B) {
            let rows = B.min(n - first);
            // A last block of fewer rows repeats its last row (the extra sums are dropped).
            for (r, t) in c.chunks_exact_mut(d).enumerate() {
                let x = self.row(first + r.min(rows - 1));
                for ((t, v), mu) in t.iter_mut().zip(x).zip(location) {
                    *t = v - mu;
                }
            }
            let (c0, rest) = c.split_at(d);
            let (c1, rest) = rest.split_at(d);
            let (c2, c3) = rest.split_at(d);
            let mut s = [0.0f64; B];
            for (j, row) in flat.chunks_exact(d).enumerate() {
                let len = if cholesky { j + 1 } else { d };
                let (row, c0, c1, c2, c3) =
                    (&row[..len], &c0[..len], &c1[..len], &c2[..len], &c3[..len]);
                let mut y = [0.0f64; B];
                for k in 0..len {
                    let a = row[k];
                    y[0] += a * c0[k];
                    y[1] += a * c1[k];
                    y[2] += a * c2[k];
                    y[3] += a * c3[k];
                }
                if cholesky {
                    for (s, y) in s.iter_mut().zip(y) {
                        *s += y * y;
                    }
                } else {
                    for (s, (y, cr)) in s.iter_mut().zip(y.iter().zip([c0[j], c1[j], c2[j], c3[j]]))
                    {
                        *s += y * cr;
                    }
                }
            }
            out.extend_from_slice(&s[..rows]);
        }
        out
    }
}

/// `scipy.linalg.pinvh(a)` of a covariance. Rows and columns that are exactly 0 (a feature
/// constant on the rows it was computed from) are set aside first: the eigenvalues of the
/// rest are those of `a` less those zeros, which pinvh's cutoff `d · ε · max|λ|` drops
/// anyway. The rest is inverted through its Cholesky factor when it is well conditioned
/// (pinvh then drops nothing, see [`max_condition`]), else by `pinvh` itself.
fn pinv(a: &Array2<f64>) -> Result<Array2<f64>, Error> {
    let d = a.nrows();
    let keep: Vec<usize> = (0..d).filter(|&i| a.row(i).iter().any(|&v| v != 0.0)).collect();
    let mut out = Array2::<f64>::zeros((d, d));
    if keep.is_empty() {
        return Ok(out);
    }
    let k = keep.len();
    let sub = Array2::from_shape_fn((k, k), |(i, j)| a[[keep[i], keep[j]]]);
    let p = match cholesky_inverse(&sub, d) {
        Some((_, _, inv)) => Array2::from_shape_vec((k, k), inv)
            .map_err(|e| Error::Fit(format!("mcd: inverse shape: {e}")))?,
        None => pinvh(&sub, Some(d as f64 * f64::EPSILON))?,
    };
    for (i, &r) in keep.iter().enumerate() {
        for (j, &c) in keep.iter().enumerate() {
            out[[r, c]] = p[[i, j]];
        }
    }
    Ok(out)
}

/// `log det a` by LU with partial pivoting (`numpy.linalg.slogdet`); −∞ when the determinant
/// is not positive (scikit-learn's `fast_logdet`).
fn log_det(a: &Array2<f64>) -> f64 {
    let n = a.nrows();
    // Row-major copy, worked on by row slices (the same operations as indexing, unchecked).
    let mut m: Vec<f64> = a.iter().copied().collect();
    let mut sign = 1.0;
    let mut log = 0.0;
    for k in 0..n {
        let mut p = k;
        for r in k + 1..n {
            if m[r * n + k].abs() > m[p * n + k].abs() {
                p = r;
            }
        }
        if m[p * n + k] == 0.0 {
            return f64::NEG_INFINITY;
        }
        if p != k {
            let (upper, lower) = m.split_at_mut(p * n);
            upper[k * n..(k + 1) * n].swap_with_slice(&mut lower[..n]);
            sign = -sign;
        }
        let pivot = m[k * n + k];
        if pivot < 0.0 {
            sign = -sign;
        }
        log += pivot.abs().ln();
        let (head, tail) = m.split_at_mut((k + 1) * n);
        let pivot_row = &head[k * n + k + 1..(k + 1) * n];
        for row in tail.chunks_exact_mut(n) {
            let f = row[k] / pivot;
            if f != 0.0 {
                for (v, pk) in row[k + 1..].iter_mut().zip(pivot_row) {
                    *v -= f * pk;
                }
            }
        }
    }
    if sign > 0.0 && log.is_finite() {
        log
    } else {
        f64::NEG_INFINITY
    }
}

/// The `h` rows of smallest `dist` (ties to the lower row), as `np.argpartition(dist, h−1)[:h]`.
fn smallest(dist: &[f64], h: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..dist.len()).collect();
    if h < idx.len() {
        idx.select_nth_unstable_by(h, |&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)));
        idx.truncate(h);
    }
    idx.sort_unstable();
    idx
}

/// How a C-step run starts.
enum Start {
    /// From these rows (a random `h`-subset).
    Rows(Vec<usize>),
    /// From a location and covariance found on other rows.
    Estimate(Vec<f64>, Array2<f64>),
}

/// numpy's `allclose` for two scalars (`rtol = 1e-5`, `atol = 1e-8`).
fn allclose(a: f64, b: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

/// Bound on the condition number below which a covariance of `d` features is inverted
/// through its Cholesky factor: scipy's `pinvh` drops eigenvalues under `d · ε · λ_max` only,
/// none at a tenth of `1 / (d · ε)`, so both are the inverse up to rounding (capped at 1e13).
fn max_condition(d: usize) -> f64 {
    (0.1 / (d as f64 * f64::EPSILON)).min(1e13)
}

/// The inverse of a covariance as a C-step applies it.
#[derive(Clone)]
enum Inverse {
    /// `L⁻¹` (lower triangular, row-major `d × d`) of the Cholesky factor `L`: `xᵀ Σ⁻¹ x =
    /// ‖L⁻¹ x‖²`.
    Cholesky(Vec<f64>),
    /// scipy's `pinvh` (singular or badly conditioned covariance).
    Pinv(Array2<f64>),
}

/// The Cholesky factor `L` of `a` inverted, `M = L⁻¹` (lower triangular, row-major), with
/// `log det a` and `a⁻¹ = MᵀM`, when `a` is positive definite and `‖a‖_F · ‖a⁻¹‖_F` (at least
/// its condition number) is below [`max_condition`] of `features` (the dimension pinvh's
/// cutoff counts); `None` otherwise.
fn cholesky_inverse(a: &Array2<f64>, features: usize) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let d = a.nrows();
    let mut l = vec![0.0; d * d];
    for j in 0..d {
        let mut s = a[[j, j]];
        for k in 0..j {
            s -= l[j * d + k] * l[j * d + k];
        }
        if s.is_nan() || s <= 0.0 {
            return None;
        }
        let ljj = s.sqrt();
        l[j * d + j] = ljj;
        for i in j + 1..d {
            let mut t = a[[i, j]];
            for k in 0..j {
                t -= l[i * d + k] * l[j * d + k];
            }
            l[i * d + j] = t / ljj;
        }
    }
    // `mt` is `Mᵀ` (row `j` holds column `j` of `M`), so that the sums below run over
    // contiguous memory, in the same order as over the columns of `M`.
    let mut mt = vec![0.0; d * d];
    for j in 0..d {
        let col = &mut mt[j * d..(j + 1) * d];
        col[j] = 1.0 / l[j * d + j];
        for i in j + 1..d {
            let mut t = 0.0;
            for (lik, mkj) in l[i * d + j..i * d + i].iter().zip(&col[j..i]) {
                t += lik * mkj;
            }
            col[i] = -t / l[i * d + i];
        }
    }
    // Four `j` at a time: independent sums, each in the order of one at a time.
    let mut inv = vec![0.0; d * d];
    for i in 0..d {
        let ci = &mt[i * d + i..(i + 1) * d];
        let len = ci.len();
        let mut j = 0;
        while j + 4 <= i + 1 {
            let col = |r: usize| &mt[(j + r) * d + i..(j + r) * d + i + len];
            let (m0, m1, m2, m3) = (col(0), col(1), col(2), col(3));
            let mut t = [0.0f64; 4];
            for k in 0..len {
                let a = ci[k];
                t[0] += a * m0[k];
                t[1] += a * m1[k];
                t[2] += a * m2[k];
                t[3] += a * m3[k];
            }
            for (r, t) in t.into_iter().enumerate() {
                inv[i * d + j + r] = t;
                inv[(j + r) * d + i] = t;
            }
            j += 4;
        }
        for j in j..=i {
            let mut t = 0.0;
            for (a, b) in ci.iter().zip(&mt[j * d + i..(j + 1) * d]) {
                t += a * b;
            }
            inv[i * d + j] = t;
            inv[j * d + i] = t;
        }
    }
    let norm_a = a.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norm_inv = inv.iter().map(|v| v * v).sum::<f64>().sqrt();
    let bound = norm_a * norm_inv;
    if bound.is_nan() || bound >= max_condition(features) {
        return None;
    }
    let log: f64 = (0..d).map(|j| l[j * d + j].ln()).sum();
    let mut m = vec![0.0; d * d];
    for j in 0..d {
        for i in j..d {
            m[i * d + j] = mt[j * d + i];
        }
    }
    Some((m, 2.0 * log, inv))
}

/// `log det cov` and, when it is well conditioned (see [`cholesky_inverse`]), the inverse
/// Cholesky factor; the log-determinant is −∞ when the determinant is not positive.
fn factor(cov: &Array2<f64>) -> (f64, Option<Vec<f64>>) {
    match cholesky_inverse(cov, cov.nrows()) {
        Some((m, log, _)) => (log, Some(m)),
        None => (log_det(cov), None),
    }
}

/// The inverse of `cov` for a C-step: `cholesky` when [`factor`] found one, else `pinvh`.
fn inverse(cov: &Array2<f64>, cholesky: Option<Vec<f64>>) -> Result<Inverse, Error> {
    Ok(match cholesky {
        Some(m) => Inverse::Cholesky(m),
        None => Inverse::Pinv(pinv(cov)?),
    })
}

/// An estimate before a C-step: location, covariance, log-determinant, support.
type Snapshot = (Vec<f64>, Array2<f64>, f64, Vec<usize>);

/// scikit-learn's `_c_step`: up to `iterations` concentration steps from `start`.
fn c_step(x: &Rows, h: usize, start: Start, iterations: usize) -> Result<Estimate, Error> {
    let mut precision;
    let mut dist;
    let mut support = match start {
        Start::Rows(rows) => {
            precision = None;
            dist = None;
            rows
        }
        Start::Estimate(location, covariance) => {
            // Only the inverse is needed here: no log-determinant when Cholesky fails.
            let cholesky = cholesky_inverse(&covariance, covariance.nrows()).map(|(m, _, _)| m);
            let p = inverse(&covariance, cholesky)?;
            let dd = x.mahalanobis(&location, &p);
            precision = Some(p);
            let s = smallest(&dd, h);
            dist = Some(dd);
            s
        }
    };
    let (mut location, mut covariance) = x.empirical(&support);
    let (mut det, mut cholesky) = factor(&covariance);
    let mut remaining = iterations;
    let mut previous: Option<Snapshot> = None;
    let mut previous_det = f64::INFINITY;
    while det < previous_det && remaining > 0 && !det.is_infinite() {
        previous_det = det;
        let p = inverse(&covariance, cholesky.take())?;
        let dd = x.mahalanobis(&location, &p);
        let next = smallest(&dd, h);
        previous = Some((
            std::mem::take(&mut location),
            covariance.clone(),
            det,
            std::mem::replace(&mut support, next),
        ));
        precision = Some(p);
        dist = Some(dd);
        (location, covariance) = x.empirical(&support);
        (det, cholesky) = factor(&covariance);
        remaining -= 1;
    }
    // The distances of the last support under the last precision (that of the covariance
    // itself when it is singular), computed only if this estimate is the one returned.
    // scikit-learn takes the last precision of the loop, or, when the loop did not run
    // because the first covariance is singular, that covariance's pinvh.
    let lazy = match precision {
        Some(p) if previous.is_some() || !det.is_infinite() => Lazy::Ready(p),
        _ => match cholesky {
            Some(m) => Lazy::Ready(Inverse::Cholesky(m)),
            None => Lazy::Pinvh(covariance.clone()),
        },
    };
    let previous_dist = dist;
    let current = |location: Vec<f64>, covariance, det, support, dist| Estimate {
        location,
        covariance,
        det,
        support,
        dist,
    };
    // scikit-learn keeps the previous estimate when the determinant went up, unless the
    // iterations ran out or it is singular.
    if !det.is_infinite() && !allclose(det, previous_det) && det > previous_det && remaining > 0 {
        if let (Some((l, c, pd, s)), Some(pdist)) = (previous, previous_dist) {
            return Ok(current(l, c, pd, s, Dist::Known(pdist)));
        }
    }
    let pending = Dist::Pending(location.clone(), lazy);
    Ok(current(location, covariance, det, support, pending))
}

/// scikit-learn's `select_candidates`: runs every start and keeps the `select` of lowest
/// log-determinant (stable order). The starts run on `pool` when there is one.
fn select(
    x: &Rows,
    h: usize,
    starts: Vec<Start>,
    select: usize,
    iterations: usize,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Vec<Estimate>, Error> {
    let run = |s: Start| c_step(x, h, s, iterations);
    let all: Result<Vec<Estimate>, Error> = match pool {
        Some(pool) => pool.install(|| starts.into_par_iter().map(run).collect()),
        None => starts.into_iter().map(run).collect(),
    };
    let mut all = all?;
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| all[a].det.total_cmp(&all[b].det).then(a.cmp(&b)));
    order.truncate(select);
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        out.push(std::mem::replace(
            &mut all[i],
            Estimate {
                location: Vec::new(),
                covariance: Array2::zeros((0, 0)),
                det: 0.0,
                support: Vec::new(),
                dist: Dist::Known(Vec::new()),
            },
        ));
    }
    Ok(out)
}

/// The first `k` entries of a uniformly random permutation of `0..n` (partial Fisher–Yates).
fn permutation(rng: &mut oddity_core::Rng, n: usize, k: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let j = rng.gen_range(i..n);
        p.swap(i, j);
    }
    p.truncate(k);
    p
}

/// The raw MCD estimate: its covariance, the number of support rows and every row's raw
/// squared distance (scikit-learn's `raw_covariance_`, `raw_support_.sum()`, `raw_dist_`).
struct Raw {
    covariance: Array2<f64>,
    n_support: usize,
    dist: Vec<f64>,
}

/// The raw MCD estimate of scikit-learn's `fast_mcd`.
fn fast_mcd(
    x: &Rows,
    h: usize,
    rng: &mut oddity_core::Rng,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Raw, Error> {
    let (n, d) = (x.n(), x.d);
    if d == 1 {
        let values: Vec<f64> = x.x.to_vec();
        let (location, support) = if h < n {
            // The midpoint of the shortest stretch of sorted values (ties averaged).
            let sorted = stats::sorted(values.iter().copied());
            let diff: Vec<f64> = (0..n - h).map(|k| sorted[h + k] - sorted[k]).collect();
            let min = diff.iter().copied().fold(f64::INFINITY, f64::min);
            let starts: Vec<f64> =
                (0..n - h).filter(|&k| diff[k] == min).map(|k| sorted[h + k] + sorted[k]).collect();
            let location = 0.5 * (stats::pairwise_sum(&starts) / starts.len() as f64);
            let centered: Vec<f64> = values.iter().map(|v| (v - location).abs()).collect();
            (location, smallest(&centered, h))
        } else {
            (stats::pairwise_sum(&values) / n as f64, (0..n).collect())
        };
        let kept: Vec<f64> = support.iter().map(|&i| values[i]).collect();
        let mean = stats::pairwise_sum(&kept) / kept.len() as f64;
        let sq: Vec<f64> = kept.iter().map(|v| (v - mean) * (v - mean)).collect();
        let covariance = Array2::from_elem((1, 1), stats::pairwise_sum(&sq) / kept.len() as f64);
        let dist = x.mahalanobis(&[location], &Inverse::Pinv(pinv(&covariance)?));
        return Ok(Raw { covariance, n_support: support.len(), dist });
    }
    let best = if n > 500 {
        let n_subsets = n / 300;
        let per_subset = n / n_subsets;
        let shuffle = permutation(rng, n, n);
        let h_subset = (per_subset as f64 * (h as f64 / n as f64)).ceil() as usize;
        let trials = 10.max(500 / n_subsets);
        let mut merged_starts = Vec::new();
        for i in 0..n_subsets {
            let rows = &shuffle[i * per_subset..(i + 1) * per_subset];
            let sub: Vec<f64> = rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect();
            let sub = Rows { x: &sub, d };
            let starts =
                (0..trials).map(|_| Start::Rows(permutation(rng, per_subset, h_subset))).collect();
            for e in select(&sub, h_subset, starts, 10, 2, pool)? {
                merged_starts.push(Start::Estimate(e.location, e.covariance));
            }
        }
        let n_merged = n.min(1500);
        let h_merged = (n_merged as f64 * (h as f64 / n as f64)).ceil() as usize;
        let n_best_merged = if n > 1500 { 10 } else { 1 };
        let selection = permutation(rng, n, n_merged);
        let merged: Vec<f64> = selection.iter().flat_map(|&r| x.row(r).iter().copied()).collect();
        let merged_rows = Rows { x: &merged, d };
        let mut best = select(&merged_rows, h_merged, merged_starts, n_best_merged, 30, pool)?;
        if n < 1500 {
            // The merged sample is a permutation of every row: map back.
            let mut e = best.swap_remove(0);
            let merged_dist = std::mem::replace(&mut e.dist, Dist::Known(Vec::new()));
            let merged_dist = merged_dist.resolve(&merged_rows)?;
            let mut dist = vec![0.0; n];
            for (k, &r) in selection.iter().enumerate() {
                dist[r] = merged_dist[k];
            }
            e.support = e.support.iter().map(|&k| selection[k]).collect();
            e.dist = Dist::Known(dist);
            e
        } else {
            let starts =
                best.into_iter().map(|e| Start::Estimate(e.location, e.covariance)).collect();
            select(x, h, starts, 1, 30, pool)?.swap_remove(0)
        }
    } else {
        let starts = (0..30).map(|_| Start::Rows(permutation(rng, n, h))).collect();
        let best = select(x, h, starts, 10, 2, pool)?;
        let starts = best.into_iter().map(|e| Start::Estimate(e.location, e.covariance)).collect();
        select(x, h, starts, 1, 30, pool)?.swap_remove(0)
    };
    let dist = best.dist.resolve(x)?;
    Ok(Raw { covariance: best.covariance, n_support: best.support.len(), dist })
}

impl Detector for McdValidParams {
    fn name(&self) -> &str {
        McdParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let (n, d) = train.features.dim();
        if d == 0 {
            return Err(Error::EmptyData(format!("dataset `{}` has no features", train.name)));
        }
        if n < 2 {
            return Err(Error::Fit(format!("mcd needs at least 2 training rows, got {n}")));
        }
        let h = match self.support_fraction {
            None => (((n + d + 1) as f64 * 0.5).ceil() as usize).min(n),
            Some(f) => (f * n as f64) as usize,
        };
        if h == 0 {
            return Err(Error::Fit(format!(
                "mcd: support_fraction {:?} of {n} rows keeps no row",
                self.support_fraction
            )));
        }
        let x: Vec<f64> = train.features.iter().copied().collect();
        let rows = Rows { x: &x, d };
        let pool = if ctx.threads > 1 { Some(crate::neighbors::pool(ctx.threads)?) } else { None };
        let mut rng = oddity_core::rng(ctx.seed);
        let Raw { covariance: raw_cov, n_support, mut dist } =
            fast_mcd(&rows, h, &mut rng, pool.as_ref())?;
        // correct_covariance: only the corrected distances are used afterwards.
        if n_support < n && raw_cov.iter().all(|&v| allclose(v, 0.0)) {
            return Err(Error::Fit(
                "mcd: the covariance of the support rows is 0; raise support_fraction".into(),
            ));
        }
        let correction = consistency_factor(d, n_support as f64 / n as f64);
        for v in &mut dist {
            *v /= correction;
        }
        // reweight_covariance.
        let threshold = chi2_ppf(1.0 - 0.025, d as f64);
        let kept: Vec<usize> = (0..n).filter(|&i| dist[i] < threshold).collect();
        if kept.is_empty() {
            return Err(Error::Fit("mcd: no row inside the reweighting threshold".into()));
        }
        let (location, covariance) = rows.empirical(&kept);
        let covariance = covariance * consistency_factor(d, 1.0 - 0.025);
        let precision = pinv(&covariance)?;
        if precision.iter().any(|v| !v.is_finite()) {
            return Err(Error::Fit("mcd: non-finite robust precision".into()));
        }
        Ok(Box::new(FittedMcd {
            inner: FittedMahalanobis { location, precision },
            n_support,
            n_reweighted: kept.len(),
        }))
    }
}

/// A fitted [`McdValidParams`]: the reweighted robust location and the pseudo-inverse of the
/// reweighted robust covariance (scored as [`FittedMahalanobis`] scores).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedMcd {
    inner: FittedMahalanobis,
    n_support: usize,
    n_reweighted: usize,
}

crate::saved!(FittedMcd, "mcd");

impl FittedMcd {
    /// The robust location (reweighted mean).
    pub fn location(&self) -> &[f64] {
        &self.inner.location
    }

    /// The pseudo-inverse of the reweighted, consistency-corrected covariance.
    pub fn precision(&self) -> &Array2<f64> {
        &self.inner.precision
    }

    /// The number of rows of the raw MCD support (`h`) and of the reweighted support.
    pub fn supports(&self) -> (usize, usize) {
        (self.n_support, self.n_reweighted)
    }
}

impl FittedDetector for FittedMcd {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.inner.score(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn support_fraction_must_be_in_unit_interval() {
        for f in [0.0, -0.5, 1.5, f64::NAN] {
            let e = McdParams::default().support_fraction(Some(f)).check().unwrap_err();
            assert!(matches!(e, McdParamsError::SupportFraction(_)), "{e}");
            assert_eq!(e.param(), "support_fraction");
        }
        assert!(McdParams::default().support_fraction(Some(1.0)).check().is_ok());
    }

    #[test]
    fn chi2_quantiles_and_consistency() {
        // χ²(2): F(x) = 1 − e^{−x/2}, so F⁻¹(p) = −2 ln(1 − p).
        let q = chi2_ppf(0.975, 2.0);
        assert!((q - (-2.0 * 0.025f64.ln())).abs() < 1e-13 * q, "{q}");
        // scipy: chi2.ppf(0.975, 5) = 12.832501994030027.
        assert!((chi2_ppf(0.975, 5.0) - 12.832501994030027).abs() < 1e-12);
        // c(α) for d = 1 at α = 0.975: 0.975 / F_{χ²(3)}(F⁻¹_{χ²(1)}(0.975)); scipy gives
        // 1.1747786415645665 (scikit-learn's factor).
        let c = consistency_factor(1, 0.975);
        assert!((c - 1.1747786415645665).abs() < 1e-12, "{c}");
        assert_eq!(consistency_factor(3, 1.0), 1.0);
    }

    #[test]
    fn log_det_by_lu() {
        assert!((log_det(&array![[2.0, 1.0], [1.0, 2.0]]) - 3f64.ln()).abs() < 1e-15);
        assert_eq!(log_det(&array![[1.0, 2.0], [2.0, 4.0]]), f64::NEG_INFINITY);
        assert_eq!(log_det(&array![[0.0, 1.0], [1.0, 0.0]]), f64::NEG_INFINITY);
    }

    #[test]
    fn one_outlier_among_a_clean_cloud() {
        // 40 rows on a 2-D grid plus one far row: the far row scores highest, by far.
        let mut x = Array2::<f64>::zeros((41, 2));
        for i in 0..40 {
            x[[i, 0]] = (i % 8) as f64;
            x[[i, 1]] = (i / 8) as f64 + 0.1 * (i % 3) as f64;
        }
        x[[40, 0]] = 40.0;
        x[[40, 1]] = -30.0;
        let train = Dataset::from_features("t", x);
        let mcd = McdParams::default().check().unwrap();
        let f = mcd.fit(&train, &FitContext::new(3)).unwrap();
        let s = f.score(&train).unwrap();
        let top = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(top, 40);
        assert!(s[40] > 100.0 * s.iter().take(40).fold(0.0f64, |m, &v| m.max(v)));
    }

    #[test]
    fn univariate_and_bad_inputs() {
        let mcd = McdParams::default().check().unwrap();
        let ctx = FitContext::new(0);
        // scikit-learn 1.9.1's MinCovDet on 0..=6 and 50: raw support rows 1..=5 around 3,
        // reweighted covariance 4.69911457…, squared distances below.
        let one = Dataset::from_features(
            "t",
            array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [50.0]],
        );
        let s = mcd.fit(&one, &ctx).unwrap().score(&one).unwrap();
        let want = [1.9152544321059983, 0.8512241920471104, 0.2128060480117776, 0.0];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() <= 1e-14 * w, "{g} vs {w}");
        }
        assert!((s[7] - 470.0885600580167).abs() < 1e-12 * 470.0);
        // With 5 rows the shortest stretch spans 0 and 50 and no row is left inside the
        // reweighting threshold: scikit-learn fails too (an empty reweighted set).
        let five = Dataset::from_features("t", array![[0.0], [1.0], [2.0], [3.0], [50.0]]);
        assert!(matches!(mcd.fit(&five, &ctx), Err(Error::Fit(_))));
        // Every value equal with h = 4 < n = 5: scikit-learn's "covariance matrix of the
        // support data is equal to 0".
        let constant = Dataset::from_features("t", ndarray::Array2::from_elem((5, 2), 1.5));
        assert!(matches!(mcd.fit(&constant, &ctx), Err(Error::Fit(_))));
        let single = Dataset::from_features("t", array![[1.0, 2.0]]);
        assert!(matches!(mcd.fit(&single, &ctx), Err(Error::Fit(_))));
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(mcd.fit(&nan, &ctx), Err(Error::NonFinite { .. })));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<McdParams>();
        is_send_sync::<McdValidParams>();
        is_send_sync::<FittedMcd>();
    }
}
