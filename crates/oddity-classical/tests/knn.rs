//! kNN distance detector against the shared reference (`reference/tabular`): PyOD
//! `KNN(n_neighbors=5)` with `method='largest'` and `'mean'`, to 1e-9 relative + 1e-7
//! absolute (scikit-learn's dot-product distances put identical rows ~6e-8 apart on cardio).

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::Knn;

#[test]
fn knn_largest_matches_reference() {
    for name in DATASETS {
        check_reference(&Knn::new(5, "largest").unwrap(), name, "knn_largest", 1e-9, 1e-7, &[]);
    }
}

#[test]
fn knn_mean_matches_reference() {
    for name in DATASETS {
        check_reference(&Knn::new(5, "mean").unwrap(), name, "knn_mean", 1e-9, 1e-7, &[]);
    }
}
