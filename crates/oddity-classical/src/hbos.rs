//! HBOS: histogram-based outlier score (Goldstein & Dengel, "Histogram-based Outlier Score
//! (HBOS): A fast Unsupervised Anomaly Detection Algorithm", KI-2012 poster and demo track).

use ndarray::{Array1, Axis};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

/// Parameters of the `hbos` detector ([`HbosValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HbosParams(HbosValidParams);

impl Default for HbosParams {
    fn default() -> Self {
        Self(HbosValidParams { bins: 10, alpha: 0.1, tol: 0.5 })
    }
}

impl HbosParams {
    /// Number of equal-width bins per feature (at least 2).
    pub fn bins(mut self, bins: usize) -> Self {
        self.0.bins = bins;
        self
    }

    /// Added to each density before the logarithm (finite, positive).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// How far outside the training range, in bin widths, a value still counts as in the nearest
    /// edge bin (finite, non-negative).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
}

/// A rejected [`HbosParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HbosParamsError {
    /// Occurs when `bins` is below 2.
    #[error("parameter `bins`: must be at least 2, got {0}")]
    Bins(usize),
    /// Occurs when `alpha` is not finite and positive (NaN included).
    #[error("parameter `alpha`: must be finite and positive, got {0}")]
    Alpha(f64),
    /// Occurs when `tol` is not finite and non-negative (NaN included).
    #[error("parameter `tol`: must be finite and non-negative, got {0}")]
    Tol(f64),
}

impl ParamsError for HbosParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Bins(_) => "bins",
            Self::Alpha(_) => "alpha",
            Self::Tol(_) => "tol",
        }
    }
}

impl DetectorParams for HbosParams {
    const NAME: &'static str = "hbos";
    const SUMMARY: &'static str = "HBOS: -sum_j log2(density + alpha) of per-feature equal-width train histograms (PyOD binning)";
    type Valid = HbosValidParams;
    type Fitted = FittedHbos;
    type Error = HbosParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("bins", self.0.bins, "equal-width bins per feature (>= 2)"),
            ParamSpec::float("alpha", self.0.alpha, "added to each density before log2 (> 0)"),
            ParamSpec::float(
                "tol",
                self.0.tol,
                "values within tol bin widths outside the train range use the edge bin (>= 0)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().bins(p.usize("bins")?).alpha(p.float("alpha")?).tol(p.float("tol")?))
    }

    fn check(self) -> Result<HbosValidParams, HbosParamsError> {
        let p = &self.0;
        if p.bins < 2 {
            return Err(HbosParamsError::Bins(p.bins));
        }
        if !(p.alpha.is_finite() && p.alpha > 0.0) {
            return Err(HbosParamsError::Alpha(p.alpha));
        }
        if !(p.tol.is_finite() && p.tol >= 0.0) {
            return Err(HbosParamsError::Tol(p.tol));
        }
        Ok(self.0)
    }
}

/// HBOS: one equal-width histogram per feature, fit on the training part; a row scores
/// `−Σ_j log2(density_j(bin of x_j) + alpha)`, so rows falling in sparse bins of many
/// features score high. Features are treated as independent.
///
/// Reproduces PyOD 3.6.7 `HBOS(n_bins, alpha, tol)`: edges and densities as
/// `numpy.histogram(col, bins, density=True)` (edges `min + i·((max − min)/bins)`, last edge
/// `max`; a constant column gets the range `min ± 0.5`; counting uses `[e_k, e_{k+1})` with the
/// last bin closed). Scoring looks bins up right-closed, as `numpy.digitize(v, edges,
/// right=True)`: `e_{b−1} < v ≤ e_b`. A value at or below the first edge (or above the last)
/// uses the first (last) bin when it lies within `tol` bin widths of it, and otherwise the
/// lowest `log2(density + alpha)` of the feature. Per-row sums follow numpy's pairwise
/// summation, so scores equal PyOD's to rounding given bit-identical input.
/// Reference: M. Goldstein, A. Dengel, "Histogram-based Outlier Score (HBOS): A fast
/// Unsupervised Anomaly Detection Algorithm", KI-2012.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HbosValidParams {
    bins: usize,
    alpha: f64,
    tol: f64,
}

