//! KShapeAD: TSB-AD 1.5's `run_KShapeAD`, SAND (Boniol et al., "SAND: streaming subsequence
//! anomaly detection", PVLDB 14, 2021) in its offline mode. k-Shape (Paparrizos & Gravano,
//! "k-Shape: efficient and accurate clustering of time series", SIGMOD 2015) clusters
//! subsequences of four windows, the cluster centroids weighted by size and centrality form
//! the normal model, and each window of the series is scored by its weighted distance to
//! the centroids (see [`KShapeAdValidParams`]).

mod kshape;

use ndarray::Array1;
use oddity_core::{
    rng, state, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    Params, ParamsError, SavedDetector,
};

use crate::windows::{self, MAX_PERIOD_RANK};
use kshape::{kshape, ncc_max, Cluster};

/// Parameters of `kshape_ad` ([`KShapeAdValidParams`] once checked); the defaults are
/// TSB-AD 1.5's (`Optimal_Uni_algo_HP_dict`: `periodicity = 1`; SAND's `k = 6`; tslearn's
/// `KShape` `max_iter = 100`, `tol = 1e-6`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KShapeAdParams(KShapeAdValidParams);

impl Default for KShapeAdParams {
    fn default() -> Self {
        Self(KShapeAdValidParams {
            period_rank: 1,
            window: 0,
            clusters: 6,
            max_iter: 100,
            tol: 1e-6,
        })
    }
}

impl KShapeAdParams {
    /// The rank of the autocorrelation period used as window length (1 to 3, TSB-AD's
    /// `periodicity`), when no fixed [`KShapeAdParams::window`] is set.
    pub fn period_rank(mut self, rank: usize) -> Self {
        self.0.period_rank = rank;
        self
    }

    /// A fixed window length instead of the period (0 = the period).
    pub fn window(mut self, window: usize) -> Self {
        self.0.window = window;
        self
    }

    /// Number of k-Shape clusters (SAND's `k`).
    pub fn clusters(mut self, clusters: usize) -> Self {
        self.0.clusters = clusters;
        self
    }

    /// Most k-Shape iterations.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// k-Shape stops when the inertia changes by less than this.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
}

/// A rejected [`KShapeAdParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KShapeAdParamsError {
    /// Occurs when `period_rank` is not 1, 2 or 3 (and no fixed window is set).
    #[error("parameter `period_rank`: must be 1, 2 or 3, got {0}")]
    PeriodRank(usize),
    /// Occurs when `clusters` is 0.
    #[error("parameter `clusters`: must be at least 1, got 0")]
    Clusters,
    /// Occurs when `max_iter` is 0.
    #[error("parameter `max_iter`: must be at least 1, got 0")]
    MaxIter,
    /// Occurs when `tol` is negative or not finite (NaN included).
    #[error("parameter `tol`: must be finite and at least 0, got {0}")]
    Tol(f64),
}

impl ParamsError for KShapeAdParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::PeriodRank(_) => "period_rank",
            Self::Clusters => "clusters",
            Self::MaxIter => "max_iter",
            Self::Tol(_) => "tol",
        }
    }
}

impl DetectorParams for KShapeAdParams {
    const NAME: &'static str = "kshape_ad";
    const SUMMARY: &'static str = "TSB-AD's KShapeAD (SAND offline): k-Shape centroids of 4-window subsequences weighted by size and centrality, each period window scored by its weighted z-normalised distance to them";
    type Valid = KShapeAdValidParams;
    type Fitted = FittedKShapeAd;
    type Error = KShapeAdParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let v = &self.0;
        vec![
            ParamSpec::count(
                "period_rank",
                v.period_rank,
                "window = the series' autocorrelation period of this rank (1-3, TSB-AD's periodicity)",
            ),
            ParamSpec::count("window", v.window, "fixed window length; 0 = the period"),
            ParamSpec::count("clusters", v.clusters, "number of k-Shape clusters (SAND's k)"),
            ParamSpec::count("max_iter", v.max_iter, "most k-Shape iterations"),
            ParamSpec::float("tol", v.tol, "k-Shape stops when the inertia changes by less"),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .period_rank(p.usize("period_rank")?)
            .window(p.usize("window")?)
            .clusters(p.usize("clusters")?)
            .max_iter(p.usize("max_iter")?)
            .tol(p.float("tol")?))
    }

    fn check(self) -> Result<KShapeAdValidParams, KShapeAdParamsError> {
        let v = self.0;
        if v.window == 0 && !(1..=MAX_PERIOD_RANK).contains(&v.period_rank) {
            return Err(KShapeAdParamsError::PeriodRank(v.period_rank));
        }
        if v.clusters == 0 {
            return Err(KShapeAdParamsError::Clusters);
        }
        if v.max_iter == 0 {
            return Err(KShapeAdParamsError::MaxIter);
        }
        if !(v.tol >= 0.0 && v.tol.is_finite()) {
            return Err(KShapeAdParamsError::Tol(v.tol));
        }
        Ok(v)
    }
}

