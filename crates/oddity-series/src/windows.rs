//! Sliding windows over one series, their normalisation and the maps from window scores back
//! to time steps, as TSB-AD 1.5 does them; shared by every detector of this crate.
//!
//! The window helpers follow TSB-AD's code: [`sliding_windows`] is its `Window.convert`
//! (`numpy.lib.stride_tricks.sliding_window_view` over the time axis, stride 1),
//! [`znormalize_rows`] / [`znormalize_columns`] its `utils.utility.zscore` (with numpy's
//! summation order and `nan_to_num`), [`pad_centre`] the padding its PyOD-derived models apply
//! to `decision_scores_`, and [`mean_over_covering`] KMeansAD's `_custom_reverse_windowing`.

use ndarray::{Array1, Array2, ArrayView2};
use oddity_core::{stats, Dataset, Error, ParamChoice};

/// The largest `period_rank` TSB-AD's `find_length_rank` knows.
pub const MAX_PERIOD_RANK: usize = 3;

/// How a detector maps the scores of its windows back to time steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PointRule {
    /// The score of the window centred on the step; the first `⌈(w − 1) / 2⌉` steps take
    /// the first window's score and the last `⌊(w − 1) / 2⌋` the last one's (TSB-AD's PyOD
    /// models).
    Centre,
    /// The mean of the scores of every window covering the step (TSB-AD's KMeansAD).
    Mean,
}

impl ParamChoice for PointRule {
    const ALL: &'static [Self] = &[Self::Centre, Self::Mean];
    const NAMES: &'static [&'static str] = &["centre", "mean"];
}

/// How the flattened windows are normalised before the detector sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WindowNorm {
    /// The windows as they are.
    None,
    /// Each window z-normalised on its own (sample standard deviation, ddof 1): TSB-AD's
    /// `zscore(X, axis=1, ddof=1)`.
    Window,
    /// Each window position standardised over all windows (ddof 0): TSB-AD's
    /// `zscore(X, axis=0, ddof=0)`, what its LOF and IForest do on a univariate series.
    Column,
}

impl ParamChoice for WindowNorm {
    const ALL: &'static [Self] = &[Self::None, Self::Window, Self::Column];
    const NAMES: &'static [&'static str] = &["none", "window", "column"];
}

impl WindowNorm {
    /// Applies the normalisation to the windows `x` (one per row) in place.
    pub fn apply(self, x: &mut Array2<f64>) {
        match self {
            Self::None => {}
            Self::Window => znormalize_rows(x, 1),
            Self::Column => znormalize_columns(x, 0),
        }
    }
}

/// The window length TSB-AD's `find_length_rank(series, rank)` chooses for `data`: the
/// autocorrelation period ([`oddity_eval::estimate_period_rank`]) of its first feature
/// (TSB-AD itself accepts only univariate series here).
pub fn period_window(data: &Dataset, rank: usize) -> usize {
    let first: Vec<f64> = data.features.column(0).to_vec();
    oddity_eval::estimate_period_rank(&first, rank)
}

/// Checks that `data` can be cut into windows of `window` steps: at least one feature, at
/// least `window` rows (and 2 windows), every value finite.
pub fn check_series(data: &Dataset, window: usize) -> Result<(), Error> {
    data.check_finite()?;
    if data.n_features() == 0 {
        return Err(Error::EmptyData(format!("series `{}` has no feature", data.name)));
    }
    if window == 0 {
        return Err(Error::InvalidParameter {
            name: "window".into(),
            reason: "must be at least 1, got 0".into(),
        });
    }
    if data.n_rows() <= window {
        return Err(Error::Fit(format!(
            "a window of {window} steps needs a series of more than {window} steps, got {}",
            data.n_rows()
        )));
    }
    Ok(())
}

