//! Sliding windows, so that any row detector can score sub-sequences (the "Sub-" detectors
//! of TSB-AD): each window of `size` consecutive rows becomes one flattened row, and every
//! time step gets back exactly one score from the windows that cover it.

use ndarray::{Array2, ArrayView2};

use crate::PreprocessError;

/// At most this many training windows are kept (the stride grows to respect it).
pub const MAX_TRAIN_WINDOWS: usize = 5000;

/// How the scores of the windows covering a time step combine into that step's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WindowScore {
    /// The mean over the covering windows (the TSB-AD rule).
    #[default]
    Mean,
    /// The maximum over the covering windows.
    Max,
    /// The score of the window centred on the step, the first and last windows' scores
    /// repeated over the ends (TSB-AD's rule for its `Sub-` detectors: ⌈(W − 1)/2⌉ copies of
    /// the first score before, ⌊(W − 1)/2⌋ copies of the last after).
    Center,
}

impl WindowScore {
    /// The config name: `"mean"`, `"max"` or `"center"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Max => "max",
            Self::Center => "center",
        }
    }

    /// Reads a config name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Mean, Self::Max, Self::Center].into_iter().find(|s| s.as_str() == name)
    }
}

/// How each window is normalised before the detector sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WindowNorm {
    /// As it is.
    #[default]
    None,
    /// Each feature of each window z-normalised on its own (mean 0, population standard
    /// deviation 1; a constant stretch becomes zeros), as TSB-AD's KMeansAD and Matrix
    /// Profile compare shapes.
    ZScore,
}

impl WindowNorm {
    /// The config name: `"none"` or `"zscore"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ZScore => "zscore",
        }
    }

    /// Reads a config name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::None, Self::ZScore].into_iter().find(|s| s.as_str() == name)
    }
}

/// Sliding windows of `size` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Windows {
    /// Rows per window (at least 2).
    pub size: usize,
    /// Stride between training windows; `None` picks `max(1, ⌈(n − size + 1) / 5000⌉)`.
    pub stride: Option<usize>,
    /// How window scores map back to time steps.
    pub score: WindowScore,
    /// How each window is normalised.
    #[cfg_attr(feature = "serde", serde(default))]
    pub norm: WindowNorm,
}

impl Windows {
    /// Checks the values: `size ≥ 2`, `stride ≥ 1`.
    pub fn new(
        size: i64,
        stride: Option<i64>,
        score: WindowScore,
    ) -> Result<Self, PreprocessError> {
        if size < 2 {
            return Err(PreprocessError::BadWindow { field: "window", value: size, min: 2 });
        }
        if let Some(s) = stride.filter(|&s| s < 1) {
            return Err(PreprocessError::BadWindow { field: "stride", value: s, min: 1 });
        }
        Ok(Self {
            size: size as usize,
            stride: stride.map(|s| s as usize),
            score,
            norm: WindowNorm::None,
        })
    }

    /// The same windows, normalised by `norm`.
    pub fn with_norm(mut self, norm: WindowNorm) -> Self {
        self.norm = norm;
        self
    }

    /// The stride used for `n` training rows.
    pub fn train_stride(&self, n: usize) -> usize {
        self.stride
            .unwrap_or_else(|| (n.saturating_sub(self.size) + 1).div_ceil(MAX_TRAIN_WINDOWS).max(1))
    }

    /// The windows of `x` starting every `stride` rows, each flattened time-major into one
    /// row of `size · d` values; `part` names the data in errors.
    pub fn flatten(
        &self,
        x: ArrayView2<'_, f64>,
        stride: usize,
        part: &'static str,
    ) -> Result<Array2<f64>, PreprocessError> {
        let (n, d) = x.dim();
        if n < self.size {
            return Err(PreprocessError::WindowTooLong { size: self.size, rows: n, part });
        }
        // In row-major order a window is one contiguous run of `W · d` values.
        let x = x.as_standard_layout();
        let flat = x.as_slice().expect("standard layout");
        let (w, count) = (self.size, (n - self.size) / stride.max(1) + 1);
        let mut out = Vec::with_capacity(count * w * d);
        for start in (0..=n - w).step_by(stride.max(1)) {
            let window = &flat[start * d..(start + w) * d];
            let at = out.len();
            out.extend_from_slice(window);
            if self.norm == WindowNorm::ZScore {
                z_normalise(&mut out[at..], d);
            }
        }
        Ok(Array2::from_shape_vec((count, w * d), out).expect("count · W · d values"))
    }

