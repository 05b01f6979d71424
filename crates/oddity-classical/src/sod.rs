//! The subspace outlier degree detector.

use ndarray::Array1;
use oddity_core::{
    Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec, Params,
    ParamsError,
};
use rayon::prelude::*;

use crate::neighbors::{pool, Index};
use oddity_core::stats::pairwise_sum;

/// Parameters of the `sod` detector ([`SodValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SodParams(SodValidParams);

impl Default for SodParams {
    /// PyOD 3.6.7's `SOD()`: 20 neighbours, reference sets of 10, alpha 0.8.
    fn default() -> Self {
        Self(SodValidParams { k: 20, ref_set: 10, alpha: 0.8 })
    }
}

impl SodParams {
    /// Number of nearest neighbours whose overlap ranks the reference rows (≥ 2).
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = k;
        self
    }

    /// Size of each row's reference set (2 ≤ `ref_set` < `k`, PyOD's exclusive bounds).
    pub fn ref_set(mut self, ref_set: usize) -> Self {
        self.0.ref_set = ref_set;
        self
    }

    /// A feature is relevant when its variance in the reference set is below `alpha` times
    /// the mean variance (0 < `alpha` < 1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
}

/// A rejected [`SodParams`] field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SodParamsError {
    /// Occurs when `k` is below 2 (PyOD rejects `n_neighbors ≤ 1`).
    #[error("parameter `k`: must be at least 2, got {0}")]
    K(usize),
    /// Occurs when `ref_set` is not strictly between 1 and `k`.
    #[error("parameter `ref_set`: must be at least 2 and less than k = {k}, got {ref_set}")]
    RefSet {
        /// The rejected reference set size.
        ref_set: usize,
        /// The neighbour count it must stay below.
        k: usize,
    },
    /// Occurs when `alpha` is not strictly between 0 and 1.
    #[error("parameter `alpha`: must be in (0, 1), got {0}")]
    Alpha(f64),
}

impl ParamsError for SodParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::K(_) => "k",
            Self::RefSet { .. } => "ref_set",
            Self::Alpha(_) => "alpha",
        }
    }
}

impl DetectorParams for SodParams {
    const NAME: &'static str = "sod";
    const SUMMARY: &'static str =
        "subspace outlier degree (as PyOD SOD: each scored batch against itself)";
    type Valid = SodValidParams;
    type Fitted = FittedSod;
    type Error = SodParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count(
                "k",
                self.0.k,
                "nearest neighbours for the shared-neighbour count (>= 2)",
            ),
            ParamSpec::count("ref_set", self.0.ref_set, "reference set size (2 <= ref_set < k)"),
            ParamSpec::float("alpha", self.0.alpha, "relevant-feature variance ratio, in (0, 1)"),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?).ref_set(p.usize("ref_set")?).alpha(p.float("alpha")?))
    }

    fn check(self) -> Result<SodValidParams, SodParamsError> {
        let p = self.0;
        if p.k < 2 {
            return Err(SodParamsError::K(p.k));
        }
        if p.ref_set < 2 || p.ref_set >= p.k {
            return Err(SodParamsError::RefSet { ref_set: p.ref_set, k: p.k });
        }
        if !(p.alpha > 0.0 && p.alpha < 1.0) {
            return Err(SodParamsError::Alpha(p.alpha));
        }
        Ok(p)
    }
}

