//! The k-nearest-neighbour distance detector.

use ndarray::Array1;
use oddity_core::{stats, Dataset, Detector, Error, FitContext, FittedDetector};

use crate::neighbors::Index;

/// How the distances to the `k` nearest train rows are combined into a score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KnnMethod {
    /// Distance to the `k`-th nearest train row (Ramaswamy et al. 2000).
    #[default]
    Largest,
    /// Mean distance to the `k` nearest train rows (Angiulli & Pizzuti 2002).
    Mean,
    /// Median distance to the `k` nearest train rows (as `numpy.median`).
    Median,
}

impl KnnMethod {
    /// The names accepted by [`KnnMethod::parse`], as in the registry.
    pub const NAMES: &'static [&'static str] = &["largest", "mean", "median"];

    /// Parses `"largest"`, `"mean"` or `"median"`.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "largest" => Ok(Self::Largest),
            "mean" => Ok(Self::Mean),
            "median" => Ok(Self::Median),
            _ => Err(Error::InvalidParameter {
                name: "method".into(),
                reason: format!("must be one of largest|mean|median, got `{name}`"),
            }),
        }
    }
}

/// kNN distance detector: the score of a row is the Euclidean distance to its `k`-th
/// nearest training row (`method = largest`, Ramaswamy, Rastogi & Shim, "Efficient
/// algorithms for mining outliers from large data sets", SIGMOD 2000), or the mean
/// (Angiulli & Pizzuti, "Fast outlier detection in high dimensional spaces", PKDD 2002) or
/// median of the distances to its `k` nearest training rows.
///
/// Scored rows are never part of the index, so a row identical to a training row has that
/// row as a neighbour at distance 0. The search is exact: a k-d tree for at most 40 features
/// (and at least 256 training rows), brute force otherwise, both giving bit-identical
/// distances; parallel over scored rows with `FitContext::threads` threads; ties are broken
/// by training-row order. Equals PyOD `KNN(n_neighbors=k, method=…)`'s
/// `decision_function` (up to the last bits; scikit-learn's dot-product distance formula
/// gives ~1e-8 instead of 0 between identical rows when d > 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Knn {
    /// Number of neighbours (≥ 1, and smaller than the number of training rows).
    pub k: usize,
    /// How the `k` distances are combined.
    pub method: KnnMethod,
}

impl Default for Knn {
    fn default() -> Self {
        Self { k: 5, method: KnnMethod::Largest }
    }
}

impl Knn {
    /// Checks the parameters and builds the detector.
    pub fn new(k: i64, method: &str) -> Result<Self, Error> {
        if k < 1 {
            return Err(Error::InvalidParameter {
                name: "k".into(),
                reason: format!("must be at least 1, got {k}"),
            });
        }
        Ok(Self { k: k as usize, method: KnnMethod::parse(method)? })
    }
}

impl Detector for Knn {
    fn name(&self) -> &str {
        "knn"
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        if self.k >= train.n_rows() {
            return Err(Error::Fit(format!(
                "k = {} needs more than {} training rows, got {}",
                self.k,
                self.k,
                train.n_rows()
            )));
        }
        Ok(Box::new(FittedKnn {
            index: Index::build(train.features.view()),
            k: self.k,
            method: self.method,
            threads: ctx.threads,
        }))
    }
}

/// A fitted [`Knn`]: the training rows, indexed for exact nearest-neighbour search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKnn {
    index: Index,
    k: usize,
    method: KnnMethod,
    threads: usize,
}

impl FittedDetector for FittedKnn {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.index.n_features())?;
        let nb = self.index.k_nearest(data.features.view(), self.k, self.threads)?;
        Ok((0..data.n_rows())
            .map(|i| {
                let d = nb.dist_row(i);
                match self.method {
                    KnnMethod::Largest => d[self.k - 1],
                    KnnMethod::Mean => d.iter().sum::<f64>() / self.k as f64,
                    KnnMethod::Median => stats::median_sorted(d),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn fit_score(k: i64, method: &str, train: Array2<f64>, test: Array2<f64>) -> Vec<f64> {
        let f = Knn::new(k, method)
            .unwrap()
            .fit(&Dataset::from_features("t", train), &FitContext::new(0))
            .unwrap();
        f.score(&Dataset::from_features("s", test)).unwrap().to_vec()
    }

    #[test]
    fn oracle_hand_computed() {
        // Train points on a line and one off it; query (0, 0) is at distances 0, 1, 2, 5
        // (3-4-5 triangle) and query (3, 4) at 5, sqrt(20), sqrt(17), 0.
        let train = array![[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 4.0]];
        let test = array![[0.0, 0.0], [3.0, 4.0]];
        let s17 = 17f64.sqrt();
        let s20 = 20f64.sqrt();
        assert_eq!(fit_score(3, "largest", train.clone(), test.clone()), vec![2.0, s20]);
        assert_eq!(
            fit_score(3, "mean", train.clone(), test.clone()),
            vec![3.0 / 3.0, (0.0 + s17 + s20) / 3.0]
        );
        assert_eq!(fit_score(2, "median", train.clone(), test.clone()), vec![0.5, s17 / 2.0]);
        assert_eq!(fit_score(3, "median", train, test), vec![1.0, s17]);
    }

    #[test]
    fn parameters_are_checked() {
        assert!(matches!(Knn::new(0, "largest"), Err(Error::InvalidParameter { .. })));
        assert!(matches!(Knn::new(5, "max"), Err(Error::InvalidParameter { .. })));
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        assert!(matches!(
            Knn::new(2, "mean").unwrap().fit(&train, &FitContext::new(0)),
            Err(Error::Fit(_))
        ));
        assert!(Knn::new(1, "mean").unwrap().fit(&train, &FitContext::new(0)).is_ok());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(
            Knn::new(1, "largest").unwrap().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", Array2::zeros((0, 2)));
        assert!(matches!(
            Knn::default().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[1.0], [2.0], [4.0]]);
        let f = Knn::new(2, "largest").unwrap().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[f64::INFINITY]])),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn duplicate_rows_give_finite_scores() {
        let s = fit_score(2, "largest", array![[1.0], [1.0], [1.0]], array![[1.0], [3.0]]);
        assert_eq!(s, vec![0.0, 2.0]);
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<Knn>();
        is_send_sync::<FittedKnn>();
    }
}
