//! The Local Outlier Factor detector (novelty mode).

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};

use crate::neighbors::{Index, Neighbors};

/// Added to the mean reachability distance before inverting it, as scikit-learn does, so
/// that duplicate rows get a large but finite local reachability density.
pub const LRD_EPSILON: f64 = 1e-10;

/// Parameters of the `lof` detector ([`LofValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LofParams(LofValidParams);

impl Default for LofParams {
    fn default() -> Self {
        Self(LofValidParams { k: 20 })
    }
}

impl LofParams {
    /// Number of neighbours (≥ 1); `min(k, n_train − 1)` is used.
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }
}

/// A rejected [`LofParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LofParamsError {
    /// Occurs when `k` is 0.
    #[error("parameter `k`: must be at least 1, got {0}")]
    K(usize),
}

impl ParamsError for LofParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::K(_) => "k",
        }
    }
}

impl DetectorParams for LofParams {
    const NAME: &'static str = "lof";
    const SUMMARY: &'static str =
        "local outlier factor (novelty mode, as scikit-learn): mean neighbour lrd / own lrd";
    type Valid = LofValidParams;
    type Fitted = FittedLof;
    type Error = LofParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::count(
            "k",
            self.0.k,
            "number of neighbours (>= 1); min(k, n_train - 1) is used",
        )]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?))
    }

    fn check(self) -> Result<LofValidParams, LofParamsError> {
        let p = &self.0;
        if p.k < 1 {
            return Err(LofParamsError::K(p.k));
        }
        Ok(self.0)
    }
}

/// Local Outlier Factor (Breunig, Kriegel, Ng & Sander, "LOF: identifying density-based
/// local outliers", SIGMOD 2000) in novelty mode, as scikit-learn's
/// `LocalOutlierFactor(n_neighbors=k, novelty=True)` (and PyOD `LOF`).
///
/// With `k' = min(k, n_train − 1)` and Euclidean distances:
/// * for a training row `o`, `kdist(o)` is the distance to its `k'`-th nearest *other*
///   training row and `N(o)` its `k'` nearest other training rows;
/// * a scored row `x` has as `N(x)` its `k'` nearest training rows;
/// * `reach(x, o) = max(d(x, o), kdist(o))`,
///   `lrd(x) = 1 / (mean_{o ∈ N(x)} reach(x, o) + 1e-10)`;
/// * the score is `LOF(x) = mean_{o ∈ N(x)} lrd(o) / lrd(x)`: about 1 inside a cluster,
///   larger for rows less dense than their neighbours.
///
/// Neighbour ties are broken by training-row order; on data with many duplicate rows the
/// neighbour set at the boundary, and so the score, can depend on that order. The search is
/// exact (a k-d tree for at most 40 features and at least 256 training rows, brute force
/// otherwise, with bit-identical results), parallel over rows with `FitContext::threads`
/// threads; the result does not depend on the thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LofValidParams {
    k: usize,
}

impl LofValidParams {
    /// Number of neighbours (before the cap at `n_train − 1`).
    pub fn k(&self) -> usize {
        self.k
    }
}

/// `lrd` of each row of `nb` given the training rows' k-distances.
fn lrd(nb: &Neighbors, kdist: &[f64], n_rows: usize) -> Vec<f64> {
    (0..n_rows)
        .map(|i| {
            let sum: f64 =
                nb.dist_row(i).iter().zip(nb.index_row(i)).map(|(&d, &o)| d.max(kdist[o])).sum();
            1.0 / (sum / nb.k as f64 + LRD_EPSILON)
        })
        .collect()
}

impl Detector for LofValidParams {
    fn name(&self) -> &str {
        LofParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?.0))
    }

    /// scikit-learn's `negative_outlier_factor_` negated (PyOD's `decision_scores_`): the LOF
    /// of each training row over its `k` nearest *other* training rows.
    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let (fitted, nb) = self.fit_model(data, ctx)?;
        let scores = (0..data.n_rows())
            .map(|i| {
                let sum: f64 = nb.index_row(i).iter().map(|&o| fitted.lrd[o] / fitted.lrd[i]).sum();
                sum / fitted.k as f64
            })
            .collect();
        Ok((Box::new(fitted), scores))
    }
}

impl LofValidParams {
    /// The fitted model and the training rows' neighbourhoods (themselves excluded).
    fn fit_model(
        &self,
        train: &Dataset,
        ctx: &FitContext,
    ) -> Result<(FittedLof, Neighbors), Error> {
        train.check_finite()?;
        let n = train.n_rows();
        if n < 2 {
            return Err(Error::Fit(format!("lof needs at least 2 training rows, got {n}")));
        }
        let k = self.k.min(n - 1);
        let index = Index::build(train.features.view());
        let nb = index.k_nearest_self(k, ctx.threads)?;
        let kdist: Vec<f64> = (0..n).map(|i| nb.dist_row(i)[k - 1]).collect();
        let lrd = lrd(&nb, &kdist, n);
        Ok((FittedLof { index, k, kdist, lrd, threads: ctx.threads }, nb))
    }
}

