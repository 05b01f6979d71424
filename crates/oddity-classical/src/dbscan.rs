//! The DBSCAN core-distance detector.

use ndarray::{Array1, Array2};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    ParamValue, Params, ParamsError,
};

use crate::neighbors::Index;

/// Neighbour rank behind `eps = "auto"`: the distance of each train row to its 5th nearest
/// other train row.
pub const AUTO_EPS_NEIGHBOR: usize = 5;

/// Percentile (numpy linear interpolation) of those distances taken as `eps = "auto"`.
pub const AUTO_EPS_PERCENTILE: f64 = 90.0;

/// How the neighbourhood radius of DBSCAN ([`DbscanParams::eps`]) is chosen.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum DbscanEps {
    /// The [`AUTO_EPS_PERCENTILE`]th percentile over the train rows of the distance to their
    /// [`AUTO_EPS_NEIGHBOR`]th nearest other train row.
    Auto,
    /// A fixed radius (> 0).
    Value(f64),
}

/// Parameters of the `dbscan` detector ([`DbscanValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbscanParams(DbscanValidParams);

impl Default for DbscanParams {
    fn default() -> Self {
        Self(DbscanValidParams { eps: DbscanEps::Auto, min_samples: 5 })
    }
}

impl DbscanParams {
    /// The neighbourhood radius: a fixed one (positive, finite) or [`DbscanEps::Auto`].
    pub fn eps(mut self, eps: DbscanEps) -> Self {
        self.0.eps = eps;
        self
    }

    /// Rows within eps, the row itself included, that make a core sample (≥ 1).
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.0.min_samples = min_samples;
        self
    }
}

/// A rejected [`DbscanParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DbscanParamsError {
    /// Occurs when a fixed `eps` is not positive and finite (NaN included).
    #[error("parameter `eps`: must be positive and finite, got {0}")]
    Eps(f64),
    /// Occurs when `min_samples` is 0.
    #[error("parameter `min_samples`: must be at least 1, got {0}")]
    MinSamples(usize),
}

impl ParamsError for DbscanParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Eps(_) => "eps",
            Self::MinSamples(_) => "min_samples",
        }
    }
}

impl DetectorParams for DbscanParams {
    const NAME: &'static str = "dbscan";
    const SUMMARY: &'static str = "DBSCAN core distance: Euclidean distance to the nearest core sample of the train rows (scikit-learn's core rule)";
    type Valid = DbscanValidParams;
    type Fitted = FittedDbscan;
    type Error = DbscanParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::float_or(
                "eps",
                &["auto"],
                match self.0.eps {
                    DbscanEps::Auto => ParamValue::Str("auto".into()),
                    DbscanEps::Value(v) => ParamValue::Float(v),
                },
                "neighbourhood radius (> 0), or \"auto\": 90th percentile of the train rows' distance to their 5th nearest other train row",
            ),
            ParamSpec::count(
                "min_samples",
                self.0.min_samples,
                "train rows within eps, the row itself included, that make a core sample (>= 1)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().eps(eps(p)?).min_samples(p.usize("min_samples")?))
    }

    fn check(self) -> Result<DbscanValidParams, DbscanParamsError> {
        let p = &self.0;
        if let DbscanEps::Value(v) = p.eps {
            // `!(v > 0)` also rejects NaN.
            if !(v > 0.0 && v.is_finite()) {
                return Err(DbscanParamsError::Eps(v));
            }
        }
        if p.min_samples < 1 {
            return Err(DbscanParamsError::MinSamples(p.min_samples));
        }
        Ok(self.0)
    }
}

/// The `eps` config value: a number, or the word `"auto"` (checked by [`DbscanParams`]).
fn eps(p: &Params) -> Result<DbscanEps, Error> {
    match p.value("eps")? {
        ParamValue::Float(v) => Ok(DbscanEps::Value(*v)),
        ParamValue::Int(v) => Ok(DbscanEps::Value(*v as f64)),
        _ => Ok(DbscanEps::Auto),
    }
}

