//! The PCA detector: principal components of the training rows, with a weighted
//! (Shyu et al.) or PyOD-compatible score.

use ndarray::{Array1, Array2, Axis};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError,
};

use crate::linalg::sym_eigen;

/// Components whose explained-variance ratio `λ_j / Σ λ` is at most this are *null*: the
/// training rows have (numerically) no variance along them. Dividing by their variance would
/// give infinite or meaningless scores (PyOD returns `inf` on such data).
pub const NULL_VARIANCE_RATIO: f64 = 1e-12;

/// How PCA ([`PcaParams::score`]) turns a row into a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PcaScore {
    /// Shyu et al. (2003): `Σ_j y_j² / λ_j` over the kept components, with `y_j` the
    /// projection of the centred row on unit axis `v_j` and `λ_j` its variance (ddof 1): the
    /// squared norm of the whitened projection. With all components kept it is the squared
    /// Mahalanobis distance of the ddof-1 covariance (`(n − 1) / n` times
    /// [`crate::MahalanobisValidParams`]'s, which divides by `n`).
    Weighted,
    /// PyOD's `PCA().decision_function`: `Σ_j ‖x − v_j‖₂ / r_j` over the kept components,
    /// with `r_j` the explained-variance ratio. This is the Euclidean distance between the
    /// row and the unit axis `v_j` *taken as a point*, not a projection: it depends on the
    /// axes' signs (scikit-learn's convention is used: the largest-magnitude entry of each
    /// axis is positive) and is dominated by the smallest-variance components.
    Pyod,
}

impl ParamChoice for PcaScore {
    const ALL: &'static [Self] = &[Self::Weighted, Self::Pyod];
    const NAMES: &'static [&'static str] = &["weighted", "pyod"];
}

/// Parameters of the `pca` detector ([`PcaValidParams`] once checked); the defaults are
/// PyOD's (all components, standardised, no whitening) with the weighted score and null
/// components dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcaParams(PcaValidParams);

impl Default for PcaParams {
    fn default() -> Self {
        Self(PcaValidParams {
            components: None,
            whiten: false,
            score: PcaScore::Weighted,
            standardize: true,
            drop_null: true,
        })
    }
}

impl PcaParams {
    /// Number of leading components kept (≥ 1; its upper bound `min(n, d)` is checked at fit);
    /// `None` (0 in configs) = all.
    pub fn components(mut self, components: Option<usize>) -> Self {
        self.0.components = components;
        self
    }

    /// Accepted for PyOD compatibility; no effect on any score (see [`PcaValidParams`]).
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.0.whiten = whiten;
        self
    }

    /// The scoring rule.
    pub fn score(mut self, score: PcaScore) -> Self {
        self.0.score = score;
        self
    }

    /// Standardise the training rows (and scored rows with the same statistics) first.
    pub fn standardize(mut self, standardize: bool) -> Self {
        self.0.standardize = standardize;
        self
    }

    /// Drop null components instead of failing on them.
    pub fn drop_null(mut self, drop_null: bool) -> Self {
        self.0.drop_null = drop_null;
        self
    }
}

/// A rejected [`PcaParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcaParamsError {
    /// Occurs when `components` is `Some(0)` (all components is `None`).
    #[error("parameter `components`: must be at least 1 (or all), got {0}")]
    Components(usize),
}

impl ParamsError for PcaParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Components(_) => "components",
        }
    }
}

impl DetectorParams for PcaParams {
    const NAME: &'static str = "pca";
    const SUMMARY: &'static str = "PCA on standardised train rows; score=weighted: sum_j y_j^2 / lambda_j (Shyu et al. 2003); score=pyod: PyOD's sum_j ||x - v_j|| / evr_j";
    type Valid = PcaValidParams;
    type Fitted = FittedPca;
    type Error = PcaParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "components",
                self.0.components.unwrap_or(0),
                "leading components kept; 0 = all (min(n, d))",
            ),
            ParamSpec::bool("whiten", self.0.whiten, "accepted for PyOD compatibility; changes no score"),
            ParamSpec::choice(
                "score",
                self.0.score,
                "weighted: sum of squared projections / variance; pyod: PyOD's decision_function",
            ),
            ParamSpec::bool(
                "standardize",
                self.0.standardize,
                "standardise with train mean / population std first (PyOD's default)",
            ),
            ParamSpec::bool(
                "drop_null",
                self.0.drop_null,
                "drop components with explained-variance ratio <= 1e-12; false: such components are a fit error",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .components(components(p)?)
            .whiten(p.bool("whiten")?)
            .score(p.choice("score")?)
            .standardize(p.bool("standardize")?)
            .drop_null(p.bool("drop_null")?))
    }

    fn check(self) -> Result<PcaValidParams, PcaParamsError> {
        let p = &self.0;
        if p.components == Some(0) {
            return Err(PcaParamsError::Components(0));
        }
        Ok(self.0)
    }
}

