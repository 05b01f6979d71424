//! Mahalanobis against the shared reference (`reference/tabular`): squared distance with
//! the ddof-0 covariance and `scipy.linalg.pinvh`, to 1e-9 relative on all 8 sets (cardio's
//! covariance is singular).

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::MahalanobisParams;
use oddity_core::DetectorParams;

#[test]
fn mahalanobis_matches_reference() {
    for name in DATASETS {
        check_reference(
            &MahalanobisParams::default().check().unwrap(),
            name,
            "mahalanobis",
            1e-9,
            0.0,
            &[],
        );
    }
}
