//! `cblof`, `inne`, `loda` and `dif` against PyOD 3.6.7's seed band: on the 8 reference sets
//! (`common::parts`, the reference split), oddity's test ROC-AUC for each seed 0–4 lies
//! inside `[min − 0.02, max + 0.02]` of PyOD's ROC-AUCs over `random_state` 0–4
//! (`tests/fixtures/pyod_seeded_auc.csv`, written by `cargo xtask peer-seeded`). PyOD draws
//! from numpy's generator and oddity from its own, so no per-row comparison is possible;
//! the band is what both seeds' randomness leaves. Also: the same seed gives bit-identical
//! scores with 1 and 4 threads.
//!
//! `inne` is checked seed by seed. `cblof`, `loda` and `dif` are checked on the mean of their
//! seeds 0–4: their ROC-AUC swings more from seed to seed than five PyOD seeds span, so
//! PyOD's own seeds 5–9 would leave its band of seeds 0–4 too (measured for cblof and loda),
//! and one oddity seed of each does (cblof cardio seed 4: 0.696 against [0.757, 0.949]; loda
//! lympho seed 1: 0.054 against [0.563, 0.973]; dif lympho seed 2: 0.830 against
//! [0.857, 0.964], letter seed 3: 0.721 against [0.595, 0.691], wbc seed 0: 0.597 against
//! [0.630, 0.701]). Measured over many seeds on the reference split, oddity's distribution
//! matches PyOD's (mean ROC-AUC, oddity against PyOD): cblof over seeds 0–59 on cardio 0.814
//! against 0.803 (PyOD min 0.728, oddity 0.696), letter 0.760 against 0.759 (PyOD raises on
//! 4 of 60 seeds there), thyroid 0.959 against 0.958, wbc 0.887 against 0.889; loda over
//! seeds 0–99 on lympho 0.897 against 0.912 (medians 0.964 both; PyOD from 0.50 to 1.00),
//! glass 0.515 against 0.500, cardio 0.857 against 0.866, wbc 0.891 against 0.889,
//! ionosphere 0.772 against 0.771. dif (oddity seeds 0–19, PyOD seeds 0–4): wbc 0.628
//! (0.591 to 0.690) against 0.660 (0.630 to 0.701), cardio 0.915 (0.875 to 0.936) against
//! 0.916, thyroid 0.972 (0.965 to 0.979) against 0.969. On wbc part of the gap is PyOD
//! standardising the test rows' representations with their own statistics: PyOD's DIF with
//! the training statistics instead (oddity's rule) scores 0.625, 0.616, 0.690, 0.634, 0.653
//! on seeds 0–4 (mean 0.644).

mod common;

use std::collections::BTreeMap;

use oddity_classical::{CblofParams, DifParams, InneParams, LodaParams};
use oddity_core::{Detector, DetectorParams, FitContext};
use oddity_eval::roc_auc;

/// The padding of the band, as issue 22 sets it.
const PAD: f64 = 0.02;

/// PyOD's ROC-AUCs per (detector, dataset), from the fixture.
fn pyod_aucs() -> BTreeMap<(String, String), Vec<f64>> {
    let path = format!("{}/tests/fixtures/pyod_seeded_auc.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = BTreeMap::<(String, String), Vec<f64>>::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let auc: f64 = f[3].parse().unwrap();
        assert!(auc.is_finite(), "{path}: PyOD failed on {line}");
        out.entry((f[1].to_string(), f[0].to_string())).or_default().push(auc);
    }
    out
}

/// What must lie inside PyOD's band.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// Each seed's ROC-AUC.
    EachSeed,
    /// The mean ROC-AUC of the seeds.
    Mean,
}

/// Checks `detector` on every fixture set: each seed's (or the mean) ROC-AUC inside PyOD's
/// band ± PAD.
fn check_band(name: &str, detector: &dyn Detector, check: Check) {
    let pyod = pyod_aucs();
    let mut report = Vec::new();
    let mut outside = Vec::new();
    for set in common::DATASETS {
        let want = pyod.get(&(name.to_string(), set.to_string())).unwrap_or_else(|| {
            panic!("fixture has no {name} on {set}");
        });
        assert_eq!(want.len(), 5, "{name} {set}: PyOD seeds");
        let lo = want.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = want.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (train, test) = common::parts(set);
        let labels = common::labels(set);
        let got: Vec<f64> = (0..5)
            .map(|seed| {
                let scores = detector.fit(&train, &FitContext::new(seed)).unwrap().score(&test);
                roc_auc(&labels, scores.unwrap().as_slice().unwrap()).unwrap()
            })
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let checked: Vec<(String, f64)> = match check {
            Check::EachSeed => {
                got.iter().enumerate().map(|(s, a)| (format!("seed {s}"), *a)).collect()
            }
            Check::Mean => vec![("mean of seeds 0-4".into(), mean(&got))],
        };
        for (what, auc) in checked {
            if !(lo - PAD..=hi + PAD).contains(&auc) {
                outside.push(format!("{set} {what}: {auc:.4} not in [{lo:.4}, {hi:.4}] ± {PAD}"));
            }
        }
        report.push(format!(
            "{set}: oddity {:.4} [{:.4}, {:.4}], PyOD {:.4} [{lo:.4}, {hi:.4}]",
            mean(&got),
            got.iter().copied().fold(f64::INFINITY, f64::min),
            got.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            mean(want),
        ));
    }
    println!("{name}:\n  {}", report.join("\n  "));
    assert!(outside.is_empty(), "{name} outside PyOD's seed band:\n{}", outside.join("\n"));
}

/// The same seed gives bit-identical test scores with 1 and 4 threads (on thyroid, the
/// largest reference set: every parallel path has more than one block of work).
fn check_threads(detector: &dyn Detector) {
    let (train, test) = common::parts("thyroid");
    for seed in [0, 3] {
        let one = detector.fit(&train, &FitContext::new(seed)).unwrap().score(&test).unwrap();
        let ctx = FitContext::new(seed).with_threads(4);
        let four = detector.fit(&train, &ctx).unwrap().score(&test).unwrap();
        for (a, b) in one.iter().zip(&four) {
            assert_eq!(a.to_bits(), b.to_bits(), "{} seed {seed}", detector.name());
        }
    }
}

#[test]
fn cblof_mean_inside_pyods_seed_band() {
    check_band("cblof", &CblofParams::default().check().unwrap(), Check::Mean);
}

#[test]
fn inne_inside_pyods_seed_band() {
    check_band("inne", &InneParams::default().check().unwrap(), Check::EachSeed);
}

#[test]
fn loda_mean_inside_pyods_seed_band() {
    check_band("loda", &LodaParams::default().check().unwrap(), Check::Mean);
}

#[test]
fn dif_mean_inside_pyods_seed_band() {
    check_band("dif", &DifParams::default().check().unwrap(), Check::Mean);
}

#[test]
fn same_seed_same_scores_on_1_and_4_threads() {
    check_threads(&CblofParams::default().check().unwrap());
    check_threads(&InneParams::default().check().unwrap());
    check_threads(&LodaParams::default().check().unwrap());
    check_threads(&DifParams::default().check().unwrap());
}
