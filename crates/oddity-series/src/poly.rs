//! POLY: a polynomial fitted to the neighbourhood of each period-long block predicts the
//! block, scored by the size of the prediction error, as TSB-AD 1.5 runs it
//! (`TSB_AD/models/POLY.py` with the `Fourier` measure of `models/distance.py`, `run_POLY`).

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    SavedDetector,
};
use rayon::prelude::*;

use crate::spectral_residual::{min_max_scaled, univariate};
use crate::windows::{self, MAX_PERIOD_RANK};

/// The largest polynomial degree accepted (the normal equations stay well conditioned on
/// the scaled abscissae up to here).
const MAX_POWER: usize = 8;

/// Parameters of the `poly` detector ([`PolyValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolyParams(PolyValidParams);

impl Default for PolyParams {
    fn default() -> Self {
        Self(PolyValidParams { power: 4, period_rank: 1 })
    }
}

impl PolyParams {
    /// Degree of the fitted polynomials (TSB-AD's `power`, 0 to 8).
    pub fn power(mut self, power: usize) -> Self {
        self.0.power = power;
        self
    }

    /// The block length is TSB-AD's period of this rank (`find_length_rank`; 1, 2 or 3).
    pub fn period_rank(mut self, rank: usize) -> Self {
        self.0.period_rank = rank;
        self
    }
}

/// A rejected [`PolyParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolyParamsError {
    /// Occurs when `power` is above 8.
    #[error("parameter `power`: must be 0 to 8, got {0}")]
    Power(usize),
    /// Occurs when `period_rank` is not 1, 2 or 3.
    #[error("parameter `period_rank`: must be 1, 2 or 3, got {0}")]
    PeriodRank(usize),
}

impl oddity_core::ParamsError for PolyParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Power(_) => "power",
            Self::PeriodRank(_) => "period_rank",
        }
    }
}

impl DetectorParams for PolyParams {
    const NAME: &'static str = "poly";
    const SUMMARY: &'static str = "TSB-AD's POLY: each period-long block predicted by a polynomial fitted to its neighbourhood, scored by the RMS (Fourier-norm) prediction error";
    type Valid = PolyValidParams;
    type Fitted = FittedPoly;
    type Error = PolyParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("power", self.0.power, "degree of the fitted polynomials (0 to 8)"),
            ParamSpec::count(
                "period_rank",
                self.0.period_rank,
                "block length = TSB-AD's period of this rank (1, 2 or 3)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().power(p.usize("power")?).period_rank(p.usize("period_rank")?))
    }

    fn check(self) -> Result<PolyValidParams, PolyParamsError> {
        let v = self.0;
        if v.power > MAX_POWER {
            return Err(PolyParamsError::Power(v.power));
        }
        if !(1..=MAX_PERIOD_RANK).contains(&v.period_rank) {
            return Err(PolyParamsError::PeriodRank(v.period_rank));
        }
        Ok(v)
    }
}

/// POLY (TSB-AD's polynomial detector): the series is min-max scaled and cut into blocks of
/// `w` steps (TSB-AD's period of rank `period_rank`); block `i` (starting at `i·w`) is
/// predicted by a least-squares polynomial of degree `power` fitted to the
/// `neighbourhood = min(max(10w, 100), n)` steps around it with the block itself left out,
/// and every step of the block scores the block's root-mean-square prediction error (TSB-AD's
/// `Fourier` measure, `‖fft(x) − fft(x̂)‖₂ / w`, equals it by Parseval).
///
/// Reproduces TSB-AD 1.5's `POLY(power, window).fit(x)` with its quirks: the first
/// `⌈min(500, ⌊n/10⌋) / w⌉` blocks are not scored (score 0); the neighbourhood cases near
/// the ends are TSB-AD's (one-sided at the end, `[0, neighbourhood)` at the start); a block is
/// predicted at `w` evenly spaced points from `i·w` to `(i + 1)·w` inclusive
/// (`numpy.linspace`), the last partial block at its integer steps, and that partial block is
/// predicted as 0 when `n` is a multiple of `⌊n/w⌋` (TSB-AD tests `n % N`, not `n % w`).
/// The polynomials are fitted on abscissae centred and scaled to `[−1, 1]` by Cholesky on the
/// normal equations: the same least-squares fit as numpy's `polyfit` (SVD of the raw
/// Vandermonde matrix), without its conditioning loss; the scores differ from TSB-AD's by
/// numpy's rounding on those ill-conditioned fits (see the crate's fixture tests). A detector
/// of one series: it scores whatever series it is given (fitting learns nothing). Blocks are
/// fitted in parallel on `FitContext::threads` threads, each independently.
///
/// Errors: more than one feature ([`Error::ShapeMismatch`]); a constant series, a series
/// shorter than one block, or a neighbourhood where TSB-AD's `polyfit` raises (a block
/// whose neighbourhood has fewer than `power + 1` steps, or mismatched slices) give
/// [`Error::Fit`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolyValidParams {
    power: usize,
    period_rank: usize,
}

