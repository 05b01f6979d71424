//! `cargo xtask peer-timeseries`: times the PyTorch peer (`shared/reference/peer/
//! run_timeseries.py`) and oddity on the same work — the LSTM and 1-D CNN autoencoders
//! (W = 100, batch 64, Adam 1e-3, train-part z-scaling, at most 5 000 training windows per
//! epoch) on the 14 shared series of the peer's protocol — in one run, and prints per method
//! both sides' summed fit + score seconds, fit seconds per epoch, their ratios and both
//! family-mean ROC-AUCs.
//!
//! The series are the `[[dataset]]` blocks of `configs/timeseries.toml` that the peer's
//! recorded results (`shared/reference/peer/timeseries.csv`) name, so the two sides read the
//! same files with the same splits (NAB: fit and score the whole series).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::peer::{
    ensure_torch, oddity_pass, run, run_oddity, setup, split_csv, summaries, Setup, Summary,
};

/// Peer method name → oddity detector.
const METHODS: &[(&str, &str)] = &[("lstm_ae", "lstm_autoencoder"), ("cnn_ae", "cnn_autoencoder")];

/// Runs the comparison; `args` may hold `--methods lstm_ae,cnn_ae`, `--datasets a,b`,
/// `--seeds 0,1,2`, `--epochs 5` and `--interleave` (peer and oddity take turns series by
/// series, so that a drift in the machine's speed reaches both sides alike).
pub fn peer_timeseries(root: &Path, args: &[String]) -> Result<(), String> {
    let mut methods: Vec<&str> = METHODS.iter().map(|(m, _)| *m).collect();
    let (mut datasets, mut seeds, mut epochs) = (String::new(), "0".to_string(), 5usize);
    let mut interleave = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--methods" => methods = value()?.split(',').collect(),
            "--datasets" => datasets = value()?.clone(),
            "--seeds" => seeds = value()?.clone(),
            "--epochs" => {
                epochs = value()?.parse().map_err(|_| "--epochs needs a positive integer")?
            }
            "--interleave" => interleave = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    for m in &methods {
        if !METHODS.iter().any(|(k, _)| k == m) {
            return Err(format!("unknown peer method `{m}` (lstm_ae, cnn_ae)"));
        }
    }
    let seed_list: Vec<u64> = seeds
        .split(',')
        .map(|s| s.trim().parse().map_err(|_| format!("bad seed `{s}`")))
        .collect::<Result<_, _>>()?;
    let Setup { shared, python, out, .. } = setup(root, "timeseries")?;
    ensure_torch(&python, &shared)?;
    let names = peer_series(&shared, &datasets)?;

    // The peer: its own script, its own protocol, two threads. oddity: the one dev
    // profile, one job at a time (each with both cores, as the peer).
    let peer_csv = out.join("peer.csv");
    let peer = |series: &[String]| {
        run(Command::new(&python)
            .arg(shared.join("reference/peer/run_timeseries.py"))
            .arg("--root")
            .arg(shared.parent().ok_or("shared folder has no parent")?)
            .arg("--out")
            .arg(&peer_csv)
            .args(["--methods", &methods.join(","), "--seeds", &seeds, "--epochs"])
            .arg(epochs.to_string())
            .args(["--datasets", &series.join(",")]))
    };
    println!(
        "peer and oddity: {} on {} series × seeds {seeds}{} (this takes minutes)",
        methods.join(", "),
        names.len(),
        if interleave { ", taking turns series by series" } else { "" }
    );
    let (peer, ours) = if interleave {
        let mut merged = String::new();
        for (i, name) in names.iter().enumerate() {
            let one = std::slice::from_ref(name);
            peer(one)?;
            let config = config_text(root, &shared, one, &methods, &seed_list, epochs)?;
            let results = oddity_pass(root, &out, &format!("oddity-{i:02}"), config)?;
            let text = std::fs::read_to_string(&results).map_err(|e| e.to_string())?;
            let skip = usize::from(!merged.is_empty());
            text.lines().skip(skip).for_each(|l| {
                merged.push_str(l);
                merged.push('\n');
            });
        }
        let results = out.join("oddity-results.csv");
        std::fs::write(&results, merged).map_err(|e| e.to_string())?;
        summaries(&peer_csv, &results)?
    } else {
        peer(&names)?;
        let config = config_text(root, &shared, &names, &methods, &seed_list, epochs)?;
        run_oddity(root, &out, config, &peer_csv)?
    };
    println!(
        "\n{:<8} {:>9} {:>9} {:>7} {:>12} {:>12} {:>7}",
        "method", "peer s", "oddity s", "ratio", "peer s/ep", "oddity s/ep", "ratio"
    );
    for m in &methods {
        let (Some(p), Some(o)) = (peer.get(*m), ours.get(*m)) else {
            println!("{m:<8} missing results (see {})", out.display());
            continue;
        };
        let per_epoch = |s: &Summary| s.fit_seconds / epochs as f64;
        println!(
            "{m:<8} {:>9.1} {:>9.1} {:>6.2}× {:>12.2} {:>12.2} {:>6.2}×",
            p.seconds,
            o.seconds,
            o.seconds / p.seconds,
            per_epoch(p),
            per_epoch(o),
            per_epoch(o) / per_epoch(p)
        );
    }
    println!("\nfamily-mean ROC-AUC (mean over seeds, then over the family's series):");
    println!("{:<8} {:<10} {:>8} {:>8}", "method", "family", "peer", "oddity");
    for m in &methods {
        let (Some(p), Some(o)) = (peer.get(*m), ours.get(*m)) else { continue };
        let (pf, of) = (families(p), families(o));
        for (family, pv) in &pf {
            let ov = of.get(family).map_or("—".to_string(), |v| format!("{v:.3}"));
            println!("{m:<8} {family:<10} {pv:>8.3} {ov:>8}");
        }
    }
    println!(
        "\n(ratio = oddity / peer: below 1 is faster; fit + score seconds summed over every \
         series × seed, per-epoch = summed fit seconds / epochs; outputs in {})",
        out.display()
    );
    Ok(())
}

