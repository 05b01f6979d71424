//! TSB-AD's sub-sequence detectors: a row detector of `oddity-classical` run on the sliding
//! windows of a series, with TSB-AD 1.5's window length, normalisation and window-to-point
//! rule ([`SubParams`] over one [`SubModel`] each).
//!
//! The presets, with TSB-AD 1.5's `Optimal_Uni_algo_HP_dict` as defaults:
//!
//! | name | row detector and the knobs set | period rank | norm | points |
//! |---|---|---|---|---|
//! | `sub_pca` | `pca`: `score = pyod`, standardised, every component, null ones dropped | 1 | none | centre |
//! | `sub_knn` | `knn`: `k = 50`, `method = largest` | 2 | window | centre |
//! | `sub_lof` | `lof`: `k = 30` | 2 | column | centre |
//! | `sub_hbos` | `hbos`: 10 bins, `alpha = 0.1`, `tol = 0.5` | 1 | window | centre |
//! | `sub_iforest` | `iforest`: 150 trees, 256 rows, `max_features = 1` | 1 | column | centre |
//! | `kmeans_ad` | `kmeans`: 10 clusters, one k-means++ run, 300 iterations, `tol = 1e-4` | 2 | window | mean |
//! | `sub_mcd` | `mcd`: `support_fraction = auto` (`⌈(n + d + 1) / 2⌉` windows) | 3 | window | centre |
//! | `sub_ocsvm` | `ocsvm`: RBF, `nu = 0.5`, `gamma = auto` (`1 / w`), `tol = 1e-3`, shrinking; training windows min-max scaled to [0, 1] after the z-normalisation, new windows not | 2 | window | centre |
//!
//! `sub_mcd` and `sub_ocsvm` are semi-supervised in TSB-AD (`Semisupervise_AD_Pool`): its
//! `run_Sub_MCD` / `run_Sub_OCSVM(data_train, data_test)` take the window length from the
//! whole series (`data_test`), fit on the windows of the training prefix and score every
//! window of the whole series with the fitted model ([`SubValidParams::fit_prefix`] does
//! exactly that; [`Detector::fit`] on a training part alone takes that part's period). Their
//! [`Detector::fit_score`] fits and then scores with the fitted model (TSB-AD's
//! `decision_function`), never the row detector's own training scores. Where TSB-AD fixes a
//! seed (`MinCovDet(random_state=2024)`), oddity draws from `FitContext::seed`, and its
//! `mcd` corrects the raw covariance as scikit-learn 1.9.1 (consistency factor) where
//! scikit-learn ≤ 1.5 divides by `median(dist) / χ²_d.isf(0.5)`: `sub_mcd` agrees with
//! TSB-AD in VUS-PR, not per step (`tests/tsbad_fixtures.rs`).
//!
//! Where TSB-AD's code differs by case, oddity takes one rule: its LOF and IForest use
//! `column` on a univariate series and `window` on a multivariate one (oddity: `column`
//! unless set), and their `decision_function` on new data skips the normalisation (oddity
//! standardises new windows with the training windows' statistics). TSB-AD's period needs a
//! univariate series; oddity takes the first feature's.

use std::marker::PhantomData;

use ndarray::Array1;
use oddity_classical::{
    HbosParams, IForestParams, KnnMethod, KnnParams, LofParams, PcaParams, PcaScore,
};
use oddity_core::{
    param_error, state, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector,
    ParamSpec, Params, ParamsError, SavedDetector, Supervision,
};

use crate::windows::{self, PointRule, WindowNorm, MAX_PERIOD_RANK};

