//! `cargo xtask peer-seeded`: PyOD 3.6.7's seeded detectors `CBLOF`, `INNE`, `LODA` and
//! `DIF` (defaults, `random_state` 0–4) beside oddity's `cblof`, `inne`, `loda` and `dif`.
//! The script is `xtask/scripts/peer_seeded.py`; it runs in the virtual environment of
//! `cargo xtask peer-detectors` (`~/.cache/oddity-peer-detectors`), with the peer's pinned
//! PyTorch installed there when `dif` runs (its CPU kernels, 2 threads).
//!
//! * Without `--suite`: on the reference split of `shared/reference/README.md` Part A of the
//!   8 reference sets (or `--datasets x,y`), writes
//!   `crates/oddity-classical/tests/fixtures/pyod_seeded_auc.csv` (per detector × dataset ×
//!   seed: PyOD's test ROC-AUC and fit + score seconds), the band of
//!   `crates/oddity-classical/tests/pyod_seeded.rs`; the lines of the detectors and sets
//!   not run stay as they were.
//! * `--suite [--datasets x,y]`: the protocol of `cargo xtask peer-tabular` (the 15 ODDS
//!   sets × seeds 0–4, stratified 60/40, standard scaling) for both sides in one run: PyOD
//!   through the script (`shared/reference/peer/run_tabular.py` has no entry for these
//!   and cannot be extended), oddity through the `oddity` binary with `--jobs 1`; prints per
//!   detector the summed fit + score seconds, their ratio and both mean ROC-AUCs.
//! * `--detectors a,b` (both modes): only these (default: all four).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peer::{compare_suite, ensure_torch, home, run};
use crate::peer_detectors::venv;

/// The reference sets the fixture covers by default.
const DATASETS: &[&str] =
    &["cardio", "thyroid", "wbc", "glass", "pima", "lympho", "ionosphere", "letter"];

/// The detectors: the oddity name is PyOD's class in lower case (defaults on both sides).
const DETECTORS: &[&str] = &["cblof", "inne", "loda", "dif"];

/// Runs the fixture script, or the suite with `--suite`; `args` may hold `--datasets x,y`
/// and `--detectors a,b`.
pub fn peer_seeded(root: &Path, args: &[String]) -> Result<(), String> {
    let mut datasets: Option<String> = None;
    let mut detectors: Vec<&str> = DETECTORS.to_vec();
    let mut suite = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--datasets" => datasets = Some(it.next().ok_or("--datasets needs a value")?.clone()),
            "--detectors" => {
                detectors = it.next().ok_or("--detectors needs a value")?.split(',').collect();
            }
            "--suite" => suite = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let Some(d) = detectors.iter().find(|d| !DETECTORS.contains(d)) {
        return Err(format!("unknown detector `{d}`: one of {}", DETECTORS.join(", ")));
    }
    let list = detectors.join(",");
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().map_err(|e| format!("{}: {e}", shared.display()))?;
    let work = home().join(".cache/oddity-peer-detectors");
    let python = venv(&work, &shared)?;
    if detectors.contains(&"dif") {
        ensure_torch(&python, &shared)?;
    }
    let script = root.join("xtask/scripts/peer_seeded.py");
    if !suite {
        let out = root.join("crates/oddity-classical/tests/fixtures/pyod_seeded_auc.csv");
        let sets = datasets.unwrap_or_else(|| DATASETS.join(","));
        println!("peer-seeded: PyOD {list}, seeds 0-4, on {sets} into {}", out.display());
        return run(Command::new(&python)
            .arg(&script)
            .arg("fixtures")
            .args(["--detectors", &list])
            .arg(&shared)
            .arg(&out)
            .args(sets.split(',')));
    }

    let datasets = datasets.unwrap_or_default();
    let out = work.join(format!("seeded-{}", std::process::id()));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let peer_csv = out.join("peer.csv");
    println!("peer: PyOD {list} on the ODDS sets (this takes minutes)");
    run(Command::new(&python)
        .arg(&script)
        .arg("suite")
        .args(["--detectors", &list])
        .arg(&shared)
        .arg(&peer_csv)
        .arg(&datasets))?;
    compare_suite(root, &shared, &out, &peer_csv, &detectors, &datasets)
}
