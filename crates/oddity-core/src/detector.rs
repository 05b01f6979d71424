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

    /// Resolves `given` against this entry's parameters and builds the detector.
    pub fn instantiate(&self, given: &Params) -> Result<(Params, Box<dyn Detector>), Error> {
        let params = Params::resolve(self.name, &self.params, given)?;
        let detector = (self.build)(&params)?;
        Ok((params, detector))
    }
}
