//! ECOD: empirical-cumulative-distribution-based outlier detection (Li et al., "ECOD:
//! Unsupervised Outlier Detection Using Empirical Cumulative Distribution Functions",
//! IEEE TKDE 2022), and the ECDF machinery it shares with COPOD.

use std::convert::Infallible;

use ndarray::{Array1, Array2, ArrayView1, Axis};
use oddity_core::{
    stats, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamChoice,
    ParamSpec, Params,
};

/// Which rows the empirical CDFs are built from at scoring time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EcdfMode {
    /// Training rows only: for a scored value `v` of feature `j`,
    /// `F_l(v) = (1 + #{train_j ≤ v}) / (n + 1)` and `F_r(v) = (1 + #{train_j ≥ v}) / (n + 1)`
    /// (the ECDF of the training column plus this one value), and the skewness is that of the
    /// training column. A row's score never depends on the other rows of the batch.
    Train,
    /// PyOD's behaviour: the scored batch is appended to the training rows and the ECDFs
    /// (`#{pooled ≤ v} / N`, ties get the largest rank) and the skewness are those of the
    /// pooled column, so a row's score depends on the whole batch.
    Pooled,
}

impl ParamChoice for EcdfMode {
    const ALL: &'static [Self] = &[Self::Train, Self::Pooled];
    const NAMES: &'static [&'static str] = &["train", "pooled"];
}

/// How ECOD combines the per-feature tail scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EcodAggregation {
    /// PyOD: `Σ_j max(U_l, U_r, U_skew)` (a per-feature maximum, then the sum).
    Pyod,
    /// The paper (Algorithm 1): `max(Σ_j U_l, Σ_j U_r, Σ_j U_skew)` with
    /// `U_skew = U_l` where the skewness is negative and `U_r` otherwise.
    Paper,
}

impl ParamChoice for EcodAggregation {
    const ALL: &'static [Self] = &[Self::Pyod, Self::Paper];
    const NAMES: &'static [&'static str] = &["pyod", "paper"];
}

/// Parameters of the `ecod` detector ([`EcodValidParams`] once checked; every value is valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcodParams(EcodValidParams);

impl Default for EcodParams {
    fn default() -> Self {
        Self(EcodValidParams { ecdf: EcdfMode::Train, aggregation: EcodAggregation::Pyod })
    }
}

impl EcodParams {
    /// Which rows the ECDFs come from.
    pub fn ecdf(mut self, ecdf: EcdfMode) -> Self {
        self.0.ecdf = ecdf;
        self
    }

    /// How the per-feature tail scores are combined.
    pub fn aggregation(mut self, aggregation: EcodAggregation) -> Self {
        self.0.aggregation = aggregation;
        self
    }
}

impl DetectorParams for EcodParams {
    const NAME: &'static str = "ecod";
    const SUMMARY: &'static str = "ECOD: sum of -ln ECDF tail probabilities; ecdf=train (default): train-only ECDFs, rows scored independently; ecdf=pooled: PyOD's [train; batch] ECDFs, a row's score depends on the batch";
    type Valid = EcodValidParams;
    type Fitted = FittedEcod;
    type Error = Infallible;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::choice("ecdf", self.0.ecdf, ECDF_DOC),
            ParamSpec::choice(
                "aggregation",
                self.0.aggregation,
                "pyod: sum_j max(U_l, U_r, U_skew); paper: max(sum U_l, sum U_r, sum U_skew)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().ecdf(p.choice("ecdf")?).aggregation(p.choice("aggregation")?))
    }

    fn check(self) -> Result<EcodValidParams, Infallible> {
        Ok(self.0)
    }
}

/// The documentation of the `ecdf` parameter of ECOD and COPOD.
pub(crate) const ECDF_DOC: &str =
    "train: ECDFs of the train part only; pooled: PyOD, ECDFs of [train; scored batch]";

