//! kNN distance detector against the shared reference (`reference/tabular`): PyOD
//! `KNN(n_neighbors=5)` with `method='largest'` and `'mean'`, to 1e-9 relative + 1e-7
//! absolute (scikit-learn's dot-product distances put identical rows ~6e-8 apart on cardio).

mod common;

use common::{check_reference, DATASETS};
use oddity_classical::{KnnMethod, KnnParams, KnnValidParams};
use oddity_core::DetectorParams;

fn knn(k: usize, method: KnnMethod) -> KnnValidParams {
    KnnParams::default().k(k).method(method).check().unwrap()
}

#[test]
fn knn_largest_matches_reference() {
    for name in DATASETS {
        check_reference(&knn(5, KnnMethod::Largest), name, "knn_largest", 1e-9, 1e-7, &[]);
    }
}

#[test]
fn knn_mean_matches_reference() {
    for name in DATASETS {
        check_reference(&knn(5, KnnMethod::Mean), name, "knn_mean", 1e-9, 1e-7, &[]);
    }
}

#[test]
fn thread_count_does_not_change_the_scores() {
    use oddity_core::{Detector, FitContext};
    for name in ["thyroid", "cardio"] {
        let (train, test) = common::parts(name);
        let knn = knn(5, KnnMethod::Mean);
        let one = knn.fit(&train, &FitContext::new(0)).unwrap().score(&test).unwrap();
        let ctx = FitContext::new(0).with_threads(3);
        let three = knn.fit(&train, &ctx).unwrap().score(&test).unwrap();
        assert_eq!(one, three, "{name}");
    }
}

/// Many identical training rows (a k-d tree leaf of duplicates) and `k` up to `n − 1`.
#[test]
fn identical_rows_and_large_k() {
    use ndarray::{array, Array2};
    use oddity_core::{Dataset, Detector, Error, FitContext};
    let train = Dataset::from_features("t", Array2::from_elem((500, 3), 0.5));
    let test = Dataset::from_features("s", array![[0.5, 0.5, 0.5], [0.5, 3.5, 4.5]]);
    let ctx = FitContext::new(0);
    for k in [1, 20, 499] {
        let s = knn(k, KnnMethod::Largest).fit(&train, &ctx).unwrap().score(&test).unwrap();
        assert_eq!(s.to_vec(), vec![0.0, 5.0], "k = {k}");
    }
    assert!(matches!(knn(500, KnnMethod::Largest).fit(&train, &ctx), Err(Error::Fit(_))));
}