/// KShapeAD as TSB-AD 1.5 runs it (`run_KShapeAD`: `SAND(pattern_length = w,
/// subsequence_length = 4w).fit(series, overlaping_rate = ⌊1.5 w⌋)`, offline), on the first
/// feature of the series (TSB-AD's needs a univariate one), `w` its period:
///
/// 1. the subsequences of `4w` steps starting every `⌊1.5 w⌋` steps before `n − 4w` are
///    clustered by tslearn's `KShape(n_clusters = k)` (its defaults: one run with random
///    initial centroids drawn among the subsequences, up to 10 attempts when a cluster
///    empties, shape extraction as the top eigenvector of the centred aligned-member
///    scatter, assignment by the shape-based distance `SBD = 1 − max NCC` over every shift,
///    stop when the inertia changes by less than `tol` or grows, keeping the previous
///    centroids then);
/// 2. each non-empty cluster `i` gets SAND's weight `w_i = F_i² / C_i`, `F` its size and
///    `C` the sum of the SBDs of its centroid to the others, both min-max scaled (+ 1e-7 in
///    the range) to `[1, 2]`, then the offline update `u_i = ½ w_i + ½ w_i / (1 + n − s_i)`,
///    `s_i` the start of its last subsequence;
/// 3. the score of a window is `Σ u_i d_i / Σ u_i`, `d_i` its z-normalised Euclidean distance
///    to the nearest window of centroid `i` (stumpy's AB-join, constant windows as stumpy
///    treats them), padded at the end to `n` steps, averaged over `w` steps (running mean,
///    front-padded) and z-scored with the mean and standard deviation (ddof 0) of the fitted
///    series' scores.
///
/// Randomness: k-Shape's initial centroids come from oddity's generator seeded with
/// `FitContext::seed` (tslearn draws from numpy's global state), so results agree with
/// TSB-AD's in distribution over seeds, not per seed. A fitted model scores new data with
/// the centroids, weights and score statistics of the series it fitted (SAND's offline mode
/// scores only that series).
///
/// Errors: a series of at most `4w` steps or with fewer subsequences than clusters, and a
/// constant series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KShapeAdValidParams {
    period_rank: usize,
    window: usize,
    clusters: usize,
    max_iter: usize,
    tol: f64,
}

impl KShapeAdValidParams {
    /// The period rank used when no fixed window is set.
    pub fn period_rank(&self) -> usize {
        self.period_rank
    }

    /// The fixed window length (0 = the period).
    pub fn window(&self) -> usize {
        self.window
    }

    /// The number of k-Shape clusters.
    pub fn clusters(&self) -> usize {
        self.clusters
    }

    /// Fits the normal model on `data` and returns it with the scores of `data`.
    fn fit_model(&self, data: &Dataset, seed: u64) -> Result<(FittedKShapeAd, Array1<f64>), Error> {
        data.check_finite()?;
        if data.n_rows() == 0 || data.n_features() == 0 {
            return Err(Error::EmptyData(format!("series `{}` is empty", data.name)));
        }
        let w = match self.window {
            0 => windows::period_window(data, self.period_rank),
            w => w,
        };
        windows::check_series(data, w)?;
        let x: Vec<f64> = data.features.column(0).to_vec();
        let n = x.len();
        if x.iter().all(|&v| v == x[0]) {
            return Err(Error::Fit(format!("kshape_ad: series `{}` is constant", data.name)));
        }
        let len = 4 * w;
        let step = (3 * w / 2).max(1);
        let starts: Vec<usize> = (0..n.saturating_sub(len)).step_by(step).collect();
        if starts.len() < self.clusters {
            return Err(Error::Fit(format!(
                "kshape_ad: {} subsequences of {len} steps (4 windows of {w}) every {step} steps in {n} steps, fewer than the {} clusters",
                starts.len(),
                self.clusters
            )));
        }
        let subs: Vec<&[f64]> = starts.iter().map(|&s| &x[s..s + len]).collect();
        let mut rng = rng(seed);
        let clusters = kshape(&subs, self.clusters, self.max_iter, self.tol, &mut rng);
        let (centroids, weights) = normal_model(&clusters, &starts, n);
        let join = weighted_join(&x, w, &centroids, &weights);
        let mean = oddity_core::stats::pairwise_sum(&join) / n as f64;
        let var = join.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let fitted = FittedKShapeAd { window: w, centroids, weights, mean, std: var.sqrt() };
        let scores = fitted.normalise(join);
        Ok((fitted, scores))
    }
}

