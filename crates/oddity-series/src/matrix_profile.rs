//! Matrix Profile: each subsequence's z-normalised Euclidean distance to its nearest
//! non-trivial match in the same series (STOMP; Zhu et al., "Matrix Profile II", ICDM 2016),
//! as TSB-AD 1.5 runs it through `stumpy.stump` (`TSB_AD/models/MatrixProfile.py`).

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, ParamValue,
    Params, SavedDetector,
};
use rayon::prelude::*;

use crate::spectral_residual::univariate;
use crate::windows::{self, MAX_PERIOD_RANK};

/// stumpy's `STUMPY_P_NORM_THRESHOLD`: squared distances below it are 0.
const P_NORM_THRESHOLD: f64 = 1e-14;
/// stumpy's `STUMPY_EXCL_ZONE_DENOM`: the default exclusion zone is `⌈m / 4⌉`.
const EXCLUSION_DENOM: usize = 4;
/// The largest `k` accepted.
const MAX_K: usize = 1_000;

/// Parameters of the `matrix_profile` detector ([`MatrixProfileValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatrixProfileParams(MatrixProfileValidParams);

impl Default for MatrixProfileParams {
    fn default() -> Self {
        Self(MatrixProfileValidParams { period_rank: 1, k: 1, exclusion: None })
    }
}

impl MatrixProfileParams {
    /// The subsequence length is TSB-AD's period of this rank (`find_length_rank`; 1, 2 or 3).
    pub fn period_rank(mut self, rank: usize) -> Self {
        self.0.period_rank = rank;
        self
    }

    /// Score each subsequence by its distance to its `k`-th nearest neighbour (1 = nearest,
    /// TSB-AD's choice; a larger `k` also flags anomalies that occur `k − 1` times, the
    /// "twin freak" case).
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }

    /// Subsequences starting at most this many steps apart are trivial matches and never
    /// neighbours; `None` = stumpy's `⌈m / 4⌉`.
    pub fn exclusion(mut self, exclusion: Option<usize>) -> Self {
        self.0.exclusion = exclusion;
        self
    }
}

/// A rejected [`MatrixProfileParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MatrixProfileParamsError {
    /// Occurs when `period_rank` is not 1, 2 or 3.
    #[error("parameter `period_rank`: must be 1, 2 or 3, got {0}")]
    PeriodRank(usize),
    /// Occurs when `k` is 0 or above 1000.
    #[error("parameter `k`: must be 1 to 1000, got {0}")]
    K(usize),
}

impl oddity_core::ParamsError for MatrixProfileParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::PeriodRank(_) => "period_rank",
            Self::K(_) => "k",
        }
    }
}

impl DetectorParams for MatrixProfileParams {
    const NAME: &'static str = "matrix_profile";
    const SUMMARY: &'static str = "Matrix Profile (STOMP, stumpy's conventions) as TSB-AD runs it: z-normalised distance of each period-long subsequence to its k-th nearest non-trivial match, written at the subsequence centre";
    type Valid = MatrixProfileValidParams;
    type Fitted = FittedMatrixProfile;
    type Error = MatrixProfileParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let v = &self.0;
        vec![
            ParamSpec::count(
                "period_rank",
                v.period_rank,
                "subsequence length = TSB-AD's period of this rank (1, 2 or 3)",
            ),
            ParamSpec::count(
                "k",
                v.k,
                "score = distance to the k-th nearest neighbour (1 to 1000)",
            ),
            ParamSpec::int_or(
                "exclusion",
                &["auto"],
                match v.exclusion {
                    Some(zone) => ParamValue::Int(zone as i64),
                    None => ParamValue::Str("auto".into()),
                },
                "trivial-match zone in steps (auto = ceil(m / 4), stumpy's)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        let exclusion = match p.value("exclusion")? {
            ParamValue::Int(zone) => {
                Some(usize::try_from(*zone).map_err(|_| Error::InvalidParameter {
                    name: "exclusion".into(),
                    reason: format!("must be at least 0 or `auto`, got {zone}"),
                })?)
            }
            _ => None,
        };
        Ok(Self::default()
            .period_rank(p.usize("period_rank")?)
            .k(p.usize("k")?)
            .exclusion(exclusion))
    }

    fn check(self) -> Result<MatrixProfileValidParams, MatrixProfileParamsError> {
        let v = self.0;
        if !(1..=MAX_PERIOD_RANK).contains(&v.period_rank) {
            return Err(MatrixProfileParamsError::PeriodRank(v.period_rank));
        }
        if !(1..=MAX_K).contains(&v.k) {
            return Err(MatrixProfileParamsError::K(v.k));
        }
        Ok(v)
    }
}

