//! The dominant period of a series from its autocorrelation, as TSB-AD's benchmark chooses
//! the VUS buffer length (`find_length_rank(data, rank = 1)` in `TSB_AD/utils/slidingWindows.py`).

/// Lags below this are never a period (TSB-AD's `base`).
const BASE: usize = 3;
/// Largest lag examined.
const MAX_LAG: usize = 400;
/// Only the first values of a long series are used.
const MAX_LEN: usize = 20_000;
/// The answer when no period is found, or the one found is implausible.
pub const FALLBACK_PERIOD: usize = 125;

/// The dominant period of `series`: among the local maxima of the sample autocorrelation at
/// lags 3 to 400 (of the first 20 000 values), the lag with the highest autocorrelation.
///
/// Follows TSB-AD's `find_length_rank(data, rank = 1)`: the autocorrelation is statsmodels'
/// `acf` (mean removed, `Σ d_t d_{t+k} / Σ d_t²`), a local maximum is strictly greater than
/// both neighbours (`scipy.signal.argrelextrema(.., np.greater)`), and the result is
/// [`FALLBACK_PERIOD`] (125) when there is no local maximum or the best one lies outside lags
/// 6 to 303. A constant or too short series gives the fallback too. `O(400 · n)`.
///
/// # Example
///
/// ```
/// use oddity_eval::estimate_period;
/// let series: Vec<f64> =
///     (0..2000).map(|t| (2.0 * std::f64::consts::PI * t as f64 / 48.0).sin()).collect();
/// assert_eq!(estimate_period(&series), 48);
/// assert_eq!(estimate_period(&[1.0; 500]), 125);
/// ```
pub fn estimate_period(series: &[f64]) -> usize {
    estimate_period_rank(series, 1)
}

/// The period of `series` chosen as TSB-AD's `find_length_rank(data, rank)` chooses it:
/// rank 1 is [`estimate_period`]; rank 2 is the strongest local maximum of the
/// autocorrelation at a larger lag than the strongest one (the strongest itself when there
/// is none); rank 3 follows TSB-AD's code as written, including its quirks (it indexes the
/// ranking with a position found for rank 2, and gives [`FALLBACK_PERIOD`] where TSB-AD's
/// `try` catches an error). Rank 0 is 1 (no window); ranks above 3 behave as rank 1, as in
/// TSB-AD. Ties between equal autocorrelations go to the smaller lag.
///
/// ```
/// use oddity_eval::estimate_period_rank;
/// // A sum of periods 20 and 50: 20 is the strongest repeat, the next larger lag follows.
/// let series: Vec<f64> = (0..4000)
///     .map(|t| {
///         let t = t as f64;
///         (2.0 * std::f64::consts::PI * t / 20.0).sin()
///             + 0.5 * (2.0 * std::f64::consts::PI * t / 50.0).sin()
///     })
///     .collect();
/// assert_eq!(estimate_period_rank(&series, 0), 1);
/// assert!(estimate_period_rank(&series, 2) > estimate_period_rank(&series, 1));
/// ```
pub fn estimate_period_rank(series: &[f64], rank: usize) -> usize {
    if rank == 0 {
        return 1;
    }
    let Some(acf) = autocorrelation(series) else {
        return FALLBACK_PERIOD;
    };
    // Local maxima of acf (indices into it), strictly above both neighbours.
    let maxima: Vec<usize> = (1..acf.len().saturating_sub(1))
        .filter(|&i| acf[i] > acf[i - 1] && acf[i] > acf[i + 1])
        .collect();
    if maxima.is_empty() {
        return FALLBACK_PERIOD;
    }
    // Positions in `maxima`, strongest first (TSB-AD's `sorted_local_max`).
    let mut order: Vec<usize> = (0..maxima.len()).collect();
    order.sort_by(|&a, &b| acf[maxima[b]].total_cmp(&acf[maxima[a]]).then(a.cmp(&b)));
    let first = order[0];
    let later_than = |from: usize, pivot: usize| order[from..].iter().copied().find(|&i| i > pivot);
    let chosen = match rank {
        2 => Some(later_than(1, first).unwrap_or(first)),
        3 => later_than(1, first).map(|tmp| match order.get(tmp) {
            Some(&pivot) => later_than(tmp, pivot).unwrap_or(first),
            None => first,
        }),
        _ => Some(first),
    };
    match chosen.map(|i| maxima[i]) {
        Some(lag) if (3..=300).contains(&lag) => lag + BASE,
        _ => FALLBACK_PERIOD,
    }
}

/// `Σ aᵢ bᵢ` in four interleaved partial sums, so that the compiler vectorises it (the
/// autocorrelation of a 20 000-step series costs 8·10⁶ products).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The sample autocorrelation at lags `BASE..=400` of the first 20 000 values (statsmodels'
/// `acf`), indexed from 0 as TSB-AD's `auto_corr`; `None` for a series too short, constant
/// or not finite.
fn autocorrelation(series: &[f64]) -> Option<Vec<f64>> {
    let x = &series[..series.len().min(MAX_LEN)];
    let n = x.len();
    if n < BASE + 3 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    if c0 == 0.0 {
        return None;
    }
    let lags = MAX_LAG.min(n - 1);
    Some((BASE..=lags).map(|k| dot(&d[..n - k], &d[k..]) / c0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_period_of_a_noisy_sine() {
        let mut state = 7_u64;
        let mut noise = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for period in [10, 24, 100, 288] {
            let s: Vec<f64> = (0..5000)
                .map(|t| {
                    (2.0 * std::f64::consts::PI * t as f64 / period as f64).sin() + 0.2 * noise()
                })
                .collect();
            assert_eq!(estimate_period(&s), period);
        }
    }

    #[test]
    fn implausible_or_missing_periods_fall_back() {
        // A period of 4 puts the best maximum at lag 4 = index 1 (< 3): fallback.
        let s: Vec<f64> = (0..1000).map(|t| [0.0, 1.0, 0.0, -1.0][t % 4]).collect();
        assert_eq!(estimate_period(&s), FALLBACK_PERIOD);
        // A linear trend has a decreasing autocorrelation: no local maximum.
        let s: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(estimate_period(&s), FALLBACK_PERIOD);
        assert_eq!(estimate_period(&[]), FALLBACK_PERIOD);
        assert_eq!(estimate_period(&[1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0, 6.0]), FALLBACK_PERIOD);
    }
}
