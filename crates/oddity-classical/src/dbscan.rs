//! The DBSCAN core-distance detector.

use ndarray::{Array1, Array2};
use oddity_core::{stats, Dataset, Detector, Error, FitContext, FittedDetector, ParamValue};

use crate::neighbors::Index;

/// Neighbour rank behind `eps = "auto"`: the distance of each train row to its 5th nearest
/// other train row.
pub const AUTO_EPS_NEIGHBOR: usize = 5;

/// Percentile (numpy linear interpolation) of those distances taken as `eps = "auto"`.
pub const AUTO_EPS_PERCENTILE: f64 = 90.0;

/// How the neighbourhood radius of [`Dbscan`] is chosen.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum DbscanEps {
    /// The [`AUTO_EPS_PERCENTILE`]th percentile over the train rows of the distance to their
    /// [`AUTO_EPS_NEIGHBOR`]th nearest other train row.
    Auto,
    /// A fixed radius (> 0).
    Value(f64),
}

impl DbscanEps {
    /// Reads a registry value: a number, or the word `"auto"`.
    pub fn from_param(value: &ParamValue) -> Result<Self, Error> {
        let eps = match value {
            ParamValue::Str(s) if s == "auto" => return Ok(Self::Auto),
            ParamValue::Float(v) => *v,
            ParamValue::Int(v) => *v as f64,
            other => {
                return Err(Error::InvalidParameter {
                    name: "eps".into(),
                    reason: format!("must be a number or \"auto\", got `{other}`"),
                })
            }
        };
        // `!(eps > 0)` also rejects NaN.
        if !(eps > 0.0 && eps.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "eps".into(),
                reason: format!("must be positive and finite, got {eps}"),
            });
        }
        Ok(Self::Value(eps))
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
/// (k-d tree or brute force, see [`crate::Knn`]) and use `FitContext::threads` threads.
///
/// A fit with no core sample (eps too small for `min_samples`, or fewer than `min_samples`
/// training rows) is an [`Error::Fit`]; `eps = "auto"` needs more than 5 training rows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dbscan {
    /// The neighbourhood radius.
    pub eps: DbscanEps,
    /// Rows within eps, the row itself included, that make a core sample (≥ 1).
    pub min_samples: usize,
}

impl Default for Dbscan {
    fn default() -> Self {
        Self { eps: DbscanEps::Auto, min_samples: 5 }
    }
}

impl Dbscan {
    /// Checks the parameters and builds the detector.
    pub fn new(eps: DbscanEps, min_samples: i64) -> Result<Self, Error> {
        if min_samples < 1 {
            return Err(Error::InvalidParameter {
                name: "min_samples".into(),
                reason: format!("must be at least 1, got {min_samples}"),
            });
        }
        if let DbscanEps::Value(v) = eps {
            DbscanEps::from_param(&ParamValue::Float(v))?;
        }
        Ok(Self { eps, min_samples: min_samples as usize })
    }
}

impl Detector for Dbscan {
    fn name(&self) -> &str {
        "dbscan"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

impl Dbscan {
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

/// A fitted [`Dbscan`]: the radius used and the core samples, indexed for nearest-neighbour
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

    fn fit(d: Dbscan, x: Array2<f64>) -> Result<Box<dyn FittedDetector>, Error> {
        d.fit(&Dataset::from_features("t", x), &FitContext::new(0))
    }

    #[test]
    fn oracle_hand_computed() {
        // Rows 0, 1, 2, 3 on a line 1 apart, 10 far away. eps = 1, min_samples = 3: row 0
        // has {0, 1} within 1 (2 rows), rows 1 and 2 have 3, row 3 has 2, row 10 has 1. Core
        // = {1, 2}. Scores: 0.5 -> |0.5 - 1| = 0.5; 3 -> 1; 12 -> 10; 1.5 -> 0.5.
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let f = fit(Dbscan::new(DbscanEps::Value(1.0), 3).unwrap(), x.clone()).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[0.5], [3.0], [12.0], [1.5]]));
        assert_eq!(s.unwrap().to_vec(), vec![0.5, 1.0, 10.0, 0.5]);
        // min_samples = 1: every row is core.
        let f = fit(Dbscan::new(DbscanEps::Value(0.1), 1).unwrap(), x).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[9.0], [3.25]])).unwrap();
        assert_eq!(s.to_vec(), vec![1.0, 0.25]);
    }

    #[test]
    fn eps_boundary_is_inclusive() {
        // Row 1 has exactly one other row at distance exactly eps = 2.
        let x = array![[0.0], [2.0], [7.0]];
        let f = Dbscan::new(DbscanEps::Value(2.0), 2)
            .unwrap()
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
        let fitted =
            Dbscan::default().fit(&Dataset::from_features("t", x), &FitContext::new(0)).unwrap();
        let s = fitted.score(&Dataset::from_features("s", array![[-3.0], [5.5]])).unwrap();
        // eps = 5 makes every row core (each has 4 others within 4).
        assert_eq!(s.to_vec(), vec![3.0, 0.5]);
    }

    #[test]
    fn no_core_sample_is_an_error() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let r = fit(Dbscan::new(DbscanEps::Value(0.5), 2).unwrap(), x.clone());
        assert!(matches!(r, Err(Error::Fit(_))));
        // Fewer training rows than min_samples.
        let r = fit(Dbscan::new(DbscanEps::Value(100.0), 6).unwrap(), x.clone());
        assert!(matches!(r, Err(Error::Fit(_))));
        // eps = auto needs 6 rows.
        assert!(matches!(fit(Dbscan::default(), x), Err(Error::Fit(_))));
    }

    #[test]
    fn identical_rows_are_all_core() {
        let x = Array2::from_elem((8, 3), 1.5);
        let f = fit(Dbscan::default(), x).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.5, 1.5, 1.5], [1.5, 4.5, 5.5]]));
        assert_eq!(s.unwrap().to_vec(), vec![0.0, 5.0]);
    }

    #[test]
    fn parameters_are_checked() {
        assert!(matches!(Dbscan::new(DbscanEps::Auto, 0), Err(Error::InvalidParameter { .. })));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Dbscan::new(DbscanEps::Value(bad), 5),
                Err(Error::InvalidParameter { .. })
            ));
        }
        assert_eq!(DbscanEps::from_param(&ParamValue::Int(2)).unwrap(), DbscanEps::Value(2.0));
        assert_eq!(
            DbscanEps::from_param(&ParamValue::Str("auto".into())).unwrap(),
            DbscanEps::Auto
        );
        assert!(DbscanEps::from_param(&ParamValue::Str("big".into())).is_err());
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<Dbscan>();
        is_send_sync::<FittedDbscan>();
    }
}
