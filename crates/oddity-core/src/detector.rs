//! The detector traits and the registry entry every detector provides.

use ndarray::{Array1, Array2};

use crate::{Dataset, Error, ParamSpec, Params};

/// What a detector may use while fitting: its seed and its share of the thread budget.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FitContext {
    /// The job's derived seed; all randomness of the fit comes from it.
    pub seed: u64,
    /// How many threads the detector may use inside (at least 1).
    pub threads: usize,
}

impl FitContext {
    /// A context with `seed` and one thread.
    pub fn new(seed: u64) -> Self {
        Self { seed, threads: 1 }
    }

    /// The same context with `threads` threads (at least 1).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }
}

/// An unfitted detector: validated parameters, ready to fit on a training part.
pub trait Detector: Send + Sync {
    /// The registry name (`"zscore"`, …).
    fn name(&self) -> &str;
    /// Fits on `train` (labels are never read) and returns the fitted model.
    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error>;

    /// Fits on `data` and scores the same rows the way the detector sees its own training
    /// data, as PyOD's `decision_scores_` do (a row is not its own nearest neighbour). This is
    /// how TSB-AD's protocol scores a series it fitted on. The default fits, then scores
    /// `data` with the fitted model.
    fn fit_score(
        &self,
        data: &Dataset,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let fitted = self.fit(data, ctx)?;
        let scores = fitted.score(data)?;
        Ok((fitted, scores))
    }

    /// TSB-AD's semi-supervised protocol: fits on the first `train_rows` rows of `series`
    /// and scores every row of it. The default fits on that prefix, then scores the series;
    /// a detector that derives a setting from the data it fits on (a window as long as the
    /// series' period) may take it from the whole series instead, as TSB-AD's code does.
    ///
    /// Errors: `train_rows` of 0 or more than the series' rows, and the errors of
    /// [`Detector::fit`] and [`FittedDetector::score`].
    fn fit_prefix_score(
        &self,
        series: &Dataset,
        train_rows: usize,
        ctx: &FitContext,
    ) -> Result<(Box<dyn FittedDetector>, Array1<f64>), Error> {
        let fitted = self.fit(&series.prefix(train_rows)?, ctx)?;
        let scores = fitted.score(series)?;
        Ok((fitted, scores))
    }
}

/// A fitted detector: maps rows to scores, higher = more anomalous, always finite.
pub trait FittedDetector: Send + Sync {
    /// One score per row of `data`.
    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error>;

    /// For rows that are flattened sliding windows ([`Dataset::window`] set): the error of
    /// every window at each of its time steps, one row per window and one column per step,
    /// so that a time step can be scored by the windows covering it ("that window's error at
    /// t"). `None` (the default) when the detector only scores whole rows; callers then use
    /// [`FittedDetector::score`].
    fn score_steps(&self, data: &Dataset) -> Option<Result<Array2<f64>, Error>> {
        let _ = data;
        None
    }

    /// The fitted state as bytes that the registry entry's [`DetectorEntry::load`] turns
    /// back into a detector scoring bit for bit as this one (see [`crate::state`]). The
    /// default refuses: a detector that cannot be saved says so.
    fn save(&self) -> Result<Vec<u8>, Error> {
        Err(Error::State("this detector cannot be saved".into()))
    }
}

/// Rebuilds a fitted detector from the bytes of [`FittedDetector::save`].
pub type LoadFn = fn(&[u8]) -> Result<Box<dyn FittedDetector>, Error>;

/// How a detector is known to the runner and to `oddity list`.
pub struct DetectorEntry {
    /// The registry name used in configs.
    pub name: &'static str,
    /// One line describing the scoring rule.
    pub summary: &'static str,
    /// Its parameters with defaults.
    pub params: Vec<ParamSpec>,
    /// Builds the detector from resolved parameters (see [`Params::resolve`]).
    pub build: fn(&Params) -> Result<Box<dyn Detector>, Error>,
    /// Loads a fitted detector saved by [`FittedDetector::save`]; `None` when the detector's
    /// fitted state cannot be saved.
    pub load: Option<LoadFn>,
    /// The tag of its saved fitted states ([`SavedDetector::TAG`]).
    pub tag: &'static str,
    /// Unsupervised (fits on the series it scores) or semi-supervised (fits on normal data).
    pub supervision: Supervision,
}

/// What a detector is meant to fit on, as TSB-AD sorts its methods: its protocol fits an
/// unsupervised detector on the whole series it scores and a semi-supervised one on the
/// series' training prefix only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Supervision {
    /// Fits on the data it scores, anomalies included (TSB-AD's `Unsupervise_AD_Pool`).
    #[default]
    Unsupervised,
    /// Fits on data assumed normal (TSB-AD's `Semisupervise_AD_Pool`).
    SemiSupervised,
}

