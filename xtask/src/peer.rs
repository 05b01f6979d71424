//! `cargo xtask peer-tabular`: times the Python peer (scikit-learn / PyOD, the scripts in
//! `shared/reference/peer/`) and oddity on the same work — the 15 ODDS sets × seeds 0–4,
//! stratified 60/40 split, standard scaling, fit on train, score test — in one run, and
//! prints per method the summed fit + score seconds of both, their ratio and both mean
//! ROC-AUCs.
//!
//! The peer runs in a virtual environment under `~/.cache/oddity-peer` with the pinned
//! versions of `shared/reference/peer/versions.txt`. PyTorch is only needed by the peer's
//! deep methods; when it is not installed, a two-function stand-in (`set_num_threads`,
//! `manual_seed`) lets the script import, and the deep methods are refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Peer method name → the oddity `[[method]]` body that does the same work.
const METHODS: &[(&str, &str)] = &[
    ("zscore", "detector = \"zscore\""),
    ("gmm4", "detector = \"gmm\"\ncomponents = 4"),
    ("gmm_bic", "detector = \"gmm\"\ncomponents = \"bic\""),
    ("kmeans8", "detector = \"kmeans\"\nclusters = 8"),
    ("dbscan", "detector = \"dbscan\""),
    ("iforest", "detector = \"iforest\""),
    ("lof", "detector = \"lof\"\nk = 20"),
    ("ecod", "detector = \"ecod\"\necdf = \"pooled\""),
    ("knn", "detector = \"knn\"\nk = 5"),
    ("autoencoder", "detector = \"autoencoder\""),
    ("vae", "detector = \"vae\""),
    ("deepsvdd", "detector = \"deepsvdd\""),
];

/// The peer's deep methods (they need PyTorch).
const DEEP: &[&str] = &["autoencoder", "vae", "deepsvdd"];

/// Installs the peer's pinned PyTorch (with the CUDA runtime wheels it depends on, as the
/// peer's own environment has them; its CPU kernels are what run) and `tqdm` (PyOD's deep
/// detectors import it) when they are missing.
pub(crate) fn ensure_torch(python: &Path, shared: &Path) -> Result<(), String> {
    let has_tqdm =
        Command::new(python).args(["-c", "import tqdm"]).output().is_ok_and(|o| o.status.success());
    if has_torch(python) && has_tqdm {
        return Ok(());
    }
    let versions = std::fs::read_to_string(shared.join("reference/peer/versions.txt"))
        .map_err(|e| format!("peer versions.txt: {e}"))?;
    let pin = |name: &str| {
        versions
            .lines()
            .find(|l| l.split("==").next() == Some(name))
            .ok_or(format!("peer versions.txt pins no {name}"))
    };
    let (torch, tqdm) = (pin("torch")?, pin("tqdm")?);
    println!("peer: installing {torch} (several GB of wheels, once) and {tqdm}");
    run(Command::new(python).args([
        "-m",
        "pip",
        "install",
        "-q",
        torch,
        tqdm,
        "setuptools>=77.0.3",
    ]))
}

/// Python packages the classical peer needs.
const PACKAGES: &[&str] =
    &["numpy", "pandas", "scikit-learn", "scipy", "pyod", "joblib", "threadpoolctl"];

/// Runs the comparison; `args` may hold `--methods a,b` and `--datasets x,y`.
pub fn peer_tabular(root: &Path, args: &[String]) -> Result<(), String> {
    let mut methods: Vec<&str> = METHODS.iter().map(|(m, _)| *m).collect();
    let mut datasets = String::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--methods" => {
                let list = it.next().ok_or("--methods needs a value")?;
                methods = list.split(',').collect();
            }
            "--datasets" => datasets = it.next().ok_or("--datasets needs a value")?.clone(),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    for m in &methods {
        if !METHODS.iter().any(|(k, _)| k == m) {
            return Err(format!("unknown peer method `{m}`"));
        }
    }
    let Setup { shared, work, python, out } = setup(root, "run")?;

    // The peer: its own script, its own protocol.
    let peer_csv = out.join("peer.csv");
    let mut cmd = Command::new(&python);
    cmd.arg(shared.join("reference/peer/run_tabular.py"))
        .arg("--root")
        .arg(shared.parent().ok_or("shared folder has no parent")?)
        .arg("--out")
        .arg(&peer_csv)
        .arg("--methods")
        .arg(methods.join(","));
    if !datasets.is_empty() {
        cmd.arg("--datasets").arg(&datasets);
    }
    if methods.iter().any(|m| DEEP.contains(m)) {
        ensure_torch(&python, &shared)?;
    } else if !has_torch(&python) {
        cmd.env("PYTHONPATH", torch_stand_in(&work)?);
    }
    println!("peer: {} methods on the ODDS sets (this takes minutes)", methods.len());
    run(&mut cmd)?;

    // oddity: the one dev profile (dependencies and the numeric crates at opt-level 3, the
    // build the tests already made), one config with the same methods and datasets.
    let (peer, ours) =
        run_oddity(root, &out, config_text(&shared, &methods, &datasets)?, &peer_csv)?;
    println!(
        "\n{:<10} {:>10} {:>10} {:>8}   {:>9} {:>9}",
        "method", "peer s", "oddity s", "speed-up", "peer AUC", "ours AUC"
    );
    for m in &methods {
        let (Some(p), Some(o)) = (peer.get(*m), ours.get(*m)) else {
            println!("{m:<10} missing results (see {})", out.display());
            continue;
        };
        println!(
            "{m:<10} {:>10.2} {:>10.2} {:>7.1}× {:>9.3} {:>9.3}",
            p.seconds,
            o.seconds,
            p.seconds / o.seconds,
            p.mean_auc(),
            o.mean_auc()
        );
    }
    println!("\n(fit + score seconds summed over every dataset × seed; oddity ran with --jobs 1, so each job had every core, as the peer's single process; outputs in {})", out.display());
    Ok(())
}