/// The row detector of a sub-sequence preset and TSB-AD's window handling for it.
pub trait SubModel: Copy + std::fmt::Debug + PartialEq + Default + Send + Sync + 'static {
    /// The config name (also the tag of saved states).
    const NAME: &'static str;
    /// One line describing the detector.
    const SUMMARY: &'static str;
    /// The registry name of the `oddity-classical` detector run on the windows.
    const INNER: &'static str;
    /// TSB-AD's `periodicity` for it (the rank of the period used as the window length).
    const PERIOD_RANK: usize;
    /// TSB-AD's window normalisation for it (on a univariate series).
    const NORM: WindowNorm;
    /// TSB-AD's window-to-point rule for it.
    const POINTS: PointRule;
    /// What TSB-AD's protocol fits it on (the whole series unless it says otherwise).
    const SUPERVISION: Supervision = Supervision::Unsupervised;
    /// Whether the normalised training windows are also min-max scaled to [0, 1] each
    /// (TSB-AD's OCSVM: its `fit` does, its `decision_function` on new windows does not).
    const FIT_MINMAX: bool = false;

    /// The row detector's own parameters, with `self`'s values as defaults.
    fn specs(&self) -> Vec<ParamSpec>;
    /// The row detector's parameters from resolved values.
    fn from_params(p: &Params) -> Result<Self, Error>;
    /// The checked row detector.
    fn inner(&self) -> Result<Box<dyn Detector>, Error>;
}

/// Parameters of a sub-sequence detector ([`SubValidParams`] once checked): the window
/// (TSB-AD's period of rank `period_rank`, or a fixed length), its normalisation, the
/// window-to-point rule and the row detector's parameters `M`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubParams<M: SubModel>(SubValidParams<M>);

impl<M: SubModel> Default for SubParams<M> {
    fn default() -> Self {
        Self(SubValidParams {
            period_rank: M::PERIOD_RANK,
            window: 0,
            norm: M::NORM,
            points: M::POINTS,
            model: M::default(),
        })
    }
}

impl<M: SubModel> SubParams<M> {
    /// The rank of the autocorrelation period used as window length (1 to 3, TSB-AD's
    /// `periodicity`), when no fixed [`SubParams::window`] is set.
    pub fn period_rank(mut self, rank: usize) -> Self {
        self.0.period_rank = rank;
        self
    }

    /// A fixed window length instead of the period (0 = the period).
    pub fn window(mut self, window: usize) -> Self {
        self.0.window = window;
        self
    }

    /// How each window is normalised before the row detector sees it.
    pub fn norm(mut self, norm: WindowNorm) -> Self {
        self.0.norm = norm;
        self
    }

    /// How window scores become time-step scores.
    pub fn points(mut self, points: PointRule) -> Self {
        self.0.points = points;
        self
    }

    /// The row detector's parameters.
    pub fn model(mut self, model: M) -> Self {
        self.0.model = model;
        self
    }
}

/// A rejected [`SubParams`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubParamsError {
    /// Occurs when `period_rank` is not 1, 2 or 3 (and no fixed window is set).
    #[error("parameter `period_rank`: must be 1, 2 or 3, got {0}")]
    PeriodRank(usize),
    /// Occurs when a parameter of the row detector is rejected.
    #[error("parameter `{param}`: {reason}")]
    Model {
        /// The parameter.
        param: &'static str,
        /// Why.
        reason: String,
    },
}

impl ParamsError for SubParamsError {
    fn param(&self) -> &'static str {
        match self {
            Self::PeriodRank(_) => "period_rank",
            Self::Model { param, .. } => param,
        }
    }
}

/// The row detector's check error as an [`Error::InvalidParameter`] naming its parameter.
pub(crate) fn model_error<E: ParamsError>(e: E) -> Error {
    param_error(&e)
}

impl<M: SubModel> DetectorParams for SubParams<M> {
    const NAME: &'static str = M::NAME;
    const SUMMARY: &'static str = M::SUMMARY;
    const SUPERVISION: Supervision = M::SUPERVISION;
    type Valid = SubValidParams<M>;
    type Fitted = FittedSub<M>;
    type Error = SubParamsError;

    fn specs(&self) -> Vec<ParamSpec> {
        let v = &self.0;
        let mut specs = vec![
            ParamSpec::count(
                "period_rank",
                v.period_rank,
                "window = the series' autocorrelation period of this rank (1-3, TSB-AD's periodicity)",
            ),
            ParamSpec::count("window", v.window, "fixed window length; 0 = the period"),
            ParamSpec::choice(
                "norm",
                v.norm,
                "window: z-normalise each window (ddof 1); column: standardise each window position over all windows; none",
            ),
            ParamSpec::choice(
                "points",
                v.points,
                "centre: a step takes the score of the window centred on it (ends padded); mean: mean over covering windows",
            ),
        ];
        specs.extend(v.model.specs());
        specs
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .period_rank(p.usize("period_rank")?)
            .window(p.usize("window")?)
            .norm(p.choice("norm")?)
            .points(p.choice("points")?)
            .model(M::from_params(p)?))
    }

    fn check(self) -> Result<SubValidParams<M>, SubParamsError> {
        let v = self.0;
        if v.window == 0 && !(1..=MAX_PERIOD_RANK).contains(&v.period_rank) {
            return Err(SubParamsError::PeriodRank(v.period_rank));
        }
        if let Err(Error::InvalidParameter { name, reason }) = v.model.inner() {
            let param =
                v.model.specs().iter().map(|s| s.name).find(|n| *n == name).unwrap_or("model");
            return Err(SubParamsError::Model { param, reason });
        }
        Ok(v)
    }
}

