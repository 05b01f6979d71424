//! `cargo xtask reuse`: proves that a single oddity crate is usable outside the workspace.
//!
//! For `oddity-eval`, `oddity-classical` and `oddity-ingest` it writes a small Cargo project
//! in its own folder (own lockfile, own target directory) whose program is that crate's
//! example, with path dependencies on the crate, resolves it with cargo's MSRV-aware
//! resolver, asserts from `cargo tree` what the crate may and may not pull in, then builds
//! and runs the program. It also checks the root package's build without the `deep`
//! feature: no burn in its tree.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One program outside the workspace.
struct Case {
    /// The crate under test.
    krate: &'static str,
    /// Its example that the program runs (`crates/<krate>/examples/<example>.rs`).
    example: &'static str,
    /// Other dependencies of the program, as manifest lines.
    extra: &'static [&'static str],
    /// The most crates `cargo tree -e normal` may list (`None`: no limit).
    max_crates: Option<usize>,
    /// Crates that must not appear (exact names, or prefixes ending in `*`).
    forbidden: &'static [&'static str],
    /// Whether crates that compile C (`cc`, `cmake`, `*-sys`) are forbidden.
    no_c: bool,
}

const CASES: &[Case] = &[
    Case {
        krate: "oddity-eval",
        example: "score_series",
        extra: &[],
        max_crates: Some(10),
        forbidden: &["polars*", "burn*", "plotters*", "tokio*", "ndarray", "rayon"],
        no_c: true,
    },
    Case {
        krate: "oddity-classical",
        example: "iforest",
        extra: &["oddity-core", "ndarray = \"0.16\""],
        max_crates: None,
        forbidden: &["polars*", "burn*", "plotters*", "tokio*", "oddity-hack"],
        no_c: true,
    },
    Case {
        krate: "oddity-ingest",
        example: "read_csv",
        extra: &[],
        max_crates: None,
        forbidden: &["burn*", "plotters*", "oddity-hack", "oddity-classical", "oddity-deep"],
        no_c: false,
    },
];

/// Runs every case and the feature check; fails on the first broken promise.
pub fn reuse(root: &Path, args: &[String]) -> Result<(), String> {
    let only: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let base = reuse_dir();
    std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    for case in CASES.iter().filter(|c| only.is_empty() || only.contains(&c.krate)) {
        run_case(root, &base, case)?;
    }
    if only.is_empty() {
        no_exact_pins(root)?;
        without_deep(root)?;
    }
    println!("reuse: ok");
    Ok(())
}

/// Where the programs live: beside the workspace's target directory (or in the temporary
/// folder), never inside the workspace.
fn reuse_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(target) => target.parent().unwrap_or(&target).join("oddity-reuse"),
        None => std::env::temp_dir().join("oddity-reuse"),
    }
}

fn run_case(root: &Path, base: &Path, case: &Case) -> Result<(), String> {
    let dir = base.join(case.krate);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let crates = root.join("crates");
    let dep = |name: &str| {
        if name.contains('=') {
            name.to_string()
        } else {
            format!("{name} = {{ path = {:?} }}", crates.join(name).display().to_string())
        }
    };
    let mut deps = vec![dep(case.krate)];
    deps.extend(case.extra.iter().map(|d| dep(d)));
    let example = crates.join(case.krate).join("examples").join(format!("{}.rs", case.example));
    let manifest = format!(
        "# Written by `cargo xtask reuse`: {krate} used from outside the oddity workspace.\n\
         [package]\nname = \"reuse-{krate}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[[bin]]\nname = \"{example_name}\"\npath = {example:?}\n\n[dependencies]\n{deps}\n",
        krate = case.krate,
        example_name = case.example,
        example = example.display().to_string(),
        deps = deps.join("\n"),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // A fresh resolution each time: what a new user would get today.
    let _ = std::fs::remove_file(dir.join("Cargo.lock"));
    let target = dir.join("target");
    if case.max_crates.is_some() {
        // The small crate is timed cold.
        let _ = std::fs::remove_dir_all(&target);
    }

    let tree = cargo_in(&dir, &target, &["tree", "-e", "normal", "--prefix", "none", "-f", "{p}"])?;
    let mut names: Vec<(String, String)> = tree
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .filter(|(n, _)| !n.starts_with("reuse-"))
        .collect();
    names.sort();
    names.dedup();
    let build_tree =
        cargo_in(&dir, &target, &["tree", "-e", "normal,build", "--prefix", "none", "-f", "{p}"])?;
    println!("{}: {} crates in `cargo tree -e normal`", case.krate, names.len());
    if let Some(max) = case.max_crates {
        if names.len() > max {
            let list: Vec<String> = names.iter().map(|(n, v)| format!("{n} {v}")).collect();
            return Err(format!(
                "{} resolves {} crates, more than {max}: {}",
                case.krate,
                names.len(),
                list.join(", ")
            ));
        }
    }
    for (name, version) in &names {
        if case.forbidden.iter().any(|f| matches(f, name)) {
            return Err(format!("{} pulls in `{name} {version}`, which it must not", case.krate));
        }
    }
    if case.no_c {
        for line in build_tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if name == "cc" || name == "cmake" || name.ends_with("-sys") {
                return Err(format!("{} compiles C code (`{line}`)", case.krate));
            }
        }
    }

    let start = Instant::now();
    cargo_in(&dir, &target, &["build", "--quiet"])?;
    println!("{}: built in {:.1} s (target {})", case.krate, start.elapsed().as_secs_f64(), {
        if case.max_crates.is_some() {
            "cold"
        } else {
            "kept between runs"
        }
    });
    let out = cargo_in(&dir, &target, &["run", "--quiet"])?;
    for line in out.lines() {
        println!("{}: | {line}", case.krate);
    }
    Ok(())
}

