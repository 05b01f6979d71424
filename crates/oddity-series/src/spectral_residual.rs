//! Spectral Residual (Ren et al., "Time-Series Anomaly Detection Service at Microsoft",
//! KDD 2019) as TSB-AD 1.5 runs it (`TSB_AD/models/SR.py`, `run_SR`).

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    SavedDetector,
};
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// The length of the moving average over the log-amplitude spectrum (TSB-AD's `window_amp`).
const AVERAGE_LEN: usize = 100;

/// Parameters of the `spectral_residual` detector ([`SpectralResidualValidParams`] once
/// checked). TSB-AD's SR has no parameter that changes its scores (its `periodicity` picks
/// a window that `SR` never reads), so there is none here either.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SpectralResidualParams(SpectralResidualValidParams);

impl DetectorParams for SpectralResidualParams {
    const NAME: &'static str = "spectral_residual";
    const SUMMARY: &'static str = "Spectral Residual (Ren et al. 2019) as TSB-AD's SR: |ifft(exp(log|F| - moving average + i·phase))| of the min-max scaled series";
    type Valid = SpectralResidualValidParams;
    type Fitted = FittedSpectralResidual;
    type Error = std::convert::Infallible;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![]
    }

    fn from_params(_: &Params) -> Result<Self, Error> {
        Ok(Self::default())
    }

    fn check(self) -> Result<SpectralResidualValidParams, Self::Error> {
        Ok(self.0)
    }
}

/// Spectral Residual: the series is scaled to `[0, 1]` (min-max), its discrete Fourier
/// transform `F` split into log amplitude and phase, the log amplitude's moving average
/// (100 terms) subtracted, and the time step scored by the magnitude of the inverse
/// transform of `exp(residual + i·phase)`: the saliency map of Ren et al.
///
/// Reproduces TSB-AD 1.5's `SR(X, window_size)` with its quirks: the moving average runs over
/// the first half of the spectrum (without the constant term) padded on the left with 49
/// copies of the *scaled series'* first value and on the right with 50 copies of its last
/// value (TSB-AD pads with `X[0]` and `X[-1]`, not spectrum values), and is mirrored onto the
/// second half. A detector of one series: it scores whatever series it is given, so fitting
/// learns nothing. FFTs by `rustfft` instead of numpy's pocketfft: scores agree to about
/// 1e-12 relative (see the crate's fixture tests).
///
/// Errors: more than one feature ([`Error::ShapeMismatch`]), fewer than 2 time steps, a
/// constant series (TSB-AD divides by zero) or a frequency of exactly zero amplitude (TSB-AD
/// takes `log(0)` and returns NaN everywhere) give [`Error::Fit`].
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SpectralResidualValidParams {}

impl Detector for SpectralResidualValidParams {
    fn name(&self) -> &str {
        SpectralResidualParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        univariate(train, SpectralResidualParams::NAME)?;
        Ok(Box::new(FittedSpectralResidual { params: *self }))
    }
}

/// A fitted [`SpectralResidualValidParams`]: nothing is learnt, every series is scored on
/// its own spectrum.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedSpectralResidual {
    /// The parameters it was fitted with.
    pub params: SpectralResidualValidParams,
}

impl SavedDetector for FittedSpectralResidual {
    const TAG: &'static str = "spectral_residual";

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        oddity_core::state::decode_tagged(bytes, Self::TAG)
    }
}

