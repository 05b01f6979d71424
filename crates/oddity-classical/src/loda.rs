//! The LODA detector: sparse random projections and one histogram per projection.

use ndarray::Array1;
use oddity_core::{
    derive_seed, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector, ParamSpec,
    ParamValue, Params, ParamsError,
};
use rayon::prelude::*;

use crate::isolation::{subsample, TreeRng};
use crate::neighbors::pool;

/// Added to every histogram count before it is normalised, as PyOD, so that an empty bin has
/// a finite density.
pub const LODA_EMPTY_BIN: f64 = 1e-12;

/// How many equal-width bins each projection's histogram has ([`LodaParams::bins`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LodaBins {
    /// Exactly this many (≥ 1).
    Fixed(usize),
    /// Chosen per projection by the Birgé–Rozenblac penalised likelihood over
    /// `1 .. max(2, ⌊√n⌋) − 1` bins (PyOD's `n_bins = "auto"`, `get_optimal_n_bins`).
    Auto,
}

/// Parameters of the `loda` detector ([`LodaValidParams`] once checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LodaParams(LodaValidParams);

impl Default for LodaParams {
    /// PyOD 3.6.7's `LODA()`: 10 bins, 100 random cuts.
    fn default() -> Self {
        Self(LodaValidParams { bins: LodaBins::Fixed(10), n_random_cuts: 100 })
    }
}

impl LodaParams {
    /// Bins per projection histogram: a count (≥ 1) or [`LodaBins::Auto`].
    pub fn bins(mut self, bins: LodaBins) -> Self {
        self.0.bins = bins;
        self
    }

    /// Number of random projections (between 1 and 10⁶).
    pub fn n_random_cuts(mut self, n_random_cuts: usize) -> Self {
        self.0.n_random_cuts = n_random_cuts;
        self
    }
}

/// A rejected [`LodaParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LodaParamsError {
    /// Occurs when `bins` is a count of 0.
    #[error("parameter `bins`: must be at least 1 or \"auto\", got {0}")]
    Bins(usize),
    /// Occurs when `n_random_cuts` is 0 or above 10⁶.
    #[error("parameter `n_random_cuts`: must be between 1 and 1000000, got {0}")]
    NRandomCuts(usize),
}

impl ParamsError for LodaParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::Bins(_) => "bins",
            Self::NRandomCuts(_) => "n_random_cuts",
        }
    }
}

impl DetectorParams for LodaParams {
    const NAME: &'static str = "loda";
    const SUMMARY: &'static str = "LODA (Pevny 2016, as PyOD LODA): mean -log histogram density over sparse random projections";
    type Valid = LodaValidParams;
    type Fitted = FittedLoda;
    type Error = LodaParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::int_or(
                "bins",
                &["auto"],
                match self.0.bins {
                    LodaBins::Fixed(b) => ParamValue::Int(b as i64),
                    LodaBins::Auto => ParamValue::Str("auto".into()),
                },
                "equal-width bins per projection histogram, or \"auto\" (Birge-Rozenblac per projection)",
            ),
            ParamSpec::count(
                "n_random_cuts",
                self.0.n_random_cuts,
                "number of sparse random projections (>= 1)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        let bins = match p.value("bins")? {
            ParamValue::Int(b) => {
                LodaBins::Fixed(usize::try_from(*b).map_err(|_| Error::InvalidParameter {
                    name: "bins".into(),
                    reason: format!("must be at least 1 or \"auto\", got {b}"),
                })?)
            }
            _ => LodaBins::Auto,
        };
        Ok(Self::default().bins(bins).n_random_cuts(p.usize("n_random_cuts")?))
    }

    fn check(self) -> Result<LodaValidParams, LodaParamsError> {
        if self.0.bins == LodaBins::Fixed(0) {
            return Err(LodaParamsError::Bins(0));
        }
        if !(1..=1_000_000).contains(&self.0.n_random_cuts) {
            return Err(LodaParamsError::NRandomCuts(self.0.n_random_cuts));
        }
        Ok(self.0)
    }
}