/// Subspace outlier degree (Kriegel, Kröger, Schubert & Zimek, "Outlier detection in
/// axis-parallel subspaces of high dimensional data", PAKDD 2009), equal to PyOD 3.6.7's
/// `SOD()`.
///
/// For each row `p` of a batch of `m` rows:
/// * its `k` nearest other rows `N(p)` (Euclidean);
/// * the reference set: the `ref_set` rows `q ≠ p` with the most shared neighbours
///   `|N(p) ∩ N(q)|`; ties are resolved exactly as PyOD does, by numba's (unstable)
///   quicksort `argsort` of the counts read from the end, reproduced here step by step (only
///   the partitions that reach the top positions are sorted: `O(m)` per row, not
///   `O(m log m)`);
/// * the mean `μ` and per-feature (population) variance `σ²_j` of the reference rows; the
///   relevant features are those with `σ²_j < α · Σ_j σ²_j / d`;
/// * the score is `sqrt(Σ_{j relevant} (p_j − μ_j)² / #relevant)` (0 when none is
///   relevant).
///
/// **Scoring semantics, as PyOD:** PyOD's `decision_function(X)` does not use the training
/// rows: each row of `X` is scored among the rows of `X` alone (the fit only checks that
/// the training part has more than `k` rows). So a batch must have more than `k` rows.
///
/// No m × m matrix is built: shared-neighbour counts come from reverse neighbour lists, one
/// count array of `m` entries per worker. Sums are numpy's (pairwise) so results agree with
/// PyOD to rounding (1e-16 relative on cardio, wbc, glass and lympho). Neighbours are
/// exact with ties by row order; scikit-learn breaks exact ties at the `k`-th neighbour in
/// its own search order (kd-tree up to 15 features), so rows with such ties can get
/// another neighbour set: on mammography (6 features, many duplicate rows, reference split)
/// 8 of 4 472 test rows differ, ROC-AUC 0.7678 against PyOD's 0.7672. Rows are processed in parallel on `FitContext::threads`
/// threads; the result does not depend on the thread count.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SodValidParams {
    k: usize,
    ref_set: usize,
    alpha: f64,
}

impl SodValidParams {
    /// Number of nearest neighbours.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Reference set size.
    pub fn ref_set(&self) -> usize {
        self.ref_set
    }

    /// Relevant-feature variance ratio.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Detector for SodValidParams {
    fn name(&self) -> &str {
        SodParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let n = train.n_rows();
        if n <= self.k {
            return Err(Error::Fit(format!(
                "sod needs more than k = {} training rows, got {n}",
                self.k
            )));
        }
        Ok(Box::new(FittedSod {
            params: *self,
            n_features: train.n_features(),
            threads: ctx.threads,
        }))
    }
}

/// A fitted [`SodValidParams`]: its parameters and the feature count (PyOD's SOD keeps
/// nothing of the training rows; see [`SodValidParams`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedSod {
    params: SodValidParams,
    n_features: usize,
    threads: usize,
}

crate::saved!(FittedSod, "sod");

/// Below this length numba's quicksort finishes a range with an insertion sort.
const SMALL_QUICKSORT: isize = 15;

/// The last positions `from..n` of numba's `np.argsort(values)` (its quicksort: median of
/// three, Hoare-style partition, insertion sort under 15 elements), in sorted order. Ranges
/// entirely below `from` are not sorted further; they cannot change those positions.
fn numba_argsort_top(values: &[u32], from: usize, order: &mut Vec<usize>) {
    let n = values.len();
    order.clear();
    order.extend(0..n);
    if n < 2 {
        return;
    }
    let r = order.as_mut_slice();
    let key = |r: &[usize], i: isize| values[r[i as usize]];
    let from = from as isize;
    let mut stack: Vec<(isize, isize)> = vec![(0, n as isize - 1)];
    while let Some((mut low, mut high)) = stack.pop() {
        loop {
            if high < from || high <= low {
                break;
            }
            if high - low < SMALL_QUICKSORT {
                for i in low + 1..=high {
                    let moving = r[i as usize];
                    let v = values[moving];
                    let mut j = i;
                    while j > low && v < key(r, j - 1) {
                        r[j as usize] = r[j as usize - 1];
                        j -= 1;
                    }
                    r[j as usize] = moving;
                }
                break;
            }
            // Partition around the median of low, mid, high.
            let mid = (low + high) >> 1;
            let (lo, mi, hi) = (low as usize, mid as usize, high as usize);
            if key(r, mid) < key(r, low) {
                r.swap(lo, mi);
            }
            if key(r, high) < key(r, mid) {
                r.swap(hi, mi);
            }
            if key(r, mid) < key(r, low) {
                r.swap(lo, mi);
            }
            let pivot = key(r, mid);
            r.swap(hi, mi);
            let (mut i, mut j) = (low, high - 1);
            loop {
                while i < high && key(r, i) < pivot {
                    i += 1;
                }
                while j >= low && pivot < key(r, j) {
                    j -= 1;
                }
                if i >= j {
                    break;
                }
                r.swap(i as usize, j as usize);
                i += 1;
                j -= 1;
            }
            r.swap(i as usize, hi);
            if high - i > i - low {
                if high > i {
                    stack.push((i + 1, high));
                }
                high = i - 1;
            } else {
                if i > low {
                    stack.push((low, i - 1));
                }
                low = i + 1;
            }
        }
    }
}