/// The `components` config value: a count, 0 = all.
fn components(p: &Params) -> Result<Option<usize>, Error> {
    let components = p.usize("components")?;
    Ok((components > 0).then_some(components))
}

/// Principal component analysis as an outlier detector.
///
/// Fitting (as PyOD's `PCA` with scikit-learn's `covariance_eigh` solver): the training rows
/// are standardised (`standardize`, PyOD's default: train mean and population std, a
/// constant column is scaled by 1), then the covariance (ddof 1) of the standardised rows is
/// decomposed with this crate's own symmetric eigensolver (cyclic Jacobi); eigenvalues are
/// sorted in decreasing order and negative rounding noise is clipped to 0. The first
/// `components` axes are kept (`None` = all `min(n, d)`, PyOD's `n_components=None`). Each
/// axis is signed so that its largest-magnitude entry is positive (scikit-learn's
/// `svd_flip`). Null components (explained-variance ratio ≤ [`NULL_VARIANCE_RATIO`]) are
/// dropped when `drop_null` is set (the default) and are a fit error otherwise.
///
/// Scoring: see [`PcaScore`]; higher is more anomalous for both.
///
/// `whiten` is accepted for PyOD compatibility and changes no score: PyOD hands it to
/// scikit-learn's PCA, whose `components_` and `explained_variance_ratio_` (all PyOD's
/// `decision_function` reads) do not depend on it, and the weighted score is already the
/// norm of the whitened projection.
///
/// Errors: fewer than 2 training rows (no covariance), `components` above `min(n, d)`,
/// training rows without any variance (every component null), null components with
/// `drop_null = false` (a singular covariance: PyOD would return `inf` for every row).
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use oddity_classical::PcaParams;
/// use oddity_core::{Dataset, Detector, DetectorParams, FitContext};
///
/// let train = Dataset::from_features(
///     "train",
///     array![[1.0, 1.1], [2.0, 1.9], [3.0, 3.2], [4.0, 3.9], [5.0, 5.1]],
/// );
/// let fitted = PcaParams::default().check()?.fit(&train, &FitContext::new(0))?;
/// // A row off the main axis is more anomalous than one on it.
/// let scores = fitted.score(&Dataset::from_features("test", array![[3.0, 3.0], [3.0, 1.0]]))?;
/// assert!(scores[1] > scores[0]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PcaValidParams {
    components: Option<usize>,
    whiten: bool,
    score: PcaScore,
    standardize: bool,
    drop_null: bool,
}

impl PcaValidParams {
    /// Number of leading components kept (≥ 1; its upper bound `min(n, d)` is checked at fit);
    /// `None` (0 in configs) = all.
    pub fn components(&self) -> Option<usize> {
        self.components
    }

    /// Accepted for PyOD compatibility; no effect on any score (see [`PcaValidParams`]).
    pub fn whiten(&self) -> bool {
        self.whiten
    }

    /// The scoring rule.
    pub fn score(&self) -> PcaScore {
        self.score
    }

    /// Standardise the training rows (and scored rows with the same statistics) first.
    pub fn standardize(&self) -> bool {
        self.standardize
    }

    /// Drop null components instead of failing on them.
    pub fn drop_null(&self) -> bool {
        self.drop_null
    }