/// Lightweight on-line detector of anomalies (Pevný 2016, "Loda: Lightweight on-line detector
/// of anomalies", Machine Learning 102), as PyOD 3.6.7's `LODA()`.
///
/// Each of the `K = n_random_cuts` projections has `⌊√d⌋` non-zero weights, standard normal,
/// on features drawn uniformly without replacement (PyOD draws `d` normals and zeroes
/// `d − ⌊√d⌋` of them: the same distribution). The projected training rows get a histogram
/// as `numpy.histogram(p, bins)`: equal-width bins from the smallest to the largest value
/// (`±0.5` around a constant projection), edges `e_i = first + i · (last − first) / b`,
/// bins half-open `[e_i, e_{i+1})` except the last, which is closed. Each count gets
/// [`LODA_EMPTY_BIN`] added and the histogram is normalised to sum to 1.
///
/// A projected value `p` (training or new) is looked up as PyOD does,
/// `numpy.searchsorted(edges[..b − 1], p, side = "left")`: the bin index is the number of
/// the first `b − 1` edges strictly below `p`. This is one bin to the right of the bin that
/// counted `p` for values strictly inside a bin (PyOD's convention, kept so that the scores
/// rank rows as PyOD's do); values below the training range read the first bin, values above
/// it the last.
///
/// The score of a row is the mean over projections of `−ln` of the density read, summed in
/// projection order. (PyOD multiplies each term by `1/K` and then divides the sum by `K`
/// again: its scores are these divided by `K`, the same ranking.)
///
/// Randomness: projection `c` draws from its own stream seeded with
/// `derive_seed(ctx.seed, ["loda-cut", c])`; projections are fitted in parallel on a local
/// pool of `FitContext::threads` threads and rows are scored in parallel, each row's sum in
/// projection order, so the scores depend on the seed only, never on the thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LodaValidParams {
    bins: LodaBins,
    n_random_cuts: usize,
}

impl LodaValidParams {
    /// The bins of each histogram.
    pub fn bins(&self) -> LodaBins {
        self.bins
    }

    /// The number of random projections.
    pub fn n_random_cuts(&self) -> usize {
        self.n_random_cuts
    }

    fn fit_model(&self, train: &Dataset, ctx: &FitContext) -> Result<FittedLoda, Error> {
        train.check_finite()?;
        let x = train.features.as_standard_layout();
        let (n, d) = x.dim();
        let x = x.as_slice().expect("standard layout is contiguous");
        let nonzero = ((d as f64).sqrt() as usize).clamp(1, d);
        let draw = |c: usize| {
            let mut rng = TreeRng::new(derive_seed(ctx.seed, &["loda-cut", &c.to_string()]));
            let mut features = subsample(&mut rng, d, nonzero);
            features.sort_unstable();
            let weights: Vec<f64> = features.iter().map(|_| rng.normal()).collect();
            Cut { features, weights, lower: Vec::new(), neg_log: Vec::new() }
        };
        let mut cuts: Vec<Cut> = (0..self.n_random_cuts).map(draw).collect();
        // Projections are made GROUP at a time in one pass over the rows (a row is read once
        // per group, not once per projection); then each projection gets its histogram.
        let build = |(g, group): (usize, &mut [Cut])| -> Result<(), Error> {
            let mut columns = vec![0.0; group.len() * n];
            for (i, row) in x.chunks_exact(d).enumerate() {
                for (c, cut) in group.iter().enumerate() {
                    columns[c * n + i] = cut.project(row);
                }
            }
            for (c, (cut, projected)) in group.iter_mut().zip(columns.chunks_exact(n)).enumerate() {
                if let Some(i) = projected.iter().position(|p| !p.is_finite()) {
                    return Err(Error::Fit(format!(
                        "loda: projection {} of training row {i} is not finite (values too large)",
                        g * GROUP + c
                    )));
                }
                let bins = match self.bins {
                    LodaBins::Fixed(b) => b,
                    LodaBins::Auto => optimal_bins(projected),
                };
                let (counts, edges) = histogram(projected, bins);
                let density: Vec<f64> = counts.iter().map(|&h| h as f64 + LODA_EMPTY_BIN).collect();
                let total = oddity_core::stats::pairwise_sum(&density);
                cut.neg_log = density.iter().map(|h| -(h / total).ln()).collect();
                cut.lower = edges[..bins - 1].to_vec();
            }
            Ok(())
        };
        if ctx.threads <= 1 {
            cuts.chunks_mut(GROUP).enumerate().try_for_each(build)?;
        } else {
            pool(ctx.threads)?
                .install(|| cuts.par_chunks_mut(GROUP).enumerate().try_for_each(build))?;
        }
        Ok(FittedLoda { cuts, d, threads: ctx.threads.max(1) })
    }
}