/// Where a comparison runs: the shared folder, the peer's work folder, its Python and this
/// run's output folder.
pub(crate) struct Setup {
    /// The shared data and references folder.
    pub shared: PathBuf,
    /// `~/.cache/oddity-peer`.
    pub work: PathBuf,
    /// The peer's Python interpreter.
    pub python: PathBuf,
    /// This run's output folder.
    pub out: PathBuf,
}

/// Finds the shared folder (`ODDITY_SHARED` or `../shared`), makes the peer's virtual
/// environment and a fresh output folder `~/.cache/oddity-peer/PREFIX-PID`.
pub(crate) fn setup(root: &Path, prefix: &str) -> Result<Setup, String> {
    let shared = std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().map_err(|e| format!("{}: {e}", shared.display()))?;
    let work = home().join(".cache/oddity-peer");
    let python = venv(&work, &shared)?;
    let out = work.join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    Ok(Setup { shared, work, python, out })
}

/// Builds the `oddity` binary (the one dev profile), runs `config` (written to
/// `OUT/oddity.toml`) one job at a time into `OUT/oddity`, and reads the peer's results
/// (`peer_csv`) and oddity's: per method, summed seconds and ROC-AUCs.
pub(crate) fn run_oddity(
    root: &Path,
    out: &Path,
    config: String,
    peer_csv: &Path,
) -> Result<(Summaries, Summaries), String> {
    let results = oddity_pass(root, out, "oddity", config)?;
    summaries(peer_csv, &results)
}

/// Builds the `oddity` binary (the one dev profile) and runs `config` (written to
/// `OUT/NAME.toml`) one job at a time into `OUT/NAME`; returns its `results.csv`.
pub(crate) fn oddity_pass(
    root: &Path,
    out: &Path,
    name: &str,
    config: String,
) -> Result<PathBuf, String> {
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--bin", "oddity"])
        .current_dir(root))?;
    let path = out.join(format!("{name}.toml"));
    std::fs::write(&path, config).map_err(|e| e.to_string())?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    run(Command::new(target.join("debug/oddity"))
        .arg("run")
        .arg(&path)
        .args(["--jobs", "1", "--quiet", "--out"])
        .arg(out.join(name)))?;
    Ok(out.join(name).join("results.csv"))
}

/// Per method, summed seconds and ROC-AUCs of the peer's results and of oddity's.
pub(crate) fn summaries(
    peer_csv: &Path,
    results_csv: &Path,
) -> Result<(Summaries, Summaries), String> {
    let peer = summarise(peer_csv, "method", "roc_auc", &["fit_s", "score_s"])?;
    let ours = summarise(results_csv, "method", "roc_auc", &["fit_seconds", "score_seconds"])?;
    Ok((peer, ours))
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"))
}

pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// The peer's virtual environment, created and filled with the pinned versions on first use.
pub(crate) fn venv(work: &Path, shared: &Path) -> Result<PathBuf, String> {
    let dir = work.join("venv");
    let python = dir.join("bin/python");
    if python.is_file() {
        return Ok(python);
    }
    let versions = std::fs::read_to_string(shared.join("reference/peer/versions.txt"))
        .map_err(|e| format!("peer versions.txt: {e}"))?;
    let pins: Vec<&str> = versions
        .lines()
        .filter(|l| PACKAGES.iter().any(|p| l.split("==").next() == Some(*p)))
        .collect();
    run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
    run(Command::new(&python).args(["-m", "pip", "install", "-q"]).args(&pins))?;
    Ok(python)
}

pub(crate) fn has_torch(python: &Path) -> bool {
    Command::new(python).args(["-c", "import torch"]).output().is_ok_and(|o| o.status.success())
}

/// A folder holding a `torch` module with the two calls the peer script makes outside its
/// deep methods, and the `Tensor` name SciPy's array-API checks look up.
fn torch_stand_in(work: &Path) -> Result<PathBuf, String> {
    let dir = work.join("torch-stand-in");
    std::fs::create_dir_all(dir.join("torch")).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("torch/__init__.py"),
        "# Stand-in: PyTorch is not installed; only the classical peer methods can run.\n\
         def set_num_threads(n):\n    pass\n\n\
         def manual_seed(s):\n    pass\n\n\
         class Tensor:  # array-API checks in SciPy look this name up\n    pass\n",
    )
    .map_err(|e| e.to_string())?;
    Ok(dir)
}

