//! DBSCAN core distance against the shared reference (`reference/tabular`): eps = 90th
//! percentile of the 5th-nearest-other-row distance, scikit-learn `DBSCAN(eps,
//! min_samples=5)`; eps to 1e-12 relative, the core set exactly, the `dbscan_core_dist`
//! column to 1e-12 relative, on all 8 sets. Also checks the core-sample convention against
//! linfa's `Dbscan` clustering.

mod common;

use common::{check_reference, parts, DATASETS};
use linfa::traits::Transformer;
use linfa::ParamGuard;
use oddity_classical::{DbscanParams, KnnParams};
use oddity_core::testing::shared_dir;
use oddity_core::DetectorParams;
use oddity_core::{Detector, FitContext, FittedDetector};

/// `dbscan.eps` and `dbscan.core_sample_indices_train_part` of `NAME_params.json`, read
/// without a JSON library (both keys appear once, in the `dbscan` object).
fn reference_params(name: &str) -> (f64, Vec<usize>) {
    let path = shared_dir().join(format!("reference/tabular/{name}_params.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let block = &text[text.find("\"dbscan\": {").expect("dbscan block")..];
    let after = |key: &str| {
        let at = block.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{name}: {key}"));
        &block[at + key.len() + 3..]
    };
    let eps_text = after("eps");
    let eps = eps_text[..eps_text.find(',').unwrap()].trim().parse().unwrap();
    let list = after("core_sample_indices_train_part");
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    let core = list.split(',').map(|v| v.trim().parse().unwrap()).collect();
    (eps, core)
}

#[test]
fn eps_and_core_set_match_reference() {
    for name in DATASETS {
        let (train, _) = parts(name);
        let fitted = DbscanParams::default()
            .check()
            .unwrap()
            .fit_model(&train, &FitContext::new(0))
            .unwrap();
        let (eps, core) = reference_params(name);
        assert!((fitted.eps() - eps).abs() <= 1e-12 * eps, "{name}: eps {} vs {eps}", fitted.eps());
        assert_eq!(fitted.core_sample_indices(), core.as_slice(), "{name}: core set");
    }
}

#[test]
fn core_distance_matches_reference() {
    for name in DATASETS {
        check_reference(
            &DbscanParams::default().check().unwrap(),
            name,
            "dbscan_core_dist",
            1e-12,
            0.0,
            &[],
        );
    }
}

#[test]
fn thread_count_does_not_change_the_scores() {
    let (train, test) = parts("thyroid");
    let one = DbscanParams::default()
        .check()
        .unwrap()
        .fit(&train, &FitContext::new(0))
        .unwrap()
        .score(&test)
        .unwrap();
    let ctx = FitContext::new(0).with_threads(3);
    let three =
        DbscanParams::default().check().unwrap().fit(&train, &ctx).unwrap().score(&test).unwrap();
    assert_eq!(one, three);
}

/// linfa's `Dbscan` (same `min_points` convention: the row itself counts, `≤ eps`) labels
/// exactly the core samples and the rows within eps of one; everything else is noise.
#[test]
fn clustered_rows_of_linfa_are_the_core_samples_and_their_eps_neighbours() {
    for name in ["glass", "pima", "thyroid"] {
        let (train, _) = parts(name);
        let fitted = DbscanParams::default()
            .check()
            .unwrap()
            .fit_model(&train, &FitContext::new(0))
            .unwrap();
        let labels = linfa_clustering::Dbscan::params(5)
            .tolerance(fitted.eps())
            .check()
            .unwrap()
            .transform(&train.features);
        let core_dist = fitted.score(&train).unwrap();
        for (i, label) in labels.iter().enumerate() {
            assert_eq!(label.is_some(), core_dist[i] <= fitted.eps(), "{name} train row {i}");
        }
        for &i in fitted.core_sample_indices() {
            assert_eq!(core_dist[i], 0.0, "{name}: core row {i} is its own nearest core");
        }
    }
}

/// The score of a row is the 1-NN distance among the core rows: with min_samples = 1 every
/// row is core, so it equals the kNN score with k = 1.
#[test]
fn every_row_core_gives_the_nearest_neighbour_distance() {
    let (train, test) = parts("cardio");
    let eps = oddity_classical::DbscanEps::Value(1e-3);
    let dbscan = DbscanParams::default().eps(eps).min_samples(1).check().unwrap();
    let ctx = FitContext::new(0);
    let got = dbscan.fit(&train, &ctx).unwrap().score(&test).unwrap();
    let want =
        KnnParams::default().k(1).check().unwrap().fit(&train, &ctx).unwrap().score(&test).unwrap();
    assert_eq!(got, want);
}