/// ECOD: for each feature, the left and right tail probabilities of a value under the
/// empirical CDF, `U_l = −ln F_l(v)` and `U_r = −ln F_r(v)`, and `U_skew` (`U_l` when the
/// feature is skewed left, `U_r` when skewed right, `U_l + U_r` when the skewness is 0, as
/// PyOD computes it); the score adds up the tail scores over the features (see
/// [`EcodAggregation`]). Higher means further out in some tail.
///
/// The ECDFs come from the training rows only by default ([`EcdfMode::Train`]);
/// [`EcdfMode::Pooled`] reproduces PyOD 3.6.7 `ECOD().fit(train).decision_function(batch)`.
/// Reference: Z. Li, Y. Zhao, X. Hu, N. Botta, C. Ionescu, G. H. Chen, "ECOD: Unsupervised
/// Outlier Detection Using Empirical Cumulative Distribution Functions", IEEE TKDE 2022.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EcodValidParams {
    ecdf: EcdfMode,
    aggregation: EcodAggregation,
}

impl EcodValidParams {
    /// Which rows the ECDFs come from.
    pub fn ecdf(&self) -> EcdfMode {
        self.ecdf
    }

    /// How the per-feature tail scores are combined.
    pub fn aggregation(&self) -> EcodAggregation {
        self.aggregation
    }
}

impl Detector for EcodValidParams {
    fn name(&self) -> &str {
        EcodParams::NAME
    }

    fn fit(&self, train: &Dataset, _ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(FittedEcod {
            ecdfs: FittedEcdfs::fit(train, self.ecdf)?,
            aggregation: self.aggregation,
        }))
    }
}

/// A fitted [`EcodValidParams`]: the training ECDFs and the aggregation rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedEcod {
    ecdfs: FittedEcdfs,
    aggregation: EcodAggregation,
}

crate::saved!(FittedEcod, "ecod");

impl FittedDetector for FittedEcod {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        let tails = self.ecdfs.tails(data)?;
        let d = tails.skew_sign.len();
        Ok(tails
            .u_l
            .axis_iter(Axis(0))
            .zip(tails.u_r.axis_iter(Axis(0)))
            .map(|(ul, ur)| match self.aggregation {
                EcodAggregation::Pyod => (0..d)
                    .map(|j| {
                        let skew = pyod_u_skew(ul[j], ur[j], tails.skew_sign[j]);
                        ul[j].max(ur[j]).max(skew)
                    })
                    .fold(0.0, |acc, o| acc + o),
                EcodAggregation::Paper => {
                    let (mut sl, mut sr, mut ss) = (0.0, 0.0, 0.0);
                    for j in 0..d {
                        sl += ul[j];
                        sr += ur[j];
                        ss += if tails.skew_sign[j] < 0.0 { ul[j] } else { ur[j] };
                    }
                    sl.max(sr).max(ss)
                }
            })
            .collect())
    }
}

/// PyOD's `U_skew = U_l · −sign(γ − 1) + U_r · sign(γ + 1)` for `γ = sign(skewness)`:
/// `U_l` when γ < 0, `U_r` when γ > 0, `U_l + U_r` when γ = 0.
pub(crate) fn pyod_u_skew(ul: f64, ur: f64, skew_sign: f64) -> f64 {
    if skew_sign < 0.0 {
        ul
    } else if skew_sign > 0.0 {
        ur
    } else {
        ul + ur
    }
}

/// Per-feature training columns, in row order and sorted, for ECDF look-ups by binary
/// search, plus the sign of each training column's skewness.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FittedEcdfs {
    mode: EcdfMode,
    /// Training columns in row order (pooled mode needs them for the pooled skewness).
    columns: Vec<Vec<f64>>,
    /// The same columns sorted ascending.
    sorted: Vec<Vec<f64>>,
    /// Sign of the biased skewness of each training column (0 for a constant column).
    train_skew_sign: Vec<f64>,
}

/// The tail scores of a batch: `U_l`, `U_r` (rows × features) and the skewness sign used.
pub(crate) struct Tails {
    pub u_l: Array2<f64>,
    pub u_r: Array2<f64>,
    pub skew_sign: Vec<f64>,
}

impl FittedEcdfs {
    /// Stores the (finite, non-empty) training columns.
    pub(crate) fn fit(train: &Dataset, mode: EcdfMode) -> Result<Self, Error> {
        train.check_finite()?;
        let columns: Vec<Vec<f64>> =
            train.features.axis_iter(Axis(1)).map(|c| c.to_vec()).collect();
        let sorted = columns.iter().map(|c| stats::sorted(c.iter().copied())).collect();
        let train_skew_sign =
            columns.iter().map(|c| skew_sign(ArrayView1::from(c.as_slice()))).collect();
        Ok(Self { mode, columns, sorted, train_skew_sign })
    }