impl Supervision {
    /// `"unsupervised"` or `"semi-supervised"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unsupervised => "unsupervised",
            Self::SemiSupervised => "semi-supervised",
        }
    }
}

impl std::fmt::Debug for DetectorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectorEntry")
            .field("name", &self.name)
            .field("params", &self.params)
            .finish()
    }
}

impl DetectorEntry {
    /// Loads a fitted detector of this entry from the bytes of [`FittedDetector::save`].
    pub fn load_fitted(&self, bytes: &[u8]) -> Result<Box<dyn FittedDetector>, Error> {
        match self.load {
            Some(load) => load(bytes),
            None => Err(Error::State(format!("detector `{}` cannot be loaded", self.name))),
        }
    }

    /// The entry of the detector whose parameters are `P`: its name, summary and parameter
    /// specifications (with the defaults of `P::default()`) come from `P`, it builds through
    /// [`DetectorParams::from_params`] and [`DetectorParams::check`] and loads saved states
    /// of `P::Fitted`.
    pub fn of<P: DetectorParams>() -> Self {
        Self {
            name: P::NAME,
            summary: P::SUMMARY,
            params: P::default().specs(),
            build: build::<P>,
            load: Some(load::<P::Fitted>),
            tag: <P::Fitted as SavedDetector>::TAG,
            supervision: P::SUPERVISION,
        }
    }

    /// Resolves `given` against this entry's parameters and builds the detector.
    pub fn instantiate(&self, given: &Params) -> Result<(Params, Box<dyn Detector>), Error> {
        let params = Params::resolve(self.name, &self.params, given)?;
        let detector = (self.build)(&params)?;
        Ok((params, detector))
    }
}

/// A detector's parameters in linfa's shape: `FooParams` (defaults from [`Default`], the
/// only place they are written, and consuming builder methods) → [`DetectorParams::check`]
/// → `FooValidParams`, the [`Detector`] that fits → `FittedFoo`.
///
/// Everything the registry knows about a detector comes from here, so a registry entry is
/// one line: [`DetectorEntry::of::<FooParams>()`](DetectorEntry::of).
///
/// ```
/// use ndarray::Array1;
/// use oddity_core::*;
///
/// /// Scores every row `level`.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// pub struct FlatValidParams { level: f64 }
/// /// Parameters of `flat` (`level` 1 by default).
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// pub struct FlatParams(FlatValidParams);
/// impl Default for FlatParams {
///     fn default() -> Self { Self(FlatValidParams { level: 1.0 }) }
/// }
/// impl FlatParams {
///     pub fn level(mut self, level: f64) -> Self { self.0.level = level; self }
/// }
/// #[derive(Debug, thiserror::Error)]
/// pub enum FlatParamsError {
///     #[error("parameter `level`: must be finite, got {0}")]
///     Level(f64),
/// }
/// impl ParamsError for FlatParamsError {
///     fn param(&self) -> &'static str { "level" }
/// }
/// impl DetectorParams for FlatParams {
///     const NAME: &'static str = "flat";
///     const SUMMARY: &'static str = "the same score for every row";
///     type Valid = FlatValidParams;
///     type Fitted = FittedFlat;
///     type Error = FlatParamsError;
///     fn specs(&self) -> Vec<ParamSpec> {
///         vec![ParamSpec::float("level", self.0.level, "the score")]
///     }
///     fn from_params(p: &Params) -> Result<Self, Error> {
///         Ok(Self::default().level(p.float("level")?))
///     }
///     fn check(self) -> Result<FlatValidParams, FlatParamsError> {
///         if !self.0.level.is_finite() {
///             return Err(FlatParamsError::Level(self.0.level));
///         }
///         Ok(self.0)
///     }
/// }
/// impl Detector for FlatValidParams {
///     fn name(&self) -> &str { FlatParams::NAME }
///     fn fit(&self, _: &Dataset, _: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
///         Ok(Box::new(FittedFlat(self.level)))
///     }
/// }
/// /// A fitted `flat`.
/// pub struct FittedFlat(f64);
/// impl FittedDetector for FittedFlat {
///     fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
///         Ok(Array1::from_elem(data.n_rows(), self.0))
///     }
///     fn save(&self) -> Result<Vec<u8>, Error> { state::encode_tagged(Self::TAG, &self.0) }
/// }
/// impl SavedDetector for FittedFlat {
///     const TAG: &'static str = "flat";
///     fn load(bytes: &[u8]) -> Result<Self, Error> {
///         Ok(Self(state::decode_tagged(bytes, Self::TAG)?))
///     }
/// }
///
/// let entry = DetectorEntry::of::<FlatParams>();
/// assert_eq!((entry.name, entry.params[0].default.clone()), ("flat", ParamValue::Float(1.0)));
/// let given = Params([("level".to_string(), ParamValue::Float(f64::NAN))].into());
/// let err = entry.instantiate(&given).err().unwrap();
/// assert_eq!(err.to_string(), "parameter `level`: must be finite, got NaN");
/// let (_, flat) = entry.instantiate(&Params::default())?;
/// let rows = Dataset::from_features("x", ndarray::Array2::zeros((2, 1)));
/// let fitted = flat.fit(&rows, &FitContext::new(0))?;
/// let loaded = entry.load_fitted(&fitted.save()?)?;
/// assert_eq!(loaded.score(&rows)?.to_vec(), vec![1.0, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait DetectorParams: Default + Send + Sync + Sized + 'static {
    /// The name in configs (`"knn"`).
    const NAME: &'static str;
    /// One line describing the scoring rule.
    const SUMMARY: &'static str;
    /// What the detector should be fitted on under TSB-AD's protocol (unsupervised unless
    /// the detector says otherwise).
    const SUPERVISION: Supervision = Supervision::Unsupervised;
    /// The checked parameters: the detector that fits.
    type Valid: Detector + 'static;
    /// The fitted detector, whose saved states the registry loads.
    type Fitted: SavedDetector;
    /// The error of [`DetectorParams::check`]: one variant per bad field.
    type Error: ParamsError;

    /// The specification of every parameter, with the values of `self` as the defaults;
    /// `Self::default().specs()` is what `oddity list` shows and what an unset parameter
    /// resolves to.
    fn specs(&self) -> Vec<ParamSpec>;

    /// The parameters from values resolved against [`DetectorParams::specs`] (see
    /// [`Params::resolve`]); a value the type cannot hold (a negative count) is an error
    /// naming the parameter.
    fn from_params(params: &Params) -> Result<Self, Error>;

    /// Checks every field; only checked parameters can fit.
    fn check(self) -> Result<Self::Valid, Self::Error>;
}

