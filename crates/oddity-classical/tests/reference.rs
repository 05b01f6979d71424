//! z-score and robust z-score against the shared reference (`reference/tabular`): same
//! split rule, standardization fit on train, scores of the test rows equal to 1e-9 relative.

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::{RobustZScoreParams, ZScoreParams};
use oddity_core::DetectorParams;

#[test]
fn zscore_matches_reference() {
    for name in DATASETS {
        check_reference(&ZScoreParams::default().check().unwrap(), name, "zscore", 1e-9, 0.0, &[]);
    }
}

#[test]
fn robust_zscore_matches_reference() {
    for name in DATASETS {
        check_reference(
            &RobustZScoreParams::default().check().unwrap(),
            name,
            "robust_z",
            1e-9,
            0.0,
            &[],
        );
    }
}