/// Matrix Profile: the series' subsequences of length `m` (TSB-AD's period of rank
/// `period_rank`) are z-normalised and each is scored by the Euclidean distance to its
/// `k`-th nearest neighbour among the subsequences starting more than the exclusion zone
/// away; the score of subsequence `i` is written at step `i + ⌊m/2⌋`, and the `m − 1` steps
/// no subsequence is centred on take the lowest profile value (TSB-AD's padding).
///
/// Reproduces `stumpy.stump(x, m)[:, k − 1]` (stumpy 1.14, with `k = 1` TSB-AD's
/// `MatrixProfile`): Pearson correlations updated along the diagonals of the distance matrix
/// (STOMPopt with Welford-centred sums, restarted by a dot product at the first row of each
/// diagonal), distance `sqrt(|2m(1 − ρ)|)` with squared distances below 1e-14 set to 0, a
/// pair of constant subsequences at distance 0, a constant one and a varying one at
/// distance `sqrt(m)`. Work is split over diagonals on `FitContext::threads` threads; each
/// keeps its own best correlations per subsequence and they are merged by value, so scores
/// do not depend on the thread count. A detector of one series: it scores whatever series
/// it is given by a self-join (fitting learns nothing).
///
/// Errors: more than one feature ([`Error::ShapeMismatch`]); a period below 3 or a series
/// too short to give every subsequence `k` neighbours outside the exclusion zone
/// ([`Error::Fit`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MatrixProfileValidParams {
    period_rank: usize,
    k: usize,
    exclusion: Option<usize>,
}

impl MatrixProfileValidParams {
    /// The period rank that chooses the subsequence length.
    pub fn period_rank(&self) -> usize {
        self.period_rank
    }

    /// Which nearest neighbour scores a subsequence (1 = nearest).
    pub fn k(&self) -> usize {
        self.k
    }

    /// The exclusion zone, `None` for `⌈m / 4⌉`.
    pub fn exclusion(&self) -> Option<usize> {
        self.exclusion
    }

    /// The per-step scores of `data` (see [`MatrixProfileValidParams`]) on `threads` threads.
    fn scores(&self, data: &Dataset, threads: usize) -> Result<Array1<f64>, Error> {
        let x = univariate(data, MatrixProfileParams::NAME)?;
        let m = windows::period_window(data, self.period_rank);
        let exclusion = self.exclusion.unwrap_or_else(|| m.div_ceil(EXCLUSION_DENOM));
        let profile = self_join(&x, m, exclusion, self.k, threads)?;
        let lowest = profile.iter().copied().fold(f64::INFINITY, f64::min);
        let mut out = Array1::from_elem(x.len(), lowest);
        for (slot, &p) in out.iter_mut().skip(m / 2).zip(&profile) {
            *slot = p;
        }
        Ok(out)
    }
}

impl Detector for MatrixProfileValidParams {
    fn name(&self) -> &str {
        MatrixProfileParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        univariate(train, MatrixProfileParams::NAME)?;
        Ok(Box::new(FittedMatrixProfile { params: *self, threads: ctx.threads }))
    }

    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let scores = self.scores(data, ctx.threads)?;
        Ok((Box::new(FittedMatrixProfile { params: *self, threads: ctx.threads }), scores))
    }
}

/// A fitted [`MatrixProfileValidParams`]: it scores a series by the self-join of that
/// series.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedMatrixProfile {
    /// The parameters it was fitted with.
    pub params: MatrixProfileValidParams,
    /// Threads used when scoring (the scores do not depend on it).
    pub threads: usize,
}

impl SavedDetector for FittedMatrixProfile {
    const TAG: &'static str = "matrix_profile";

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        oddity_core::state::decode_tagged(bytes, Self::TAG)
    }
}

