//! One test per `MetricError` variant, through every metric that can return it.

use oddity_eval::{average_precision, best_f1, metrics, roc_auc, MetricError};

type Metric = fn(&[u8], &[f64]) -> Result<f64, MetricError>;

/// Every registered metric with its name.
fn all() -> impl Iterator<Item = (&'static str, Metric)> {
    metrics().iter().map(|entry| (entry.name, entry.compute))
}

#[test]
fn length_mismatch_gives_both_lengths() {
    for (name, metric) in all() {
        let got = metric(&[0, 1, 1], &[0.1, 0.2]);
        assert!(
            matches!(got, Err(MetricError::LengthMismatch { labels: 3, scores: 2 })),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn empty_input_is_an_error() {
    for (name, metric) in all() {
        let got = metric(&[], &[]);
        assert!(matches!(got, Err(MetricError::Empty)), "{name}: {got:?}");
    }
}

#[test]
fn no_positives_is_undefined_for_every_metric() {
    for (name, metric) in all() {
        let got = metric(&[0, 0, 0], &[0.1, 0.2, 0.3]);
        assert!(matches!(got, Err(MetricError::NoPositives)), "{name}: {got:?}");
        assert!(got.unwrap_err().is_undefined());
    }
}

#[test]
fn no_negatives_is_undefined_for_roc_auc_and_vus_only() {
    let got = roc_auc(&[1, 1], &[0.1, 0.2]);
    assert!(matches!(got, Err(MetricError::NoNegatives)), "{got:?}");
    assert!(got.unwrap_err().is_undefined());
    for name in ["vus_roc", "vus_pr"] {
        let got = (oddity_eval::metric(name).unwrap().compute)(&[1, 1], &[0.1, 0.2]);
        assert!(matches!(got, Err(MetricError::NoNegatives)), "{name}: {got:?}");
    }
    assert_eq!(average_precision(&[1, 1], &[0.1, 0.2]), Ok(1.0));
    assert_eq!(best_f1(&[1, 1], &[0.1, 0.2]), Ok(1.0));
}

#[test]
fn non_finite_scores_give_their_index() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (name, metric) in all() {
            let got = metric(&[0, 1, 0, 1], &[0.1, 0.2, bad, bad]);
            assert!(
                matches!(got, Err(MetricError::NonFinite { index: 2 })),
                "{name} {bad}: {got:?}"
            );
            assert!(!got.unwrap_err().is_undefined());
        }
    }
}

#[test]
fn invalid_labels_give_index_and_value() {
    for (name, metric) in all() {
        let got = metric(&[0, 1, 2, 255], &[0.1, 0.2, 0.3, 0.4]);
        assert!(
            matches!(got, Err(MetricError::InvalidLabel { index: 2, value: 2 })),
            "{name}: {got:?}"
        );
        assert!(!got.unwrap_err().is_undefined());
    }
}

#[test]
fn input_errors_come_before_missing_classes() {
    for (name, metric) in all() {
        let got = metric(&[0, 0], &[0.1, f64::NAN]);
        assert!(matches!(got, Err(MetricError::NonFinite { index: 1 })), "{name}: {got:?}");
        let got = metric(&[0, 0], &[0.1]);
        assert!(matches!(got, Err(MetricError::LengthMismatch { .. })), "{name}: {got:?}");
    }
}

#[test]
fn messages_are_lowercase_without_trailing_period() {
    let errors = [
        MetricError::LengthMismatch { labels: 3, scores: 2 },
        MetricError::Empty,
        MetricError::NoPositives,
        MetricError::NoNegatives,
        MetricError::NonFinite { index: 7 },
        MetricError::InvalidLabel { index: 7, value: 2 },
        MetricError::InvalidOption { name: "k", reason: "120 is not in [0, 100]".to_owned() },
    ];
    for error in errors {
        let message = error.to_string();
        assert!(message.starts_with(|c: char| c.is_ascii_lowercase()), "{message}");
        assert!(!message.ends_with('.'), "{message}");
        assert_eq!(error.is_undefined(), message.starts_with("undefined: "), "{message}");
    }
    assert_eq!(
        MetricError::NoPositives.to_string(),
        "undefined: no anomaly (label 1) in the evaluated part"
    );
}
