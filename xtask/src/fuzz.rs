//! `cargo xtask fuzz [--secs N] [TARGET…]`: runs the cargo-fuzz targets of `fuzz/` (the
//! config parser and the readers) for N seconds each (default 600) on the nightly toolchain,
//! installing cargo-fuzz if it is missing, and prints executions, exec/s and crashes per
//! target. Too long for `.ci/run`; run it before touching a parser.
//!
//! Each run starts from the committed seeds in `fuzz/corpus/<target>` and grows its corpus
//! in `fuzz/grown/<target>` (ignored by git), so the committed corpus stays small. The full
//! libFuzzer output goes to `fuzz/grown/<target>.log`; a crash leaves its input under
//! `fuzz/artifacts/<target>/`. The build goes to `$ODDITY_FUZZ_TARGET_DIR`, or `fuzz/target`
//! (never the workspace's target directory: it is a nightly, instrumented build).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Every target in `fuzz/Cargo.toml`.
const TARGETS: &[&str] = &["config", "csv", "npz", "mat", "text"];

/// What one target's run came to.
struct Outcome {
    target: String,
    executions: Option<u64>,
    exec_per_sec: Option<u64>,
    crashed: bool,
    seconds: f64,
    artifact: Option<String>,
}

pub fn fuzz(root: &Path, args: &[String]) -> Result<(), String> {
    let mut secs: u64 = 600;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--secs" => {
                let v = it.next().ok_or("--secs needs a number of seconds")?;
                secs = v.parse().map_err(|_| format!("--secs: `{v}` is not a number"))?;
            }
            t if TARGETS.contains(&t) => targets.push(t.to_string()),
            other => {
                return Err(format!(
                    "fuzz: unknown argument `{other}` (targets: {})",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    ensure_tools()?;

    let target_dir = std::env::var_os("ODDITY_FUZZ_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("fuzz/target"));
    let mut outcomes = Vec::new();
    for target in &targets {
        println!("fuzz: {target} for {secs} s (log in fuzz/grown/{target}.log)");
        outcomes.push(run_target(root, &target_dir, target, secs)?);
    }

    println!(
        "\n{:<8} {:>14} {:>9} {:>8} {:>9}",
        "target", "executions", "exec/s", "crashes", "seconds"
    );
    let show = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
    for o in &outcomes {
        println!(
            "{:<8} {:>14} {:>9} {:>8} {:>9.0}",
            o.target,
            show(o.executions),
            show(o.exec_per_sec),
            u8::from(o.crashed),
            o.seconds
        );
    }
    let crashed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.crashed)
        .map(|o| format!("{} ({})", o.target, o.artifact.as_deref().unwrap_or("see its log")))
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("crashes in: {}", crashed.join(", ")))
    }
}

/// A command for the nightly toolchain, with the stable toolchain's cargo variables (set by
/// `cargo xtask`) removed so that they do not leak into the nightly build.
fn nightly(program: &str) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", program]);
    for var in ["CARGO", "RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC", "CARGO_TARGET_DIR"] {
        cmd.env_remove(var);
    }
    cmd
}

/// The nightly toolchain must exist; cargo-fuzz is installed when missing.
fn ensure_tools() -> Result<(), String> {
    let ok = |cmd: &mut Command| {
        cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    };
    if !ok(nightly("rustc").arg("--version")) {
        return Err("fuzz: no nightly toolchain (run `rustup toolchain install nightly`)".into());
    }
    if !ok(nightly("cargo").args(["fuzz", "--version"])) {
        println!("fuzz: installing cargo-fuzz");
        let status = Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked"])
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .map_err(|e| format!("cannot run `cargo install`: {e}"))?;
        if !status.success() {
            return Err("`cargo install cargo-fuzz --locked` failed".into());
        }
    }
    Ok(())
}

fn run_target(root: &Path, target_dir: &Path, target: &str, secs: u64) -> Result<Outcome, String> {
    let grown = root.join("fuzz/grown").join(target);
    std::fs::create_dir_all(&grown).map_err(|e| format!("{}: {e}", grown.display()))?;
    let log_path = root.join("fuzz/grown").join(format!("{target}.log"));
    let mut log =
        std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;

    let mut cmd = nightly("cargo");
    cmd.args(["fuzz", "run", target]);
    if target == "config" {
        // oddity-runner (and with it burn) only for this target.
        cmd.args(["--features", "runner"]);
    }
    // The grown corpus first: libFuzzer writes new inputs to the first folder only.
    cmd.arg(format!("fuzz/grown/{target}"))
        .arg(format!("fuzz/corpus/{target}"))
        .arg("--")
        .arg(format!("-max_total_time={secs}"))
        .arg("-timeout=60")
        .arg("-print_final_stats=1")
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run `cargo fuzz`: {e}"))?;

    // libFuzzer reports on stderr; cargo's build output too. Keep everything in the log and
    // pick the statistics out of it.
    let stdout = child.stdout.take().expect("piped");
    let echo = std::thread::spawn(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>()
    });
    let mut executions = None;
    let mut exec_per_sec = None;
    let mut artifact = None;
    let mut last_status = None;
    // From libFuzzer's first line, so that the build is not counted.
    let mut start = None;
    for line in BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line.map_err(|e| e.to_string())?;
        writeln!(log, "{line}").map_err(|e| e.to_string())?;
        if start.is_none() && line.starts_with("INFO: ") {
            start = Some(Instant::now());
        }
        if let Some(v) = stat(&line, "stat::number_of_executed_units:") {
            executions = Some(v);
        } else if let Some(v) = stat(&line, "stat::average_exec_per_sec:") {
            exec_per_sec = Some(v);
        } else if let Some(path) = line.split("Test unit written to ").nth(1) {
            artifact = Some(path.trim().to_string());
        } else if line.starts_with('#') && (line.contains("pulse") || line.contains("DONE")) {
            last_status = Some(line);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    for line in echo.join().unwrap_or_default() {
        writeln!(log, "{line}").map_err(|e| e.to_string())?;
    }
    if let Some(line) = last_status {
        println!("fuzz: {target}: {line}");
    }
    let crashed = !status.success();
    if crashed && executions.is_none() && artifact.is_none() {
        return Err(format!(
            "`cargo fuzz run {target}` failed ({status}) before fuzzing; see {}",
            log_path.display()
        ));
    }
    Ok(Outcome {
        target: target.to_string(),
        executions,
        exec_per_sec,
        crashed,
        seconds: start.map_or(0.0, |s| s.elapsed().as_secs_f64()),
        artifact,
    })
}

/// The number after `key` in a libFuzzer final-statistics line.
fn stat(line: &str, key: &str) -> Option<u64> {
    line.strip_prefix(key)?.trim().parse().ok()
}
