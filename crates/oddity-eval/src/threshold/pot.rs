//! Peaks over threshold (POT) and streaming POT (SPOT), Siffer et al., KDD 2017.

use super::{check_scores, invalid, quantile, sorted, ThresholdError};

/// A generalized Pareto distribution `P(Y > y) = (1 + γ y / σ)^(−1/γ)` (exponential for
/// γ = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gpd {
    /// The shape γ (tail index; 0 = exponential tail, > 0 = heavy tail).
    pub shape: f64,
    /// The scale σ > 0.
    pub scale: f64,
}

/// A POT threshold and the fit behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PotFit {
    /// The threshold `z_q`: a normal score exceeds it with probability about `q`.
    pub threshold: f64,
    /// The initial threshold `t` (the `level` quantile).
    pub initial: f64,
    /// The GPD fitted to the excesses over `t`.
    pub gpd: Gpd,
    /// The number of excesses over `t`.
    pub excesses: usize,
}

/// Fits a GPD to positive excesses by maximum likelihood with Grimshaw's method
/// (Grimshaw, "Computing Maximum Likelihood Estimates for the Generalized Pareto
/// Distribution", Technometrics 1993), as SPOT does.
///
/// The likelihood equations reduce to one equation in `x = γ / σ`:
/// `u(x) · v(x) = 1` with `u(x) = mean(1 / (1 + x Y))` and `v(x) = 1 + mean(ln(1 + x Y))`,
/// whose roots lie in `(−1 / max Y, 0)` and `(0, 2 (Ȳ − min Y) / min Y²)`. Roots are bracketed
/// on a 200-point grid of each interval and refined by bisection; each root gives
/// `γ = v(x) − 1`, `σ = γ / x`.
///
/// **Fallback:** the exponential fit (γ = 0, σ = Ȳ) and the method-of-moments estimate
/// (γ = (1 − Ȳ²/s²)/2, σ = Ȳ (1 + Ȳ²/s²)/2) are always candidates too, so a fit exists
/// even when the root search finds nothing; the admissible candidate with the highest
/// likelihood wins.
///
/// # Errors
///
/// [`ThresholdError::GpdFit`] with fewer than 2 excesses, a non-positive or non-finite
/// excess, excesses that are all equal, or no candidate with a finite likelihood.
pub fn fit_gpd(excesses: &[f64]) -> Result<Gpd, ThresholdError> {
    let fail = |reason: &str| Err(ThresholdError::GpdFit { reason: reason.to_owned() });
    if excesses.len() < 2 {
        return fail(&format!("needs at least 2 excesses, got {}", excesses.len()));
    }
    if excesses.iter().any(|&y| !(y > 0.0 && y.is_finite())) {
        return fail("excesses must be positive and finite");
    }
    let n = excesses.len() as f64;
    let mean = excesses.iter().sum::<f64>() / n;
    let var = excesses.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / n;
    let (y_min, y_max) =
        excesses.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &y| (lo.min(y), hi.max(y)));
    if var.is_nan() || var <= 0.0 || y_min == y_max {
        return fail("all excesses are equal");
    }
    let uv = |x: f64| -> (f64, f64) {
        let (mut u, mut v) = (0.0, 0.0);
        for &y in excesses {
            let s = 1.0 + x * y;
            u += 1.0 / s;
            v += s.ln();
        }
        (u / n, 1.0 + v / n)
    };
    let w = |x: f64| {
        let (u, v) = uv(x);
        u * v - 1.0
    };
    let eps = 1e-8 / y_max;
    let mut candidates = vec![Gpd { shape: 0.0, scale: mean }];
    let ratio = mean * mean / var;
    candidates.push(Gpd { shape: 0.5 * (1.0 - ratio), scale: 0.5 * mean * (ratio + 1.0) });
    let upper = 2.0 * (mean - y_min) / (y_min * y_min);
    for (a, b) in [(-1.0 / y_max + eps, -eps), (eps, upper)] {
        if a >= b || !b.is_finite() {
            continue;
        }
        for x in roots(&w, a, b, 200) {
            let gamma = uv(x).1 - 1.0;
            let sigma = gamma / x;
            candidates.push(Gpd { shape: gamma, scale: sigma });
        }
    }
    let mut best: Option<(f64, Gpd)> = None;
    for gpd in candidates {
        let ll = log_likelihood(excesses, gpd);
        if ll.is_finite() && best.map_or(true, |(b, _)| ll > b) {
            best = Some((ll, gpd));
        }
    }
    match best {
        Some((_, gpd)) => Ok(gpd),
        None => fail("no admissible estimate"),
    }
}