/// No manifest of a published oddity crate, nor the workspace's dependency table they
/// inherit from, asks for an exact (`=`) version: a pin would stop a host project from
/// resolving another patch version (only `oddity-hack`, never published, pins).
fn no_exact_pins(root: &Path) -> Result<(), String> {
    let mut manifests = vec![root.join("Cargo.toml")];
    let crates = std::fs::read_dir(root.join("crates")).map_err(|e| e.to_string())?;
    for entry in crates.flatten() {
        if entry.file_name() != "oddity-hack" {
            manifests.push(entry.path().join("Cargo.toml"));
        }
    }
    for path in manifests {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (i, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with('#') && line.contains("\"=") {
                return Err(format!("{}:{}: exact version pin: {line}", path.display(), i + 1));
            }
        }
    }
    println!("no exact version pins in the published manifests");
    Ok(())
}

/// The root package without its default `deep` feature: no burn in its tree, the
/// quickstart runs, and a config naming a deep detector is a one-line error that names the
/// feature. (Inside the workspace `cargo run` also selects the workspace-hack, so this build
/// reuses the compiled dependencies instead of compiling a second polars.)
fn without_deep(root: &Path) -> Result<(), String> {
    let out = Command::new(cargo_bin())
        .args(["tree", "-p", "oddity", "--no-default-features", "-e", "normal"])
        .args(["--prefix", "none", "-f", "{p}"])
        .current_dir(root)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().next()).collect();
    names.sort_unstable();
    names.dedup();
    if let Some(burn) = names.iter().find(|n| n.starts_with("burn") || **n == "oddity-deep") {
        return Err(format!("`oddity --no-default-features` still pulls in `{burn}`"));
    }
    println!("oddity --no-default-features: {} crates in its tree, no burn", names.len());

    let dir = reuse_dir().join("without-deep");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let quickstart = root.join("configs/quickstart.toml");
    let text = std::fs::read_to_string(&quickstart).map_err(|e| e.to_string())?;
    let deep = dir.join("deep.toml");
    let data_dir = root.join("datasets").display().to_string();
    std::fs::write(
        &deep,
        text.replace("\"../datasets\"", &format!("{data_dir:?}"))
            + "\n[[method]]\ndetector = \"lstm_autoencoder\"\n",
    )
    .map_err(|e| e.to_string())?;
    let cli = |args: &[&str]| {
        Command::new(cargo_bin())
            .args(["run", "--quiet", "--no-default-features", "--"])
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| e.to_string())
    };
    let quick_out = dir.join("quickstart");
    let quick_out = quick_out.display().to_string();
    let quick = quickstart.display().to_string();
    let ran = cli(&["run", &quick, "--out", &quick_out, "--force"])?;
    if !ran.status.success() {
        return Err(format!(
            "the CLI without `deep` could not run the quickstart:\n{}",
            String::from_utf8_lossy(&ran.stderr)
        ));
    }
    println!("oddity --no-default-features: quickstart ran ({quick_out})");
    let refused = cli(&["validate", &deep.display().to_string()])?;
    let message = String::from_utf8_lossy(&refused.stderr);
    let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
    if refused.status.success()
        || lines.len() != 1
        || !lines[0].contains("`deep` feature")
        || !lines[0].contains("lstm_autoencoder")
    {
        return Err(format!(
            "a deep detector in the CLI without `deep` should be a one-line error naming the \
             feature; got exit {:?} and:\n{message}",
            refused.status.code()
        ));
    }
    println!("oddity --no-default-features: {}", lines[0]);
    // The registry's own test of the build without `deep`.
    let status = Command::new(cargo_bin())
        .args(["test", "--quiet", "-p", "oddity-runner", "--no-default-features", "--lib"])
        .arg("registry::")
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("oddity-runner's registry tests without `deep` failed".into());
    }
    Ok(())
}

/// `pattern` is a name, or a prefix followed by `*`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in `dir` with its own target directory; stdout on success.
fn cargo_in(dir: &Path, target: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(cargo_bin())
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // Pick dependency versions that the toolchain at hand can build.
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo {}` in {} failed:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_names_and_prefixes() {
        assert!(matches("burn*", "burn-flex"));
        assert!(matches("ndarray", "ndarray"));
        assert!(!matches("ndarray", "ndarray-stats"));
        assert!(!matches("burn*", "oddity-burn"));
    }
}
