//! `cargo xtask peer-detectors`: writes the PyOD fixtures of the `kde`, `cof` and `sod`
//! detectors, `crates/oddity-classical/tests/fixtures/pyod_<detector>_<dataset>.csv`: the
//! per-row test scores of PyOD 3.6.7 (scikit-learn 1.9.1) on the reference split of
//! `shared/reference/README.md` Part A, for the small sets cardio, wbc, glass and lympho
//! (or `--datasets x,y`). The script is `xtask/scripts/peer_detectors.py`; it prints each
//! detector's ROC-AUC and fit + score seconds.
//!
//! The Python side runs in a virtual environment under `~/.cache/oddity-peer-detectors`,
//! made on first use with the pins of `shared/reference/versions.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peer::{home, run};

/// The packages pinned from `reference/versions.txt` (numba: PyOD's SOD compiles with it).
const PACKAGES: &[&str] = &["numpy", "scipy", "scikit-learn", "pyod", "numba", "joblib"];

/// The default datasets (the small reference sets).
const DATASETS: &[&str] = &["cardio", "wbc", "glass", "lympho"];

/// Runs the fixture script; `args` may hold `--datasets x,y`.
pub fn peer_detectors(root: &Path, args: &[String]) -> Result<(), String> {
    let mut datasets: Vec<String> = DATASETS.iter().map(|s| s.to_string()).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--datasets" => {
                let list = it.next().ok_or("--datasets needs a value")?;
                datasets = list.split(',').map(str::to_string).collect();
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().map_err(|e| format!("{}: {e}", shared.display()))?;
    let python = venv(&home().join(".cache/oddity-peer-detectors"), &shared)?;
    let out = root.join("crates/oddity-classical/tests/fixtures");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "peer-detectors: PyOD KDE, COF, SOD on {} into {}",
        datasets.join(", "),
        out.display()
    );
    run(Command::new(&python)
        .arg(root.join("xtask/scripts/peer_detectors.py"))
        .arg(&shared)
        .arg(&out)
        .args(&datasets))
}

/// The virtual environment's Python, made with the pinned versions when missing.
fn venv(work: &Path, shared: &Path) -> Result<PathBuf, String> {
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