/// Roots of `f` in `[a, b]`: sign changes on an `m`-point grid, refined by bisection.
fn roots(f: &impl Fn(f64) -> f64, a: f64, b: f64, m: usize) -> Vec<f64> {
    let xs: Vec<f64> = (0..=m).map(|i| a + (b - a) * i as f64 / m as f64).collect();
    let fs: Vec<f64> = xs.iter().map(|&x| f(x)).collect();
    let mut out = Vec::new();
    for i in 0..m {
        let (mut lo, mut hi, f_lo) = (xs[i], xs[i + 1], fs[i]);
        if !(f_lo.is_finite() && fs[i + 1].is_finite()) || f_lo.signum() == fs[i + 1].signum() {
            continue;
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if f(mid).signum() == f_lo.signum() {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        out.push(0.5 * (lo + hi));
    }
    out
}

/// GPD log-likelihood of the excesses; `-inf` outside the support or for σ ≤ 0.
fn log_likelihood(excesses: &[f64], gpd: Gpd) -> f64 {
    let Gpd { shape, scale } = gpd;
    if scale.is_nan() || scale <= 0.0 || !shape.is_finite() {
        return f64::NEG_INFINITY;
    }
    let n = excesses.len() as f64;
    if shape == 0.0 {
        return -n * scale.ln() - excesses.iter().sum::<f64>() / scale;
    }
    let mut sum = 0.0;
    for &y in excesses {
        let s = 1.0 + shape * y / scale;
        if s.is_nan() || s <= 0.0 {
            return f64::NEG_INFINITY;
        }
        sum += s.ln();
    }
    -n * scale.ln() - (1.0 + 1.0 / shape) * sum
}

/// The POT threshold of `train` (Siffer et al., KDD 2017): `t` = the `level` quantile,
/// a GPD fitted to the excesses over `t` ([`fit_gpd`]), and
/// `z_q = t + σ/γ · ((q n / N_t)^(−γ) − 1)` (`t − σ ln(q n / N_t)` for γ = 0), the score
/// exceeded with probability `q` under the fitted tail.
///
/// # Errors
///
/// [`ThresholdError::InvalidParameter`] when `q` or `level` is not in (0, 1) or `q` is not
/// below the excess rate `N_t / n`; [`ThresholdError::GpdFit`] when the tail cannot be
/// fitted; and the input errors of [`ThresholdMethod::fit`](super::ThresholdMethod::fit).
pub fn pot(train: &[f64], q: f64, level: f64) -> Result<PotFit, ThresholdError> {
    check_scores(train)?;
    if !(level > 0.0 && level < 1.0) {
        return Err(invalid("level", format!("{level} is not in (0, 1)")));
    }
    let initial = quantile(&sorted(train), level);
    let excesses: Vec<f64> = train.iter().filter(|&&x| x > initial).map(|&x| x - initial).collect();
    fit_from(initial, &excesses, train.len(), q)
}

fn fit_from(initial: f64, excesses: &[f64], n: usize, q: f64) -> Result<PotFit, ThresholdError> {
    if !(q > 0.0 && q < 1.0) {
        return Err(invalid("q", format!("{q} is not in (0, 1)")));
    }
    let gpd = fit_gpd(excesses)?;
    let r = q * n as f64 / excesses.len() as f64;
    if r >= 1.0 {
        let reason =
            format!("{q} is not below the excess rate {}", excesses.len() as f64 / n as f64);
        return Err(invalid("q", reason));
    }
    let threshold = if gpd.shape == 0.0 {
        initial - gpd.scale * r.ln()
    } else {
        initial + gpd.scale / gpd.shape * (r.powf(-gpd.shape) - 1.0)
    };
    Ok(PotFit { threshold, initial, gpd, excesses: excesses.len() })
}

/// The result of [`spot`]: the threshold in force when each test score arrived, and
/// whether it raised an alarm (`score > threshold`).
#[derive(Debug, Clone, PartialEq)]
pub struct Spot {
    /// One threshold per test score.
    pub thresholds: Vec<f64>,
    /// One alarm flag per test score.
    pub alarms: Vec<bool>,
}

/// Streaming POT (SPOT, Siffer et al., KDD 2017, Algorithm 1): calibrate [`pot`] on `train`,
/// then walk the test scores in order; a score above the current threshold is an alarm and
/// is not learned from; a score above the initial threshold `t` is a new excess and the GPD
/// is refitted; every non-alarm counts in `n`.
///
/// `O(m · N_t)` for `m` test scores and `N_t` excesses (one refit per new excess).
///
/// # Errors
///
/// As [`pot`], at calibration or at any refit; a non-finite test score is
/// [`ThresholdError::NonFinite`] with its test index.
pub fn spot(train: &[f64], test: &[f64], q: f64, level: f64) -> Result<Spot, ThresholdError> {
    if let Some(index) = test.iter().position(|s| !s.is_finite()) {
        return Err(ThresholdError::NonFinite { index });
    }
    let fit = pot(train, q, level)?;
    let initial = fit.initial;
    let mut excesses: Vec<f64> =
        train.iter().filter(|&&x| x > initial).map(|&x| x - initial).collect();
    let mut n = train.len();
    let mut z = fit.threshold;
    let mut thresholds = Vec::with_capacity(test.len());
    let mut alarms = Vec::with_capacity(test.len());
    for &x in test {
        thresholds.push(z);
        let alarm = x > z;
        alarms.push(alarm);
        if alarm {
            continue;
        }
        n += 1;
        if x > initial {
            excesses.push(x - initial);
            z = fit_from(initial, &excesses, n, q)?.threshold;
        }
    }
    Ok(Spot { thresholds, alarms })
}