impl HbosValidParams {
    /// Number of equal-width bins per feature.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Added to each density before the logarithm.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// How far outside the training range, in bin widths, a value uses the edge bin.
    pub fn tol(&self) -> f64 {
        self.tol
    }
}

impl Detector for HbosValidParams {
    fn name(&self) -> &str {
        HbosParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let n = train.n_rows() as f64;
        let features = train
            .features
            .axis_iter(Axis(1))
            .map(|col| {
                let edges = histogram_edges(col.iter().copied(), self.bins);
                let mut counts = vec![0usize; self.bins];
                for &v in col {
                    // `[e_k, e_{k+1})`, the last bin closed: numpy's counting rule.
                    let k = edges.partition_point(|&e| e <= v).saturating_sub(1);
                    counts[k.min(self.bins - 1)] += 1;
                }
                let density: Vec<f64> = counts
                    .iter()
                    .zip(edges.windows(2))
                    .map(|(&c, w)| c as f64 / (w[1] - w[0]) / n)
                    .collect();
                let log_density: Vec<f64> =
                    density.iter().map(|d| (d + self.alpha).log2()).collect();
                let lowest = log_density.iter().copied().fold(f64::INFINITY, f64::min);
                FeatureHistogram { edges, density, log_density, lowest }
            })
            .collect();
        Ok(Box::new(FittedHbos { features, tol: self.tol }))
    }
}

/// `numpy.histogram`'s equal-width edges of `values` (finite, non-empty) with `bins` bins.
fn histogram_edges(values: impl Iterator<Item = f64>, bins: usize) -> Vec<f64> {
    let (mut lo, mut hi) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    // numpy.linspace: step = (stop − start) / div, edge_i = i·step + start, last = stop.
    let step = (hi - lo) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + lo).collect();
    edges[bins] = hi;
    edges
}

/// The histogram of one training feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureHistogram {
    /// `bins + 1` ascending edges.
    pub edges: Vec<f64>,
    /// Density of each bin: `count / width / n_train`.
    pub density: Vec<f64>,
    /// `log2(density + alpha)` of each bin.
    pub log_density: Vec<f64>,
    /// The smallest `log_density` (used for values far outside the range).
    pub lowest: f64,
}

impl FeatureHistogram {
    /// `log2(density + alpha)` of the bin `v` falls in under PyOD's scoring rule.
    fn log_density_at(&self, v: f64, tol: f64) -> f64 {
        let bins = self.log_density.len();
        // numpy.digitize(right=True): the number of edges strictly below v.
        let b = self.edges.partition_point(|&e| e < v);
        if b == 0 {
            let dist = self.edges[0] - v;
            let width = self.edges[1] - self.edges[0];
            if dist <= width * tol {
                self.log_density[0]
            } else {
                self.lowest
            }
        } else if b == bins + 1 {
            let dist = v - self.edges[bins];
            let width = self.edges[bins] - self.edges[bins - 1];
            if dist <= width * tol {
                self.log_density[bins - 1]
            } else {
                self.lowest
            }
        } else {
            self.log_density[b - 1]
        }
    }
}

/// A fitted [`HbosValidParams`]: one histogram per feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedHbos {
    /// Per-feature histograms, in feature order.
    pub features: Vec<FeatureHistogram>,
    /// The out-of-range tolerance in bin widths.
    pub tol: f64,
}

crate::saved!(FittedHbos, "hbos");

