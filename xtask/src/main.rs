//! Developer automation for oddity, in the cargo-xtask style
//! (<https://github.com/matklad/cargo-xtask>): `cargo xtask <task>`. No product logic here.
//!
//! Tasks:
//! * `test`: the whole test suite — every test target with cargo-nextest (each test in its
//!   own process; falls back to `cargo test` where nextest is not installed), then the
//!   doctests, which nextest does not run.
//! * `datasets`: verify `datasets/SHA256SUMS`.
//! * `peer-tabular [--methods a,b] [--datasets x,y]`: time the Python peer (scikit-learn /
//!   PyOD, PyTorch for `autoencoder`, `vae`, `deepsvdd`) and oddity on the same ODDS work in
//!   one run and print the speed-up per method.
//! * `peer-timeseries [--methods lstm_ae,cnn_ae] [--datasets a,b] [--seeds 0,1,2]
//!   [--epochs 5] [--interleave]`: time the PyTorch peer and oddity on the same 14 series
//!   (LSTM and CNN autoencoders) in one run (with `--interleave`, taking turns series by
//!   series); print total and per-epoch ratios and family-mean ROC-AUCs.
//! * `slurm-e2e`: install Slurm and munge (Debian packages, as root) if missing, start a
//!   one-node cluster on this machine, run a 3-shard `oddity slurm` array job and check that
//!   the merged table equals a single-process run; stops the daemons it started.
//! * `fuzz [--secs N] [TARGET…]`: run the cargo-fuzz targets (config, csv, npz, mat, text)
//!   for N seconds each (default 600) on nightly; prints executions and crashes per target.
//! * `peer-detectors [--detectors a,b] [--datasets x,y] [--suite]`: run PyOD 3.6.7 (in
//!   `~/.cache/oddity-peer-detectors`) on the reference split and write the kde, cof, sod
//!   (cardio, wbc, glass, lympho), ocsvm and mcd (the 8 reference sets) score fixtures of
//!   `crates/oddity-classical/tests/fixtures/`; with `--suite`, time PyOD's OCSVM and MCD
//!   beside oddity's `ocsvm`, `mcd` on the 15 ODDS sets as `peer-tabular` does.
//! * `peer-seeded [--suite] [--detectors a,b] [--datasets x,y]`: run PyOD's CBLOF, INNE,
//!   LODA and DIF (seeds 0–4)
//!   on the reference split of the 8 reference sets and write the seed-band fixture
//!   `crates/oddity-classical/tests/fixtures/pyod_seeded_auc.csv`; with `--suite`, time them
//!   beside oddity's `cblof`, `inne`, `loda` on the 15 ODDS sets as `peer-tabular` does.
//! * `peer-tsbad [--methods a,b] [--series x,y] [--time]`: run TSB-AD 1.5's own detectors
//!   (in `~/.cache/oddity-peer-tsbad`) on the 14 shared univariate series, write the fixtures
//!   of `crates/oddity-series/tests/fixtures/`, then time oddity's detectors on the same
//!   series and print both times and the speed-up (`--time`: only the timing, against the
//!   TSB-AD seconds recorded in the fixtures).
//! * `reuse [CRATE…]`: build and run the examples of `oddity-eval`, `oddity-classical` and
//!   `oddity-ingest` as programs outside the workspace (own lockfile and target directory),
//!   asserting from `cargo tree` that each pulls in only what it uses; check that no
//!   published manifest pins an exact version and that the CLI without `deep` has no burn.
//! * `hack`: regenerate `crates/oddity-hack/Cargo.toml`, the feature-unifying crate (run it
//!   after changing any dependency).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

mod fuzz;
mod peer;
mod peer_detectors;
mod peer_seeded;
mod peer_timeseries;
mod peer_tsbad;
mod reuse;
mod slurm_e2e;
#[cfg(test)]
mod tidy;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("datasets") => datasets(),
        Some("hack") => hack(),
        Some("fuzz") => fuzz::fuzz(&project_root(), &args[1..]),
        Some("slurm-e2e") => slurm_e2e::slurm_e2e(),
        Some("peer-tabular") => peer::peer_tabular(&project_root(), &args[1..]),
        Some("peer-detectors") => peer_detectors::peer_detectors(&project_root(), &args[1..]),
        Some("peer-seeded") => peer_seeded::peer_seeded(&project_root(), &args[1..]),
        Some("peer-timeseries") => peer_timeseries::peer_timeseries(&project_root(), &args[1..]),
        Some("reuse") => reuse::reuse(&project_root(), &args[1..]),
        Some("peer-tsbad") => peer_tsbad::peer_tsbad(&project_root(), &args[1..]),
        _ => Err("usage: cargo xtask <test [ARGS…] | datasets | hack | reuse [CRATE…] | fuzz [--secs N] [TARGET…] | slurm-e2e | peer-tabular [--methods a,b] [--datasets x,y] | peer-detectors [--detectors a,b] [--datasets x,y] [--suite] | peer-seeded [--suite] [--detectors a,b] [--datasets x,y] | peer-timeseries [--methods a,b] [--datasets x,y] [--seeds 0,1] [--epochs 5] [--interleave] | peer-tsbad [--methods a,b] [--series x,y] [--time]>".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate's folder).
/// The checkout this command was run in: the nearest ancestor of the working directory that
/// holds `xtask/Cargo.toml`. A shared target directory may hold an xtask binary built from
/// another checkout, so the compile-time manifest path is only the fallback.
fn project_root() -> PathBuf {
    let from_cwd = std::env::current_dir().ok().and_then(|dir| {
        dir.ancestors().find(|d| d.join("xtask/Cargo.toml").is_file()).map(Path::to_path_buf)
    });
    from_cwd.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the repository")
            .to_path_buf()
    })
}

fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot run `{cargo}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn has_nextest() -> bool {
    Command::new("cargo-nextest").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn test(extra: &[String]) -> Result<(), String> {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    if has_nextest() {
        let mut args = vec!["nextest", "run", "--workspace", "--all-targets", "--no-fail-fast"];
        args.extend(&extra);
        cargo(&args)?;
    } else {
        eprintln!("xtask: cargo-nextest not found, running `cargo test` (install it with `cargo install cargo-nextest`)");
        let mut args = vec!["test", "--workspace", "--all-targets", "--no-fail-fast"];
        args.extend(&extra);
        cargo(&args)?;
    }
    cargo(&["test", "--workspace", "--doc"])
}

fn datasets() -> Result<(), String> {
    let root = project_root().join("datasets");
    let sums =
        std::fs::read_to_string(root.join("SHA256SUMS")).map_err(|e| format!("SHA256SUMS: {e}"))?;
    for line in sums.lines() {
        let (want, file) = line.split_once("  ").ok_or_else(|| format!("bad line `{line}`"))?;
        let bytes = std::fs::read(root.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let got: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        if got != want {
            return Err(format!("{file}: checksum {got}, expected {want}"));
        }
        println!("ok  {file}");
    }
    Ok(())
}

/// Marks the start of the generated part of the hack crate's manifest.
const HACK_MARKER: &str = "[dependencies]\n";

/// `cargo tree` lines `name vX.Y.Z features` for third-party crates, as (name, version) →
/// features.
fn tree(
    args: &[&str],
) -> Result<std::collections::BTreeMap<(String, String), Vec<String>>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args(["tree", "--prefix", "none", "-f", "{p} {f}"])
        .args(args)
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("cannot run `cargo tree`: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut map = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let line = line.trim_end_matches("(*)").replace(" (proc-macro)", "");
        let line = line.trim();
        // Workspace members carry their path in parentheses; they are not pinned.
        if line.is_empty() || line.contains(" (/") {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (Some(name), Some(version)) = (parts.next(), parts.next()) else { continue };
        let features: &mut Vec<String> =
            map.entry((name.to_string(), version.trim_start_matches('v').to_string())).or_default();
        for f in parts.next().unwrap_or("").split(',').map(str::trim).filter(|f| !f.is_empty()) {
            if !features.iter().any(|g| g == f) {
                features.push(f.to_string());
            }
        }
    }
    Ok(map)
}

/// Pins every third-party crate of the CLI's build with the union of the features that any
/// workspace build enables (tests and benches included), so all builds share one copy.
fn hack() -> Result<(), String> {
    let path = project_root().join("crates/oddity-hack/Cargo.toml");
    let manifest =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let head = manifest
        .find(HACK_MARKER)
        .map(|i| &manifest[..i + HACK_MARKER.len()])
        .ok_or("the hack manifest has no [dependencies] table")?;
    // Start from no pins, so that a dependency dropped elsewhere is not kept alive here.
    std::fs::write(&path, head).map_err(|e| e.to_string())?;
    let cli = tree(&["-p", "oddity", "-e", "normal"])?;
    let all = tree(&["--workspace", "-e", "normal,dev"])?;
    let mut names = std::collections::BTreeMap::<&str, usize>::new();
    for (name, _) in cli.keys() {
        *names.entry(name).or_default() += 1;
    }
    let mut out = head.to_string();
    for ((name, version), features) in &cli {
        let mut features: Vec<&str> = features
            .iter()
            .chain(all.get(&(name.clone(), version.clone())).into_iter().flatten())
            .map(String::as_str)
            .collect();
        features.sort_unstable();
        features.dedup();
        let default = features.contains(&"default");
        let listed: Vec<String> = features
            .iter()
            .filter(|f| **f != "default" && !f.starts_with("dep:"))
            .map(|f| format!("\"{f}\""))
            .collect();
        // Semver build metadata (`+spec-1.1.0`) is ignored by cargo in requirements.
        let plain = version.split('+').next().unwrap_or(version);
        let key = if names[name.as_str()] > 1 {
            let mut it = plain.split('.');
            format!("{name}-{}_{}", it.next().unwrap_or("0"), it.next().unwrap_or("0"))
        } else {
            name.clone()
        };
        let package = if key == *name { String::new() } else { format!("package = \"{name}\", ") };
        let defaults = if default { "" } else { ", default-features = false" };
        let feats = if listed.is_empty() {
            String::new()
        } else {
            format!(", features = [{}]", listed.join(", "))
        };
        out.push_str(&format!("{key} = {{ {package}version = \"={plain}\"{defaults}{feats} }}\n"));
    }
    std::fs::write(&path, out).map_err(|e| e.to_string())?;
    println!("wrote {} pins to {}", cli.len(), path.display());
    Ok(())
}