/// The stride-1 windows of `window` rows of `x` (time steps × features), one per row,
/// flattened as TSB-AD's `Window.convert`: feature-major, so row `i` holds feature 0 at steps
/// `i..i + window`, then feature 1 at the same steps, … An empty matrix (0 rows) when `x` is
/// shorter than the window.
pub fn sliding_windows(x: ArrayView2<'_, f64>, window: usize) -> Array2<f64> {
    let (n, d) = x.dim();
    let m = (n + 1).saturating_sub(window);
    Array2::from_shape_fn((m, d * window), |(i, j)| x[[i + j % window, j / window]])
}

/// numpy's `nan_to_num`: NaN → 0, ±∞ → the largest finite value of that sign.
fn nan_to_num(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if v.is_infinite() {
        f64::MAX.copysign(v)
    } else {
        v
    }
}

/// Z-normalises every row of `x` in place as TSB-AD's `zscore(x, axis=1, ddof)`: mean and
/// standard deviation of the row with numpy's pairwise sums, then `nan_to_num` (a constant
/// row becomes zeros).
pub fn znormalize_rows(x: &mut Array2<f64>, ddof: usize) {
    let d = x.ncols();
    let mut dev = vec![0.0; d];
    for mut row in x.rows_mut() {
        let values = row.as_slice().map(<[f64]>::to_vec).unwrap_or_else(|| row.to_vec());
        let mean = stats::pairwise_sum(&values) / d as f64;
        for (t, v) in dev.iter_mut().zip(&values) {
            let c = v - mean;
            *t = c * c;
        }
        let std = (stats::pairwise_sum(&dev) / (d as f64 - ddof as f64)).sqrt();
        for (r, v) in row.iter_mut().zip(&values) {
            *r = nan_to_num((v - mean) / std);
        }
    }
}

/// Standardises every column of `x` in place as TSB-AD's `zscore(x, axis=0, ddof)`: mean and
/// standard deviation over the rows with numpy's sequential axis-0 sums, then `nan_to_num`.
pub fn znormalize_columns(x: &mut Array2<f64>, ddof: usize) {
    let (mean, std): (Vec<f64>, Vec<f64>) = x
        .columns()
        .into_iter()
        .map(|col| {
            let m = stats::mean(col);
            (m, stats::std(col, m, ddof))
        })
        .unzip();
    standardize_columns(x, &mean, &std);
}

/// `(x − mean) / std` per column, then `nan_to_num`, with given column statistics (those of
/// the training windows when scoring new data).
pub fn standardize_columns(x: &mut Array2<f64>, mean: &[f64], std: &[f64]) {
    for ((mut col, &m), &s) in x.columns_mut().into_iter().zip(mean).zip(std) {
        col.mapv_inplace(|v| nan_to_num((v - m) / s));
    }
}

/// Min-max scales every row of `x` to [0, 1] in place, as scikit-learn's
/// `MinMaxScaler().fit_transform(x.T).T` (TSB-AD's OCSVM on its training windows):
/// `v · s + (0 − min · s)` with `s = 1 / (max − min)`, or `s = 1` for a row whose range is
/// below `10 ε` (scikit-learn's `_handle_zeros_in_scale`).
pub fn minmax_rows(x: &mut Array2<f64>) {
    for mut row in x.rows_mut() {
        let (lo, hi) =
            row.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let range = hi - lo;
        let scale = if range < 10.0 * f64::EPSILON { 1.0 } else { 1.0 / range };
        let min = 0.0 - lo * scale;
        row.mapv_inplace(|v| v * scale + min);
    }
}

/// Scores of `n` time steps from the scores of their `n − w + 1` stride-1 windows, each
/// written at its window's centre: the first `⌈(w − 1) / 2⌉` steps repeat the first score and
/// the last `⌊(w − 1) / 2⌋` the last one (TSB-AD's padding of `decision_scores_`). `scores`
/// must not be empty and not longer than `n`.
pub fn pad_centre(scores: &[f64], n: usize) -> Array1<f64> {
    let w = n + 1 - scores.len();
    let front = w / 2;
    let (first, last) = (scores[0], scores[scores.len() - 1]);
    let mut out = Vec::with_capacity(n);
    out.extend(std::iter::repeat(first).take(front));
    out.extend_from_slice(scores);
    out.resize(n, last);
    Array1::from(out)
}