/// SAND's `_set_normal_model` and the offline `_run` weight update: the centroids of the
/// non-empty clusters and their weights `u_i`.
fn normal_model(clusters: &[Cluster], starts: &[usize], n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let kept: Vec<&Cluster> = clusters.iter().filter(|c| !c.members.is_empty()).collect();
    let freq: Vec<f64> = kept.iter().map(|c| c.members.len() as f64).collect();
    let decay: Vec<f64> =
        kept.iter().map(|c| n as f64 - starts[*c.members.iter().max().unwrap()] as f64).collect();
    let centrality: Vec<f64> = (0..kept.len())
        .map(|i| {
            (0..kept.len())
                .filter(|&j| j != i)
                .map(|j| 1.0 - ncc_max(&kept[i].centroid, &kept[j].centroid))
                .sum()
        })
        .collect();
    let scale = |v: &[f64]| -> Vec<f64> {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        v.iter().map(|x| (x - lo) / (hi - lo + 0.0000001) + 1.0).collect()
    };
    let (f, c) = (scale(&freq), scale(&centrality));
    let weights = f
        .iter()
        .zip(&c)
        .zip(&decay)
        .map(|((f, c), t)| {
            let w = f * f / c;
            0.5 * w + 0.5 * (w / (1.0 + t.max(0.0)))
        })
        .collect();
    (kept.iter().map(|c| c.centroid.clone()).collect(), weights)
}

/// Rolling mean, standard deviation (ddof 0) and constancy of the windows of `x`.
fn rolling(x: &[f64], w: usize) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    let (mut mu, mut sd, mut flat) = (Vec::new(), Vec::new(), Vec::new());
    for win in x.windows(w) {
        let m = win.iter().sum::<f64>() / w as f64;
        let var = win.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / w as f64;
        let (lo, hi) =
            win.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        mu.push(m);
        sd.push(var.sqrt());
        flat.push(lo == hi);
    }
    (mu, sd, flat)
}

/// For every window of `w` steps of `a`: the z-normalised Euclidean distance to its nearest
/// window of `b` (stumpy's `stump(a, w, b, ignore_trivial=False)[:, 0]`: a constant window
/// is at distance 0 from a constant one and `√w` from any other), by the diagonal
/// recurrence of the sliding dot products.
fn ab_join(a: &[f64], b: &[f64], w: usize) -> Vec<f64> {
    let (la, lb) = (a.len() + 1 - w, b.len() + 1 - w);
    let (ma, sa, fa) = rolling(a, w);
    let (mb, sb, fb) = rolling(b, w);
    let wf = w as f64;
    let mut best = vec![f64::INFINITY; la];
    let mut diagonal = |i0: usize, j0: usize| {
        let mut dot: f64 = (0..w).map(|t| a[i0 + t] * b[j0 + t]).sum();
        let (mut i, mut j) = (i0, j0);
        loop {
            let rho = match (fa[i], fb[j]) {
                (true, true) => 1.0,
                (true, false) | (false, true) => 0.5,
                (false, false) => ((dot - wf * ma[i] * mb[j]) / (wf * sa[i] * sb[j])).min(1.0),
            };
            let d = (2.0 * wf * (1.0 - rho)).max(0.0).sqrt();
            if d < best[i] {
                best[i] = d;
            }
            if i + 1 >= la || j + 1 >= lb {
                break;
            }
            dot += a[i + w] * b[j + w] - a[i] * b[j];
            i += 1;
            j += 1;
        }
    };
    for j0 in 0..lb {
        diagonal(0, j0);
    }
    for i0 in 1..la {
        diagonal(i0, 0);
    }
    best
}