impl FittedDetector for FittedMatrixProfile {
    fn save(&self) -> Result<Vec<u8>, Error> {
        oddity_core::state::encode_tagged(Self::TAG, self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.params.scores(data, self.threads)
    }
}

/// Per-subsequence statistics of a series for windows of `m` steps, as stumpy's
/// `preprocess_diagonal` computes them.
struct Rolling {
    /// Window means (numpy's pairwise sum / m).
    mean: Vec<f64>,
    /// 1 / window standard deviation (1 for a constant window).
    inv_std: Vec<f64>,
    /// Whether the window is constant (max == min).
    constant: Vec<bool>,
    /// `x[i + m − 1] − mean_{m−1}[i]` (stumpy's `cov_a` / `cov_b`).
    cov_a: Vec<f64>,
    /// `x[i − 1] − mean_{m−1}[i]` (stumpy's `cov_c` / `cov_d`; index 0 unused).
    cov_c: Vec<f64>,
}

impl Rolling {
    fn new(x: &[f64], m: usize) -> Self {
        let l = x.len() + 1 - m;
        let mut mean = Vec::with_capacity(l);
        let mut inv_std = Vec::with_capacity(l);
        let mut constant = Vec::with_capacity(l);
        for w in x.windows(m) {
            let mu = oddity_core::stats::pairwise_sum(w) / m as f64;
            // numba's nanstd: two passes, its own mean.
            let own = w.iter().sum::<f64>() / m as f64;
            let var = w.iter().map(|v| (v - own) * (v - own)).sum::<f64>() / m as f64;
            let (lo, hi) = w
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let flat = lo == hi;
            mean.push(mu);
            inv_std.push(if flat { 1.0 } else { 1.0 / var.sqrt() });
            constant.push(flat);
        }
        let mean_m1: Vec<f64> = x
            .windows(m - 1)
            .map(|w| oddity_core::stats::pairwise_sum(w) / (m - 1) as f64)
            .collect();
        let cov_a = (0..l).map(|i| x[i + m - 1] - mean_m1[i]).collect();
        let cov_c = (0..l).map(|i| if i == 0 { 0.0 } else { x[i - 1] - mean_m1[i] }).collect();
        Self { mean, inv_std, constant, cov_a, cov_c }
    }
}

/// The `k` best correlations of every subsequence, ascending, `l · k` values.
struct TopK {
    k: usize,
    rho: Vec<f64>,
}

impl TopK {
    fn new(l: usize, k: usize) -> Self {
        Self { k, rho: vec![f64::NEG_INFINITY; l * k] }
    }

    /// Offers correlation `r` to subsequence `i` (stumpy's `searchsorted` + shift-left
    /// insertion).
    #[inline(always)]
    fn offer(&mut self, i: usize, r: f64) {
        if self.k == 1 {
            let slot = &mut self.rho[i];
            if r > *slot {
                *slot = r;
            }
            return;
        }
        let row = &mut self.rho[i * self.k..(i + 1) * self.k];
        if r > row[0] {
            let idx = row.partition_point(|&v| v < r);
            row.copy_within(1..idx, 0);
            row[idx - 1] = r;
        }
    }

    /// Merges `other`'s correlations into these (the `k` largest of both, per row).
    fn merge(&mut self, other: &TopK) {
        for (i, row) in other.rho.chunks_exact(self.k).enumerate() {
            for &r in row {
                self.offer(i, r);
            }
        }
    }
}

/// The Pearson correlation of subsequences `i` and `j` from their centred covariance, with
/// stumpy's rules for constant subsequences.
#[inline(always)]
fn pearson(s: &Rolling, i: usize, j: usize, cov: f64) -> f64 {
    match (s.constant[i], s.constant[j]) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.5,
        (false, false) => (cov * s.inv_std[j] * s.inv_std[i]).min(1.0),
    }
}

