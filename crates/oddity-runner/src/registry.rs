//! The one place that knows every detector crate.

use oddity_core::DetectorEntry;

/// Every detector oddity can run, in `oddity list` order.
pub fn detectors() -> Vec<DetectorEntry> {
    let mut all = oddity_classical::detectors();
    all.extend(oddity_series::detectors());
    all.extend(oddity_deep::detectors());
    all
}

/// The detector named `name`.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}
