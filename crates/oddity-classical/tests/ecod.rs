//! ECOD against the shared reference (`reference/tabular`): train-only ECDFs with PyOD's
//! and the paper's aggregation, and PyOD's pooled ECDFs, all to 1e-12 relative.

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::{EcdfMode, EcodAggregation, EcodParams, EcodValidParams};
use oddity_core::DetectorParams;

fn ecod(ecdf: EcdfMode, aggregation: EcodAggregation) -> EcodValidParams {
    EcodParams::default().ecdf(ecdf).aggregation(aggregation).check().unwrap()
}

#[test]
fn ecod_train_only_matches_reference() {
    for name in DATASETS {
        check_reference(
            &ecod(EcdfMode::Train, EcodAggregation::Pyod),
            name,
            "ecod_train_only",
            1e-12,
            0.0,
            &[],
        );
    }
}

#[test]
fn ecod_paper_train_only_matches_reference() {
    let ecod = ecod(EcdfMode::Train, EcodAggregation::Paper);
    for name in DATASETS {
        check_reference(&ecod, name, "ecod_paper_train_only", 1e-12, 0.0, &[]);
    }
}

#[test]
fn ecod_pooled_matches_pyod() {
    for name in DATASETS {
        check_reference(
            &ecod(EcdfMode::Pooled, EcodAggregation::Pyod),
            name,
            "ecod",
            1e-12,
            0.0,
            &[],
        );
    }
}