impl Detector for LodaValidParams {
    fn name(&self) -> &str {
        LodaParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        Ok(Box::new(self.fit_model(train, ctx)?))
    }
}

/// `numpy.histogram(values, bins)` for finite, non-empty `values`: the counts and the
/// `bins + 1` edges, computed as numpy does (`linspace` edges, the index from the scaled
/// offset, then corrected by one where rounding put a value on the wrong side of an edge).
fn histogram(values: &[f64], bins: usize) -> (Vec<usize>, Vec<f64>) {
    let (mut first, mut last) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let delta = last - first;
    let step = delta / bins as f64;
    let mut edges: Vec<f64> = (0..=bins)
        .map(|i| if step == 0.0 { i as f64 / bins as f64 * delta } else { i as f64 * step } + first)
        .collect();
    edges[bins] = last;
    let mut counts = vec![0usize; bins];
    for &v in values {
        let mut i = (((v - first) / delta) * bins as f64) as usize;
        if i >= bins {
            i = bins - 1;
        }
        if v < edges[i] {
            i -= 1;
        } else if v >= edges[i + 1] && i != bins - 1 {
            i += 1;
        }
        counts[i] += 1;
    }
    (counts, edges)
}

/// PyOD's `get_optimal_n_bins` (Birgé and Rozenblac 2006): the `b` in
/// `1 .. max(2, ⌊√n⌋) − 1` that maximises `Σ_i [h_i ln(b h_i / n + 1) − (b − 1 + (ln b)^2.5)]`
/// (the first on ties), the sum taken as numpy's.
fn optimal_bins(values: &[f64]) -> usize {
    let n = values.len();
    let upper = ((n as f64).sqrt() as usize).max(2);
    let mut best = (1, f64::NEG_INFINITY);
    for b in 1..upper {
        let (counts, _) = histogram(values, b);
        let penalty = (b - 1) as f64 + (b as f64).ln().powf(2.5);
        let terms: Vec<f64> = counts
            .iter()
            .map(|&h| h as f64 * (((b * h) as f64 / n as f64) + 1.0).ln() - penalty)
            .collect();
        let likelihood = oddity_core::stats::pairwise_sum(&terms);
        if likelihood > best.1 {
            best = (b, likelihood);
        }
    }
    best.0
}

/// One random projection and its histogram.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Cut {
    /// The features with a non-zero weight, ascending.
    features: Vec<usize>,
    /// Their weights.
    weights: Vec<f64>,
    /// The first `b − 1` bin edges: the lookup table of `searchsorted`.
    lower: Vec<f64>,
    /// `−ln` of each bin's normalised density (`b` values).
    neg_log: Vec<f64>,
}

impl Cut {
    /// The projection of `row`, summed in feature order.
    fn project(&self, row: &[f64]) -> f64 {
        self.features.iter().zip(&self.weights).map(|(&j, w)| w * row[j]).sum()
    }

    /// `−ln` density of the bin `row` is read from (see [`LodaValidParams`]).
    fn neg_log_density(&self, row: &[f64]) -> f64 {
        let p = self.project(row);
        // A branch-free count for short tables (a binary search mispredicts on most rows).
        let bin = if self.lower.len() <= 64 {
            self.lower.iter().map(|e| usize::from(*e < p)).sum()
        } else {
            self.lower.partition_point(|e| *e < p)
        };
        self.neg_log[bin]
    }
}

