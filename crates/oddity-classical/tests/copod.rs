//! COPOD with pooled ECDFs against PyOD's `copod` column of the shared reference
//! (`reference/tabular`), to 1e-12 relative. (The train-only mode has no reference column;
//! it is checked by hand-computed unit tests.)

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::{CopodParams, EcdfMode};
use oddity_core::DetectorParams;

#[test]
fn copod_pooled_matches_pyod() {
    for name in DATASETS {
        check_reference(
            &CopodParams::default().ecdf(EcdfMode::Pooled).check().unwrap(),
            name,
            "copod",
            1e-12,
            0.0,
            &[],
        );
    }
}
