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
use burn_store::{ApplyError, ApplyResult, BurnpackStore, ModuleSnapshot};
use oddity_core::{state, Error, FittedDetector, ParamChoice};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::device::device;
use crate::fit::{Standardizer, Trained};
use crate::train::EpochReport;
use crate::Settings;

/// A fitted detector made of a [`Trained`] network and the specification that rebuilds the
/// network's structure.
pub(crate) trait Saved: FittedDetector + Sized {
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

/// The saved state of a [`Saved`] detector (tagged with its registry name, see
/// [`state::encode_tagged`]).
#[derive(Serialize, Deserialize)]
struct State<S> {
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
    /// The input standardisation fitted on the training rows (absent in states saved before
    /// it existed, which had none).
    #[serde(default)]
    standardizer: Option<Standardizer>,
}

/// The state of `fitted` as bytes.
pub(crate) fn save<F: Saved>(fitted: &F) -> Result<Vec<u8>, Error> {
    let trained = fitted.trained();
    let weights = pack(&trained.model, F::DETECTOR)?;
    state::encode_tagged(
        F::DETECTOR,
        &State {
            spec: fitted.spec(),
            n_features: trained.n_features,
            threads: trained.threads,
            history: trained.history.clone(),
            weights,
            standardizer: trained.standardizer.clone(),
        },
    )
}

/// Implements [`oddity_core::SavedDetector`] for a [`Saved`] fitted type, tagged with its
/// registry name.
macro_rules! saved_detector {
    ($fitted:ty) => {
        impl oddity_core::SavedDetector for $fitted {
            const TAG: &'static str = <$fitted as $crate::saved::Saved>::DETECTOR;

            fn load(bytes: &[u8]) -> Result<Self, oddity_core::Error> {
                $crate::saved::load(bytes)
            }
        }
    };
}
pub(crate) use saved_detector;

/// A fitted `F` from the bytes of [`save`] (its [`oddity_core::SavedDetector::load`]).
pub(crate) fn load<F: Saved>(bytes: &[u8]) -> Result<F, Error> {
    let what = F::DETECTOR;
    let saved: State<F::Spec> = state::decode_tagged(bytes, what)?;
    let dev = device(F::settings(&saved.spec).device.name())?;
    let mut model = F::structure(&saved.spec, saved.n_features, &dev)?;
    unpack(&mut model, saved.weights, what)?;
    if let Some(st) = &saved.standardizer {
        st.check(saved.n_features)?;
    }
    let trained = Trained {
        model,
        device: dev,
        threads: saved.threads.max(1),
        n_features: saved.n_features,
        history: saved.history,
        standardizer: saved.standardizer,
    };
    Ok(F::assemble(trained, saved.spec))
}

/// The tensors of `model` (parameters, batch-norm running statistics) as burnpack bytes.
fn pack<M: Module>(model: &M, what: &str) -> Result<Vec<u8>, Error> {
    let mut store = BurnpackStore::from_bytes(None);
    model.save_into(&mut store).map_err(|e| fail(what, "save the weights", e))?;
    let bytes = store.get_bytes().map_err(|e| fail(what, "save the weights", e))?;
    Ok(bytes.to_vec())
}

/// Overwrites every tensor of `model` with the one of the same path in `weights` (bytes of
/// [`pack`]); a tensor missing on either side, or of another shape, is an error.
fn unpack<M: Module>(model: &mut M, weights: Vec<u8>, what: &str) -> Result<(), Error> {
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(weights)));
    let result = model.load_from(&mut store).map_err(|e| fail(what, "load the weights", e))?;
    check_applied(&result).map_err(|reason| Error::State(format!("{what}: {reason}")))
}