/// SAND's `_run` before the final z-score: the weighted mean distance of each window to the
/// centroids, padded to `n` steps with the last value, then the running mean over `w`
/// steps front-padded with its first value.
fn weighted_join(x: &[f64], w: usize, centroids: &[Vec<f64>], weights: &[f64]) -> Vec<f64> {
    let n = x.len();
    // Centring the series changes no z-normalised distance and keeps the dot products small.
    let mean = x.iter().sum::<f64>() / n as f64;
    let a: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut join = vec![0.0; n + 1 - w];
    for (c, &u) in centroids.iter().zip(weights) {
        for (j, d) in join.iter_mut().zip(ab_join(&a, c, w)) {
            *j += d * u;
        }
    }
    let last = join[join.len() - 1];
    join.resize(n, last);
    let total: f64 = weights.iter().sum();
    join.iter_mut().for_each(|v| *v /= total);
    let mut cum = Vec::with_capacity(n + 1);
    cum.push(0.0);
    for v in &join {
        cum.push(cum[cum.len() - 1] + v);
    }
    let run: Vec<f64> = (0..n + 1 - w).map(|i| (cum[i + w] - cum[i]) / w as f64).collect();
    let mut out = vec![run[0]; w - 1];
    out.extend(run);
    out
}

/// numpy's `nan_to_num` of one value.
fn nan_to_num(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if v.is_infinite() {
        f64::MAX.copysign(v)
    } else {
        v
    }
}

impl Detector for KShapeAdValidParams {
    fn name(&self) -> &str {
        "kshape_ad"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx.seed)?.0))
    }

    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let (fitted, scores) = self.fit_model(data, ctx.seed)?;
        Ok((Box::new(fitted), scores))
    }
}

/// A fitted KShapeAD: the window length, the centroids (`4w` steps each) with their weights
/// and the mean and standard deviation of the fitted series' unnormalised scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKShapeAd {
    window: usize,
    centroids: Vec<Vec<f64>>,
    weights: Vec<f64>,
    mean: f64,
    std: f64,
}

impl FittedKShapeAd {
    /// The window length, fixed at fit.
    pub fn window(&self) -> usize {
        self.window
    }

    /// The centroids of the normal model and their weights.
    pub fn centroids(&self) -> (&[Vec<f64>], &[f64]) {
        (&self.centroids, &self.weights)
    }

    fn normalise(&self, join: Vec<f64>) -> Array1<f64> {
        join.into_iter().map(|v| nan_to_num((v - self.mean) / self.std)).collect()
    }
}

impl FittedDetector for FittedKShapeAd {
    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        windows::check_series(data, self.window)?;
        let x: Vec<f64> = data.features.column(0).to_vec();
        Ok(self.normalise(weighted_join(&x, self.window, &self.centroids, &self.weights)))
    }

    fn save(&self) -> Result<Vec<u8>, Error> {
        state::encode_tagged(Self::TAG, self)
    }
}

