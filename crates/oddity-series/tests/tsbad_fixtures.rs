//! The sub-sequence detectors, KMeansAD and KShapeAD against TSB-AD 1.5's own code on the
//! shared univariate series (fixtures written by `cargo xtask peer-tsbad`, provenance in
//! `xtask/scripts/peer_tsbad.py`): per-point scores of the deterministic ones (every k-th
//! step of the semi-supervised `sub_mcd` and `sub_ocsvm`, fitted on the training prefix of
//! `tsbad_train.csv`), mean VUS-PR over seeds 0–4 per family of the seeded ones, and the
//! period of every rank.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::Array2;
use oddity_core::{Dataset, DetectorParams, FitContext, Params};
use oddity_eval::{estimate_period, estimate_period_rank, vus_pr, VusParams};
use oddity_series::{SubModel, SubParams};

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
        let theirs: f64 = r[5].parse().unwrap();
        if theirs.is_nan() {
            // TSB-AD raised on the series (KShapeAD: fewer subsequences than clusters);
            // oddity refuses it with a typed error.
            let (_, detector) =
                oddity_series::detector(method).unwrap().instantiate(&Params::default()).unwrap();
            let got = detector.fit_score(&dataset(name, values), &FitContext::new(seed));
            assert!(matches!(got, Err(oddity_core::Error::Fit(_))), "{method} {name}: not refused");
            println!("{method:<12} {name:<40} seed {seed} TSB-AD fails, oddity Error::Fit");
            continue;
        }
        let scores = run(method, name, values, seed);
        let ours = vus_pr(labels, &scores, &VusParams { buffer, ..VusParams::default() }).unwrap();
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
    check_seeded_families(method, 5, wider);
}

/// [`check_seeded`] where `families` families have a series TSB-AD scores.
fn check_seeded_families(method: &str, families: usize, wider: &[(&str, f64)]) {
    let fams = seeded_vus(method);
    assert_eq!(fams.len(), families, "{method}: families {fams:?}");
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

/// TSB-AD's semi-supervised protocol (`run_Sub_MCD` / `run_Sub_OCSVM(data_train,
/// data_test)`): the period of the whole series, the fit on its first `train_rows` steps,
/// the scores of every step.
fn run_prefix<M: SubModel>(
    params: SubParams<M>,
    name: &str,
    values: &[f64],
    train_rows: usize,
    seed: u64,
) -> Vec<f64> {
    let p = params.check().unwrap();
    let ctx = FitContext::new(seed);
    let (_, scores) = p.fit_prefix(&dataset(name, values), train_rows, &ctx).unwrap();
    scores.to_vec()
}

/// One series of a semi-supervised method against its fixture.
struct Semi {
    name: String,
    /// The largest `|ours − theirs| / max(|theirs|, floor)` over the fixture's steps.
    worst: f64,
    /// VUS-PR (ours, TSB-AD's) where the series has anomalies.
    vus: Option<(f64, f64)>,
}

/// `params` on every series with a fixture `tsbad_<method>_<series>.csv` (`step,score`: every
/// k-th step), at most `max_len` steps and a window of at most `max_window` steps.
fn semi_agreement<M: SubModel>(
    method: &str,
    params: SubParams<M>,
    floor: f64,
    max_len: usize,
    max_window: usize,
) -> Vec<Semi> {
    let train: BTreeMap<String, usize> = rows("tsbad_train.csv")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    let vus: Vec<Vec<String>> =
        rows("tsbad_vus.csv").into_iter().filter(|r| r[0] == method).collect();
    let mut out = Vec::new();
    for (name, (values, labels)) in series() {
        let file = format!("tsbad_{method}_{name}.csv");
        let w = oddity_series::windows::period_window(&dataset(&name, &values), M::PERIOD_RANK);
        if !fixture(&file).exists() || values.len() > max_len || w > max_window {
            continue;
        }
        let want: Vec<(usize, f64)> =
            rows(&file).iter().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap())).collect();
        let got = run_prefix(params, &name, &values, train[&name], 0);
        assert_eq!(got.len(), values.len(), "{method} {name}");
        let worst =
            want.iter().map(|&(i, b)| (got[i] - b).abs() / b.abs().max(floor)).fold(0.0, f64::max);
        let vus = vus.iter().find(|v| v[1] == name).map(|v| {
            let buffer: usize = v[3].parse().unwrap();
            let params = VusParams { buffer, ..VusParams::default() };
            (vus_pr(&labels, &got, &params).unwrap(), v[4].parse::<f64>().unwrap())
        });
        let vus_text =
            vus.map_or(String::new(), |(a, b)| format!("  VUS-PR oddity {a:.4} TSB-AD {b:.4}"));
        println!("{method:<12} {name:<40} w {w:>3} max rel diff {worst:.2e}{vus_text}");
        out.push(Semi { name, worst, vus });
    }
    assert!(!out.is_empty(), "no fixture for {method}");
    out
}