    /// Fits on `train` and returns the concrete model (what [`Detector::fit`] boxes).
    pub fn fit_model(&self, train: &Dataset, _ctx: &FitContext) -> Result<FittedPca, Error> {
        train.check_finite()?;
        let (n, d) = train.features.dim();
        if n < 2 {
            return Err(Error::Fit(format!(
                "pca needs at least 2 training rows to estimate a covariance, got {n}"
            )));
        }
        let kept = self.components.unwrap_or(n.min(d));
        if kept > n.min(d) {
            return Err(Error::InvalidParameter {
                name: "components".into(),
                reason: format!(
                    "{kept} exceeds min(rows, features) = {} of the training rows",
                    n.min(d)
                ),
            });
        }
        let (scale_mean, scale_std) = if self.standardize {
            let (mean, std) = stats::column_mean_std(train.features.view());
            let std = std
                .iter()
                .zip(&mean)
                .map(|(&s, &m)| if s > 10.0 * f64::EPSILON * m.abs().max(1.0) { s } else { 1.0 })
                .collect();
            (mean, std)
        } else {
            (vec![0.0; d], vec![1.0; d])
        };
        let z = standardized(&train.features, &scale_mean, &scale_std);
        let mean: Vec<f64> = z.axis_iter(Axis(1)).map(stats::mean).collect();
        let mut centered = z;
        for mut row in centered.rows_mut() {
            for (v, m) in row.iter_mut().zip(&mean) {
                *v -= m;
            }
        }
        let mut cov = centered.t().dot(&centered) / (n - 1) as f64;
        for r in 0..d {
            for c in 0..r {
                cov[[r, c]] = cov[[c, r]];
            }
        }
        let (values, vectors) = sym_eigen(&cov)?;
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let variance: Vec<f64> = order.iter().map(|&j| values[j].max(0.0)).collect();
        let total: f64 = variance.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(Error::Fit(
                "pca: the training rows have no variance (every row is identical)".into(),
            ));
        }
        let mut axes = Vec::new();
        let mut explained_variance = Vec::new();
        let mut ratio = Vec::new();
        for (rank, &j) in order.iter().enumerate().take(kept) {
            let r = variance[rank] / total;
            if r <= NULL_VARIANCE_RATIO {
                if self.drop_null {
                    continue;
                }
                return Err(Error::Fit(format!(
                    "pca: singular covariance: component {} has explained-variance ratio {r:e} \
                     (at most {NULL_VARIANCE_RATIO:e}); PyOD would score every row inf; set \
                     drop_null = true to ignore null components",
                    rank + 1
                )));
            }
            let mut axis: Vec<f64> = vectors.column(j).to_vec();
            let mut big = 0;
            for (i, v) in axis.iter().enumerate() {
                if v.abs() > axis[big].abs() {
                    big = i;
                }
            }
            if axis[big] < 0.0 {
                axis.iter_mut().for_each(|v| *v = -*v);
            }
            axes.extend(axis);
            explained_variance.push(variance[rank]);
            ratio.push(r);
        }
        let k = ratio.len();
        Ok(FittedPca {
            scale_mean,
            scale_std,
            mean,
            components: Array2::from_shape_vec((k, d), axes).expect("k × d axes"),
            explained_variance,
            explained_variance_ratio: ratio,
            score: self.score,
        })
    }
}

fn standardized(x: &Array2<f64>, mean: &[f64], std: &[f64]) -> Array2<f64> {
    let mut z = x.to_owned();
    for mut row in z.rows_mut() {
        for ((v, m), s) in row.iter_mut().zip(mean).zip(std) {
            *v = (*v - m) / s;
        }
    }
    z
}

impl Detector for PcaValidParams {
    fn name(&self) -> &str {
        PcaParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// A fitted [`PcaValidParams`]: the standardisation, the kept unit axes and their variances.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPca {
    /// Per-feature mean subtracted before scoring (0 without standardisation).
    pub scale_mean: Vec<f64>,
    /// Per-feature scale divided by before scoring (1 without standardisation).
    pub scale_std: Vec<f64>,
    /// Mean of the standardised training rows (the centre of the projections).
    pub mean: Vec<f64>,
    /// Kept unit principal axes, one per row, in decreasing order of variance.
    pub components: Array2<f64>,
    /// Variance (ddof 1) of the standardised training rows along each kept axis.
    pub explained_variance: Vec<f64>,
    /// `explained_variance / Σ` of all `d` variances (not only the kept ones).
    pub explained_variance_ratio: Vec<f64>,
    /// The scoring rule.
    pub score: PcaScore,
}

crate::saved!(FittedPca, "pca");

impl FittedDetector for FittedPca {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.scale_mean.len())?;
        let z = standardized(&data.features, &self.scale_mean, &self.scale_std);
        Ok(z.axis_iter(Axis(0))
            .map(|row| match self.score {
                PcaScore::Weighted => {
                    let c: Vec<f64> = row.iter().zip(&self.mean).map(|(x, m)| x - m).collect();
                    self.components
                        .axis_iter(Axis(0))
                        .zip(&self.explained_variance)
                        .map(|(v, &lambda)| {
                            let y: f64 = v.iter().zip(&c).map(|(a, b)| a * b).sum();
                            y * y / lambda
                        })
                        .sum()
                }
                PcaScore::Pyod => self
                    .components
                    .axis_iter(Axis(0))
                    .zip(&self.explained_variance_ratio)
                    .map(|(v, &r)| {
                        let d2: f64 = v.iter().zip(row).map(|(a, b)| (b - a) * (b - a)).sum();
                        d2.sqrt() / r
                    })
                    .sum(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_cannot_be_some_zero() {
        let err = PcaParams::default().components(Some(0)).check().unwrap_err();
        assert_eq!(err, PcaParamsError::Components(0));
        assert_eq!(err.param(), "components");
        assert!(PcaParams::default().components(Some(1)).check().is_ok());
    }

    #[test]
    fn zero_components_in_configs_means_all() {
        let p = Params::resolve("pca", &PcaParams::default().specs(), &Params::default()).unwrap();
        assert_eq!(PcaParams::from_params(&p).unwrap(), PcaParams::default());
        assert_eq!(PcaParams::default().check().unwrap().components(), None);
    }
}