    /// Time-step scores from the scores of the stride-1 windows of `n` rows: each step gets
    /// the mean (or max) of the windows covering it.
    pub fn spread(&self, n: usize, window_scores: &[f64]) -> Vec<f64> {
        let w = self.size;
        debug_assert_eq!(window_scores.len(), n + 1 - w);
        let last = n - w; // index of the last window
        let covering = |t: usize| (t.saturating_sub(w - 1))..=t.min(last);
        match self.score {
            WindowScore::Mean => {
                let mut prefix = vec![0.0; window_scores.len() + 1];
                for (i, s) in window_scores.iter().enumerate() {
                    prefix[i + 1] = prefix[i] + s;
                }
                (0..n)
                    .map(|t| {
                        let r = covering(t);
                        let (a, b) = (*r.start(), *r.end());
                        (prefix[b + 1] - prefix[a]) / (b + 1 - a) as f64
                    })
                    .collect()
            }
            WindowScore::Max => (0..n)
                .map(|t| {
                    window_scores[covering(t)].iter().copied().fold(f64::NEG_INFINITY, f64::max)
                })
                .collect(),
            WindowScore::Center => {
                (0..n).map(|t| window_scores[center_window(t, w, last)]).collect()
            }
        }
    }

    /// Time-step scores from per-step window errors: `steps` has one row per stride-1 window
    /// of `n` rows and one column per step of the window (`size` columns), and step `t` gets
    /// the mean (or max) over the windows covering it of that window's error at `t` (the
    /// rule of the PyTorch peer and of TSB-AD's reconstruction models).
    pub fn spread_steps(&self, n: usize, steps: ArrayView2<'_, f64>) -> Vec<f64> {
        let w = self.size;
        debug_assert_eq!(steps.dim(), (n + 1 - w, w));
        let (mut acc, mut count) = match self.score {
            WindowScore::Mean => (vec![0.0; n], vec![0u32; n]),
            WindowScore::Max | WindowScore::Center => (vec![f64::NEG_INFINITY; n], vec![0u32; n]),
        };
        if self.score == WindowScore::Center {
            // Each step takes the error at that step of the window centred on it.
            let last = n - w;
            return (0..n)
                .map(|t| {
                    let i = center_window(t, w, last);
                    steps[[i, t - i]]
                })
                .collect();
        }
        for (i, row) in steps.outer_iter().enumerate() {
            for (k, &e) in row.iter().enumerate() {
                let t = i + k;
                match self.score {
                    WindowScore::Mean => acc[t] += e,
                    WindowScore::Max | WindowScore::Center => acc[t] = acc[t].max(e),
                }
                count[t] += 1;
            }
        }
        if self.score == WindowScore::Mean {
            for (a, &c) in acc.iter_mut().zip(&count) {
                *a /= f64::from(c.max(1));
            }
        }
        acc
    }
}

/// The window whose scores step `t` takes under [`WindowScore::Center`]: the one starting
/// ⌈(W − 1)/2⌉ steps earlier, clamped to the first and the last (`last`) window.
fn center_window(t: usize, w: usize, last: usize) -> usize {
    t.saturating_sub((w - 1).div_ceil(2)).min(last)
}