impl SavedDetector for FittedKShapeAd {
    const TAG: &'static str = "kshape_ad";

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        state::decode_tagged(bytes, Self::TAG)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    fn brute(a: &[f64], b: &[f64], w: usize) -> Vec<f64> {
        let z = |s: &[f64]| -> Option<Vec<f64>> {
            let m = s.iter().sum::<f64>() / w as f64;
            let sd = (s.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / w as f64).sqrt();
            (sd > 0.0).then(|| s.iter().map(|v| (v - m) / sd).collect())
        };
        a.windows(w)
            .map(|sa| {
                b.windows(w)
                    .map(|sb| match (z(sa), z(sb)) {
                        (Some(x), Some(y)) => {
                            x.iter().zip(&y).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt()
                        }
                        (None, None) => 0.0,
                        _ => (w as f64).sqrt(),
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    #[test]
    fn oracle_ab_join_equals_brute_force() {
        let a: Vec<f64> =
            (0..40).map(|t| ((t * 37) % 11) as f64 + if t < 8 { 0.0 } else { 0.5 }).collect();
        let mut a2 = a.clone();
        a2[20..26].iter_mut().for_each(|v| *v = 3.0);
        let b: Vec<f64> = (0..24).map(|t| (t as f64 * 0.7).sin()).collect();
        for w in [3, 5, 6] {
            let got = ab_join(&a2, &b, w);
            let want = brute(&a2, &b, w);
            for (g, e) in got.iter().zip(&want) {
                assert!((g - e).abs() < 1e-9, "w {w}: {g} vs {e}");
            }
        }
    }

    #[test]
    fn weighted_join_pads_as_sand() {
        // One centroid: the join is the AB-join, padded with its last value, averaged over
        // w steps, front-padded.
        let x: Vec<f64> = (0..30).map(|t| ((t * 13) % 7) as f64).collect();
        let c: Vec<f64> = (0..12).map(|t| (t as f64).cos()).collect();
        let w = 3;
        let d = ab_join(&x, &c, w);
        let got = weighted_join(&x, w, &[c], &[2.0]);
        assert_eq!(got.len(), 30);
        let mut padded = d.clone();
        padded.resize(30, d[d.len() - 1]);
        let at = |i: usize| (padded[i] + padded[i + 1] + padded[i + 2]) / 3.0;
        assert!((got[0] - at(0)).abs() < 1e-12 && (got[1] - at(0)).abs() < 1e-12);
        assert!((got[2] - at(0)).abs() < 1e-12);
        assert!((got[29] - at(27)).abs() < 1e-12);
    }

    #[test]
    fn bad_parameters_and_series_are_typed_errors() {
        let p = KShapeAdParams::default();
        assert_eq!(p.period_rank(0).check().unwrap_err(), KShapeAdParamsError::PeriodRank(0));
        assert_eq!(p.clusters(0).check().unwrap_err().param(), "clusters");
        assert_eq!(p.max_iter(0).check().unwrap_err().param(), "max_iter");
        assert_eq!(p.tol(f64::NAN).check().unwrap_err().param(), "tol");
        let v = p.window(10).check().unwrap();
        let ctx = FitContext::new(0);
        // 4 windows = 40 steps: 60 steps hold 2 subsequences (starts 0 and 15), fewer than 6.
        let short = Dataset::from_features(
            "short",
            Array2::from_shape_fn((60, 1), |(t, _)| (t as f64 * 0.3).sin()),
        );
        assert!(matches!(v.fit(&short, &ctx), Err(Error::Fit(_))));
        let flat = Dataset::from_features("flat", Array2::from_elem((500, 1), 1.0));
        assert!(matches!(v.fit(&flat, &ctx), Err(Error::Fit(_))));
    }

    #[test]
    fn oracle_normal_model_weights() {
        // Two clusters of the same shape (SBD 0: centrality 1 for both), of 3 and 1 members:
        // frequencies 2/(2 + 1e-7) + 1 and 1, weights F² / 1, then the offline update with
        // the time since each cluster's last subsequence (n = 100).
        let shape = vec![1.0, 0.0, -1.0];
        let clusters = [
            Cluster { centroid: shape.clone(), members: vec![0, 1, 3] },
            Cluster { centroid: shape.clone(), members: vec![2] },
            Cluster { centroid: vec![0.0, 1.0, 0.0], members: vec![] },
        ];
        let starts = [0, 10, 20, 30];
        let (centroids, weights) = normal_model(&clusters, &starts, 100);
        assert_eq!(centroids.len(), 2);
        let f0 = 2.0 / (2.0 + 1e-7) + 1.0;
        let want0 = 0.5 * f0 * f0 + 0.5 * f0 * f0 / (1.0 + 70.0);
        let want1 = 0.5 + 0.5 / (1.0 + 80.0);
        assert!((weights[0] - want0).abs() < 1e-12, "{weights:?}");
        assert!((weights[1] - want1).abs() < 1e-12, "{weights:?}");
    }

    #[test]
    fn fitted_model_scores_its_series_as_fit_score() {
        let x = Array2::from_shape_fn((400, 1), |(t, _)| {
            (t as f64 * std::f64::consts::TAU / 20.0).sin() + if t == 250 { 3.0 } else { 0.0 }
        });
        let data = Dataset::from_features("sine", x);
        let v = KShapeAdParams::default().check().unwrap();
        let (fitted, scores) = v.fit_score(&data, &FitContext::new(4)).unwrap();
        assert_eq!(fitted.score(&data).unwrap(), scores);
        // z-scored over the series: mean 0, standard deviation 1; the spike scores highest
        // within a window of it.
        let n = scores.len() as f64;
        let mean = scores.sum() / n;
        let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 1e-9 && (sd - 1.0).abs() < 1e-9, "{mean} {sd}");
        let top = scores
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |b, (i, &s)| if s > b.1 { (i, s) } else { b });
        assert!((250..=250 + 2 * 20).contains(&top.0), "top at {top:?}");
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<KShapeAdParams>();
        is_send_sync::<KShapeAdValidParams>();
        is_send_sync::<FittedKShapeAd>();
    }
}