impl FittedDetector for FittedHbos {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.features.len())?;
        let mut terms = vec![0.0; self.features.len()];
        Ok(data
            .features
            .axis_iter(Axis(0))
            .map(|row| {
                for ((t, &v), h) in terms.iter_mut().zip(row).zip(&self.features) {
                    *t = h.log_density_at(v, self.tol);
                }
                -stats::pairwise_sum(&terms)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn bins_must_be_at_least_two() {
        let err = HbosParams::default().bins(1).check().unwrap_err();
        assert_eq!(err, HbosParamsError::Bins(1));
        assert_eq!(err.to_string(), "parameter `bins`: must be at least 2, got 1");
    }

    #[test]
    fn alpha_must_be_finite_and_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = HbosParams::default().alpha(bad).check().unwrap_err();
            assert!(matches!(err, HbosParamsError::Alpha(_)), "{err}");
            assert_eq!(err.param(), "alpha");
        }
    }

    #[test]
    fn tol_must_be_finite_and_non_negative() {
        for bad in [-0.5, f64::NAN, f64::INFINITY] {
            let err = HbosParams::default().tol(bad).check().unwrap_err();
            assert!(matches!(err, HbosParamsError::Tol(_)), "{err}");
            assert_eq!(err.param(), "tol");
        }
        assert!(HbosParams::default().tol(0.0).check().is_ok());
    }

    #[test]
    fn oracle_hand_computed() {
        // One feature, train (0, 1, 2, 2, 4), 2 bins: edges (0, 2, 4), counts [0,2) = 2 and
        // [2,4] = 3, densities 2/2/5 = 0.2 and 3/2/5 = 0.3; alpha = 0.5, tol = 0.5.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0], [2.0], [4.0]]);
        let f = HbosParams::default()
            .bins(2)
            .alpha(0.5)
            .tol(0.5)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f
            .score(&Dataset::from_features("s", array![[2.0], [3.0], [-1.0], [-1.5], [5.0], [9.0]]))
            .unwrap();
        let (lo, hi) = ((0.2f64 + 0.5).log2(), (0.3f64 + 0.5).log2());
        // 2.0 sits on the inner edge: right-closed lookup puts it in the first bin.
        assert_eq!(s[0], -lo);
        assert_eq!(s[1], -hi);
        // -1 is one bin width × 0.5 below the range: first bin; -1.5 is further: lowest.
        assert_eq!(s[2], -lo);
        assert_eq!(s[3], -lo.min(hi));
        // 5 is 0.5 widths above: last bin; 9 is far: lowest.
        assert_eq!(s[4], -hi);
        assert_eq!(s[5], -lo.min(hi));
    }

    #[test]
    fn two_features_add_up() {
        let train = Dataset::from_features("t", array![[0.0, 5.0], [1.0, 5.0], [3.0, 5.0]]);
        let f = HbosParams::default()
            .bins(3)
            .alpha(0.1)
            .tol(0.0)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[0.5, 5.0]])).unwrap();
        // Feature a: edges (0, 1, 2, 3), counts (1, 1, 1), density 1/3 each; 0.5 → bin 0.
        // Feature b (constant): range 4.5..5.5, width 1/3, counts (0, 3, 0), density 3.
        let want = -((1.0f64 / 3.0 + 0.1).log2() + (3.0f64 + 0.1).log2());
        assert!((s[0] - want).abs() < 1e-14, "{s}");
    }

    #[test]
    fn numpy_edges_and_pairwise_sum() {
        assert_eq!(histogram_edges([0.0, 1.0].into_iter(), 10)[3], 3.0 * 0.1);
        assert_eq!(histogram_edges([2.0, 2.0].into_iter(), 2), vec![1.5, 2.0, 2.5]);
        let a: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(stats::pairwise_sum(&a), 66.0);
        assert_eq!(stats::pairwise_sum(&a[..3]), 6.0);
        let b: Vec<f64> = (0..300).map(f64::from).collect();
        assert_eq!(stats::pairwise_sum(&b), 44850.0);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        for (bins, alpha, tol) in
            [(1, 0.1, 0.5), (10, 0.0, 0.5), (10, 0.1, -1.0), (10, f64::NAN, 0.5)]
        {
            assert!(HbosParams::default().bins(bins).alpha(alpha).tol(tol).check().is_err());
        }
        let empty = Dataset::from_features("t", Array2::zeros((0, 1)));
        assert!(matches!(
            HbosParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let nan = Dataset::from_features("t", array![[f64::NAN]]);
        assert!(matches!(
            HbosParams::default().check().unwrap().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        let f = HbosParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
        let s = f.score(&Dataset::from_features("s", array![[1e300], [-1e300]])).unwrap();
        assert!(s.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<HbosParams>();
        is_send_sync::<HbosValidParams>();
        is_send_sync::<FittedHbos>();
    }
}