/// The error of a [`DetectorParams::check`], naming the parameter at fault.
///
/// Its message starts with ``parameter `name`: `` (lowercase, no trailing period).
pub trait ParamsError: std::error::Error + Send + Sync + 'static {
    /// The parameter (config key) whose value is rejected.
    fn param(&self) -> &'static str;
}

/// The error of parameters that cannot be wrong.
impl ParamsError for std::convert::Infallible {
    fn param(&self) -> &'static str {
        match *self {}
    }
}

/// `e` as an [`Error::InvalidParameter`] naming its parameter (the ``parameter `name`: ``
/// prefix of its message dropped, since that error adds its own).
pub fn param_error<E: ParamsError + ?Sized>(e: &E) -> Error {
    let name = e.param();
    let text = e.to_string();
    let prefix = format!("parameter `{name}`: ");
    let reason = text.strip_prefix(&prefix).map_or_else(|| text.clone(), str::to_string);
    Error::InvalidParameter { name: name.into(), reason }
}

/// A fitted detector whose state [`FittedDetector::save`] writes after a stable tag and
/// [`SavedDetector::load`] reads back.
pub trait SavedDetector: FittedDetector + Sized + 'static {
    /// The tag written before the state: stable across compilers and releases, and
    /// different for every fitted type, so that one detector's state is never loaded as
    /// another's (see [`crate::state::encode_tagged`]).
    const TAG: &'static str;

    /// Rebuilds the fitted detector from the bytes of [`FittedDetector::save`].
    fn load(bytes: &[u8]) -> Result<Self, Error>;
}

fn build<P: DetectorParams>(params: &Params) -> Result<Box<dyn Detector>, Error> {
    let valid = P::from_params(params)?.check().map_err(|e| param_error(&e))?;
    Ok(Box::new(valid))
}

fn load<F: SavedDetector>(bytes: &[u8]) -> Result<Box<dyn FittedDetector>, Error> {
    Ok(Box::new(F::load(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum E {
        #[error("parameter `k`: must be at least 1, got 0")]
        K,
        #[error("k is odd")]
        Bare,
    }

    impl ParamsError for E {
        fn param(&self) -> &'static str {
            "k"
        }
    }

    #[test]
    fn param_errors_become_invalid_parameters() {
        let e = param_error(&E::K);
        assert_eq!(
            e,
            Error::InvalidParameter {
                name: "k".into(),
                reason: "must be at least 1, got 0".into()
            }
        );
        assert_eq!(e.to_string(), "parameter `k`: must be at least 1, got 0");
        let bare = param_error(&E::Bare);
        assert_eq!(bare.to_string(), "parameter `k`: k is odd");
    }
}