/// The correlations of the diagonals `gs` (pairs `(i, i + g)`) offered to both members.
fn diagonals(x: &[f64], m: usize, s: &Rolling, gs: std::ops::Range<usize>, k: usize) -> TopK {
    let l = s.mean.len();
    let mut top = TopK::new(l, k);
    let m_inv = 1.0 / m as f64;
    let constant = (m - 1) as f64 * m_inv * m_inv;
    let any_constant = s.constant.iter().any(|&c| c);
    if k == 1 && !any_constant {
        nearest_four_at_a_time(x, m, s, gs, &mut top.rho);
        return top;
    }
    for g in gs {
        let (mi, mj) = (s.mean[0], s.mean[g]);
        let mut cov =
            x[g..g + m].iter().zip(&x[..m]).map(|(b, a)| (b - mj) * (a - mi)).sum::<f64>() * m_inv;
        let r = pearson(s, 0, g, cov);
        top.offer(0, r);
        top.offer(g, r);
        let (ca, cc, inv) = (&s.cov_a, &s.cov_c, &s.inv_std);
        for i in 1..l - g {
            let j = i + g;
            cov += constant * (ca[j] * ca[i] - cc[j] * cc[i]);
            let r =
                if any_constant { pearson(s, i, j, cov) } else { (cov * inv[j] * inv[i]).min(1.0) };
            top.offer(i, r);
            top.offer(j, r);
        }
    }
    top
}

/// [`diagonals`] for `k = 1` and no constant subsequence: four diagonals advance together
/// (four independent covariance recurrences instead of one dependent chain), each with the
/// same operations in the same order as one diagonal alone, so the correlations are the
/// same bit for bit.
fn nearest_four_at_a_time(
    x: &[f64],
    m: usize,
    s: &Rolling,
    gs: std::ops::Range<usize>,
    rho: &mut [f64],
) {
    let l = s.mean.len();
    let m_inv = 1.0 / m as f64;
    let constant = (m - 1) as f64 * m_inv * m_inv;
    let (ca, cc, inv) = (&s.cov_a[..l], &s.cov_c[..l], &s.inv_std[..l]);
    let first_cov = |g: usize| {
        let (mi, mj) = (s.mean[0], s.mean[g]);
        x[g..g + m].iter().zip(&x[..m]).map(|(b, a)| (b - mj) * (a - mi)).sum::<f64>() * m_inv
    };
    let offer = |rho: &mut [f64], i: usize, r: f64| {
        if r > rho[i] {
            rho[i] = r;
        }
    };
    let mut g = gs.start;
    while g < gs.end {
        let lanes = (gs.end - g).min(4);
        let mut cov = [0.0; 4];
        for (d, c) in cov.iter_mut().enumerate().take(lanes) {
            *c = first_cov(g + d);
            let r = (*c * inv[g + d] * inv[0]).min(1.0);
            offer(rho, 0, r);
            offer(rho, g + d, r);
        }
        // Rows every lane has (the last lane's diagonal is the shortest).
        let common = l - (g + lanes - 1);
        if lanes == 4 {
            for i in 1..common {
                let (a_i, c_i, v_i) = (ca[i], cc[i], inv[i]);
                let mut best = rho[i];
                for (d, c) in cov.iter_mut().enumerate() {
                    let j = i + g + d;
                    *c += constant * (ca[j] * a_i - cc[j] * c_i);
                    let r = (*c * inv[j] * v_i).min(1.0);
                    if r > best {
                        best = r;
                    }
                    offer(rho, j, r);
                }
                rho[i] = best;
            }
        }
        // The rest of each lane's diagonal, one at a time.
        for (d, c) in cov.iter_mut().enumerate().take(lanes) {
            let from = if lanes == 4 { common.max(1) } else { 1 };
            for i in from..l - (g + d) {
                let j = i + g + d;
                *c += constant * (ca[j] * ca[i] - cc[j] * cc[i]);
                let r = (*c * inv[j] * inv[i]).min(1.0);
                offer(rho, i, r);
                offer(rho, j, r);
            }
        }
        g += lanes;
    }
}

