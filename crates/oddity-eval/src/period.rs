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
    let x = &series[..series.len().min(MAX_LEN)];
    let n = x.len();
    if n < BASE + 3 || x.iter().any(|v| !v.is_finite()) {
        return FALLBACK_PERIOD;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    if c0 == 0.0 {
        return FALLBACK_PERIOD;
    }
    let lags = MAX_LAG.min(n - 1);
    // acf[BASE..=lags], indexed from 0 as TSB-AD's `auto_corr`.
    let acf: Vec<f64> = (BASE..=lags)
        .map(|k| d[..n - k].iter().zip(&d[k..]).map(|(a, b)| a * b).sum::<f64>() / c0)
        .collect();
    let best = (1..acf.len().saturating_sub(1))
        .filter(|&i| acf[i] > acf[i - 1] && acf[i] > acf[i + 1])
        .fold(None, |best: Option<usize>, i| match best {
            Some(b) if acf[b] >= acf[i] => Some(b),
            _ => Some(i),
        });
    match best {
        Some(i) if (3..=300).contains(&i) => i + BASE,
        _ => FALLBACK_PERIOD,
    }
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
