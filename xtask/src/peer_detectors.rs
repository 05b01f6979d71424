//! `cargo xtask peer-detectors`: writes the PyOD fixtures of the `kde`, `cof`, `sod`,
//! `ocsvm` and `mcd` detectors,
//! `crates/oddity-classical/tests/fixtures/pyod_<detector>_<dataset>.csv`: the per-row test
//! scores of PyOD 3.6.7 (scikit-learn 1.9.1) on the reference split of
//! `shared/reference/README.md` Part A — for `kde`, `cof` and `sod` on the small sets
//! cardio, wbc, glass and lympho, for `ocsvm` and `mcd` (seeds 0–4) on the 8 reference sets
//! (`--detectors a,b` and `--datasets x,y` narrow it). The script is
//! `xtask/scripts/peer_detectors.py`; it prints each detector's ROC-AUC and fit + score
//! seconds.
//!
//! With `--suite [--detectors a,b] [--datasets x,y]` (default detectors `ocsvm,mcd`): the
//! protocol of `cargo xtask peer-tabular` (the 15 ODDS sets × seeds 0–4, stratified 60/40,
//! standard scaling) for both sides in one run — PyOD through the script
//! (`shared/reference/peer/run_tabular.py` has no entry for these detectors and cannot be
//! extended), oddity through the `oddity` binary with `--jobs 1` — and prints per detector
//! the summed fit + score seconds, their ratio and both mean ROC-AUCs.
//!
//! The Python side runs in a virtual environment under `~/.cache/oddity-peer-detectors`,
//! made on first use with the pins of `shared/reference/versions.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peer::{compare_suite, home, run};

/// The packages pinned from `reference/versions.txt` (numba: PyOD's SOD compiles with it).
const PACKAGES: &[&str] = &["numpy", "scipy", "scikit-learn", "pyod", "numba", "joblib"];

/// The small reference sets (`kde`, `cof`, `sod`).
const SMALL: &[&str] = &["cardio", "wbc", "glass", "lympho"];

/// The 8 reference sets of `shared/reference/README.md` Part A (`ocsvm`, `mcd`).
const REFERENCE: &[&str] =
    &["cardio", "thyroid", "wbc", "glass", "pima", "lympho", "ionosphere", "letter"];

/// Each detector of the script with its default datasets.
const DETECTORS: &[(&str, &[&str])] =
    &[("kde", SMALL), ("cof", SMALL), ("sod", SMALL), ("ocsvm", REFERENCE), ("mcd", REFERENCE)];

/// Runs the fixture script; `args` may hold `--detectors a,b` and `--datasets x,y` (which
/// replaces every detector's default list).
pub fn peer_detectors(root: &Path, args: &[String]) -> Result<(), String> {
    let mut detectors: Option<Vec<&str>> = None;
    let mut datasets: Option<String> = None;
    let mut suite = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--datasets" => datasets = Some(it.next().ok_or("--datasets needs a value")?.clone()),
            "--detectors" => {
                let list = it.next().ok_or("--detectors needs a value")?;
                detectors = Some(list.split(',').map(|d| d.trim()).collect());
            }
            "--suite" => suite = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if suite {
        let detectors = detectors.unwrap_or_else(|| vec!["ocsvm", "mcd"]);
        return run_suite(root, &detectors, &datasets.unwrap_or_default());
    }
    let detectors = detectors.unwrap_or_else(|| DETECTORS.iter().map(|(d, _)| *d).collect());
    let mut jobs = Vec::new();
    for det in &detectors {
        let (_, sets) = DETECTORS
            .iter()
            .find(|(d, _)| d == det)
            .ok_or_else(|| format!("unknown detector `{det}`"))?;
        jobs.push(format!("{det}={}", datasets.clone().unwrap_or_else(|| sets.join(","))));
    }
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().map_err(|e| format!("{}: {e}", shared.display()))?;
    let python = venv(&home().join(".cache/oddity-peer-detectors"), &shared)?;
    let out = root.join("crates/oddity-classical/tests/fixtures");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("peer-detectors: PyOD {} into {}", jobs.join(" "), out.display());
    run(Command::new(&python)
        .arg(root.join("xtask/scripts/peer_detectors.py"))
        .arg(&shared)
        .arg(&out)
        .args(&jobs))
}

/// `--suite`: PyOD and oddity side by side on the ODDS sets (`datasets` empty: all 15).
fn run_suite(root: &Path, detectors: &[&str], datasets: &str) -> Result<(), String> {
    for det in detectors {
        if !DETECTORS.iter().any(|(d, _)| d == det) {
            return Err(format!("unknown detector `{det}`"));
        }
    }
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().map_err(|e| format!("{}: {e}", shared.display()))?;
    let work = home().join(".cache/oddity-peer-detectors");
    let python = venv(&work, &shared)?;
    let out = work.join(format!("suite-{}", std::process::id()));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let peer_csv = out.join("peer.csv");
    println!("peer: PyOD {} on the ODDS sets (this takes minutes)", detectors.join(", "));
    run(Command::new(&python)
        .arg(root.join("xtask/scripts/peer_detectors.py"))
        .arg("suite")
        .arg(&shared)
        .arg(&peer_csv)
        .arg(detectors.join(","))
        .arg(datasets))?;
    compare_suite(root, &shared, &out, &peer_csv, detectors, datasets)
}

/// The virtual environment's Python, made with the pinned versions when missing.
pub(crate) fn venv(work: &Path, shared: &Path) -> Result<PathBuf, String> {
    let dir = work.join("venv");
    let python = dir.join("bin/python");
    if python.is_file() {
        return Ok(python);
    }
    let versions = std::fs::read_to_string(shared.join("reference/versions.txt"))
        .map_err(|e| format!("reference versions.txt: {e}"))?;
    let pins: Vec<&str> = versions
        .lines()
        .map(str::trim)
        .filter(|l| PACKAGES.iter().any(|p| l.split("==").next() == Some(*p)))
        .collect();
    if pins.len() != PACKAGES.len() {
        return Err(format!("reference versions.txt pins {pins:?}, expected {PACKAGES:?}"));
    }
    std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
    run(Command::new(&python).args(["-m", "pip", "install", "-q"]).args(&pins))?;
    Ok(python)
}