impl PolyValidParams {
    /// Degree of the fitted polynomials.
    pub fn power(&self) -> usize {
        self.power
    }

    /// The period rank that chooses the block length.
    pub fn period_rank(&self) -> usize {
        self.period_rank
    }

    fn scores(&self, data: &Dataset, threads: usize) -> Result<Array1<f64>, Error> {
        let x = univariate(data, PolyParams::NAME)?;
        let w = windows::period_window(data, self.period_rank);
        poly_scores(&x, w, self.power, threads).map(Array1::from)
    }
}

impl Detector for PolyValidParams {
    fn name(&self) -> &str {
        PolyParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        univariate(train, PolyParams::NAME)?;
        Ok(Box::new(FittedPoly { params: *self, threads: ctx.threads }))
    }
}

/// A fitted [`PolyValidParams`]: every series is scored by its own polynomial fits.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPoly {
    /// The parameters it was fitted with.
    pub params: PolyValidParams,
    /// Threads used when scoring (the scores do not depend on it).
    pub threads: usize,
}

impl SavedDetector for FittedPoly {
    const TAG: &'static str = "poly";

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        oddity_core::state::decode_tagged(bytes, Self::TAG)
    }
}

impl FittedDetector for FittedPoly {
    fn save(&self) -> Result<Vec<u8>, Error> {
        oddity_core::state::encode_tagged(Self::TAG, self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        self.params.scores(data, self.threads)
    }
}

/// A least-squares polynomial in `t = (x − centre) / scale`.
struct Poly {
    centre: f64,
    scale: f64,
    /// Coefficients of `t^0, t^1, …`.
    coef: Vec<f64>,
}

impl Poly {
    /// The least-squares polynomial of degree `power` through `(x, y)` (`x.len() > power`).
    fn fit(x: &[f64], y: &[f64], power: usize) -> Option<Self> {
        let n = x.len() as f64;
        let centre = x.iter().sum::<f64>() / n;
        let spread = x.iter().fold(0.0f64, |a, v| a.max((v - centre).abs()));
        let scale = if spread > 0.0 { spread } else { 1.0 };
        let p = power + 1;
        // Power sums Σ t^k (k ≤ 2·power) and Σ y·t^k (k ≤ power).
        let mut moments = vec![0.0; 2 * power + 1];
        let mut rhs = vec![0.0; p];
        for (&xv, &yv) in x.iter().zip(y) {
            let t = (xv - centre) / scale;
            let mut tk = 1.0;
            for (k, m) in moments.iter_mut().enumerate() {
                *m += tk;
                if k < p {
                    rhs[k] += yv * tk;
                }
                tk *= t;
            }
        }
        // Cholesky of the Gram matrix G[a][b] = moments[a + b].
        let mut l = vec![0.0; p * p];
        for a in 0..p {
            for b in 0..=a {
                let mut s = moments[a + b];
                for c in 0..b {
                    s -= l[a * p + c] * l[b * p + c];
                }
                if a == b {
                    if s <= 0.0 || s.is_nan() {
                        return None;
                    }
                    l[a * p + a] = s.sqrt();
                } else {
                    l[a * p + b] = s / l[b * p + b];
                }
            }
        }
        let mut z = rhs;
        for a in 0..p {
            for c in 0..a {
                z[a] -= l[a * p + c] * z[c];
            }
            z[a] /= l[a * p + a];
        }
        for a in (0..p).rev() {
            for c in a + 1..p {
                z[a] -= l[c * p + a] * z[c];
            }
            z[a] /= l[a * p + a];
        }
        Some(Self { centre, scale, coef: z })
    }