    /// `U_l`, `U_r` and the skewness signs for every value of `data` (finite, same
    /// feature count as the training part).
    pub(crate) fn tails(&self, data: &Dataset) -> Result<Tails, Error> {
        data.check_scoring(self.columns.len())?;
        let (m, d) = (data.n_rows(), data.n_features());
        let mut u_l = Array2::zeros((m, d));
        let mut u_r = Array2::zeros((m, d));
        let mut skew = Vec::with_capacity(d);
        for (j, col) in data.features.axis_iter(Axis(1)).enumerate() {
            let train = &self.sorted[j];
            let n = train.len();
            match self.mode {
                EcdfMode::Train => {
                    let denom = (n + 1) as f64;
                    for (i, &v) in col.iter().enumerate() {
                        let (le, ge) = counts(train, v);
                        u_l[[i, j]] = -((1 + le) as f64 / denom).ln();
                        u_r[[i, j]] = -((1 + ge) as f64 / denom).ln();
                    }
                    skew.push(self.train_skew_sign[j]);
                }
                EcdfMode::Pooled => {
                    let batch = stats::sorted(col.iter().copied());
                    let total = (n + m) as f64;
                    for (i, &v) in col.iter().enumerate() {
                        let (le_t, ge_t) = counts(train, v);
                        let (le_b, ge_b) = counts(&batch, v);
                        u_l[[i, j]] = -((le_t + le_b) as f64 / total).ln();
                        u_r[[i, j]] = -((ge_t + ge_b) as f64 / total).ln();
                    }
                    let pooled: Vec<f64> =
                        self.columns[j].iter().copied().chain(col.iter().copied()).collect();
                    skew.push(skew_sign(ArrayView1::from(pooled.as_slice())));
                }
            }
        }
        Ok(Tails { u_l, u_r, skew_sign: skew })
    }
}

/// `(#{x ≤ v}, #{x ≥ v})` in the ascending slice `sorted`, by binary search.
fn counts(sorted: &[f64], v: f64) -> (usize, usize) {
    let le = sorted.partition_point(|&x| x <= v);
    let lt = sorted.partition_point(|&x| x < v);
    (le, sorted.len() - lt)
}