/// A fitted [`LofValidParams`]: the training rows with their k-distances and local reachability
/// densities.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLof {
    index: Index,
    k: usize,
    kdist: Vec<f64>,
    lrd: Vec<f64>,
    threads: usize,
}

impl FittedLof {
    /// The number of neighbours used, `min(k, n_train − 1)`.
    pub fn k_used(&self) -> usize {
        self.k
    }

    /// Local reachability density of each training row.
    pub fn train_lrd(&self) -> &[f64] {
        &self.lrd
    }
}

crate::saved!(FittedLof, "lof");

impl FittedDetector for FittedLof {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.index.n_features())?;
        let nb = self.index.k_nearest(data.features.view(), self.k, self.threads)?;
        let lrd_x = lrd(&nb, &self.kdist, data.n_rows());
        Ok((0..data.n_rows())
            .map(|i| {
                let sum: f64 = nb.index_row(i).iter().map(|&o| self.lrd[o] / lrd_x[i]).sum();
                sum / self.k as f64
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn k_cannot_be_zero() {
        let err = LofParams::default().k(0).check().unwrap_err();
        assert_eq!(err, LofParamsError::K(0));
        assert_eq!(err.to_string(), "parameter `k`: must be at least 1, got 0");
    }

    #[test]
    fn oracle_hand_computed() {
        // Train 0, 1, 3 on a line, k = 1. Nearest other rows: 0 -> 1 (1), 1 -> 0 (1, index
        // tie-break), 3 -> 1 (2). kdist = [1, 1, 2]; lrd(0) = 1/(max(1,1)) = 1,
        // lrd(1) = 1/max(1,1) = 1, lrd(3) = 1/max(2,1) = 1/2 (each + 1e-10).
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let f =
            LofParams::default().k(1).check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        // Query 7: nearest train 3 (d = 4), reach = max(4, 2) = 4, lrd = 1/(4 + e);
        // LOF = lrd(3) / lrd(7) = (4 + e) / (2 + e).
        // Query 0.5: nearest 0 (tie with 1, lower index), reach = max(0.5, 1) = 1,
        // LOF = lrd(0) / lrd(0.5) = 1.
        let s = f.score(&Dataset::from_features("s", array![[7.0], [0.5]])).unwrap();
        let e = LRD_EPSILON;
        let lrd3 = 1.0 / (2.0 + e);
        assert_eq!(s[0], lrd3 / (1.0 / (4.0 + e)));
        let lrd0 = 1.0 / (1.0 + e);
        assert_eq!(s[1], lrd0 / (1.0 / (1.0 + e)));
    }

    #[test]
    fn fit_score_excludes_each_row_from_its_neighbours() {
        // The oracle above on its own training rows: neighbours 0 -> 1, 1 -> 0, 3 -> 1;
        // lrd = [1/(1+e), 1/(1+e), 1/(2+e)].
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let lof = LofParams::default().k(1).check().unwrap();
        let (_, s) = lof.fit_score(&train, &FitContext::new(0)).unwrap();
        let e = LRD_EPSILON;
        let (lrd01, lrd3) = (1.0 / (1.0 + e), 1.0 / (2.0 + e));
        assert_eq!(s.to_vec(), vec![lrd01 / lrd01, lrd01 / lrd01, lrd01 / lrd3]);
    }

    #[test]
    fn k_is_capped_at_n_minus_one() {
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let big =
            LofParams::default().k(20).check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let two =
            LofParams::default().k(2).check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let q = Dataset::from_features("s", array![[2.0], [10.0]]);
        assert_eq!(big.score(&q).unwrap(), two.score(&q).unwrap());
    }

    #[test]
    fn duplicates_give_finite_scores() {
        let train = Dataset::from_features("t", array![[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]);
        let f =
            LofParams::default().k(2).check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0, 1.0], [2.0, 1.0]])).unwrap();
        assert!(s.iter().all(|v| v.is_finite()));
        assert_eq!(s[0], 1.0);
        assert!(s[1] > 1e9);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let one = Dataset::from_features("t", array![[1.0]]);
        assert!(matches!(
            LofParams::default().check().unwrap().fit(&one, &FitContext::new(0)),
            Err(Error::Fit(_))
        ));
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(
            LofParams::default().check().unwrap().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", Array2::zeros((0, 1)));
        assert!(matches!(
            LofParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let f = LofParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        assert!(matches!(
            f.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<LofParams>();
        is_send_sync::<LofValidParams>();
        is_send_sync::<FittedLof>();
    }
}
