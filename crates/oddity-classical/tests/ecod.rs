//! ECOD against the shared reference (`reference/tabular`): train-only ECDFs with PyOD's
//! and the paper's aggregation, and PyOD's pooled ECDFs, all to 1e-12 relative.

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::Ecod;

#[test]
fn ecod_train_only_matches_reference() {
    for name in DATASETS {
        check_reference(
            &Ecod::new("train", "pyod").unwrap(),
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
    let ecod = Ecod::new("train", "paper").unwrap();
    for name in DATASETS {
        check_reference(&ecod, name, "ecod_paper_train_only", 1e-12, 0.0, &[]);
    }
}

#[test]
fn ecod_pooled_matches_pyod() {
    for name in DATASETS {
        check_reference(&Ecod::new("pooled", "pyod").unwrap(), name, "ecod", 1e-12, 0.0, &[]);
    }
}
