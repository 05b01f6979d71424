//! Developer automation for oddity, in the cargo-xtask style
//! (<https://github.com/matklad/cargo-xtask>): `cargo xtask <task>`. No product logic here.
//!
//! Tasks:
//! * `test`: the whole test suite — every test target with cargo-nextest (each test in its
//!   own process; falls back to `cargo test` where nextest is not installed), then the
//!   doctests, which nextest does not run.
//! * `datasets`: verify `datasets/SHA256SUMS`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("datasets") => datasets(),
        _ => Err("usage: cargo xtask <test [ARGS…] | datasets>".to_string()),
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
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
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
