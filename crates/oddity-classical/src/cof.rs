//! The connectivity-based outlier factor detector.

use ndarray::Array1;
use oddity_core::{
    stats::pairwise_sum, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector,
    ParamSpec, Params, ParamsError,
};
use rayon::prelude::*;

use crate::neighbors::{pool, Index};

/// Parameters of the `cof` detector ([`CofValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CofParams(CofValidParams);

impl Default for CofParams {
    /// PyOD 3.6.7's `COF()`: 20 neighbours.
    fn default() -> Self {
        Self(CofValidParams { k: 20 })
    }
}

impl CofParams {
    /// Number of neighbours (≥ 2, as PyOD's exclusive lower bound 1); `min(k, n_train − 1)` is
    /// used.
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }
}

/// A rejected [`CofParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CofParamsError {
    /// Occurs when `k` is below 2 (PyOD rejects `n_neighbors ≤ 1`).
    #[error("parameter `k`: must be at least 2, got {0}")]
    K(usize),
}

impl ParamsError for CofParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::K(_) => "k",
        }
    }
}

impl DetectorParams for CofParams {
    const NAME: &'static str = "cof";
    const SUMMARY: &'static str =
        "connectivity-based outlier factor (as PyOD COF: each scored batch against itself)";
    type Valid = CofValidParams;
    type Fitted = FittedCof;
    type Error = CofParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::count(
            "k",
            self.0.k,
            "number of neighbours (>= 2); min(k, n_train - 1) is used",
        )]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?))
    }

    fn check(self) -> Result<CofValidParams, CofParamsError> {
        if self.0.k < 2 {
            return Err(CofParamsError::K(self.0.k));
        }
        Ok(self.0)
    }
}

/// Connectivity-based outlier factor (Tang, Chen, Fu & Cheung, "Enhancing effectiveness of
/// outlier detections for low density patterns", PAKDD 2002), equal to PyOD 3.6.7's `COF()`
/// (its default `method="fast"`; `"memory"` computes the same numbers).
///
/// For a row `p` with its `k` nearest other rows `o_1 … o_k` (nearest first), the path
/// `p = o_0, o_1, …, o_k` is walked in that order (PyOD's path is the distance order, not
/// the set-based nearest path of the paper) with costs `c_j = min_{l ≤ j} d(o_{j+1}, o_l)`;
/// the average chaining distance is `ac(p) = Σ_j 2(k − j) / (k(k + 1)) · c_j` and
/// `COF(p) = k · ac(p) / Σ_i ac(o_i)` (NaN → 0, ∞ → the largest finite `f64`, as numpy's
/// `nan_to_num`).
///
/// **Scoring semantics, as PyOD:** PyOD's `decision_function(X)` does not use the training
/// rows: it computes the COF of each row of `X` among the rows of `X` alone. Fitting only
/// fixes `k' = min(k, n_train − 1)`. So the score of a row depends on the other rows scored
/// with it, and a batch must have more than `k'` rows.
///
/// PyOD builds the full n × n distance matrix; here only each row's neighbours and the
/// `k(k − 1)/2` distances between them are computed: `O(n · k² · d)` besides the search,
/// `O(n · k)` memory. The exact k-NN index finds `k + 8` candidates, which are re-ranked by
/// scipy's distance (`sqrt` of numpy's pairwise sum of squares), so near-equal distances
/// are ordered as in PyOD; every sum is numpy's (pairwise, 8 accumulators). On the four
/// reference sets the scores are bit-identical to PyOD's. Exactly equal distances are
/// ordered by row index; numpy's `argsort` (not stable) may order them otherwise. Rows are
/// processed in parallel on `FitContext::threads` threads; the result does not depend on the
/// thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CofValidParams {
    k: usize,
}

impl CofValidParams {
    /// Number of neighbours (before the cap at `n_train − 1`).
    pub fn k(&self) -> usize {
        self.k
    }
}

impl Detector for CofValidParams {
    fn name(&self) -> &str {
        CofParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let n = train.n_rows();
        if n < 2 {
            return Err(Error::Fit(format!("cof needs at least 2 training rows, got {n}")));
        }
        Ok(Box::new(FittedCof {
            k: self.k.min(n - 1),
            n_features: train.n_features(),
            threads: ctx.threads,
        }))
    }
}