/// Projections fitted together (one pass over the training rows per group).
const GROUP: usize = 8;

/// Rows scored together per parallel task.
const SCORE_BLOCK: usize = 256;

/// A fitted [`LodaValidParams`]: the projections and their histograms.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedLoda {
    cuts: Vec<Cut>,
    d: usize,
    threads: usize,
}

crate::saved!(FittedLoda, "loda");

impl FittedLoda {
    /// Number of projections.
    pub fn n_random_cuts(&self) -> usize {
        self.cuts.len()
    }

    /// The number of bins of each projection's histogram, in projection order.
    pub fn bins(&self) -> Vec<usize> {
        self.cuts.iter().map(|c| c.neg_log.len()).collect()
    }
}

impl FittedDetector for FittedLoda {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.d)?;
        let k = self.cuts.len() as f64;
        // Projection by projection over a block of rows (its tables stay in cache); each
        // row's sum still runs in projection order.
        let work = |rows: &[f64], out: &mut [f64]| {
            out.fill(0.0);
            for cut in &self.cuts {
                for (row, o) in rows.chunks_exact(self.d).zip(out.iter_mut()) {
                    *o += cut.neg_log_density(row);
                }
            }
            out.iter_mut().for_each(|o| *o /= k);
        };
        crate::rows::score_blocks(data, SCORE_BLOCK, self.threads, work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn bins_must_be_positive() {
        let err = LodaParams::default().bins(LodaBins::Fixed(0)).check().unwrap_err();
        assert_eq!(err, LodaParamsError::Bins(0));
        assert_eq!(err.param(), "bins");
        assert!(LodaParams::default().bins(LodaBins::Auto).check().is_ok());
    }

    #[test]
    fn n_random_cuts_must_be_between_1_and_a_million() {
        for bad in [0, 1_000_001] {
            let err = LodaParams::default().n_random_cuts(bad).check().unwrap_err();
            assert_eq!(err, LodaParamsError::NRandomCuts(bad));
            assert_eq!(err.param(), "n_random_cuts");
        }
    }

    #[test]
    fn histogram_is_numpys() {
        // np.histogram([0, 1, 2, 3, 4, 10], bins=5) → [2, 2, 1, 0, 1], edges 0, 2, …, 10:
        // values on an inner edge go right; the maximum goes into the last bin.
        let (counts, edges) = histogram(&[0.0, 1.0, 2.0, 3.0, 4.0, 10.0], 5);
        assert_eq!(counts, vec![2, 2, 1, 0, 1]);
        assert_eq!(edges, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        // np.histogram([0.1, 0.2, 0.3], bins=3): edges from linspace, 0.2 on the second.
        let (counts, edges) = histogram(&[0.1, 0.2, 0.3], 3);
        assert_eq!(counts, vec![1, 1, 1]);
        assert_eq!(edges[3], 0.3);
        // A constant: the range widens by 0.5 on each side.
        let (counts, edges) = histogram(&[7.0, 7.0], 2);
        assert_eq!(counts, vec![0, 2]);
        assert_eq!(edges, vec![6.5, 7.0, 7.5]);
    }

    #[test]
    fn optimal_bins_as_pyod() {
        // PyOD 3.6.7's get_optimal_n_bins on the same arrays: 1, 1, 2, 2. By hand for the
        // first (n = 9, b ∈ {1, 2}): b = 1 gives 9 ln 2 = 6.24; b = 2 gives
        // 8 ln(16/9 + 1) + ln(2/9 + 1) − 2 (1 + (ln 2)^2.5) = 5.57.
        let v = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(optimal_bins(&v), 1);
        let v: Vec<f64> = (0..9).map(f64::from).collect();
        assert_eq!(optimal_bins(&v), 1);
        let mut v = vec![0.0; 20];
        v.extend([5.0, 5.0, 5.0, 100.0]);
        assert_eq!(optimal_bins(&v), 2);
        let v: Vec<f64> = (0..100).map(|i| f64::from(i * i)).collect();
        assert_eq!(optimal_bins(&v), 2);
    }

    #[test]
    fn oracle_one_feature_one_cut() {
        // d = 1: the only projection is w·x with w ≠ 0; train 0, 1, 2, 3 with two bins: the
        // projected range splits at its middle, counts [2, 2], every row scores ln 2.
        let train = Dataset::from_features("t", array![[0.0], [1.0], [2.0], [3.0]]);
        let loda = LodaParams::default().bins(LodaBins::Fixed(2)).n_random_cuts(1);
        let f = loda.check().unwrap().fit(&train, &FitContext::new(3)).unwrap();
        let s = f.score(&train).unwrap();
        for v in s.iter() {
            assert!((v - 2f64.ln()).abs() < 1e-9, "{s}");
        }
        // Three bins on 0, 0, 0, 3: counts 3, 0, 1 (w > 0) or 1, 0, 3 (w < 0).
        let train = Dataset::from_features("t", array![[0.0], [0.0], [0.0], [3.0]]);
        let total: f64 = 4.0 + 3e-12;
        let (three, one, empty) =
            (-((3.0 + 1e-12) / total).ln(), -((1.0 + 1e-12) / total).ln(), -(1e-12 / total).ln());
        for seed in 0..8 {
            let loda = LodaParams::default().bins(LodaBins::Fixed(3)).n_random_cuts(1);
            let f = loda.check().unwrap().fit_model(&train, &FitContext::new(seed)).unwrap();
            let s = f.score(&Dataset::from_features("s", array![[0.0], [3.0], [0.5]])).unwrap();
            // w > 0: edges 0, w, 2w, 3w; the table is [0, w]: 0 reads bin 0, 3w bin 2, and
            // 0.5w, inside bin 0, reads bin 1 (empty). w < 0: edges 3w, 2w, w, 0; the table
            // is [3w, 2w]: 0 reads bin 2, 3w bin 0, and 0.5w, inside bin 2, reads bin 2.
            let want =
                if f.cuts[0].weights[0] > 0.0 { [three, one, empty] } else { [three, one, three] };
            for (got, want) in s.iter().zip(want) {
                assert!((got - want).abs() < 1e-9, "seed {seed}: {s} vs {want:?}");
            }
        }
    }

    #[test]
    fn same_seed_any_thread_count() {
        let x = Array2::from_shape_fn((300, 7), |(i, j)| ((i * 31 + j * 17) % 23) as f64 / 5.0);
        let train = Dataset::from_features("t", x);
        for bins in [LodaBins::Fixed(10), LodaBins::Auto] {
            let loda = LodaParams::default().bins(bins).check().unwrap();
            let one = loda.fit(&train, &FitContext::new(5)).unwrap().score(&train).unwrap();
            let ctx = FitContext::new(5).with_threads(4);
            let four = loda.fit(&train, &ctx).unwrap().score(&train).unwrap();
            assert_eq!(one, four);
            let other = loda.fit(&train, &FitContext::new(6)).unwrap().score(&train).unwrap();
            assert_ne!(one, other);
        }
    }

    #[test]
    fn projections_have_floor_sqrt_d_features() {
        let x = Array2::from_shape_fn((20, 10), |(i, j)| (i * j) as f64);
        let f = LodaParams::default()
            .check()
            .unwrap()
            .fit_model(&Dataset::from_features("t", x), &FitContext::new(1))
            .unwrap();
        assert!(f
            .cuts
            .iter()
            .all(|c| c.features.len() == 3 && c.features.windows(2).all(|w| w[0] < w[1])));
        assert_eq!(f.bins(), vec![10; 100]);
    }

    #[test]
    fn constant_data_and_far_rows_are_finite() {
        let train = Dataset::from_features("t", Array2::from_elem((5, 3), 2.0));
        let f = LodaParams::default().check().unwrap().fit(&train, &FitContext::new(0)).unwrap();
        let s =
            f.score(&Dataset::from_features("s", array![[2.0, 2.0, 2.0], [1e300, -1e300, 1e300]]));
        assert!(s.unwrap().iter().all(|v| v.is_finite()));
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<LodaParams>();
        is_send_sync::<LodaValidParams>();
        is_send_sync::<FittedLoda>();
    }
}