/// Z-normalises each of the `d` interleaved features of one time-major window in place.
fn z_normalise(window: &mut [f64], d: usize) {
    let w = window.len() / d;
    for j in 0..d {
        let mean = (0..w).map(|t| window[t * d + j]).sum::<f64>() / w as f64;
        let var = (0..w).map(|t| (window[t * d + j] - mean).powi(2)).sum::<f64>() / w as f64;
        let std = var.sqrt();
        for t in 0..w {
            let v = &mut window[t * d + j];
            *v = if std > 0.0 { (*v - mean) / std } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, ShapeBuilder};

    #[test]
    fn flatten_is_time_major() {
        let x = array![[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]];
        let w = Windows::new(2, None, WindowScore::Mean).unwrap();
        assert_eq!(
            w.flatten(x.view(), 1, "test").unwrap(),
            array![[1.0, 10.0, 2.0, 20.0], [2.0, 20.0, 3.0, 30.0], [3.0, 30.0, 4.0, 40.0]]
        );
        assert_eq!(w.flatten(x.view(), 2, "train").unwrap().nrows(), 2);
        // The same matrix stored column-major gives the same windows.
        let mut fortran = Array2::zeros((4, 2).f());
        fortran.assign(&x);
        assert!(!fortran.is_standard_layout());
        assert_eq!(
            w.flatten(fortran.view(), 1, "test").unwrap(),
            w.flatten(x.view(), 1, "test").unwrap()
        );
    }

    #[test]
    fn center_writes_each_window_at_its_centre_and_pads_the_ends() {
        // n = 6, W = 4: three windows; ⌈3/2⌉ = 2 copies of the first before, ⌊3/2⌋ = 1 of
        // the last after (TSB-AD's padding).
        let w = Windows::new(4, None, WindowScore::Center).unwrap();
        assert_eq!(w.spread(6, &[1.0, 2.0, 3.0]), vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0]);
        // Per-step errors: step t takes the error at t of the window centred on it.
        let steps = array![[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0], [5.0, 6.0, 7.0, 8.0]];
        assert_eq!(w.spread_steps(6, steps.view()), vec![1.0, 2.0, 3.0, 30.0, 7.0, 8.0]);
    }

    #[test]
    fn zscore_normalises_each_feature_of_each_window() {
        let x = array![[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]];
        let w = Windows::new(2, None, WindowScore::Mean).unwrap().with_norm(WindowNorm::ZScore);
        // Feature 0: (1, 3) → (−1, 1); feature 1 is constant → zeros.
        assert_eq!(
            w.flatten(x.view(), 1, "test").unwrap(),
            array![[-1.0, 0.0, 1.0, 0.0], [-1.0, 0.0, 1.0, 0.0]]
        );
    }

    #[test]
    fn every_step_gets_the_mean_or_max_of_its_windows() {
        // n = 4, W = 3: windows [0..3) and [1..4) with scores 1 and 3.
        let mean = Windows::new(3, None, WindowScore::Mean).unwrap();
        assert_eq!(mean.spread(4, &[1.0, 3.0]), vec![1.0, 2.0, 2.0, 3.0]);
        let max = Windows::new(3, None, WindowScore::Max).unwrap();
        assert_eq!(max.spread(4, &[1.0, 3.0]), vec![1.0, 3.0, 3.0, 3.0]);
    }

    #[test]
    fn every_step_gets_the_mean_or_max_of_its_windows_errors_at_that_step() {
        // n = 4, W = 3: window 0 covers steps 0..3, window 1 covers steps 1..4.
        let steps = array![[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]];
        let mean = Windows::new(3, None, WindowScore::Mean).unwrap();
        assert_eq!(mean.spread_steps(4, steps.view()), vec![1.0, 6.0, 11.5, 30.0]);
        let max = Windows::new(3, None, WindowScore::Max).unwrap();
        assert_eq!(max.spread_steps(4, steps.view()), vec![1.0, 10.0, 20.0, 30.0]);
    }

    #[test]
    fn training_stride_caps_the_window_count() {
        let w = Windows::new(100, None, WindowScore::Mean).unwrap();
        assert_eq!(w.train_stride(1000), 1);
        assert_eq!(w.train_stride(5099), 1);
        assert_eq!(w.train_stride(5100), 2);
        assert_eq!(w.train_stride(23_793), 5);
        assert_eq!(Windows::new(100, Some(7), WindowScore::Mean).unwrap().train_stride(50_000), 7);
    }

    #[test]
    fn bad_sizes_are_typed_errors() {
        for bad in [-3, 0, 1] {
            assert!(matches!(
                Windows::new(bad, None, WindowScore::Mean),
                Err(PreprocessError::BadWindow { field: "window", .. })
            ));
        }
        assert!(matches!(
            Windows::new(4, Some(0), WindowScore::Mean),
            Err(PreprocessError::BadWindow { field: "stride", .. })
        ));
        let w = Windows::new(5, None, WindowScore::Mean).unwrap();
        assert!(matches!(
            w.flatten(array![[1.0], [2.0]].view(), 1, "test"),
            Err(PreprocessError::WindowTooLong { size: 5, rows: 2, .. })
        ));
    }
}
