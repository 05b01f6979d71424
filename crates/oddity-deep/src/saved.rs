//! Saving and loading fitted deep detectors: the checked parameters and the fit's scalars
//! as CBOR ([`oddity_core::state`]), the network's weights (batch-norm running statistics
//! and DeepSVDD's centre included) as burnpack bytes inside it.
//!
//! Loading rebuilds the network's structure from the parameters on the plain (non-autodiff)
//! device of the saved `device` setting, overwrites every tensor with the saved one (a
//! missing or unused tensor is an error) and scores with the saved thread count, so the
//! loaded detector scores bit for bit as the saved one.

use burn::module::Module;
use burn::tensor::{Bytes, Device};
use burn_store::{ApplyResult, BurnpackStore, ModuleSnapshot};
use oddity_core::{state, Error, FittedDetector};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::device::device;
use crate::fit::Trained;
use crate::train::EpochReport;
use crate::Settings;

/// A fitted detector made of a [`Trained`] network and the specification that rebuilds the
/// network's structure.
pub(crate) trait Saved: FittedDetector + Sized + 'static {
    /// The registry name, written into the state and checked at load.
    const DETECTOR: &'static str;
    /// The network.
    type Net: Module;
    /// What fixes the network's structure besides the number of input columns: the checked
    /// parameters (and the window length of sequence models).
    type Spec: Serialize + DeserializeOwned;

    /// The trained network.
    fn trained(&self) -> &Trained<Self::Net>;
    /// The specification to save.
    fn spec(&self) -> Self::Spec;
    /// The training and device settings in `spec`.
    fn settings(spec: &Self::Spec) -> &Settings;
    /// Checks `spec` and `n_features` (they come from bytes) and builds a network of that
    /// structure on `device`, with weights that loading overwrites.
    fn structure(spec: &Self::Spec, n_features: usize, device: &Device)
        -> Result<Self::Net, Error>;
    /// The fitted detector from a loaded network and its specification.
    fn assemble(trained: Trained<Self::Net>, spec: Self::Spec) -> Self;
}

/// The saved state of a [`Saved`] detector.
#[derive(Serialize, Deserialize)]
struct State<S> {
    /// The registry name.
    detector: String,
    /// The structure's specification.
    spec: S,
    /// Feature columns seen at fit.
    n_features: usize,
    /// Threads for scoring.
    threads: usize,
    /// The fit's loss history.
    history: Vec<EpochReport>,
    /// The network's tensors as burnpack bytes.
    #[serde(with = "serde_bytes")]
    weights: Vec<u8>,
}

/// The first field of every [`State`], read before the rest to name a mismatch.
#[derive(Deserialize)]
struct Head {
    detector: String,
}

/// The state of `fitted` as bytes.
pub(crate) fn save<F: Saved>(fitted: &F) -> Result<Vec<u8>, Error> {
    let trained = fitted.trained();
    let mut store = BurnpackStore::from_bytes(None);
    trained.model.save_into(&mut store).map_err(|e| fail(F::DETECTOR, "save the weights", e))?;
    let weights = store.get_bytes().map_err(|e| fail(F::DETECTOR, "save the weights", e))?;
    state::encode(&State {
        detector: F::DETECTOR.to_string(),
        spec: fitted.spec(),
        n_features: trained.n_features,
        threads: trained.threads,
        history: trained.history.clone(),
        weights: weights.to_vec(),
    })
}

/// A fitted `F` from the bytes of [`save`] (the registry entries' `load`).
pub(crate) fn load<F: Saved>(bytes: &[u8]) -> Result<Box<dyn FittedDetector>, Error> {
    let what = F::DETECTOR;
    let head: Head = state::decode(bytes, what)?;
    if head.detector != what {
        return Err(Error::State(format!(
            "{what}: the saved state is of detector `{}`",
            head.detector
        )));
    }
    let saved: State<F::Spec> = state::decode(bytes, what)?;
    let dev = device(&F::settings(&saved.spec).device)?;
    let mut model = F::structure(&saved.spec, saved.n_features, &dev)?;
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(saved.weights)));
    let result = model.load_from(&mut store).map_err(|e| fail(what, "load the weights", e))?;
    check_applied(&result).map_err(|reason| Error::State(format!("{what}: {reason}")))?;
    let trained = Trained {
        model,
        device: dev,
        threads: saved.threads.max(1),
        n_features: saved.n_features,
        history: saved.history,
    };
    Ok(Box::new(F::assemble(trained, saved.spec)))
}

/// Every tensor of the network was loaded, and every saved tensor was used.
fn check_applied(r: &ApplyResult) -> Result<(), String> {
    if let Some(e) = r.errors.first() {
        return Err(format!("the saved weights do not fit the network ({e})"));
    }
    if !r.missing.is_empty() {
        let names: Vec<&str> = r.missing.iter().map(|(path, _)| path.as_str()).collect();
        return Err(format!("the saved weights lack {}", names.join(", ")));
    }
    if !r.unused.is_empty() {
        let names: Vec<&str> = r.unused.iter().map(String::as_str).collect();
        return Err(format!("the saved weights hold tensors the network has not: {}", names.join(", ")));
    }
    Ok(())
}

fn fail(what: &str, action: &str, e: impl std::fmt::Display) -> Error {
    Error::State(format!("{what}: cannot {action} ({e})"))
}

/// The input width of a saved network, checked to be at least 1.
pub(crate) fn check_features(what: &str, n_features: usize) -> Result<(), Error> {
    if n_features == 0 {
        return Err(Error::State(format!("{what}: the saved state has no feature columns")));
    }
    Ok(())
}