/// Why saved weights cannot be applied to a network. The message follows the detector's
/// name in an [`Error::State`].
#[derive(Debug, Clone, thiserror::Error)]
enum WeightsError {
    /// Occurs when burn-store cannot apply a saved tensor (e.g. of another shape or dtype).
    #[error("the saved weights do not fit the network ({0})")]
    DoNotFit(ApplyError),
    /// Occurs when tensors of the network are absent from the saved weights. Holds their paths.
    #[error("the saved weights lack {}", .0.join(", "))]
    Missing(Vec<String>),
    /// Occurs when the saved weights hold tensors the network has not. Holds their paths.
    #[error("the saved weights hold tensors the network has not: {}", .0.join(", "))]
    Unused(Vec<String>),
}

/// Every tensor of the network was loaded, and every saved tensor was used.
fn check_applied(r: &ApplyResult) -> Result<(), WeightsError> {
    if let Some(e) = r.errors.first() {
        return Err(WeightsError::DoNotFit(e.clone()));
    }
    if !r.missing.is_empty() {
        return Err(WeightsError::Missing(
            r.missing.iter().map(|(path, _)| path.clone()).collect(),
        ));
    }
    if !r.unused.is_empty() {
        return Err(WeightsError::Unused(r.unused.clone()));
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

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use burn_store::ApplyResult;

    use super::{check_applied, pack, unpack, WeightsError};
    use crate::autoencoder::DenseBlock;
    use crate::nn::{matrix, values, Noise};

    fn block(seed: u64, d_out: usize, norm: bool) -> DenseBlock {
        DenseBlock::new(&mut oddity_core::rng(seed), 3, d_out, norm, &Device::flex())
    }

    #[test]
    fn unpack_overwrites_every_tensor() {
        let x = || matrix((0..6).map(|v| v as f32 - 2.5).collect(), 2, 3, &Device::flex());
        let y = |m: &DenseBlock| values(m.forward(x(), 0.0, &mut Noise::inert()));
        for norm in [false, true] {
            let (a, mut b) = (block(1, 4, norm), block(2, 4, norm));
            assert_ne!(y(&a), y(&b));
            unpack(&mut b, pack(&a, "t").unwrap(), "t").unwrap();
            assert_eq!(y(&a), y(&b));
        }
    }

    #[test]
    fn unpack_refuses_missing_unused_and_misshapen_tensors() {
        let err = |from: &DenseBlock, to: &mut DenseBlock| {
            unpack(to, pack(from, "t").unwrap(), "t").unwrap_err().to_string()
        };
        // burn-store reports missing and misshapen tensors itself; `check_applied` also
        // refuses saved tensors the network has not.
        let lacks = err(&block(1, 4, false), &mut block(2, 4, true));
        assert!(lacks.contains("Missing") && lacks.contains("norm.running_mean"), "{lacks}");
        let unused = err(&block(1, 4, true), &mut block(2, 4, false));
        assert!(unused.contains("has not") && unused.contains("norm.running_var"), "{unused}");
        let shape = err(&block(1, 5, false), &mut block(2, 4, false));
        assert!(shape.contains("ShapeMismatch") && shape.contains("linear.weight"), "{shape}");
        let garbage = unpack(&mut block(2, 4, false), vec![1, 2, 3], "t").unwrap_err();
        assert!(garbage.to_string().contains("cannot load"), "{garbage}");
    }

    #[test]
    fn weights_errors_keep_their_messages() {
        let result = |missing: &[&str], unused: &[&str]| ApplyResult {
            applied: Vec::new(),
            skipped: Vec::new(),
            missing: missing.iter().map(|p| (p.to_string(), String::new())).collect(),
            unused: unused.iter().map(|p| p.to_string()).collect(),
            errors: Vec::new(),
        };
        assert!(check_applied(&result(&[], &[])).is_ok());
        let err = check_applied(&result(&["a.weight", "b.bias"], &["c"])).unwrap_err();
        assert!(matches!(&err, WeightsError::Missing(paths) if paths.len() == 2), "{err:?}");
        assert_eq!(err.to_string(), "the saved weights lack a.weight, b.bias");
        let err = check_applied(&result(&[], &["norm.running_var"])).unwrap_err();
        assert!(matches!(err, WeightsError::Unused(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the saved weights hold tensors the network has not: norm.running_var"
        );
    }
}
