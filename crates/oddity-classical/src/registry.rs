//! The detectors this crate provides, as the runner and `oddity list` see them.

use oddity_core::{DetectorEntry, Error, SavedDetector};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{
    CopodParams, DbscanParams, EcodParams, EifParams, GmmParams, HbosParams, IForestParams,
    KmeansParams, KnnParams, LofParams, MahalanobisParams, PcaParams, RandomParams,
    RobustZScoreParams, ZScoreParams,
};

/// The saved state of a fitted detector: its fields after its stable tag.
pub(crate) fn save_state<T: SavedDetector + Serialize>(state: &T) -> Result<Vec<u8>, Error> {
    oddity_core::state::encode_tagged(T::TAG, state)
}

/// A fitted detector from the bytes of [`save_state`] (its tag checked).
pub(crate) fn load_state<T: SavedDetector + DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    oddity_core::state::decode_tagged(bytes, T::TAG)
}

/// Every classical detector: name, one-line summary, parameters, constructor and loader,
/// all derived from its parameter type ([`oddity_core::DetectorParams`]).
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry::of::<ZScoreParams>(),
        DetectorEntry::of::<RobustZScoreParams>(),
        DetectorEntry::of::<GmmParams>(),
        DetectorEntry::of::<KmeansParams>(),
        DetectorEntry::of::<KnnParams>(),
        DetectorEntry::of::<LofParams>(),
        DetectorEntry::of::<DbscanParams>(),
        DetectorEntry::of::<MahalanobisParams>(),
        DetectorEntry::of::<EcodParams>(),
        DetectorEntry::of::<CopodParams>(),
        DetectorEntry::of::<HbosParams>(),
        DetectorEntry::of::<IForestParams>(),
        DetectorEntry::of::<EifParams>(),
        DetectorEntry::of::<PcaParams>(),
        DetectorEntry::of::<RandomParams>(),
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use oddity_core::{DetectorParams, Params};

    use super::*;

    /// `P`'s specification defaults resolve back to `P::default()`, and every spec default
    /// is the value of `P::default()` (both come from `Default`, never from a second copy).
    fn defaults_agree<P: DetectorParams + PartialEq + std::fmt::Debug>() {
        let specs = P::default().specs();
        let resolved = Params::resolve(P::NAME, &specs, &Params::default()).unwrap();
        let from_specs = P::from_params(&resolved).unwrap();
        assert_eq!(from_specs, P::default(), "{}", P::NAME);
        assert_eq!(from_specs.specs(), specs, "{}", P::NAME);
        let entry = detector(P::NAME).unwrap();
        assert_eq!(entry.params, specs, "{}", P::NAME);
        assert_eq!(entry.summary, P::SUMMARY);
        for spec in &specs {
            assert_eq!(resolved.value(spec.name).unwrap(), &spec.default, "{}", P::NAME);
        }
    }

    #[test]
    fn spec_defaults_equal_the_params_defaults() {
        defaults_agree::<ZScoreParams>();
        defaults_agree::<RobustZScoreParams>();
        defaults_agree::<GmmParams>();
        defaults_agree::<KmeansParams>();
        defaults_agree::<KnnParams>();
        defaults_agree::<LofParams>();
        defaults_agree::<DbscanParams>();
        defaults_agree::<MahalanobisParams>();
        defaults_agree::<EcodParams>();
        defaults_agree::<CopodParams>();
        defaults_agree::<HbosParams>();
        defaults_agree::<IForestParams>();
        defaults_agree::<EifParams>();
        defaults_agree::<PcaParams>();
        defaults_agree::<RandomParams>();
        assert_eq!(detectors().len(), 15, "a detector is missing from this test");
    }

    #[test]
    fn names_and_state_tags_are_unique_and_stable() {
        let all = detectors();
        let names: BTreeSet<_> = all.iter().map(|e| e.name).collect();
        let tags: BTreeSet<_> = all.iter().map(|e| e.tag).collect();
        assert_eq!(names.len(), all.len());
        assert_eq!(tags.len(), all.len());
        // Tags are written into saved models: changing one needs a new model format.
        for e in &all {
            assert_eq!(e.tag, e.name, "{}", e.name);
        }
    }
}