/// A sub-sequence detector (checked [`SubParams`]): the stride-1 windows of the series,
/// normalised, scored by the row detector `M`, mapped back to time steps.
///
/// Under TSB-AD's protocol ([`Detector::fit_score`]) the windows are scored as the row
/// detector scores its own training rows (PyOD's `decision_scores_`: a window is not its
/// own neighbour); [`FittedDetector::score`] scores the windows of new data with the fitted
/// model, the window length fixed at fit. With `norm = column` new data is standardised with
/// the training windows' statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubValidParams<M: SubModel> {
    period_rank: usize,
    window: usize,
    norm: WindowNorm,
    points: PointRule,
    model: M,
}

impl<M: SubModel> SubValidParams<M> {
    /// The period rank used when no fixed window is set.
    pub fn period_rank(&self) -> usize {
        self.period_rank
    }

    /// The fixed window length (0 = the period).
    pub fn window(&self) -> usize {
        self.window
    }

    /// The window normalisation.
    pub fn norm(&self) -> WindowNorm {
        self.norm
    }

    /// The window-to-point rule.
    pub fn points(&self) -> PointRule {
        self.points
    }

    /// The row detector's parameters.
    pub fn model(&self) -> M {
        self.model
    }

    /// The window length for `data`.
    fn window_for(&self, data: &Dataset) -> usize {
        match self.window {
            0 => windows::period_window(data, self.period_rank),
            w => w,
        }
    }

    /// The window length for `data`, once `data` is known to be finite and non-empty.
    fn checked_window(&self, data: &Dataset) -> Result<usize, Error> {
        data.check_finite()?;
        if data.n_rows() == 0 || data.n_features() == 0 {
            return Err(Error::EmptyData(format!("series `{}` is empty", data.name)));
        }
        Ok(self.window_for(data))
    }

    /// The normalised windows of `w` steps of the training series `data` (min-max scaled
    /// when `M::FIT_MINMAX`) and the column statistics (for `norm = column`).
    fn training_windows(
        &self,
        data: &Dataset,
        w: usize,
    ) -> Result<(Dataset, Option<ColumnStats>), Error> {
        windows::check_series(data, w)?;
        let mut x = windows::sliding_windows(data.features.view(), w);
        let stats = match self.norm {
            WindowNorm::Column => {
                let s = ColumnStats::of(&x);
                s.apply(&mut x);
                Some(s)
            }
            other => {
                other.apply(&mut x);
                None
            }
        };
        if M::FIT_MINMAX {
            windows::minmax_rows(&mut x);
        }
        Ok((Dataset::from_features(data.name.clone(), x), stats))
    }

    /// The window length, the normalised training windows and their column statistics.
    fn prepare(&self, data: &Dataset) -> Result<(usize, Dataset, Option<ColumnStats>), Error> {
        let w = self.checked_window(data)?;
        let (x, stats) = self.training_windows(data, w)?;
        Ok((w, x, stats))
    }

    /// TSB-AD's semi-supervised protocol (`run_Sub_MCD` / `run_Sub_OCSVM(data_train,
    /// data_test)`): the window length from the whole `series` (its period of rank
    /// `period_rank`, or the fixed window), the row detector fitted on the windows of the
    /// first `train_rows` steps, every step of `series` scored by the fitted detector.
    ///
    /// Errors: `train_rows` of 0 or more than the series' length, a training prefix not
    /// longer than the window, and the errors of [`Detector::fit`].
    pub fn fit_prefix(
        &self,
        series: &Dataset,
        train_rows: usize,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let train = series.prefix(train_rows)?;
        let w = self.checked_window(series)?;
        let (x, stats) = self.training_windows(&train, w)?;
        let inner = self.model.inner()?.fit(&x, ctx)?;
        let fitted = self.fitted(w, stats, inner);
        let scores = fitted.score(series)?;
        Ok((Box::new(fitted), scores))
    }