    fn at(&self, x: f64) -> f64 {
        let t = (x - self.centre) / self.scale;
        self.coef.iter().rev().fold(0.0, |acc, c| acc * t + c)
    }
}

/// Python's `data[a:b]` index range for a series of `n` values (negative bounds count from
/// the end, bounds are clamped).
fn py_slice(a: i64, b: i64, n: i64) -> std::ops::Range<usize> {
    let norm = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) } as usize;
    let (a, b) = (norm(a), norm(b));
    a..b.max(a)
}

/// TSB-AD's POLY scores of `x` with blocks of `w` steps and polynomials of degree `power`.
fn poly_scores(x: &[f64], w: usize, power: usize, threads: usize) -> Result<Vec<f64>, Error> {
    let n = x.len();
    if w == 0 || n < w {
        return Err(Error::Fit(format!(
            "`poly` needs a series of at least one block of {w} steps, got {n}"
        )));
    }
    let data = min_max_scaled(x, PolyParams::NAME)?;
    let n_initial = ((0.1 * n as f64) as usize).min(500);
    let neighborhood = (10 * w).max(100).min(n);
    let blocks = n / w; // TSB-AD's N
    let first = n_initial.div_ceil(w); // TSB-AD's M
    if first > blocks {
        return Err(Error::Fit(format!(
            "`poly`: blocks of {w} steps leave nothing to score in a series of {n} steps"
        )));
    }
    let (ni, nh, nb, wi) = (n as i64, neighborhood as i64, (neighborhood / 2) as i64, w as i64);

    // The neighbourhood of the block at `index`, as TSB-AD's case analysis picks it: pairs
    // of (abscissa range, data slice) that must have equal lengths.
    let neighbourhood = |index: i64| -> Vec<(i64, i64)> {
        if index + nb < ni && index - nb > 0 {
            vec![(index - nb, index), (index + wi, index + nb)]
        } else if index + nb >= ni && index + wi < ni {
            vec![(ni - nh, index), (index + wi, ni)]
        } else if index + wi >= ni {
            vec![(ni - nh, index)]
        } else if index + wi < nh {
            vec![(0, index), (index + wi, nh)]
        } else {
            vec![(index - nb, index), (index + wi, index + nb)]
        }
    };
    let fit_block = |i: usize| -> Result<Poly, Error> {
        let index = (i * w) as i64;
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for (a, b) in neighbourhood(index) {
            let range = py_slice(a, b, ni);
            let count = (b - a).max(0) as usize;
            if count != range.len() {
                return Err(Error::Fit(format!(
                    "`poly`: the neighbourhood of the block at step {index} runs outside the \
                     series (TSB-AD's polyfit raises here)"
                )));
            }
            xs.extend((a..b).map(|v| v as f64));
            ys.extend_from_slice(&data[range]);
        }
        if xs.len() <= power {
            return Err(Error::Fit(format!(
                "`poly`: the neighbourhood of the block at step {index} has {} steps, too few \
                 for a polynomial of degree {power}",
                xs.len()
            )));
        }
        Poly::fit(&xs, &ys, power).ok_or_else(|| {
            Error::Fit(format!("`poly`: singular fit for the block at step {index}"))
        })
    };
    let fits: Vec<Result<Poly, Error>> = if threads <= 1 {
        (first..=blocks).map(fit_block).collect()
    } else {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Fit(format!("thread pool: {e}")))?
            .install(|| (first..=blocks).into_par_iter().map(fit_block).collect())
    };
    let fits = fits.into_iter().collect::<Result<Vec<Poly>, Error>>()?;
    let model = |i: usize| &fits[i - first];

    // TSB-AD's estimation: whole blocks at `linspace(i·w, (i + 1)·w, w)`, the partial block
    // at its steps (only when n % N != 0), zeros elsewhere.
    let mut estimate = vec![0.0; n];
    for i in first..blocks {
        let (start, stop) = ((i * w) as f64, ((i + 1) * w) as f64);
        let step = if w > 1 { (stop - start) / (w - 1) as f64 } else { 0.0 };
        for k in 0..w {
            let at = if k + 1 == w && w > 1 { stop } else { k as f64 * step + start };
            estimate[i * w + k] = model(i).at(at);
        }
    }
    if blocks == 0 || n % blocks != 0 {
        for (t, slot) in estimate.iter_mut().enumerate().skip(blocks * w) {
            *slot = model(blocks).at(t as f64);
        }
    }

    let mut scores = vec![0.0; n];
    for i in first..=blocks {
        let start = i * w;
        let stop = if i == blocks { n } else { start + w };
        if start >= stop {
            continue;
        }
        let len = (stop - start) as f64;
        let squares: f64 = data[start..stop]
            .iter()
            .zip(&estimate[start..stop])
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        let score = (squares * len).sqrt() / len;
        scores[start..stop].iter_mut().for_each(|s| *s = score);
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn cubic_fit_is_exact() {
        let x: Vec<f64> = (1000..1050).map(f64::from).collect();
        let y: Vec<f64> =
            x.iter().map(|v| 0.5 - 0.01 * (v - 1020.0) + 1e-4 * (v - 1020.0).powi(3)).collect();
        let p = Poly::fit(&x, &y, 3).unwrap();
        for (a, b) in x.iter().zip(&y) {
            assert!((p.at(*a) - b).abs() < 1e-12);
        }
        assert!((p.at(1060.5) - (0.5 - 0.405 + 1e-4 * 40.5f64.powi(3))).abs() < 1e-10);
    }

    #[test]
    fn python_slices() {
        assert_eq!(py_slice(-3, 2, 10), 7..7);
        assert_eq!(py_slice(0, 4, 10), 0..4);
        assert_eq!(py_slice(8, 20, 10), 8..10);
        assert_eq!(py_slice(-12, 3, 10), 0..3);
    }

    #[test]
    fn oracle_linear_series() {
        // A straight line is fitted exactly, but TSB-AD predicts block i at
        // linspace(i·w, (i + 1)·w, w): step k at i·w + k·w/(w − 1), off by k/(w − 1) steps.
        // Scaled slope 1/399, w = 20: RMS = sqrt(Σ k² / 20) / 19 / 399 for every scored
        // block; the first ⌈40 / 20⌉ = 2 blocks score 0.
        let x: Vec<f64> = (0..400).map(|t| 3.0 + 0.5 * t as f64).collect();
        let want = ((0..20).map(|k| (k * k) as f64).sum::<f64>() / 20.0).sqrt() / 19.0 / 399.0;
        for threads in [1, 3] {
            let s = poly_scores(&x, 20, 1, threads).unwrap();
            assert!(s[..40].iter().all(|&v| v == 0.0));
            assert!(s[40..].iter().all(|v| (v - want).abs() < 1e-12), "{s:?}");
        }
        // A spike raises its block's score only.
        let mut y = x.clone();
        y[205] += 50.0;
        let s = poly_scores(&y, 20, 1, 1).unwrap();
        assert!(s[200..220].iter().all(|&v| v > 10.0 * want));
        assert!(s[240..].iter().all(|&v| v < 10.0 * want));
    }

    #[test]
    fn partial_block_quirk() {
        let line = |n: usize| -> Vec<f64> { (0..n).map(|t| 1.0 + t as f64).collect() };
        // n = 410, w = 20: N = 20 and 410 % 20 ≠ 0, so the partial block is predicted.
        let s = poly_scores(&line(410), 20, 1, 1).unwrap();
        assert!(s[400..].iter().all(|v| v.abs() < 1e-12));
        // n = 264, w = 23: N = 11 and 264 % 11 = 0 (TSB-AD tests n % N), so the last 11
        // steps keep the prediction 0 and score the RMS of the scaled values.
        let s = poly_scores(&line(264), 23, 1, 1).unwrap();
        let data = min_max_scaled(&line(264), "poly").unwrap();
        let rms = (data[253..].iter().map(|v| v * v).sum::<f64>() / 11.0).sqrt();
        assert!((s[263] - rms).abs() < 1e-12, "{} vs {rms}", s[263]);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(poly_scores(&[1.0; 300], 20, 4, 1), Err(Error::Fit(_))));
        assert!(matches!(poly_scores(&[1.0, 2.0, 3.0], 20, 4, 1), Err(Error::Fit(_))));
        assert!(matches!(PolyParams::default().power(9).check(), Err(PolyParamsError::Power(9))));
        assert!(matches!(
            PolyParams::default().period_rank(0).check(),
            Err(PolyParamsError::PeriodRank(0))
        ));
        let wide = Dataset::from_features("w", Array2::zeros((50, 2)));
        let det = PolyParams::default().check().unwrap();
        assert!(matches!(det.fit(&wide, &FitContext::new(0)), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<PolyParams>();
        is_send_sync::<FittedPoly>();
    }
}
