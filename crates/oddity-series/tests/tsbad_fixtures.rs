//! The sub-sequence detectors and KMeansAD against TSB-AD 1.5's own code on the shared
//! univariate series (fixtures written by `cargo xtask peer-tsbad`, provenance in
//! `xtask/scripts/peer_tsbad.py`): per-point scores of the deterministic ones, mean VUS-PR
//! over seeds 0–4 per family of the seeded ones, and the period of every rank.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::Array2;
use oddity_core::{Dataset, FitContext, Params};
use oddity_eval::{estimate_period, estimate_period_rank, vus_pr, VusParams};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The rows of a fixture CSV after its header, split at commas.
fn rows(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// Every series of the fixtures: name → (values, labels).
fn series() -> BTreeMap<String, (Vec<f64>, Vec<u8>)> {
    rows("tsbad_periods.csv")
        .into_iter()
        .map(|r| {
            let name = r[0].clone();
            let (values, labels) = rows(&format!("tsbad_series_{name}.csv"))
                .into_iter()
                .map(|r| (r[0].parse::<f64>().unwrap(), r[1].parse::<u8>().unwrap()))
                .unzip();
            (name, (values, labels))
        })
        .collect()
}

fn dataset(name: &str, values: &[f64]) -> Dataset {
    Dataset::from_features(
        name,
        Array2::from_shape_vec((values.len(), 1), values.to_vec()).unwrap(),
    )
}

/// TSB-AD's protocol: fit on the whole series and score it, with the method's defaults.
fn run(method: &str, name: &str, values: &[f64], seed: u64) -> Vec<f64> {
    let entry = oddity_series::detector(method).unwrap();
    let (_, detector) = entry.instantiate(&Params::default()).unwrap();
    let (_, scores) = detector.fit_score(&dataset(name, values), &FitContext::new(seed)).unwrap();
    scores.to_vec()
}

#[test]
fn periods_of_every_rank_equal_tsbad() {
    for r in rows("tsbad_periods.csv") {
        let values = &series()[&r[0]].0;
        assert_eq!(estimate_period(values).to_string(), r[1], "{} rank 1", r[0]);
        for rank in 1..=3 {
            let got = estimate_period_rank(values, rank);
            assert_eq!(got.to_string(), r[rank], "{} rank {rank}", r[0]);
        }
    }
}

/// Max relative difference `|a − b| / max(|b|, floor)` of the scores of `method` to TSB-AD's,
/// per series with a fixture and at most `max_len` steps.
fn agreement(method: &str, floor: f64, max_len: usize) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (name, (values, _)) in series() {
        let file = format!("tsbad_{method}_{name}.csv");
        if !fixture(&file).exists() || values.len() > max_len {
            continue;
        }
        let want: Vec<f64> = rows(&file).iter().map(|r| r[0].parse().unwrap()).collect();
        let got = run(method, &name, &values, 0);
        assert_eq!(got.len(), want.len(), "{method} {name}");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs() / b.abs().max(floor))
            .fold(0.0, f64::max);
        println!("{method:<10} {name:<40} max rel diff {worst:.2e}");
        out.push((name, worst));
    }
    assert!(!out.is_empty(), "no fixture for {method}");
    out
}

fn check_deterministic(method: &str, max_len: usize, tol: f64, exceptions: &[(&str, f64)]) {
    for (name, worst) in agreement(method, 1e-12, max_len) {
        let tol = exceptions.iter().find(|(n, _)| *n == name).map_or(tol, |&(_, t)| t);
        assert!(worst <= tol, "{method} on {name}: max relative difference {worst:e} > {tol:e}");
    }
}

/// The neighbour searches of `sub_knn` and `sub_lof` are exact brute force over windows of
/// 100–300 values (`O(n² w)`): the four series above 12 000 steps (machine_temperature,
/// Twitter_volume_AAPL, both SMD machines) take minutes in a test, so they are left to
/// `cargo xtask peer-tsbad`'s runs (5e-12 there when last measured).
const LONG_NEIGHBOURS: usize = 12_000;

#[test]
fn sub_knn_equals_tsbad() {
    check_deterministic("sub_knn", LONG_NEIGHBOURS, 1e-6, &[]);
}

#[test]
fn sub_lof_equals_tsbad() {
    // art_daily_no_noise repeats exactly every period: identical windows have reach
    // distances of 0, so lrd = 1 / (0 + 1e-10) and the LOF is a ratio of such magnitudes;
    // the order of the sums (scikit-learn's pairwise `np.mean`, oddity's sequential sum)
    // then shows at 6e-6.
    check_deterministic("sub_lof", LONG_NEIGHBOURS, 1e-6, &[("nab_art_daily_no_noise", 1e-5)]);
}

#[test]
fn sub_hbos_equals_tsbad() {
    check_deterministic("sub_hbos", usize::MAX, 1e-6, &[]);
}

#[test]
fn sub_pca_equals_tsbad() {
    check_deterministic("sub_pca", usize::MAX, 1e-6, &[]);
}

/// Mean VUS-PR over seeds 0–4 and the family's series: (oddity, TSB-AD) per family.
fn seeded_vus(method: &str) -> BTreeMap<String, (f64, f64)> {
    let all = series();
    let mut sums: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for r in rows("tsbad_seeded_vus.csv").into_iter().filter(|r| r[0] == method) {
        let (name, family, seed, period) = (&r[1], &r[2], r[3].parse::<u64>().unwrap(), &r[4]);
        let (values, labels) =
            all.get(name).unwrap_or_else(|| panic!("{name:?} not among {:?}", all.keys()));
        let buffer: usize = period.parse().unwrap();
        let scores = run(method, name, values, seed);
        let ours = vus_pr(labels, &scores, &VusParams { buffer, ..VusParams::default() }).unwrap();
        let theirs: f64 = r[5].parse().unwrap();
        println!("{method:<12} {name:<40} seed {seed} VUS-PR oddity {ours:.4} TSB-AD {theirs:.4}");
        let e = sums.entry(family.clone()).or_default();
        e.0 += ours;
        e.1 += theirs;
        e.2 += 1;
    }
    sums.into_iter()
        .map(|(f, (a, b, n))| {
            let (a, b) = (a / n as f64, b / n as f64);
            println!("{method:<12} {f:<5} VUS-PR oddity {a:.4} TSB-AD {b:.4}");
            (f, (a, b))
        })
        .collect()
}

/// The family means of `method` within 0.02 of TSB-AD's, or within the tolerance given for
/// a family whose seed-to-seed spread makes a 5-seed mean that uncertain.
fn check_seeded(method: &str, wider: &[(&str, f64)]) {
    let fams = seeded_vus(method);
    assert_eq!(fams.len(), 5, "{method}: families {fams:?}");
    for (f, (ours, theirs)) in fams {
        let tol = wider.iter().find(|(w, _)| *w == f).map_or(0.02, |&(_, t)| t);
        assert!((ours - theirs).abs() <= tol, "{method} on {f}: VUS-PR {ours:.4} vs {theirs:.4}");
    }
}

#[test]
fn kmeans_ad_vus_pr_matches_tsbad_per_family() {
    check_seeded("kmeans_ad", &[]);
}

#[test]
fn sub_iforest_vus_pr_matches_tsbad_per_family() {
    // On nab_art_daily_jumpsup one seed's VUS-PR ranges from 0.05 to 0.60 (oddity) and 0.07
    // to 0.85 (TSB-AD): the 5-seed mean of that one series is uncertain by about ±0.15, the
    // 7-series family mean by ±0.03; every other family agrees within 0.002.
    check_seeded("sub_iforest", &[("nab", 0.05)]);
}
