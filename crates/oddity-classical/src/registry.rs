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
        DetectorEntry::of::<crate::KdeParams>(),
        DetectorEntry::of::<crate::CofParams>(),
        DetectorEntry::of::<crate::SodParams>(),
        DetectorEntry::of::<crate::CblofParams>(),
        DetectorEntry::of::<crate::InneParams>(),
        DetectorEntry::of::<crate::LodaParams>(),
        DetectorEntry::of::<crate::OcsvmParams>(),
        DetectorEntry::of::<crate::McdParams>(),
        DetectorEntry::of::<crate::DifParams>(),
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use oddity_core::DetectorParams;

    use super::*;

    fn defaults_agree<P: DetectorParams + PartialEq + std::fmt::Debug>() {
        oddity_core::testing::check_registered::<P>(&detectors());
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
        defaults_agree::<crate::KdeParams>();
        defaults_agree::<crate::CofParams>();
        defaults_agree::<crate::SodParams>();
        defaults_agree::<crate::CblofParams>();
        defaults_agree::<crate::InneParams>();
        defaults_agree::<crate::LodaParams>();
        defaults_agree::<crate::OcsvmParams>();
        defaults_agree::<crate::McdParams>();
        defaults_agree::<crate::DifParams>();
        assert_eq!(detectors().len(), 24, "a detector is missing from this test");
    }

    #[test]
    fn names_and_state_tags_are_unique_and_stable() {
        oddity_core::testing::check_tags(&detectors());
    }
}
