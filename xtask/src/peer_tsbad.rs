//! `cargo xtask peer-tsbad [--methods a,b] [--series x,y] [--time]`: runs TSB-AD 1.5's own
//! detectors (`xtask/scripts/peer_tsbad.py`, its method table a Python dict) on the 14
//! shared univariate series and writes the fixtures of `crates/oddity-series/tests/fixtures/`
//! (the series, their periods, per-point scores of the deterministic methods, VUS-PR per seed
//! 0–4 of the seeded ones, TSB-AD's fit + score seconds), then times oddity's detectors on
//! the same series (`crates/oddity-series/examples/tsbad_time.rs`: `fit_score` with the
//! registry defaults) and prints both times and their ratio per method and series.
//! `--time` skips the Python run and compares with the seconds recorded in the fixtures.
//! The semi-supervised `sub_mcd` and `sub_ocsvm` run on both sides as TSB-AD's
//! `Semisupervise_AD_Pool` does: window from the whole series, fit on the training prefix of
//! `tsbad_train.csv`, scores of the whole series (`SubValidParams::fit_prefix`).
//! `--methods sub_mcd_full` writes the per-step oracle of `sub_mcd` with the whole support
//! (TSB-AD's MCD under the scikit-learn 1.9.1 of `~/.cache/oddity-peer-detectors`, whose
//! covariance correction oddity's `mcd` follows; TSB-AD's own environment has 1.5.2).
//!
//! Both sides run on one thread (`OMP_NUM_THREADS=1` and friends for numpy / scikit-learn /
//! numba; `FitContext::threads` = 1 for oddity). The Python side runs in a virtual
//! environment under `~/.cache/oddity-peer-tsbad`, made on first use: numpy < 2 (TSB-AD
//! uses `np.Inf`), scikit-learn, statsmodels, numba, stumpy, tslearn, arch, hurst, then
//! `TSB_AD==1.5` without its dependencies (it pins PyTorch, which the classical detectors do
//! not need; the script puts a stand-in `torch` module in place before importing TSB-AD).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peer::{home, run};

/// What the TSB-AD side needs besides `TSB_AD` itself.
const PACKAGES: &[&str] = &[
    "numpy<2",
    "pandas",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "numba",
    "joblib",
    "stumpy",
    "tslearn",
    "arch",
    "hurst",
    "tqdm",
];

/// Runs the fixture script and the timing comparison.
pub fn peer_tsbad(root: &Path, args: &[String]) -> Result<(), String> {
    // Every method of the script's table unless narrowed.
    let mut methods: Vec<String> = Vec::new();
    let mut series = String::new();
    let mut time_only = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--methods" => {
                let list = it.next().ok_or("--methods needs a value")?;
                methods = list.split(',').map(str::to_string).collect();
            }
            "--series" => series = it.next().ok_or("--series needs a value")?.clone(),
            "--time" => time_only = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let fixtures = root.join("crates/oddity-series/tests/fixtures");
    // `sub_mcd_full` is an oracle, not a method: TSB-AD's MCD under scikit-learn 1.9.1.
    let full = methods.iter().any(|m| m == "sub_mcd_full");
    methods.retain(|m| m != "sub_mcd_full");
    if full && !time_only {
        sub_mcd_full(root, &fixtures, &series)?;
        if methods.is_empty() {
            return Ok(());
        }
    }
    if !time_only {
        let python = venv()?;
        let mut cmd = Command::new(&python);
        cmd.arg(root.join("xtask/scripts/peer_tsbad.py"))
            .arg("--data-dir")
            .arg(shared.join("datasets"))
            .arg("--out")
            .arg(&fixtures);
        if !methods.is_empty() {
            cmd.arg("--methods").arg(methods.join(","));
        }
        if !series.is_empty() {
            cmd.arg("--series").arg(&series);
        }
        for var in
            ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"]
        {
            cmd.env(var, "1");
        }
        println!("peer-tsbad: TSB-AD 1.5 on the shared series (minutes)");
        run(&mut cmd)?;
    }
    compare(root, &fixtures, &methods, if series.is_empty() { "all" } else { &series })
}