    fn fitted(
        &self,
        window: usize,
        stats: Option<ColumnStats>,
        inner: Box<dyn FittedDetector>,
    ) -> FittedSub<M> {
        FittedSub { window, norm: self.norm, points: self.points, stats, inner, model: PhantomData }
    }
}

impl<M: SubModel> Detector for SubValidParams<M> {
    fn name(&self) -> &str {
        M::NAME
    }

    /// [`SubValidParams::fit_prefix`]: the window from the whole series, as TSB-AD.
    fn fit_prefix_score(
        &self,
        series: &Dataset,
        train_rows: usize,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        self.fit_prefix(series, train_rows, ctx)
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        let (w, x, stats) = self.prepare(train)?;
        let inner = self.model.inner()?.fit(&x, ctx)?;
        Ok(Box::new(self.fitted(w, stats, inner)))
    }

    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        if M::SUPERVISION == Supervision::SemiSupervised {
            // TSB-AD scores with `decision_function` (new windows, never min-max scaled).
            let fitted = self.fit(data, ctx)?;
            let scores = fitted.score(data)?;
            return Ok((fitted, scores));
        }
        let (w, x, stats) = self.prepare(data)?;
        let (inner, scores) = self.model.inner()?.fit_score(&x, ctx)?;
        let points = windows::to_points(self.points, &scores.to_vec(), w);
        Ok((Box::new(self.fitted(w, stats, inner)), points))
    }
}

/// Per-column mean and standard deviation of the training windows (`norm = column`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct ColumnStats {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl ColumnStats {
    fn of(x: &ndarray::Array2<f64>) -> Self {
        let (mean, std) = oddity_core::stats::column_mean_std(x.view());
        Self { mean, std }
    }

    fn apply(&self, x: &mut ndarray::Array2<f64>) {
        windows::standardize_columns(x, &self.mean, &self.std);
    }
}

/// A fitted sub-sequence detector: the window length, the normalisation and the fitted row
/// detector.
pub struct FittedSub<M: SubModel> {
    window: usize,
    norm: WindowNorm,
    points: PointRule,
    stats: Option<ColumnStats>,
    inner: Box<dyn FittedDetector>,
    model: PhantomData<M>,
}

impl<M: SubModel> std::fmt::Debug for FittedSub<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedSub").field("name", &M::NAME).field("window", &self.window).finish()
    }
}

impl<M: SubModel> FittedSub<M> {
    /// The window length, fixed at fit.
    pub fn window(&self) -> usize {
        self.window
    }
}

/// What [`FittedSub`] saves: its window handling and the row detector's own saved state.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSub {
    window: usize,
    norm: WindowNorm,
    points: PointRule,
    stats: Option<ColumnStats>,
    inner: Vec<u8>,
}

impl<M: SubModel> FittedDetector for FittedSub<M> {
    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        windows::check_series(data, self.window)?;
        let mut x = windows::sliding_windows(data.features.view(), self.window);
        match &self.stats {
            Some(s) => s.apply(&mut x),
            None => self.norm.apply(&mut x),
        }
        let scores = self.inner.score(&Dataset::from_features(data.name.clone(), x))?;
        Ok(windows::to_points(self.points, &scores.to_vec(), self.window))
    }

    fn save(&self) -> Result<Vec<u8>, Error> {
        let saved = SavedSub {
            window: self.window,
            norm: self.norm,
            points: self.points,
            stats: self.stats.clone(),
            inner: self.inner.save()?,
        };
        state::encode_tagged(M::NAME, &saved)
    }
}

impl<M: SubModel> SavedDetector for FittedSub<M> {
    const TAG: &'static str = M::NAME;