/// Scores of the `scores.len() + window − 1` time steps covered by stride-1 windows of
/// `window` steps: the mean of the scores of the windows covering each step (numpy's pairwise
/// sum over them, divided by their count), as TSB-AD's KMeansAD `_custom_reverse_windowing`.
pub fn mean_over_covering(scores: &[f64], window: usize) -> Array1<f64> {
    let m = scores.len();
    let n = m + window - 1;
    (0..n)
        .map(|t| {
            let lo = (t + 1).saturating_sub(window);
            let hi = t.min(m - 1);
            stats::pairwise_sum(&scores[lo..=hi]) / (hi + 1 - lo) as f64
        })
        .collect()
}

/// Maps window scores to time steps with `rule` (see [`PointRule`]); `n` is the number of
/// steps, `scores.len() = n − window + 1`.
pub fn to_points(rule: PointRule, scores: &[f64], window: usize) -> Array1<f64> {
    match rule {
        PointRule::Centre => pad_centre(scores, scores.len() + window - 1),
        PointRule::Mean => mean_over_covering(scores, window),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn minmax_rows_by_hand() {
        let mut x = array![[1.0, 3.0, 2.0], [-2.0, -2.0, -2.0], [0.5, -0.5, 0.0]];
        minmax_rows(&mut x);
        assert_eq!(x, array![[0.0, 1.0, 0.5], [0.0, 0.0, 0.0], [1.0, 0.0, 0.5]]);
    }

    #[test]
    fn windows_are_feature_major() {
        let x = array![[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]];
        let w = sliding_windows(x.view(), 2);
        assert_eq!(w, array![[1.0, 2.0, 10.0, 20.0], [2.0, 3.0, 20.0, 30.0]]);
        assert_eq!(sliding_windows(x.view(), 4).nrows(), 0);
    }

    #[test]
    fn centre_padding_puts_the_odd_step_in_front() {
        // n = 6, w = 4: ⌈3/2⌉ = 2 in front, 1 behind.
        assert_eq!(pad_centre(&[1.0, 2.0, 3.0], 6).to_vec(), vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0]);
        // w = 3: one each side.
        assert_eq!(pad_centre(&[1.0, 2.0, 3.0], 5).to_vec(), vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        assert_eq!(pad_centre(&[4.0], 1).to_vec(), vec![4.0]);
    }

    #[test]
    fn covering_mean_by_hand() {
        // Windows of 2 over 4 steps: step 0 ← {0}, 1 ← {0, 1}, 2 ← {1, 2}, 3 ← {2}.
        let p = mean_over_covering(&[1.0, 3.0, 8.0], 2);
        assert_eq!(p.to_vec(), vec![1.0, 2.0, 5.5, 8.0]);
        assert_eq!(
            to_points(PointRule::Centre, &[1.0, 3.0, 8.0], 2).to_vec(),
            vec![1.0, 1.0, 3.0, 8.0]
        );
    }

    #[test]
    fn constant_rows_and_columns_become_zeros() {
        let mut x = array![[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]];
        znormalize_rows(&mut x, 1);
        assert_eq!(x.row(0).to_vec(), vec![0.0; 3]);
        assert_eq!(x.row(1).to_vec(), vec![-1.0, 0.0, 1.0]);
        let mut y = array![[5.0, 1.0], [5.0, 3.0]];
        znormalize_columns(&mut y, 0);
        assert_eq!(y, array![[0.0, -1.0], [0.0, 1.0]]);
    }

    #[test]
    fn short_or_bad_series_are_errors() {
        let d = Dataset::from_features("s", array![[1.0], [2.0], [3.0]]);
        assert!(matches!(check_series(&d, 3), Err(Error::Fit(_))));
        assert!(check_series(&d, 2).is_ok());
        assert!(matches!(check_series(&d, 0), Err(Error::InvalidParameter { .. })));
        let nan = Dataset::from_features("s", array![[1.0], [f64::NAN], [3.0]]);
        assert!(matches!(check_series(&nan, 2), Err(Error::NonFinite { .. })));
    }
}