/// The self-join matrix profile of `x` (length `n − m + 1`): each subsequence's distance to
/// its `k`-th nearest neighbour more than `exclusion` steps away.
fn self_join(
    x: &[f64],
    m: usize,
    exclusion: usize,
    k: usize,
    threads: usize,
) -> Result<Vec<f64>, Error> {
    let n = x.len();
    if m < 3 {
        return Err(Error::Fit(format!(
            "`matrix_profile` needs subsequences of at least 3 steps, got {m}"
        )));
    }
    // The middle subsequence has the fewest neighbours outside the exclusion zone.
    let l = (n + 1).saturating_sub(m);
    let fewest =
        (0..l).map(|i| l - (i.min(exclusion) + (l - 1 - i).min(exclusion) + 1)).min().unwrap_or(0);
    if n < m || fewest < k {
        return Err(Error::Fit(format!(
            "`matrix_profile`: a series of {n} steps with subsequences of {m} steps and an \
             exclusion zone of {exclusion} leaves some subsequence fewer than k = {k} neighbours"
        )));
    }
    let stats = Rolling::new(x, m);
    // Diagonals `exclusion + 1 .. l`, cut into chunks of about equal pair counts.
    let first = exclusion + 1;
    let chunks = (threads.max(1) * 4).min(l - first);
    let total: usize = (first..l).map(|g| l - g).sum();
    let mut bounds = vec![first];
    let mut acc = 0;
    for g in first..l {
        acc += l - g;
        if acc * chunks >= total * bounds.len() && bounds.len() < chunks {
            bounds.push(g + 1);
        }
    }
    if *bounds.last().unwrap_or(&first) != l {
        bounds.push(l);
    }
    let run = || -> Vec<TopK> {
        bounds.par_windows(2).map(|b| diagonals(x, m, &stats, b[0]..b[1], k)).collect()
    };
    let parts = if threads <= 1 {
        bounds.windows(2).map(|b| diagonals(x, m, &stats, b[0]..b[1], k)).collect()
    } else {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Fit(format!("thread pool: {e}")))?
            .install(run)
    };
    let mut parts = parts.into_iter();
    let mut top = parts.next().unwrap_or_else(|| TopK::new(l, k));
    for p in parts {
        top.merge(&p);
    }
    let profile: Vec<f64> = top
        .rho
        .chunks_exact(k)
        .map(|row| {
            // Ascending: the k-th best correlation is the first one kept.
            let p = (2.0 * m as f64 * (1.0 - row[0])).abs();
            if p < P_NORM_THRESHOLD {
                0.0
            } else {
                p.sqrt()
            }
        })
        .collect();
    if profile.iter().any(|p| !p.is_finite()) {
        return Err(Error::Fit("`matrix_profile`: a subsequence has no neighbour".into()));
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The z-normalised distance of the length-`m` subsequences at `i` and `j`, directly.
    fn brute(x: &[f64], m: usize, i: usize, j: usize) -> f64 {
        let z = |s: &[f64]| -> Vec<f64> {
            let mu = s.iter().sum::<f64>() / m as f64;
            let sd = (s.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / m as f64).sqrt();
            s.iter().map(|v| (v - mu) / sd).collect()
        };
        let (a, b) = (z(&x[i..i + m]), z(&x[j..j + m]));
        a.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum::<f64>().sqrt()
    }

    fn series(n: usize) -> Vec<f64> {
        (0..n).map(|t| ((t * 7919 % 101) as f64 / 10.0).sin() + (t as f64 / 9.0).cos()).collect()
    }

    #[test]
    fn oracle_brute_force_k_nearest() {
        let x = series(80);
        let (m, excl) = (6, 2);
        for k in [1, 3] {
            for threads in [1, 3] {
                let got = self_join(&x, m, excl, k, threads).unwrap();
                for (i, g) in got.iter().enumerate() {
                    let mut d: Vec<f64> = (0..x.len() - m + 1)
                        .filter(|&j| j.abs_diff(i) > excl)
                        .map(|j| brute(&x, m, i, j))
                        .collect();
                    d.sort_by(f64::total_cmp);
                    assert!((g - d[k - 1]).abs() < 1e-9, "k {k} row {i}: {g} vs {}", d[k - 1]);
                }
            }
        }
    }

    #[test]
    fn constant_subsequences_follow_stumpy() {
        // Two flat stretches and a varying part: flat-flat pairs are at 0, flat-varying at
        // sqrt(m).
        let mut x = vec![1.0; 10];
        x.extend(series(20));
        x.extend(vec![4.0; 10]);
        let m = 5;
        let got = self_join(&x, m, 2, 1, 1).unwrap();
        assert_eq!(got[0], 0.0);
        let far: Vec<f64> = (0..x.len() - m + 1)
            .filter(|&j| j.abs_diff(12) > 2)
            .map(|j| if j <= 5 || j >= 30 { (m as f64).sqrt() } else { brute(&x, m, 12, j) })
            .collect();
        let best = far.iter().copied().fold(f64::INFINITY, f64::min);
        assert!((got[12] - best).abs() < 1e-9);
    }

    #[test]
    fn padding_is_tsbad_s() {
        let x = series(300);
        let data =
            Dataset::from_features("s", Array2::from_shape_vec((300, 1), x.clone()).unwrap());
        let det = MatrixProfileParams::default().check().unwrap();
        let (_, scores) = det.fit_score(&data, &FitContext::new(0)).unwrap();
        let m = windows::period_window(&data, 1);
        let profile = self_join(&x, m, m.div_ceil(4), 1, 1).unwrap();
        let lowest = profile.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(scores.len(), 300);
        assert_eq!(scores[m / 2], profile[0]);
        assert_eq!(scores[m / 2 - 1], lowest);
        assert_eq!(scores[m / 2 + profile.len() - 1], profile[profile.len() - 1]);
        assert_eq!(scores[299], lowest);
        let fitted = det.fit(&data, &FitContext::new(0)).unwrap();
        assert_eq!(fitted.score(&data).unwrap(), scores);
    }

    #[test]
    fn second_neighbour_finds_twin_anomalies() {
        // A period-24 sine with the same bump twice: each bump's nearest neighbour is its
        // twin (k = 1 misses it), its second nearest is normal data (k = 2 flags it).
        let mut x: Vec<f64> =
            (0..1200).map(|t| (std::f64::consts::TAU * t as f64 / 24.0).sin()).collect();
        for start in [300, 780] {
            for (d, v) in x[start..start + 12].iter_mut().enumerate() {
                *v += 1.5 * (std::f64::consts::PI * d as f64 / 12.0).sin();
            }
        }
        let data = Dataset::from_features("twins", Array2::from_shape_vec((1200, 1), x).unwrap());
        let ctx = FitContext::new(0);
        let score = |k: usize| {
            let det = MatrixProfileParams::default().k(k).check().unwrap();
            det.fit_score(&data, &ctx).unwrap().1
        };
        let (first, second) = (score(1), score(2));
        let normal = second[600];
        assert!(first[306] < 0.1, "k = 1 at the bump: {}", first[306]);
        assert!(second[306] > 10.0 * normal.max(1e-3), "k = 2: {} vs {normal}", second[306]);
    }

    #[test]
    fn exclusion_and_k_come_from_config_values() {
        let specs = MatrixProfileParams::default().specs();
        let given = Params(
            [("exclusion".to_string(), ParamValue::Int(7)), ("k".to_string(), ParamValue::Int(2))]
                .into(),
        );
        let resolved = Params::resolve("matrix_profile", &specs, &given).unwrap();
        let p = MatrixProfileParams::from_params(&resolved).unwrap().check().unwrap();
        assert_eq!((p.k(), p.exclusion(), p.period_rank()), (2, Some(7), 1));
        let auto = Params::resolve("matrix_profile", &specs, &Params::default()).unwrap();
        assert_eq!(
            MatrixProfileParams::from_params(&auto).unwrap(),
            MatrixProfileParams::default()
        );
        let negative = Params([("exclusion".to_string(), ParamValue::Int(-1))].into());
        let resolved = Params::resolve("matrix_profile", &specs, &negative).unwrap();
        assert!(matches!(
            MatrixProfileParams::from_params(&resolved),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(self_join(&series(10), 2, 1, 1, 1), Err(Error::Fit(_))));
        assert!(matches!(self_join(&series(10), 6, 2, 1, 1), Err(Error::Fit(_))));
        assert!(matches!(self_join(&series(40), 6, 2, 40, 1), Err(Error::Fit(_))));
        assert!(matches!(
            MatrixProfileParams::default().k(0).check(),
            Err(MatrixProfileParamsError::K(0))
        ));
        assert!(matches!(
            MatrixProfileParams::default().period_rank(4).check(),
            Err(MatrixProfileParamsError::PeriodRank(4))
        ));
        let wide = Dataset::from_features("w", Array2::zeros((50, 2)));
        let det = MatrixProfileParams::default().check().unwrap();
        assert!(matches!(det.fit(&wide, &FitContext::new(0)), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<MatrixProfileParams>();
        is_send_sync::<FittedMatrixProfile>();
    }
}