    fn load(bytes: &[u8]) -> Result<Self, Error> {
        let s: SavedSub = state::decode_tagged(bytes, M::NAME)?;
        let entry = oddity_classical::detector(M::INNER)
            .ok_or_else(|| Error::State(format!("no classical detector `{}`", M::INNER)))?;
        Ok(Self {
            window: s.window,
            norm: s.norm,
            points: s.points,
            stats: s.stats,
            inner: entry.load_fitted(&s.inner)?,
            model: PhantomData,
        })
    }
}

/// `sub_pca`: PyOD's PCA score (distances to the principal axes weighted by the inverse
/// explained-variance ratio) of the standardised windows, as TSB-AD's `Sub_PCA`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SubPca {
    components: usize,
}

impl SubPca {
    /// Number of leading components (0 = all, TSB-AD's `n_components = None`).
    pub fn components(mut self, components: usize) -> Self {
        self.components = components;
        self
    }
}

impl SubModel for SubPca {
    const NAME: &'static str = "sub_pca";
    const SUMMARY: &'static str = "TSB-AD's Sub-PCA: pca (PyOD score, standardised) on the period windows, score at the window centre";
    const INNER: &'static str = "pca";
    const PERIOD_RANK: usize = 1;
    const NORM: WindowNorm = WindowNorm::None;
    const POINTS: PointRule = PointRule::Centre;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::count("components", self.components, "leading components kept (0 = all)")]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().components(p.usize("components")?))
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        let c = (self.components > 0).then_some(self.components);
        let p = PcaParams::default()
            .components(c)
            .score(PcaScore::Pyod)
            .standardize(true)
            .drop_null(true);
        Ok(Box::new(p.check().map_err(model_error)?))
    }
}

/// `sub_knn`: distance to the k-th nearest other window (z-normalised windows), as
/// TSB-AD's `Sub_KNN`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubKnn {
    k: usize,
    method: KnnMethod,
}

impl Default for SubKnn {
    fn default() -> Self {
        Self { k: 50, method: KnnMethod::Largest }
    }
}

impl SubKnn {
    /// Number of neighbours.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// How the `k` distances are combined.
    pub fn method(mut self, method: KnnMethod) -> Self {
        self.method = method;
        self
    }
}

impl SubModel for SubKnn {
    const NAME: &'static str = "sub_knn";
    const SUMMARY: &'static str =
        "TSB-AD's Sub-KNN: knn on the z-normalised period windows (rank 2), score at the window centre";
    const INNER: &'static str = "knn";
    const PERIOD_RANK: usize = 2;
    const NORM: WindowNorm = WindowNorm::Window;
    const POINTS: PointRule = PointRule::Centre;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("k", self.k, "number of nearest other windows"),
            ParamSpec::choice(
                "method",
                self.method,
                "largest: k-th distance; mean / median of the k",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?).method(p.choice("method")?))
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        let p = KnnParams::default().k(self.k).method(self.method);
        Ok(Box::new(p.check().map_err(model_error)?))
    }
}

/// `sub_lof`: local outlier factor of the windows (each window position standardised), as
/// TSB-AD's `Sub_LOF`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubLof {
    k: usize,
}

impl Default for SubLof {
    fn default() -> Self {
        Self { k: 30 }
    }
}

impl SubLof {
    /// Number of neighbours.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
}

impl SubModel for SubLof {
    const NAME: &'static str = "sub_lof";
    const SUMMARY: &'static str =
        "TSB-AD's Sub-LOF: lof on the column-standardised period windows (rank 2), score at the window centre";
    const INNER: &'static str = "lof";
    const PERIOD_RANK: usize = 2;
    const NORM: WindowNorm = WindowNorm::Column;
    const POINTS: PointRule = PointRule::Centre;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::count("k", self.k, "number of nearest other windows")]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().k(p.usize("k")?))
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        Ok(Box::new(LofParams::default().k(self.k).check().map_err(model_error)?))
    }
}

/// `sub_hbos`: histogram-based outlier score of the z-normalised windows, as TSB-AD's
/// `Sub_HBOS`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubHbos {
    bins: usize,
    alpha: f64,
    tol: f64,
}

impl Default for SubHbos {
    fn default() -> Self {
        Self { bins: 10, alpha: 0.1, tol: 0.5 }
    }
}

impl SubHbos {
    /// Equal-width bins per window position.
    pub fn bins(mut self, bins: usize) -> Self {
        self.bins = bins;
        self
    }