impl FittedDetector for FittedSpectralResidual {
    fn save(&self) -> Result<Vec<u8>, Error> {
        oddity_core::state::encode_tagged(Self::TAG, self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        let series = univariate(data, SpectralResidualParams::NAME)?;
        Ok(Array1::from(saliency(&series)?))
    }
}

/// The values of the one feature of `data`, after checking that `data` has exactly one
/// feature (a [`Error::ShapeMismatch`] naming `detector` otherwise), at least one row and
/// only finite values.
pub(crate) fn univariate(data: &Dataset, detector: &str) -> Result<Vec<f64>, Error> {
    if data.n_features() > 1 {
        return Err(Error::ShapeMismatch {
            what: format!("feature columns: `{detector}` scores a univariate series"),
            expected: 1,
            got: data.n_features(),
        });
    }
    data.check_finite()?;
    Ok(data.features.column(0).to_vec())
}

/// `(x − min) / (max − min)` element-wise, as numpy evaluates it; a constant series is an
/// [`Error::Fit`] naming `detector` (TSB-AD divides by zero there).
pub(crate) fn min_max_scaled(x: &[f64], detector: &str) -> Result<Vec<f64>, Error> {
    let (lo, hi) =
        x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if hi <= lo {
        return Err(Error::Fit(format!(
            "`{detector}` scales the series by its range, and this series is constant"
        )));
    }
    let range = hi - lo;
    Ok(x.iter().map(|v| (v - lo) / range).collect())
}

/// TSB-AD's `SR(x)`: the spectral-residual saliency of every time step (see
/// [`SpectralResidualValidParams`]).
fn saliency(x: &[f64]) -> Result<Vec<f64>, Error> {
    let n = x.len();
    if n < 2 {
        return Err(Error::Fit(format!(
            "`spectral_residual` needs a series of at least 2 steps, got {n}"
        )));
    }
    let scaled = min_max_scaled(x, SpectralResidualParams::NAME)?;
    let mut planner = FftPlanner::<f64>::new();
    let mut spectrum: Vec<Complex<f64>> = scaled.iter().map(|&v| Complex::new(v, 0.0)).collect();
    planner.plan_fft_forward(n).process(&mut spectrum);

    let mut amp = Vec::with_capacity(n);
    for (k, c) in spectrum.iter().enumerate() {
        let a = c.re.hypot(c.im);
        if a == 0.0 {
            return Err(Error::Fit(format!(
                "`spectral_residual`: frequency {k} of the series has zero amplitude, whose \
                 logarithm is undefined (TSB-AD's SR returns NaN)"
            )));
        }
        amp.push(a);
    }

    // The first half of the symmetric frequencies' log amplitudes, padded with the scaled
    // series' end values (TSB-AD's `padded_freq`), averaged over 100 terms ('valid'
    // convolution).
    let half = n / 2;
    let pad_left = (AVERAGE_LEN - 1) / 2;
    let pad_right = AVERAGE_LEN - pad_left - 1;
    let weight = 1.0 / AVERAGE_LEN as f64;
    let padded: Vec<f64> = std::iter::repeat(scaled[0])
        .take(pad_left)
        .chain(amp[1..=half].iter().map(|a| a.ln()))
        .chain(std::iter::repeat(scaled[n - 1]).take(pad_right))
        .map(|v| v * weight)
        .collect();
    let average: Vec<f64> =
        padded.windows(AVERAGE_LEN).map(oddity_core::stats::pairwise_sum).collect();

    // The moving average of the whole spectrum: the first half averaged, mirrored onto the
    // second half (without its last value when n is even); the constant term is its own
    // average. exp(log|F| − average + i·phase) = F · exp(−average) / 1, so no logarithm,
    // angle or sine of the second half is needed (TSB-AD's formula up to rounding).
    let mirrored = if n % 2 == 0 { &average[..half - 1] } else { &average[..] };
    spectrum[0] /= amp[0];
    for k in 1..n {
        let smooth = if k <= half { average[k - 1] } else { mirrored[n - 1 - k] };
        spectrum[k] *= (-smooth).exp();
    }
    planner.plan_fft_inverse(n).process(&mut spectrum);
    let scale = 1.0 / n as f64;
    let scores: Vec<f64> = spectrum.iter().map(|c| (c.re * scale).hypot(c.im * scale)).collect();
    if let Some(t) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::Fit(format!("`spectral_residual`: non-finite saliency at step {t}")));
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn score(x: Vec<f64>) -> Result<Array1<f64>, Error> {
        let data = Dataset::from_features("s", Array2::from_shape_vec((x.len(), 1), x).unwrap());
        let det = SpectralResidualParams::default().check().unwrap();
        det.fit(&data, &FitContext::new(0))?.score(&data)
    }

    #[test]
    fn oracle_four_steps() {
        // x = (0, 1, 0, 0.5): F = (1.5, -i·0.5, -1.5, i·0.5), log|F| = (ln 1.5, ln .5,
        // ln 1.5, ln .5). Half = 2, padded = 49 × 0, ln .5, ln 1.5, 50 × 0.5 (x[-1] = 0.5):
        // averages a0 = (ln .5 + ln 1.5 + 49·0.5)/100, a1 = (ln .5 + ln 1.5 + 50·0.5)/100.
        let (l5, l15) = (0.5f64.ln(), 1.5f64.ln());
        let a0 = (l5 + l15 + 24.5) / 100.0;
        let a1 = (l5 + l15 + 25.0) / 100.0;
        // n even: mirrored = a[..1] reversed = (a0); spectrum averages (ln 1.5, a0, a1, a0).
        let res = [0.0, l5 - a0, l15 - a1, l5 - a0];
        let phase =
            [0.0, -std::f64::consts::FRAC_PI_2, std::f64::consts::PI, std::f64::consts::FRAC_PI_2];
        let z: Vec<(f64, f64)> =
            res.iter().zip(phase).map(|(r, p)| (r.exp() * p.cos(), r.exp() * p.sin())).collect();
        let want: Vec<f64> = (0..4)
            .map(|t| {
                let (mut re, mut im) = (0.0, 0.0);
                for (k, (zr, zi)) in z.iter().enumerate() {
                    let a = 2.0 * std::f64::consts::PI * (k * t) as f64 / 4.0;
                    re += zr * a.cos() - zi * a.sin();
                    im += zr * a.sin() + zi * a.cos();
                }
                (re / 4.0).hypot(im / 4.0)
            })
            .collect();
        let got = score(vec![0.0, 1.0, 0.0, 0.5]).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-14, "{got} vs {want:?}");
        }
    }

    #[test]
    fn scale_and_shift_do_not_change_scores() {
        let x: Vec<f64> = (0..101).map(|t| ((t * 37 % 17) as f64).sin()).collect();
        let a = score(x.clone()).unwrap();
        let b = score(x.iter().map(|v| 3.0 * v - 7.0).collect()).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() <= 1e-12 * p.abs().max(1.0));
        }
    }

    #[test]
    fn bad_series_are_typed_errors() {
        assert!(matches!(score(vec![2.0; 10]), Err(Error::Fit(_))));
        assert!(matches!(score(vec![1.0]), Err(Error::Fit(_))));
        // An exactly periodic series has frequencies of zero amplitude.
        assert!(matches!(score(vec![0.0, 1.0, 0.0, 1.0]), Err(Error::Fit(_))));
        assert!(matches!(score(vec![0.0, f64::NAN, 1.0]), Err(Error::NonFinite { .. })));
        let wide = Dataset::from_features("w", array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]);
        let det = SpectralResidualParams::default().check().unwrap();
        assert!(matches!(det.fit(&wide, &FitContext::new(0)), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<SpectralResidualParams>();
        is_send_sync::<FittedSpectralResidual>();
    }
}