/// Sign (−1, 0 or 1) of the biased sample skewness `m3 / m2^1.5` as
/// `scipy.stats.skew` computes it; a column whose `m2 ≤ (ε·mean)²` counts as constant (scipy
/// returns NaN there, which PyOD turns into 0).
pub(crate) fn skew_sign(values: ArrayView1<'_, f64>) -> f64 {
    let mean = stats::mean(values);
    let n = values.len() as f64;
    let (mut m2, mut m3) = (0.0, 0.0);
    for &v in values {
        let dv = v - mean;
        m2 += dv * dv;
        m3 += dv * dv * dv;
    }
    let (m2, m3) = (m2 / n, m3 / n);
    if m2 <= (f64::EPSILON * mean) * (f64::EPSILON * mean) || m3 == 0.0 {
        0.0
    } else {
        m3.signum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecod(ecdf: &str, aggregation: &str) -> EcodValidParams {
        let ecdf = EcdfMode::from_name(ecdf).unwrap();
        let aggregation = EcodAggregation::from_name(aggregation).unwrap();
        EcodParams::default().ecdf(ecdf).aggregation(aggregation).check().unwrap()
    }
    use ndarray::array;

    fn ln(x: f64) -> f64 {
        x.ln()
    }

    #[test]
    fn oracle_train_only_hand_computed() {
        // Column a = (1, 2, 3, 10): skewed right. Column b = (-10, 0, 1, 2): skewed left.
        let train =
            Dataset::from_features("t", array![[1.0, -10.0], [2.0, 0.0], [3.0, 1.0], [10.0, 2.0]]);
        let test = Dataset::from_features("s", array![[2.0, 5.0], [0.0, 1.0]]);
        let f = EcodParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&test).unwrap();
        // Row 0: a = 2 → #≤ = 2, #≥ = 3: U_l = −ln(3/5), U_r = −ln(4/5); max = −ln(3/5).
        //        b = 5 → #≤ = 4, #≥ = 0: U_l = −ln(5/5) = 0, U_r = −ln(1/5).
        let want0 = -ln(3.0 / 5.0) + -ln(1.0 / 5.0);
        // Row 1: a = 0 → #≤ = 0, #≥ = 4: U_l = −ln(1/5), U_r = 0.
        //        b = 1 → #≤ = 3, #≥ = 2: U_l = −ln(4/5), U_r = −ln(3/5).
        let want1 = -ln(1.0 / 5.0) + -ln(3.0 / 5.0);
        assert!((s[0] - want0).abs() < 1e-15 && (s[1] - want1).abs() < 1e-15, "{s}");
        // The paper's rule: max(Σ U_l, Σ U_r, Σ U_skew) with U_skew = U_r for a, U_l for b.
        let p = ecod("train", "paper").fit(&train, &FitContext::new(0)).unwrap();
        let sp = p.score(&test).unwrap();
        let (l0, r0, k0) = (-ln(0.6), -ln(0.8) + -ln(0.2), -ln(0.8) + 0.0);
        assert!((sp[0] - l0.max(r0).max(k0)).abs() < 1e-15);
        let (l1, r1, k1) = (-ln(0.2) + -ln(0.8), -ln(0.6), 0.0 + -ln(0.8));
        assert!((sp[1] - l1.max(r1).max(k1)).abs() < 1e-15);
    }

    #[test]
    fn train_mode_rows_do_not_interact_but_pooled_rows_do() {
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0], [3.0]]);
        let both = Dataset::from_features("s", array![[1.5], [9.0]]);
        let one = Dataset::from_features("s", array![[1.5]]);
        for (mode, same) in [("train", true), ("pooled", false)] {
            let f = ecod(mode, "pyod").fit(&train, &FitContext::new(0)).unwrap();
            let a = f.score(&both).unwrap()[0];
            let b = f.score(&one).unwrap()[0];
            assert_eq!(a == b, same, "{mode}");
        }
    }

    #[test]
    fn pooled_hand_computed() {
        // Pooled column (0, 1, 2, 5): N = 4, skewness > 0.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0]]);
        let f = ecod("pooled", "pyod").fit(&train, &FitContext::new(0)).unwrap();
        let s = f.score(&Dataset::from_features("s", array![[5.0]])).unwrap();
        // F_l(5) = 4/4, F_r(5) = 1/4.
        assert!((s[0] - -ln(0.25)).abs() < 1e-15);
    }

    #[test]
    fn constant_columns_and_extremes_stay_finite() {
        let train = Dataset::from_features("t", array![[1.0, 2.0], [1.0, 2.0]]);
        for mode in ["train", "pooled"] {
            for agg in ["pyod", "paper"] {
                let f = ecod(mode, agg).fit(&train, &FitContext::new(0)).unwrap();
                let s = f.score(&Dataset::from_features("s", array![[1.0, -1e300], [1e300, 2.0]]));
                assert!(s.unwrap().iter().all(|v| v.is_finite()));
            }
        }
        assert_eq!(skew_sign(array![3.0, 3.0, 3.0].view()), 0.0);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert_eq!(EcdfMode::from_name("test"), None);
        assert_eq!(EcodAggregation::from_name("max"), None);
        let nan = Dataset::from_features("t", array![[f64::NAN]]);
        assert!(matches!(
            EcodParams::default().check().unwrap().fit(&nan, &FitContext::new(0)),
            Err(Error::NonFinite { .. })
        ));
        let empty = Dataset::from_features("t", Array2::zeros((0, 2)));
        assert!(matches!(
            EcodParams::default().check().unwrap().fit(&empty, &FitContext::new(0)),
            Err(Error::EmptyData(_))
        ));
        let train = Dataset::from_features("t", array![[1.0], [2.0]]);
        let f = EcodParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
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
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<EcodParams>();
        is_send_sync::<EcodValidParams>();
        is_send_sync::<FittedEcod>();
        is_send_sync::<EcdfMode>();
    }
}
