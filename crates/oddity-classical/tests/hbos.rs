//! HBOS against PyOD's `hbos` column of the shared reference (`reference/tabular`), to
//! 1e-12 relative, on the bit-exact standardization of `tests/common`.

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::HbosParams;
use oddity_core::DetectorParams;

#[test]
fn hbos_matches_pyod() {
    for name in DATASETS {
        check_reference(&HbosParams::default().check().unwrap(), name, "hbos", 1e-12, 0.0, &[]);
    }
}
