//! The k-nearest-neighbour distance detector.

use ndarray::Array1;
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params, ParamsError,
};

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

impl ParamChoice for KnnMethod {
    const ALL: &'static [Self] = &[Self::Largest, Self::Mean, Self::Median];
    const NAMES: &'static [&'static str] = &["largest", "mean", "median"];
}

/// Parameters of the kNN distance detector ([`KnnValidParams`] once checked).
///
/// ```
/// use oddity_classical::{KnnMethod, KnnParams, KnnParamsError};
/// use oddity_core::DetectorParams;
///
/// let checked = KnnParams::default().k(3).method(KnnMethod::Mean).check()?;
/// assert_eq!((checked.k(), checked.method()), (3, KnnMethod::Mean));
/// assert_eq!(KnnParams::default().k(0).check(), Err(KnnParamsError::K(0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnnParams(KnnValidParams);

impl Default for KnnParams {
    fn default() -> Self {
        Self(KnnValidParams { k: 5, method: KnnMethod::Largest })
    }
}

impl KnnParams {
    /// Number of neighbours (≥ 1, and smaller than the number of training rows).
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }

    /// How the `k` distances are combined.
    pub fn method(mut self, method: KnnMethod) -> Self {
        self.0.method = method;
        self
    }
}

/// A rejected [`KnnParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KnnParamsError {
    /// Occurs when `k` is 0.
    #[error("parameter `k`: must be at least 1, got {0}")]
    K(usize),
}

impl ParamsError for KnnParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::K(_) => "k",
        }
    }
}

impl DetectorParams for KnnParams {
    const NAME: &'static str = "knn";
    const SUMMARY: &'static str =
        "distance to the k-th nearest train row, or mean / median of the k distances";
    type Valid = KnnValidParams;
    type Fitted = FittedKnn;
    type Error = KnnParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "k",
                self.0.k,
                "number of nearest train rows (>= 1 and < number of train rows)",
            ),
            ParamSpec::choice(
                "method",
                self.0.method,
                "largest: k-th distance; mean / median of the k distances",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?).method(p.choice("method")?))
    }

    fn check(self) -> Result<KnnValidParams, KnnParamsError> {
        if self.0.k < 1 {
            return Err(KnnParamsError::K(self.0.k));
        }
        Ok(self.0)
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
pub struct KnnValidParams {
    k: usize,
    method: KnnMethod,
}

impl KnnValidParams {
    /// Number of neighbours.
    pub fn k(&self) -> usize {
        self.k
    }

    /// How the `k` distances are combined.
    pub fn method(&self) -> KnnMethod {
        self.method
    }
}

impl Detector for KnnValidParams {
    fn name(&self) -> &str {
        KnnParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }

    /// PyOD's `decision_scores_`: each training row is scored by its `k` nearest *other*
    /// training rows (the row itself is not its own neighbour).
    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let fitted = self.fit_model(data, ctx)?;
        let nb = fitted.index.k_nearest_self(self.k, ctx.threads)?;
        let scores = (0..data.n_rows()).map(|i| combine(self.method, nb.dist_row(i))).collect();
        Ok((Box::new(fitted), scores))
    }
}

impl KnnValidParams {
    fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedKnn, Error> {
        train.check_finite()?;
        if self.k >= train.n_rows() {
            return Err(Error::Fit(format!(
                "k = {} needs more than {} training rows, got {}",
                self.k,
                self.k,
                train.n_rows()
            )));
        }
        Ok(FittedKnn {
            index: Index::build(train.features.view()),
            k: self.k,
            method: self.method,
            threads: ctx.threads,
        })
    }
}

/// The score from the ascending distances `d` to the `k` nearest rows.
fn combine(method: KnnMethod, d: &[f64]) -> f64 {
    match method {
        KnnMethod::Largest => d[d.len() - 1],
        KnnMethod::Mean => d.iter().sum::<f64>() / d.len() as f64,
        KnnMethod::Median => stats::median_sorted(d),
    }
}

/// A fitted kNN detector: the training rows, indexed for exact nearest-neighbour search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKnn {
    index: Index,
    k: usize,
    method: KnnMethod,
    threads: usize,
}

crate::saved!(FittedKnn, "knn");

impl FittedDetector for FittedKnn {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.index.n_features())?;
        let nb = self.index.k_nearest(data.features.view(), self.k, self.threads)?;
        Ok((0..data.n_rows()).map(|i| combine(self.method, nb.dist_row(i))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn knn(k: usize, method: &str) -> KnnValidParams {
        let method = KnnMethod::from_name(method).unwrap();
        KnnParams::default().k(k).method(method).check().unwrap()
    }

    fn fit_score(k: usize, method: &str, train: Array2<f64>, test: Array2<f64>) -> Vec<f64> {
        let f =
            knn(k, method).fit(&Dataset::from_features("t", train), &FitContext::new(0)).unwrap();
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
    fn training_scores_exclude_the_row_itself() {
        // 0, 1, 3 on a line with k = 1: nearest other rows at 1, 1, 2 (PyOD's
        // decision_scores_), where scoring the same rows as new data gives 0, 0, 0.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let (fitted, s) = knn(1, "largest").fit_score(&train, &FitContext::new(0)).unwrap();
        assert_eq!(s.to_vec(), vec![1.0, 1.0, 2.0]);
        assert_eq!(fitted.score(&train).unwrap().to_vec(), vec![0.0; 3]);
        let (_, m) = knn(2, "mean").fit_score(&train, &FitContext::new(0)).unwrap();
        assert_eq!(m.to_vec(), vec![2.0, 1.5, 2.5]);
    }

    #[test]
    fn k_cannot_be_zero() {
        let err = KnnParams::default().k(0).check().unwrap_err();
        assert_eq!(err, KnnParamsError::K(0));
        assert_eq!(err.param(), "k");
        assert_eq!(err.to_string(), "parameter `k`: must be at least 1, got 0");
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(KnnParams::default().k(0).check(), Err(KnnParamsError::K(0)));
        assert_eq!(KnnMethod::from_name("max"), None);
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        assert!(matches!(knn(2, "mean").fit(&train, &FitContext::new(0)), Err(Error::Fit(_))));
        assert!(knn(1, "mean").fit(&train, &FitContext::new(0)).is_ok());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(
            knn(1, "largest").fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", Array2::zeros((0, 2)));
        assert!(matches!(
            KnnParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[1.0], [2.0], [4.0]]);
        let f = knn(2, "largest").fit(&train, &FitContext::new(0)).unwrap();
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
        is_send_sync::<KnnParams>();
        is_send_sync::<KnnValidParams>();
        is_send_sync::<FittedKnn>();
    }
}