pub(crate) fn config_text(
    shared: &Path,
    methods: &[&str],
    datasets: &str,
) -> Result<String, String> {
    let mut text = format!(
        "[experiment]\nname = \"peer-tabular\"\nseeds = [0, 1, 2, 3, 4]\ndata_dir = \"{}\"\n\n\
         [preprocess]\nimpute = \"none\"\nscale = \"standard\"\n\n",
        shared.join("datasets").display()
    );
    let mut names: Vec<String> = std::fs::read_dir(shared.join("datasets/odds"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".csv").map(str::to_string))
        .collect();
    names.sort();
    if !datasets.is_empty() {
        names.retain(|n| datasets.split(',').any(|d| d == n));
    }
    for n in names {
        text += &format!(
            "[[dataset]]\nname = \"{n}\"\npath = \"odds/{n}.csv\"\nsplit = {{ method = \"stratified\", train = 0.6 }}\n\n"
        );
    }
    for m in methods {
        let body = METHODS.iter().find(|(k, _)| k == m).map(|(_, b)| *b).unwrap_or_default();
        text += &format!("[[method]]\nname = \"{m}\"\n{body}\n\n");
    }
    text += "[evaluate]\nmetrics = [\"roc_auc\"]\n";
    Ok(text)
}

/// [`Summary`] per method.
pub(crate) type Summaries = BTreeMap<String, Summary>;

/// Per method: summed seconds and ROC-AUC values per dataset.
#[derive(Default)]
pub(crate) struct Summary {
    /// Summed fit + score seconds.
    pub seconds: f64,
    /// Summed fit seconds.
    pub fit_seconds: f64,
    /// ROC-AUC values per dataset.
    pub auc: BTreeMap<String, Vec<f64>>,
}

impl Summary {
    /// Mean over datasets of the mean over seeds.
    pub(crate) fn mean_auc(&self) -> f64 {
        let per: Vec<f64> =
            self.auc.values().map(|v| v.iter().sum::<f64>() / v.len() as f64).collect();
        per.iter().sum::<f64>() / per.len().max(1) as f64
    }
}

/// Reads a long results table: rows whose `metric` is `metric_name` give one run each;
/// `time_cols` starts with the fit-seconds column.
pub(crate) fn summarise(
    path: &Path,
    method_col: &str,
    metric_name: &str,
    time_cols: &[&str],
) -> Result<Summaries, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap_or_default());
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(format!("{}: no column `{name}`", path.display()))
    };
    let (m, d, metric, value) = (col(method_col)?, col("dataset")?, col("metric")?, col("value")?);
    let times: Vec<usize> = time_cols.iter().map(|c| col(c)).collect::<Result<_, _>>()?;
    let mut out = BTreeMap::<String, Summary>::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let f = split_csv(line);
        if f.get(metric).map(String::as_str) != Some(metric_name) {
            continue;
        }
        let s = out.entry(f[m].clone()).or_default();
        s.seconds += times.iter().filter_map(|&t| f[t].parse::<f64>().ok()).sum::<f64>();
        s.fit_seconds += f[times[0]].parse::<f64>().unwrap_or(0.0);
        if let Ok(v) = f[value].parse::<f64>() {
            s.auc.entry(f[d].clone()).or_default().push(v);
        }
    }
    Ok(out)
}

/// One CSV line split into fields (double-quoted fields may hold commas and `""`).
pub(crate) fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Runs oddity's `detectors` on `datasets` (the ODDS suite protocol of [`config_text`]) in
/// `out` and prints them beside the peer's results in `peer_csv` (written by a PyOD script's
/// `suite` mode): seconds, speed-up and mean ROC-AUC per detector.
pub(crate) fn compare_suite(
    root: &Path,
    shared: &Path,
    out: &Path,
    peer_csv: &Path,
    detectors: &[&str],
    datasets: &str,
) -> Result<(), String> {
    let mut config = config_text(shared, &[], datasets)?;
    for d in detectors {
        config += &format!("\n[[method]]\nname = \"{d}\"\ndetector = \"{d}\"\n");
    }
    let (peer, ours) = run_oddity(root, out, config, peer_csv)?;
    println!(
        "\n{:<8} {:>10} {:>10} {:>8}   {:>9} {:>9}",
        "method", "PyOD s", "oddity s", "speed-up", "PyOD AUC", "ours AUC"
    );
    for d in detectors {
        let (Some(p), Some(o)) = (peer.get(*d), ours.get(*d)) else {
            println!("{d:<8} missing results (see {})", out.display());
            continue;
        };
        println!(
            "{d:<8} {:>10.2} {:>10.2} {:>7.1}× {:>9.4} {:>9.4}",
            p.seconds,
            o.seconds,
            p.seconds / o.seconds,
            p.mean_auc(),
            o.mean_auc()
        );
    }
    println!(
        "\n(fit + score seconds summed over every dataset × seed; mean ROC-AUC over datasets of the mean over seeds; outputs in {})",
        out.display()
    );
    Ok(())
}