/// DBSCAN core-distance detector (Ester, Kriegel, Sander & Xu, "A density-based algorithm
/// for discovering clusters in large spatial databases with noise", KDD 1996): the score of
/// a row is the Euclidean distance to the nearest *core sample* of the training rows, so rows
/// inside a dense region score 0 or little and rows far from every dense region score high.
///
/// A training row is a core sample when at least `min_samples` training rows, itself
/// included, lie within distance `eps` (`≤ eps`), as scikit-learn's `DBSCAN(eps,
/// min_samples)` counts (its `core_sample_indices_`): the row's `(min_samples − 1)`-th
/// nearest other training row is within `eps`. With `eps = "auto"`, eps is the 90th
/// percentile (numpy linear interpolation) of each training row's distance to its 5th
/// nearest other training row.
///
/// Only the core set enters the score; the cluster labels are not computed. (linfa's
/// `Dbscan` counts its neighbourhoods the same way but returns cluster memberships only, which
/// do not tell core samples from border points; the tests check that its clustered rows are
/// exactly the core samples and the rows within eps of one.) The neighbour searches are exact
/// (k-d tree or brute force, see [`crate::KnnValidParams`]) and use `FitContext::threads` threads.
///
/// A fit with no core sample (eps too small for `min_samples`, or fewer than `min_samples`
/// training rows) is an [`Error::Fit`]; `eps = "auto"` needs more than 5 training rows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DbscanValidParams {
    eps: DbscanEps,
    min_samples: usize,
}

impl DbscanValidParams {
    /// The neighbourhood radius.
    pub fn eps(&self) -> DbscanEps {
        self.eps
    }

    /// Rows within eps, the row itself included, that make a core sample.
    pub fn min_samples(&self) -> usize {
        self.min_samples
    }
}

impl Detector for DbscanValidParams {
    fn name(&self) -> &str {
        DbscanParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

impl DbscanValidParams {
    /// Fits on `train` and returns the concrete model (with [`FittedDbscan::eps`] and
    /// [`FittedDbscan::core_sample_indices`]).
    pub fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedDbscan, Error> {
        train.check_finite()?;
        let n = train.n_rows();
        let x = train.features.view();
        let auto = self.eps == DbscanEps::Auto;
        if auto && n <= AUTO_EPS_NEIGHBOR {
            return Err(Error::Fit(format!(
                "dbscan with eps = \"auto\" needs more than {AUTO_EPS_NEIGHBOR} training rows, \
                 got {n}"
            )));
        }
        // Other rows that must lie within eps for a core sample.
        let others = self.min_samples - 1;
        if others >= n {
            return Err(Error::Fit(format!(
                "dbscan: no core sample possible with min_samples = {} and {n} training rows",
                self.min_samples
            )));
        }
        let k = others.max(if auto { AUTO_EPS_NEIGHBOR } else { 0 });
        let nb = if k > 0 { Some(Index::build(x).k_nearest_self(k, ctx.threads)?) } else { None };
        let eps = match (self.eps, &nb) {
            (DbscanEps::Value(v), _) => v,
            (DbscanEps::Auto, Some(nb)) => {
                let d5 = stats::sorted((0..n).map(|i| nb.dist_row(i)[AUTO_EPS_NEIGHBOR - 1]));
                stats::quantile_sorted(&d5, AUTO_EPS_PERCENTILE / 100.0)
            }
            (DbscanEps::Auto, None) => unreachable!("k >= AUTO_EPS_NEIGHBOR with eps = auto"),
        };
        let core: Vec<usize> = match &nb {
            Some(nb) if others > 0 => {
                (0..n).filter(|&i| nb.dist_row(i)[others - 1] <= eps).collect()
            }
            _ => (0..n).collect(),
        };
        if core.is_empty() {
            return Err(Error::Fit(format!(
                "dbscan: no core sample (no training row has {others} other rows within eps = \
                 {eps}); raise eps or lower min_samples"
            )));
        }
        let d = train.n_features();
        let core_rows = Array2::from_shape_fn((core.len(), d), |(r, j)| x[[core[r], j]]);
        Ok(FittedDbscan { eps, index: Index::build(core_rows.view()), core, threads: ctx.threads })
    }
}

/// A fitted [`DbscanValidParams`]: the radius used and the core samples, indexed for
/// nearest-neighbour
/// search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedDbscan {
    eps: f64,
    core: Vec<usize>,
    index: Index,
    threads: usize,
}

impl FittedDbscan {
    /// The radius used (the fixed one, or the value `eps = "auto"` gave).
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// Training-row indices of the core samples, increasing (scikit-learn's
    /// `core_sample_indices_`).
    pub fn core_sample_indices(&self) -> &[usize] {
        &self.core
    }
}

crate::saved!(FittedDbscan, "dbscan");

impl FittedDetector for FittedDbscan {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.index.n_features())?;
        let nb = self.index.k_nearest(data.features.view(), 1, self.threads)?;
        Ok(Array1::from(nb.dist))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn dbscan(eps: DbscanEps, min_samples: usize) -> DbscanValidParams {
        DbscanParams::default().eps(eps).min_samples(min_samples).check().unwrap()
    }

    fn fit(d: DbscanValidParams, x: Array2<f64>) -> Result<Box<dyn FittedDetector>, Error> {
        d.fit(&Dataset::from_features("t", x), &FitContext::new(0))
    }

