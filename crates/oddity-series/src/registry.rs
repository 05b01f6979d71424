//! The detectors this crate provides, as the runner and `oddity list` see them.

use oddity_core::DetectorEntry;

/// Every time-series detector of this crate, derived from its parameter type
/// ([`oddity_core::DetectorParams`]).
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry::of::<crate::SubPcaParams>(),
        DetectorEntry::of::<crate::SubKnnParams>(),
        DetectorEntry::of::<crate::SubLofParams>(),
        DetectorEntry::of::<crate::SubHbosParams>(),
        DetectorEntry::of::<crate::SubIForestParams>(),
        DetectorEntry::of::<crate::KmeansAdParams>(),
        DetectorEntry::of::<crate::SubMcdParams>(),
        DetectorEntry::of::<crate::SubOcsvmParams>(),
        DetectorEntry::of::<crate::KShapeAdParams>(),
        DetectorEntry::of::<crate::SpectralResidualParams>(),
        DetectorEntry::of::<crate::MatrixProfileParams>(),
        DetectorEntry::of::<crate::PolyParams>(),
    ]
}

/// The entry named `name`, if this crate has one.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