/// A fitted [`CofValidParams`]: the neighbour count and the feature count (PyOD's COF keeps
/// nothing else of the training rows; see [`CofValidParams`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FittedCof {
    k: usize,
    n_features: usize,
    threads: usize,
}

impl FittedCof {
    /// The number of neighbours used, `min(k, n_train − 1)`.
    pub fn k_used(&self) -> usize {
        self.k
    }
}

crate::saved!(FittedCof, "cof");

/// Extra candidates the exact search returns beyond `k`, re-ranked by [`scipy_distance`].
const RERANK_EXTRA: usize = 8;

/// scipy's `distance_matrix` entry: `sqrt(np.sum((a − b)²))` with numpy's pairwise sum.
pub(crate) fn scipy_distance(a: &[f64], b: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend(a.iter().zip(b).map(|(x, y)| (y - x) * (y - x)));
    pairwise_sum(scratch).sqrt()
}

/// numpy's `nan_to_num`: NaN → 0, ±∞ → ± the largest finite value.
pub(crate) fn nan_to_num(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if v.is_infinite() {
        f64::MAX.copysign(v)
    } else {
        v
    }
}

impl FittedDetector for FittedCof {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.n_features)?;
        let (m, d, k) = (data.n_rows(), self.n_features, self.k);
        if m <= k {
            return Err(Error::Fit(format!(
                "cof scores a batch against itself (as PyOD): it needs more than k = {k} rows, \
                 got {m}"
            )));
        }
        let rows: Vec<f64> = data.features.iter().copied().collect();
        let row = |i: usize| &rows[i * d..(i + 1) * d];
        // The exact index finds `k + extra` candidates by its own (sequentially summed)
        // distances; they are re-ranked by scipy's distances (numpy's pairwise sum), which
        // order near-equal distances as PyOD sees them.
        let extra = (m - 1 - k).min(RERANK_EXTRA);
        let found = Index::build(data.features.view()).k_nearest_self(k + extra, self.threads)?;
        let mut path = vec![0usize; m * k];
        let mut dist = vec![0.0; m * k];
        let mut scratch = Vec::with_capacity(d);
        for i in 0..m {
            let mut cand: Vec<(f64, usize)> = found
                .index_row(i)
                .iter()
                .map(|&o| (scipy_distance(row(i), row(o), &mut scratch), o))
                .collect();
            cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (r, (dd, o)) in cand.into_iter().take(k).enumerate() {
                path[i * k + r] = o;
                dist[i * k + r] = dd;
            }
        }
        // Average chaining distance of each row along its distance-ordered path.
        let weight = |h: usize| (2.0 * (k + 1 - (h + 1)) as f64) / ((k + 1) * k) as f64;
        let chaining = |i: usize| {
            let (path, dist) = (&path[i * k..(i + 1) * k], &dist[i * k..(i + 1) * k]);
            let mut scratch = Vec::with_capacity(d);
            let acd: Vec<f64> = (0..k)
                .map(|j| {
                    let q = row(path[j]);
                    let cost = (0..j)
                        .map(|l| scipy_distance(q, row(path[l]), &mut scratch))
                        .fold(dist[j], |a: f64, b| a.min(b));
                    weight(j) * cost
                })
                .collect();
            pairwise_sum(&acd)
        };
        let mut ac = vec![0.0; m];
        if self.threads <= 1 {
            ac.iter_mut().enumerate().for_each(|(i, a)| *a = chaining(i));
        } else {
            pool(self.threads)?
                .install(|| ac.par_iter_mut().enumerate().for_each(|(i, a)| *a = chaining(i)));
        }
        Ok((0..m)
            .map(|i| {
                let around: Vec<f64> = path[i * k..(i + 1) * k].iter().map(|&o| ac[o]).collect();
                nan_to_num((ac[i] * k as f64) / pairwise_sum(&around))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn cof(k: usize) -> CofValidParams {
        CofParams::default().k(k).check().unwrap()
    }

    #[test]
    fn k_must_be_at_least_two() {
        for k in [0, 1] {
            let err = CofParams::default().k(k).check().unwrap_err();
            assert_eq!(err, CofParamsError::K(k));
            assert_eq!(err.param(), "k");
        }
        assert_eq!(
            CofParams::default().k(1).check().unwrap_err().to_string(),
            "parameter `k`: must be at least 2, got 1"
        );
    }

    #[test]
    fn numpy_sum_is_pairwise() {
        let a: Vec<f64> = (0..20).map(|i| 0.1 * i as f64).collect();
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        for (j, v) in a[8..16].iter().enumerate() {
            r[j] += v;
        }
        let want = ((r[0] + r[1]) + (r[2] + r[3]))
            + ((r[4] + r[5]) + (r[6] + r[7]))
            + a[16]
            + a[17]
            + a[18]
            + a[19];
        assert_eq!(pairwise_sum(&a), want);
        assert_eq!(pairwise_sum(&[1.0, 2.0]), 3.0);
    }

    #[test]
    fn oracle_hand_computed() {
        // Batch 0, 1, 3, 7 on a line, k = 2 (weights 2·2/6 = 2/3 and 2·1/6 = 1/3).
        // 0: path 0, 1, 3: costs d(1,0) = 1, min(d(3,0), d(3,1)) = 2 → ac = 2/3 + 2/3 = 4/3.
        // 1: path 1, 0, 3 (d 1 and 2): costs 1, min(3, 2) = 2 → ac = 4/3.
        // 3: path 3, 1, 0 (d 2, 3): costs 2, min(3, 1) = 1 → ac = 4/3 + 1/3 = 5/3.
        // 7: path 7, 3, 1 (d 4, 6): costs 4, min(6, 2) = 2 → ac = 8/3 + 2/3 = 10/3.
        // COF = 2 · ac / (sum of the neighbours' ac).
        let train = Dataset::from_features("t", array![[0.0], [5.0], [9.0]]);
        let f = cof(2).fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[0.0], [1.0], [3.0], [7.0]])).unwrap();
        let ac = [4.0 / 3.0, 4.0 / 3.0, 5.0 / 3.0, 10.0 / 3.0];
        let want = [
            2.0 * ac[0] / (ac[1] + ac[2]),
            2.0 * ac[1] / (ac[0] + ac[2]),
            2.0 * ac[2] / (ac[1] + ac[0]),
            2.0 * ac[3] / (ac[2] + ac[1]),
        ];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
    }

    #[test]
    fn constant_column_changes_nothing_and_duplicates_are_finite() {
        let a = Dataset::from_features("s", array![[0.0], [1.0], [3.0], [7.0]]);
        let b = Dataset::from_features("s", array![[0.0, 2.0], [1.0, 2.0], [3.0, 2.0], [7.0, 2.0]]);
        let ctx = FitContext::new(0);
        let sa = cof(2).fit(&a, &ctx).unwrap().score(&a).unwrap();
        let sb = cof(2).fit(&b, &ctx).unwrap().score(&b).unwrap();
        assert_eq!(sa, sb);
        // All rows equal: every chaining distance is 0, 0/0 → 0 as numpy's nan_to_num.
        let same = Dataset::from_features("s", Array2::from_elem((5, 2), 1.0));
        let s = cof(2).fit(&same, &ctx).unwrap().score(&same).unwrap();
        assert_eq!(s.to_vec(), vec![0.0; 5]);
    }

    #[test]
    fn k_is_capped_and_small_batches_are_errors() {
        let ctx = FitContext::new(0);
        let train = Dataset::from_features("t", array![[0.0], [1.0], [3.0]]);
        let f = cof(20).fit(&train, &ctx).unwrap();
        let (big, two) = (f, cof(2).fit(&train, &ctx).unwrap());
        let q = Dataset::from_features("s", array![[0.0], [1.0], [3.0], [7.0]]);
        assert_eq!(big.score(&q).unwrap(), two.score(&q).unwrap());
        let small = Dataset::from_features("s", array![[0.0], [1.0]]);
        assert!(matches!(big.score(&small), Err(Error::Fit(_))));
        let one = Dataset::from_features("t", array![[1.0]]);
        assert!(matches!(cof(2).fit(&one, &ctx), Err(Error::Fit(_))));
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0]]);
        assert!(matches!(cof(2).fit(&nan, &ctx), Err(Error::NonFinite { .. })));
        assert!(matches!(
            big.score(&Dataset::from_features("s", array![[1.0, 2.0]])),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<CofParams>();
        is_send_sync::<CofValidParams>();
        is_send_sync::<FittedCof>();
    }
}