    #[test]
    fn oracle_hand_computed() {
        // Rows 0, 1, 2, 3 on a line 1 apart, 10 far away. eps = 1, min_samples = 3: row 0
        // has {0, 1} within 1 (2 rows), rows 1 and 2 have 3, row 3 has 2, row 10 has 1. Core
        // = {1, 2}. Scores: 0.5 -> |0.5 - 1| = 0.5; 3 -> 1; 12 -> 10; 1.5 -> 0.5.
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let f = fit(dbscan(DbscanEps::Value(1.0), 3), x.clone()).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[0.5], [3.0], [12.0], [1.5]]));
        assert_eq!(s.unwrap().to_vec(), vec![0.5, 1.0, 10.0, 0.5]);
        // min_samples = 1: every row is core.
        let f = fit(dbscan(DbscanEps::Value(0.1), 1), x).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[9.0], [3.25]])).unwrap();
        assert_eq!(s.to_vec(), vec![1.0, 0.25]);
    }

    #[test]
    fn eps_boundary_is_inclusive() {
        // Row 1 has exactly one other row at distance exactly eps = 2.
        let x = array![[0.0], [2.0], [7.0]];
        let f = dbscan(DbscanEps::Value(2.0), 2)
            .fit(&Dataset::from_features("t", x), &FitContext::new(0))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[7.0]])).unwrap();
        assert_eq!(s.to_vec(), vec![5.0]);
    }

    #[test]
    fn auto_eps_is_the_90th_percentile_of_the_5th_neighbour_distance() {
        // Points 0..=10 on a line: the 5th nearest other row is at 5 for rows 0 and 10, 4 for
        // rows 1 and 9, 3 otherwise; sorted, position 0.9 · 10 = 9 holds 5.
        let x = Array2::from_shape_fn((11, 1), |(i, _)| i as f64);
        let d5: Vec<f64> = (0..11i64)
            .map(|i| {
                let mut d: Vec<i64> =
                    (0..11i64).filter(|&j| j != i).map(|j| (i - j).abs()).collect();
                d.sort();
                d[4] as f64
            })
            .collect();
        let want = stats::quantile_sorted(&stats::sorted(d5), 0.9);
        assert_eq!(want, 5.0);
        let fitted = DbscanParams::default()
            .check()
            .unwrap()
            .fit(&Dataset::from_features("t", x), &FitContext::new(0))
            .unwrap();
        let s = fitted.score(&Dataset::from_features("s", array![[-3.0], [5.5]])).unwrap();
        // eps = 5 makes every row core (each has 4 others within 4).
        assert_eq!(s.to_vec(), vec![3.0, 0.5]);
    }

    #[test]
    fn no_core_sample_is_an_error() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let r = fit(dbscan(DbscanEps::Value(0.5), 2), x.clone());
        assert!(matches!(r, Err(Error::Fit(_))));
        // Fewer training rows than min_samples.
        let r = fit(dbscan(DbscanEps::Value(100.0), 6), x.clone());
        assert!(matches!(r, Err(Error::Fit(_))));
        // eps = auto needs 6 rows.
        assert!(matches!(fit(DbscanParams::default().check().unwrap(), x), Err(Error::Fit(_))));
    }

    #[test]
    fn identical_rows_are_all_core() {
        let x = Array2::from_elem((8, 3), 1.5);
        let f = fit(DbscanParams::default().check().unwrap(), x).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.5, 1.5, 1.5], [1.5, 4.5, 5.5]]));
        assert_eq!(s.unwrap().to_vec(), vec![0.0, 5.0]);
    }

    #[test]
    fn eps_must_be_positive_and_finite() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = DbscanParams::default().eps(DbscanEps::Value(bad)).check().unwrap_err();
            assert!(matches!(err, DbscanParamsError::Eps(_)), "{err}");
            assert_eq!(err.param(), "eps");
        }
    }

    #[test]
    fn min_samples_cannot_be_zero() {
        let err = DbscanParams::default().min_samples(0).check().unwrap_err();
        assert_eq!(err, DbscanParamsError::MinSamples(0));
        assert_eq!(err.to_string(), "parameter `min_samples`: must be at least 1, got 0");
    }

    #[test]
    fn parameters_are_checked() {
        let given = |v: ParamValue| Params([("eps".to_string(), v)].into());
        assert_eq!(eps(&given(ParamValue::Int(2))).unwrap(), DbscanEps::Value(2.0));
        assert_eq!(eps(&given(ParamValue::Str("auto".into()))).unwrap(), DbscanEps::Auto);
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<DbscanParams>();
        is_send_sync::<DbscanValidParams>();
        is_send_sync::<FittedDbscan>();
    }
}