    /// Added to each density before `log2`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Fraction of a bin width outside the histogram still scored by the edge bin.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
}

impl SubModel for SubHbos {
    const NAME: &'static str = "sub_hbos";
    const SUMMARY: &'static str =
        "TSB-AD's Sub-HBOS: hbos on the z-normalised period windows, score at the window centre";
    const INNER: &'static str = "hbos";
    const PERIOD_RANK: usize = 1;
    const NORM: WindowNorm = WindowNorm::Window;
    const POINTS: PointRule = PointRule::Centre;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("bins", self.bins, "equal-width bins per window position (>= 2)"),
            ParamSpec::float("alpha", self.alpha, "added to each density before log2 (> 0)"),
            ParamSpec::float(
                "tol",
                self.tol,
                "bin-width fraction outside the range scored by the edge bin",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default().bins(p.usize("bins")?).alpha(p.float("alpha")?).tol(p.float("tol")?))
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        let p = HbosParams::default().bins(self.bins).alpha(self.alpha).tol(self.tol);
        Ok(Box::new(p.check().map_err(model_error)?))
    }
}

/// `sub_iforest`: isolation forest on the windows (each window position standardised), as
/// TSB-AD's `Sub_IForest`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubIForest {
    n_estimators: usize,
    max_samples: usize,
    max_features: usize,
}

impl Default for SubIForest {
    fn default() -> Self {
        Self { n_estimators: 150, max_samples: 256, max_features: 1 }
    }
}

impl SubIForest {
    /// Number of trees.
    pub fn n_estimators(mut self, n_estimators: usize) -> Self {
        self.n_estimators = n_estimators;
        self
    }

    /// Subsample size per tree.
    pub fn max_samples(mut self, max_samples: usize) -> Self {
        self.max_samples = max_samples;
        self
    }

    /// Window positions each tree may split on, drawn per tree (0 = all; TSB-AD: 1).
    pub fn max_features(mut self, max_features: usize) -> Self {
        self.max_features = max_features;
        self
    }
}

impl SubModel for SubIForest {
    const NAME: &'static str = "sub_iforest";
    const SUMMARY: &'static str =
        "TSB-AD's Sub-IForest: iforest on the column-standardised period windows, score at the window centre";
    const INNER: &'static str = "iforest";
    const PERIOD_RANK: usize = 1;
    const NORM: WindowNorm = WindowNorm::Column;
    const POINTS: PointRule = PointRule::Centre;

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::count("n_estimators", self.n_estimators, "number of trees"),
            ParamSpec::count("max_samples", self.max_samples, "subsample size per tree"),
            ParamSpec::count(
                "max_features",
                self.max_features,
                "window positions drawn per tree to split on (0 = all)",
            ),
        ]
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        Ok(Self::default()
            .n_estimators(p.usize("n_estimators")?)
            .max_samples(p.usize("max_samples")?)
            .max_features(p.usize("max_features")?))
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        let p = IForestParams::default()
            .n_estimators(self.n_estimators)
            .max_samples(self.max_samples)
            .max_features(self.max_features);
        Ok(Box::new(p.check().map_err(model_error)?))
    }
}

/// Parameters of `sub_pca`.
pub type SubPcaParams = SubParams<SubPca>;
/// Parameters of `sub_knn`.
pub type SubKnnParams = SubParams<SubKnn>;
/// Parameters of `sub_lof`.
pub type SubLofParams = SubParams<SubLof>;
/// Parameters of `sub_hbos`.
pub type SubHbosParams = SubParams<SubHbos>;
/// Parameters of `sub_iforest`.
pub type SubIForestParams = SubParams<SubIForest>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_rank_must_be_1_to_3() {
        let err = SubKnnParams::default().period_rank(4).check().unwrap_err();
        assert_eq!(err, SubParamsError::PeriodRank(4));
        assert_eq!(err.to_string(), "parameter `period_rank`: must be 1, 2 or 3, got 4");
        assert!(SubKnnParams::default().period_rank(4).window(8).check().is_ok());
    }

    #[test]
    fn model_errors_name_the_model_parameter() {
        let err = SubKnnParams::default().model(SubKnn::default().k(0)).check().unwrap_err();
        assert_eq!(err.param(), "k");
    }
}