impl FittedDetector for FittedSod {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.n_features)?;
        let SodValidParams { k, ref_set, alpha } = self.params;
        let (m, d) = (data.n_rows(), self.n_features);
        if m <= k {
            return Err(Error::Fit(format!(
                "sod scores a batch against itself (as PyOD): it needs more than k = {k} rows, \
                 got {m}"
            )));
        }
        let rows: Vec<f64> = data.features.iter().copied().collect();
        let nb = Index::build(data.features.view()).k_nearest_self(k, self.threads)?;
        // Reverse lists: the rows that have `o` among their neighbours, in row order.
        let mut reverse: Vec<Vec<u32>> = vec![Vec::new(); m];
        for j in 0..m {
            for &o in nb.index_row(j) {
                reverse[o].push(j as u32);
            }
        }
        let score_row = |i: usize, counts: &mut Vec<u32>, order: &mut Vec<usize>| -> f64 {
            counts.clear();
            counts.resize(m, 0);
            for &o in nb.index_row(i) {
                for &j in &reverse[o] {
                    counts[j as usize] += 1;
                }
            }
            counts[i] = u32::MAX;
            numba_argsort_top(counts, m - 1 - ref_set, order);
            // Reversed: position m − 1 is the row itself; the next ref_set are its references.
            let refs: Vec<usize> = (0..ref_set).map(|r| order[m - 2 - r]).collect();
            let at = |r: usize, j: usize| rows[refs[r] * d + j];
            let means: Vec<f64> = (0..d)
                .map(|j| (0..ref_set).fold(0.0, |s, r| s + at(r, j)) / ref_set as f64)
                .collect();
            let squares: Vec<f64> = (0..ref_set)
                .flat_map(|r| (0..d).map(move |j| (r, j)))
                .map(|(r, j)| (at(r, j) - means[j]) * (at(r, j) - means[j]))
                .collect();
            let var_total = pairwise_sum(&squares) / ref_set as f64;
            let var_expect = alpha * var_total / d as f64;
            let obs = &rows[i * d..(i + 1) * d];
            let mut relevant = Vec::with_capacity(d);
            for j in 0..d {
                let var = (0..ref_set).fold(0.0, |s, r| s + squares[r * d + j]) / ref_set as f64;
                if var < var_expect {
                    relevant.push((obs[j] - means[j]) * (obs[j] - means[j]));
                }
            }
            if relevant.is_empty() {
                0.0
            } else {
                (pairwise_sum(&relevant) / relevant.len() as f64).sqrt()
            }
        };
        let mut out = vec![0.0; m];
        if self.threads <= 1 {
            let (mut counts, mut order) = (Vec::new(), Vec::new());
            out.iter_mut()
                .enumerate()
                .for_each(|(i, o)| *o = score_row(i, &mut counts, &mut order));
        } else {
            pool(self.threads)?.install(|| {
                out.par_iter_mut().enumerate().for_each_init(
                    || (Vec::new(), Vec::new()),
                    |(counts, order), (i, o)| *o = score_row(i, counts, order),
                )
            });
        }
        Ok(Array1::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn sod(k: usize, ref_set: usize) -> SodValidParams {
        SodParams::default().k(k).ref_set(ref_set).check().unwrap()
    }

    #[test]
    fn k_must_be_at_least_two() {
        let err = SodParams::default().k(1).ref_set(1).check().unwrap_err();
        assert_eq!(err, SodParamsError::K(1));
        assert_eq!(err.param(), "k");
        assert_eq!(err.to_string(), "parameter `k`: must be at least 2, got 1");
    }

    #[test]
    fn ref_set_must_be_between_two_and_k() {
        for r in [0, 1, 20, 21] {
            let err = SodParams::default().ref_set(r).check().unwrap_err();
            assert_eq!(err, SodParamsError::RefSet { ref_set: r, k: 20 });
            assert_eq!(err.param(), "ref_set");
        }
    }

    #[test]
    fn alpha_must_be_in_the_open_unit_interval() {
        for a in [0.0, 1.0, -0.5, f64::NAN] {
            let err = SodParams::default().alpha(a).check().unwrap_err();
            assert!(matches!(err, SodParamsError::Alpha(_)), "{err}");
            assert_eq!(err.param(), "alpha");
        }
    }

    /// numba's quicksort argsort, written out in full for small inputs: ties stay in the
    /// insertion sort's (stable) order under 15 elements.
    #[test]
    fn argsort_matches_a_full_sort() {
        let mut order = Vec::new();
        let v = [3u32, 1, 2, 1, 3, 0];
        numba_argsort_top(&v, 0, &mut order);
        assert_eq!(order, vec![5, 1, 3, 2, 0, 4]);
        // Longer inputs: the selected tail holds the largest values in sorted order, whatever
        // the tie order.
        let long: Vec<u32> = (0..500u32).map(|i| (i * 7919) % 13).collect();
        let mut full = Vec::new();
        numba_argsort_top(&long, 0, &mut full);
        numba_argsort_top(&long, 490, &mut order);
        assert_eq!(&order[490..], &full[490..]);
        assert!(full.windows(2).all(|w| long[w[0]] <= long[w[1]]));
    }

    #[test]
    fn oracle_hand_computed() {
        // Batch of 4 rows, k = 3 (every other row), ref_set = 2, alpha = 0.8. Each pair shares
        // the 2 rows other than themselves, so every count is 2: numba's insertion sort keeps
        // row order, read from the end the references of row 0 are rows 3 and 2.
        // Rows: (0,0), (1,0), (0,5), (0,7). Refs of row 0 = rows 3, 2: mean (0, 6), variances
        // (0, 1), var_expect = 0.8 · (0 + 2)/2 / 2 = 0.4: feature 0 is relevant;
        // score = sqrt((0 − 0)²) = 0. Row 3: refs rows 2, 1: mean (0.5, 2.5), variances
        // (0.25, 6.25), var_expect = 0.8 · 13/2 / 2 = 2.6: feature 0, score |0 − 0.5| = 0.5.
        // Row 1: refs rows 3, 2 as row 0, score |1 − 0| = 1. Row 2: refs rows 3, 1: mean
        // (0.5, 3.5), variances (0.25, 12.25), var_expect = 5: score 0.5. PyOD gives the same
        // [0, 1, 0.5, 0.5].
        let x = Dataset::from_features("s", array![[0.0, 0.0], [1.0, 0.0], [0.0, 5.0], [0.0, 7.0]]);
        let f = sod(3, 2).fit(&x, &FitContext::new(0)).unwrap();
        let s = f.score(&x).unwrap();
        assert_eq!(s.to_vec(), vec![0.0, 1.0, 0.5, 0.5]);
    }

    #[test]
    fn edge_cases() {
        let ctx = FitContext::new(0);
        let small = Dataset::from_features("t", array![[0.0], [1.0], [2.0]]);
        assert!(matches!(sod(3, 2).fit(&small, &ctx), Err(Error::Fit(_))));
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0], [4.0]]);
        let f = sod(3, 2).fit(&train, &ctx).unwrap();
        assert!(matches!(f.score(&small), Err(Error::Fit(_))));
        let nan = Dataset::from_features("t", array![[f64::NAN], [1.0], [2.0], [3.0]]);
        assert!(matches!(sod(3, 2).fit(&nan, &ctx), Err(Error::NonFinite { .. })));
        // A constant column has variance 0 in every reference set: always relevant, adds 0.
        let a = Dataset::from_features("s", array![[0.0], [1.0], [3.0], [7.0], [8.0]]);
        let b = Dataset::from_features(
            "s",
            array![[0.0, 2.0], [1.0, 2.0], [3.0, 2.0], [7.0, 2.0], [8.0, 2.0]],
        );
        let sa = sod(3, 2).fit(&a, &ctx).unwrap().score(&a).unwrap();
        let sb = sod(3, 2).fit(&b, &ctx).unwrap().score(&b).unwrap();
        assert!(sb.iter().all(|v| v.is_finite()));
        // Identical rows: all variances 0, none below 0 · alpha → no relevant feature → 0.
        let same = Dataset::from_features("s", Array2::from_elem((5, 2), 1.0));
        let s = sod(3, 2).fit(&same, &ctx).unwrap().score(&same).unwrap();
        assert_eq!(s.to_vec(), vec![0.0; 5]);
        assert_eq!(sa.len(), sb.len());
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<SodParams>();
        is_send_sync::<SodValidParams>();
        is_send_sync::<FittedSod>();
    }
}