/// The series family of a peer dataset name (`smd`, `asd`, `smap_msl`, `ucr`, `nab`).
fn family(name: &str) -> &str {
    match name.split('_').next().unwrap_or(name) {
        "smap" | "msl" => "smap_msl",
        other => other,
    }
}

/// Mean over each family's series of the mean over seeds.
fn families(s: &Summary) -> BTreeMap<String, f64> {
    let mut per: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (dataset, values) in &s.auc {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        per.entry(family(dataset).to_string()).or_default().push(mean);
    }
    per.into_iter().map(|(f, v)| (f, v.iter().sum::<f64>() / v.len() as f64)).collect()
}

/// The series the peer's recorded results name (optionally only those in `only`).
fn peer_series(shared: &Path, only: &str) -> Result<Vec<String>, String> {
    let path = shared.join("reference/peer/timeseries.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut names: Vec<String> = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let name = split_csv(line).swap_remove(0);
        if !names.contains(&name) && (only.is_empty() || only.split(',').any(|o| o == name)) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(format!("no series selected from {}", path.display()));
    }
    Ok(names)
}

/// An oddity config with the `[[dataset]]` blocks of `configs/timeseries.toml` named
/// `names` and the peer's models.
fn config_text(
    root: &Path,
    shared: &Path,
    names: &[String],
    methods: &[&str],
    seeds: &[u64],
    epochs: usize,
) -> Result<String, String> {
    let path = root.join("configs/timeseries.toml");
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let seeds: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let mut text = format!(
        "[experiment]\nname = \"peer-timeseries\"\nseeds = [{}]\ndata_dir = \"{}\"\n\n\
         [preprocess]\nimpute = \"none\"\nscale = \"standard\"\n\n",
        seeds.join(", "),
        shared.join("datasets").display()
    );
    let mut found = Vec::new();
    for block in source.split("[[dataset]]").skip(1) {
        let block = block.split("[[method]]").next().unwrap_or_default();
        let block = block.split("\n[").next().unwrap_or_default();
        let name = block
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'));
        if let Some(name) = name.filter(|n| names.iter().any(|m| m == n)) {
            text += &format!("[[dataset]]{}\n\n", block.trim_end());
            found.push(name.to_string());
        }
    }
    let missing: Vec<&String> = names.iter().filter(|n| !found.contains(n)).collect();
    if !missing.is_empty() {
        return Err(format!("{}: no [[dataset]] for {missing:?}", path.display()));
    }
    for m in methods {
        let detector = METHODS.iter().find(|(k, _)| k == m).map(|(_, d)| *d).unwrap_or_default();
        text += &format!(
            "[[method]]\nname = \"{m}\"\ndetector = \"{detector}\"\nwindow = 100\nepochs = {epochs}\n\
             batch_size = 64\nlr = 1e-3\n\n"
        );
    }
    text += "[evaluate]\nmetrics = [\"roc_auc\"]\nrandom_baseline = false\n";
    Ok(text)
}