/// libsvm's solver as scikit-learn's, on the same min-max scaled training windows: ≤ 1e-15
/// relative on every series (8.1e-16 at most when last measured on all 14). The four
/// series above 12 000 steps (libsvm on 8 000-12 000 training windows, 4-42 s each) are left
/// to `cargo xtask peer-tsbad`.
#[test]
fn sub_ocsvm_equals_tsbad() {
    let p = oddity_series::SubOcsvmParams::default();
    for s in semi_agreement("sub_ocsvm", p, 1e-12, LONG_NEIGHBOURS, usize::MAX) {
        assert!(s.worst <= 1e-6, "sub_ocsvm on {}: max relative difference {:e}", s.name, s.worst);
    }
}

/// TSB-AD's own `MCD` with every training window in the support (`support_fraction = 1`,
/// so FAST-MCD's random subsets cannot matter) under scikit-learn 1.9.1, whose correction
/// oddity's `mcd` follows (fixtures `tsbad_sub_mcd_full_*`, `peer_tsbad.py --sub-mcd-full`
/// in the peer-detectors environment): the windows, the correction, the reweighting and the
/// distances equal it per step (9.5e-14 when last measured).
#[test]
fn sub_mcd_with_the_whole_support_equals_tsbad() {
    let p = oddity_series::SubMcdParams::default().model(oddity_series::SubMcd(
        oddity_classical::McdParams::default().support_fraction(Some(1.0)),
    ));
    let all = semi_agreement("sub_mcd_full", p, 1e-12, usize::MAX, usize::MAX);
    assert_eq!(all.len(), 4);
    for s in all {
        assert!(
            s.worst <= 1e-6,
            "sub_mcd_full on {}: max relative difference {:e}",
            s.name,
            s.worst
        );
    }
}

/// `sub_mcd` cannot equal TSB-AD's per point, for two reasons outside this crate: FAST-MCD
/// searches supports from random subsets (scikit-learn draws numpy permutations with
/// `random_state = 2024`, oddity's `mcd` its own generator), and TSB-AD's scikit-learn (1.5.2
/// in `~/.cache/oddity-peer-tsbad`) corrects the raw covariance by `median(dist) /
/// χ²_d.isf(0.5)` where oddity's `mcd` follows scikit-learn 1.9.1's consistency factor
/// (with every window in the support, `support_fraction = 1`, the scores differed from
/// TSB-AD's under scikit-learn 1.5.2 by 2e-2 to 3 relative, and equal them under 1.9.1: the
/// test above). Measured per point: 2e-2 (smd_machine-2-1) to 1e3 (smap_A-6), so the
/// test holds the VUS-PR of each series within 0.02 of TSB-AD's. Series with a rank-3
/// period above 72 steps are left to `cargo xtask peer-tsbad`: oddity's FAST-MCD inverts
/// the singular covariances of z-normalised windows through its own eigendecomposition,
/// minutes on windows of 125-289 values (msl_C-1: 113 s, TSB-AD 7 s).
#[test]
fn sub_mcd_vus_pr_matches_tsbad() {
    let p = oddity_series::SubMcdParams::default();
    let all = semi_agreement("sub_mcd", p, 1e-12, usize::MAX, 72);
    assert!(all.len() >= 4, "{} series", all.len());
    for s in all {
        if let Some((ours, theirs)) = s.vus {
            assert!(
                (ours - theirs).abs() <= 0.02,
                "sub_mcd on {}: VUS-PR {ours} vs {theirs}",
                s.name
            );
        }
    }
}

#[test]
fn kshape_ad_vus_pr_matches_tsbad_per_family() {
    // msl_C-1 (w = 264) holds 3 subsequences of 4w steps every 1.5w, fewer than the 6
    // clusters: TSB-AD raises, oddity returns Error::Fit, and the family has no score.
    check_seeded_families("kshape_ad", 4, &[]);
}
