//! The one place that knows every detector crate.

use oddity_core::DetectorEntry;

/// The detectors of `oddity-deep`, by name: a build without the `deep` feature leaves them
/// out of [`detectors`] and names the feature when a config or model file asks for one.
pub const DEEP_DETECTORS: &[&str] =
    &["autoencoder", "vae", "deepsvdd", "lstm_autoencoder", "cnn_autoencoder"];

/// Every detector oddity can run, in `oddity list` order.
pub fn detectors() -> Vec<DetectorEntry> {
    let mut all = oddity_classical::detectors();
    all.extend(oddity_series::detectors());
    #[cfg(feature = "deep")]
    all.extend(oddity_deep::detectors());
    all
}

/// The detector named `name`.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}

/// Why `name` is not in this build although oddity has it: `Some` (a sentence for the
/// error) when it is a deep detector and the `deep` feature is off.
pub fn left_out(name: &str) -> Option<String> {
    (!cfg!(feature = "deep") && DEEP_DETECTORS.contains(&name)).then(|| {
        format!(
            "detector `{name}` needs oddity's `deep` feature (burn), which this build \
             leaves out; rebuild with the default features: `cargo install --path .` \
             (or `--features deep`)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a build without `deep` recognises are exactly oddity-deep's detectors.
    #[cfg(feature = "deep")]
    #[test]
    fn deep_detector_names_match_oddity_deep() {
        let names: Vec<_> = oddity_deep::detectors().iter().map(|d| d.name).collect();
        assert_eq!(names, DEEP_DETECTORS);
    }

    #[cfg(feature = "deep")]
    #[test]
    fn a_full_build_leaves_nothing_out() {
        assert!(DEEP_DETECTORS.iter().all(|n| detector(n).is_some() && left_out(n).is_none()));
    }

    #[cfg(not(feature = "deep"))]
    #[test]
    fn a_build_without_deep_names_the_feature() {
        for name in DEEP_DETECTORS {
            assert!(detector(name).is_none());
            let why = left_out(name).unwrap();
            assert!(why.contains("`deep` feature") && why.contains(name), "{why}");
        }
        assert!(left_out("iforest").is_none());
    }
}
