//! k-means against the shared reference (`reference/tabular`): distances to scikit-learn's
//! centroids to 1e-12 relative, and our own seeded fits inside scikit-learn's seed bands.

mod common;

use common::{band, labels, parts, reference, DATASETS};
use ndarray::Array2;
use oddity_classical::{FittedKmeans, KmeansParams, KmeansParamsError, KmeansValidParams};
use oddity_core::DetectorParams;

fn kmeans(n_init: usize) -> KmeansValidParams {
    KmeansParams::default().n_init(n_init).check().unwrap()
}
use oddity_core::testing::{assert_close_rel, shared_dir};
use oddity_core::{Dataset, Detector, FitContext, FittedDetector};
use serde_json::Value;

fn json(path: &str) -> Value {
    let path = shared_dir().join(path);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn distances_to_sklearn_centroids_match() {
    for name in DATASETS {
        let rows =
            json(&format!("reference/tabular/{name}_params.json"))["kmeans"]["centroids"].clone();
        let rows: Vec<Vec<f64>> = serde_json::from_value(rows).unwrap();
        let c = Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j]);
        let (_, test) = parts(name);
        let s = FittedKmeans::new(c).unwrap().score(&test).unwrap();
        assert_close_rel(s.as_slice().unwrap(), &reference(name, "kmeans_dist"), 1e-12, name);
    }
}

#[test]
fn own_fits_lie_in_the_seed_bands() {
    let km = kmeans(10);
    for name in DATASETS {
        let (train, test) = parts(name);
        let truth = labels(name);
        let (lo, hi) = band(name, "kmeans_dist", 0.02);
        let mut aucs = Vec::new();
        for seed in 0..3 {
            let s = km.fit(&train, &FitContext::new(seed)).unwrap().score(&test).unwrap();
            aucs.push(oddity_eval::roc_auc(&truth, s.as_slice().unwrap()).unwrap());
        }
        let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
        assert!(
            lo <= mean && mean <= hi,
            "{name}: mean ROC-AUC {mean} ({aucs:?}) outside [{lo}, {hi}]"
        );
    }
}

#[test]
fn same_seed_same_scores_on_any_thread_count() {
    let (train, test) = parts("letter");
    let km = kmeans(4);
    let a = km.fit(&train, &FitContext::new(5).with_threads(1)).unwrap().score(&test).unwrap();
    let b = km.fit(&train, &FitContext::new(5).with_threads(2)).unwrap().score(&test).unwrap();
    assert_eq!(a, b);
}

#[test]
fn degenerate_fits_are_errors_or_finite() {
    let km = kmeans(2);
    let few = Dataset::from_features("t", Array2::from_elem((5, 2), 0.5));
    let err = km.fit(&few, &FitContext::new(0)).err().unwrap();
    assert!(err.to_string().contains("at least 8 rows"), "{err}");
    // All rows identical: every centroid is that row, every distance 0.
    let same = Dataset::from_features("t", Array2::from_elem((30, 3), -2.0));
    let s = km.fit(&same, &FitContext::new(0)).unwrap().score(&same).unwrap();
    assert!(s.iter().all(|v| *v == 0.0), "{s}");
    assert_eq!(KmeansParams::default().clusters(0).check(), Err(KmeansParamsError::Clusters(0)));
    let nan = KmeansParams::default().tol(f64::NAN).check().unwrap_err();
    assert!(matches!(nan, KmeansParamsError::Tol(t) if t.is_nan()));
}