/// `peer_tsbad.py --sub-mcd-full`: TSB-AD's own MCD with the whole support under the
/// scikit-learn (1.9.1) of the peer-detectors environment, TSB-AD imported from this one.
fn sub_mcd_full(root: &Path, fixtures: &Path, series: &str) -> Result<(), String> {
    let python = home().join(".cache/oddity-peer-detectors/venv/bin/python");
    if !python.exists() {
        return Err(format!(
            "sub_mcd_full runs in the peer-detectors environment ({}): run `cargo xtask peer-detectors` once first",
            python.display()
        ));
    }
    let out = Command::new(venv()?)
        .args(["-c", "import os, TSB_AD; print(os.path.dirname(os.path.dirname(TSB_AD.__file__)))"])
        .output()
        .map_err(|e| format!("TSB-AD's site-packages: {e}"))?;
    let site = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("xtask/scripts/peer_tsbad.py"))
        .arg("--sub-mcd-full")
        .arg(site)
        .arg("--out")
        .arg(fixtures);
    if !series.is_empty() {
        cmd.arg("--series").arg(series);
    }
    println!("peer-tsbad: TSB-AD's MCD, whole support, scikit-learn of peer-detectors");
    run(&mut cmd)
}

/// The virtual environment's python, made and filled on first use.
fn venv() -> Result<PathBuf, String> {
    let work = home().join(".cache/oddity-peer-tsbad");
    let python = work.join("venv/bin/python");
    if python.exists() {
        return Ok(python);
    }
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    run(Command::new("python3").args(["-m", "venv"]).arg(work.join("venv")))?;
    run(Command::new(&python).args(["-m", "pip", "install", "-q"]).args(PACKAGES))?;
    run(Command::new(&python).args(["-m", "pip", "install", "-q", "--no-deps", "TSB_AD==1.5"]))?;
    Ok(python)
}

/// `method,series,seed,seconds` rows → mean seconds per (method, series).
fn mean_seconds(text: &str) -> BTreeMap<(String, String), f64> {
    let mut sums: BTreeMap<(String, String), (f64, usize)> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.trim().split(',').collect();
        if let [m, s, _, secs] = f.as_slice() {
            if let Ok(v) = secs.parse::<f64>() {
                let e = sums.entry((m.to_string(), s.to_string())).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
    }
    sums.into_iter().map(|(k, (s, n))| (k, s / n as f64)).collect()
}

/// Times oddity (the example, one thread, seeds 0–4 for every method) and prints the table.
fn compare(root: &Path, fixtures: &Path, methods: &[String], series: &str) -> Result<(), String> {
    let peer = std::fs::read_to_string(fixtures.join("tsbad_times.csv"))
        .map_err(|e| format!("{}: {e}", fixtures.join("tsbad_times.csv").display()))?;
    let peer = mean_seconds(&peer);
    let methods: Vec<String> = if methods.is_empty() {
        let mut all: Vec<String> = peer.keys().map(|(m, _)| m.clone()).collect();
        all.dedup();
        all
    } else {
        methods.to_vec()
    };
    println!("peer-tsbad: timing oddity (cargo run -p oddity-series --example tsbad_time)");
    let out = Command::new("cargo")
        .current_dir(root)
        .args(["run", "-q", "-p", "oddity-series", "--example", "tsbad_time", "--"])
        .arg(fixtures)
        .arg(methods.join(","))
        .arg(series)
        .arg("0,1,2,3,4")
        .output()
        .map_err(|e| format!("cargo run: {e}"))?;
    if !out.status.success() {
        return Err(format!("tsbad_time failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let ours = mean_seconds(&String::from_utf8_lossy(&out.stdout));
    println!(
        "\n{:<12} {:<40} {:>10} {:>10} {:>9}",
        "method", "series", "TSB-AD s", "oddity s", "speed-up"
    );
    for m in &methods {
        let (mut tp, mut to) = (0.0, 0.0);
        for ((om, s), o) in ours.iter().filter(|((om, _), _)| om == m) {
            let Some(p) = peer.get(&(om.clone(), s.clone())) else { continue };
            println!("{m:<12} {s:<40} {p:>10.3} {o:>10.3} {:>8.1}×", p / o);
            tp += p;
            to += o;
        }
        println!("{m:<12} {:<40} {tp:>10.3} {to:>10.3} {:>8.1}×\n", "(all series)", tp / to);
    }
    println!("(fit + score seconds per series, mean over the seeds run; one thread on both sides)");
    Ok(())
}
