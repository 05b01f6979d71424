//! `ocsvm` and `mcd` against PyOD 3.6.7 (scikit-learn 1.9.1) on the reference split
//! (`common::parts`) of the 8 reference sets, from the fixtures `tests/fixtures/pyod_ocsvm_*`
//! and `pyod_mcd_*` (written by `cargo xtask peer-detectors`; provenance in
//! `tests/fixtures/README.md`).
//!
//! * `ocsvm` is deterministic: per-row scores within 1e-9 relative of PyOD's (measured: at
//!   most 1.9e-13; libsvm's path is followed step by step, only the last bits of kernel sums
//!   and of the `f32` cache differ, none enough to change a working-set choice here).
//! * `mcd` draws its random subsets from oddity's generator, not numpy's: its ROC-AUC must lie
//!   in PyOD's band over `random_state` 0–4 (± 0.02) for each of our seeds 0–4, and where
//!   PyOD's five seeds give the same scores (the search always ends on one support: glass,
//!   pima) ours must be those scores (1e-9 relative).

mod common;

use oddity_classical::{McdParams, OcsvmParams};
use oddity_core::{Detector, DetectorParams, FitContext};

/// The fixture columns of `detector` on `name`: the header and one vector per column.
fn fixture(detector: &str, name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let path = format!("{}/tests/fixtures/pyod_{detector}_{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let mut columns = vec![Vec::new(); header.len()];
    for line in lines {
        for (c, v) in columns.iter_mut().zip(line.split(',')) {
            c.push(v.parse().unwrap());
        }
    }
    (header, columns)
}

/// The column `column` of a fixture.
fn column(detector: &str, name: &str, column: &str) -> Vec<f64> {
    let (header, columns) = fixture(detector, name);
    let at = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("{column}"));
    columns[at].clone()
}

/// Fits on the train part of `name`, scores the test part.
fn scores(detector: &dyn Detector, name: &str, seed: u64, threads: usize) -> Vec<f64> {
    let (train, test) = common::parts(name);
    let ctx = FitContext::new(seed).with_threads(threads);
    detector.fit(&train, &ctx).unwrap().score(&test).unwrap().to_vec()
}

/// The largest `|got − want| / |want|`.
fn max_rel(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(f64::MIN_POSITIVE))
        .fold(0.0, f64::max)
}

/// `ocsvm` against PyOD's `OCSVM().decision_function`, row by row, relative 1e-9.
#[test]
fn ocsvm_matches_pyod() {
    let ocsvm = OcsvmParams::default().check().unwrap();
    for name in common::DATASETS {
        let want = column("ocsvm", name, "score");
        let got = scores(&ocsvm, name, 0, 2);
        let rel = max_rel(&got, &want);
        println!("ocsvm {name}: max rel {rel:.3e}");
        assert!(rel <= 1e-9, "ocsvm {name}: max rel {rel:.3e}");
    }
}

/// The 0/1 labels of a fixture.
fn labels(name: &str) -> Vec<u8> {
    column("mcd", name, "label").iter().map(|&v| v as u8).collect()
}

/// PyOD's ROC-AUC over `MCD(random_state=s)` for s = 0..5 on `name`: (min, max).
fn pyod_band(name: &str) -> (f64, f64) {
    let y = labels(name);
    let aucs: Vec<f64> = (0..5)
        .map(|s| oddity_eval::roc_auc(&y, &column("mcd", name, &format!("seed_{s}"))).unwrap())
        .collect();
    (aucs.iter().copied().fold(1.0, f64::min), aucs.iter().copied().fold(0.0, f64::max))
}

/// `mcd`'s ROC-AUC for seeds 0–4 inside PyOD's seed band ± 0.02 on each reference set.
#[test]
fn mcd_roc_auc_is_inside_the_pyod_seed_band() {
    let mcd = McdParams::default().check().unwrap();
    for name in common::DATASETS {
        let y = labels(name);
        let (lo, hi) = pyod_band(name);
        for seed in 0..5 {
            let start = std::time::Instant::now();
            let auc = oddity_eval::roc_auc(&y, &scores(&mcd, name, seed, 2)).unwrap();
            let secs = start.elapsed().as_secs_f64();
            println!(
                "mcd {name} seed {seed}: ROC-AUC {auc:.4} (PyOD {lo:.4}..{hi:.4}), {secs:.3} s"
            );
            assert!(auc >= lo - 0.02 && auc <= hi + 0.02, "mcd {name} seed {seed}: {auc}");
        }
    }
}

/// Where PyOD's five seeds agree row by row (its search always ends on the same support),
/// `mcd` ends there too: the same scores up to rounding.
#[test]
fn mcd_matches_pyod_where_its_search_is_stable() {
    let mcd = McdParams::default().check().unwrap();
    let mut stable = 0;
    for name in common::DATASETS {
        let want = column("mcd", name, "seed_0");
        let spread = (1..5)
            .map(|s| max_rel(&column("mcd", name, &format!("seed_{s}")), &want))
            .fold(0.0, f64::max);
        let got = scores(&mcd, name, 0, 2);
        let rel = max_rel(&got, &want);
        println!("mcd {name}: PyOD seed spread {spread:.3e}, ours vs PyOD seed 0 {rel:.3e}");
        if spread <= 1e-12 {
            stable += 1;
            assert!(rel <= 1e-9, "mcd {name}: PyOD is stable, ours is {rel:.3e} off");
        }
    }
    // glass and pima: if the fixtures change so that none is stable, this test says nothing.
    assert!(stable >= 2, "only {stable} reference sets with a seed-stable PyOD MCD");
}

/// One thread or four: the same scores, bit for bit.
#[test]
fn thread_count_does_not_change_the_scores() {
    let detectors: Vec<Box<dyn Detector>> = vec![
        Box::new(OcsvmParams::default().check().unwrap()),
        Box::new(McdParams::default().check().unwrap()),
    ];
    for name in ["cardio", "pima"] {
        for det in &detectors {
            assert_eq!(
                scores(det.as_ref(), name, 7, 1),
                scores(det.as_ref(), name, 7, 4),
                "{}",
                det.name()
            );
        }
    }
}
