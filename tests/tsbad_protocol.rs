//! `protocol = "tsbad"` end to end: `oddity run` on shared series gives, per deterministic
//! method, the threshold-free metrics TSB-AD 1.5's `get_metrics` gives on TSB-AD's own
//! scores of the same series (`crates/oddity-series/tests/fixtures/tsbad_metrics.csv`,
//! written by `cargo xtask peer-tsbad`): so the protocol (whole series fitted and scored,
//! metrics on the whole series, VUS buffer = the period) and the detectors are TSB-AD's.

mod common;

use std::collections::HashMap;

use common::{oddity, repo, results, shared_dir};

/// TSB-AD's values: (series, method) → metric → value.
fn tsbad_metrics() -> HashMap<(String, String), HashMap<String, f64>> {
    let path = repo().join("crates/oddity-series/tests/fixtures/tsbad_metrics.csv");
    let text = std::fs::read_to_string(&path).expect("the TSB-AD metrics fixture");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let values =
                (3..f.len()).map(|i| (header[i].to_string(), f[i].parse().unwrap())).collect();
            ((f[0].to_string(), f[1].to_string()), values)
        })
        .collect()
}

#[test]
fn deterministic_methods_give_tsbad_get_metrics_values_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[experiment]\nname = \"tsbad\"\ndata_dir = \"{}\"\noutput = \"out\"\nprotocol = \"tsbad\"\n\n\
         [preprocess]\nscale = \"none\"\n\n\
         [[dataset]]\nname = \"ucr_135_InternalBleeding16\"\npath = \"ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199.csv\"\nsplit = {{ method = \"prefix\", train_rows = 1200 }}\n\n\
         [[dataset]]\nname = \"nab_speed_7578\"\npath = \"nab/labeled/realTraffic/speed_7578.csv\"\ntimestamp = \"timestamp\"\nsplit = {{ method = \"none\" }}\n\n\
         [[dataset]]\nname = \"smap_A-6\"\ntrain = \"smap_msl/SMAP_A-6_train.csv\"\ntest = \"smap_msl/SMAP_A-6_test.csv\"\nfeatures = [\"x0\"]\n\n\
         [[dataset]]\nname = \"smd_machine-3-4\"\ntrain = \"smd/train/machine-3-4.txt\"\ntest = \"smd/test/machine-3-4.txt\"\ntest_labels = \"smd/test_label/machine-3-4.txt\"\nfeatures = [\"x0\"]\n\n\
         [[method]]\ndetector = \"spectral_residual\"\n\n[[method]]\ndetector = \"poly\"\n\n\
         [[method]]\ndetector = \"sub_pca\"\n\n[[method]]\ndetector = \"sub_hbos\"\n\n\
         [evaluate]\nrandom_baseline = false\n",
        shared_dir().join("datasets").display()
    );
    std::fs::write(dir.path().join("c.toml"), config).unwrap();
    let run = oddity(dir.path(), &["run", "c.toml", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = tsbad_metrics();
    let rows = results(&dir.path().join("out"));
    let mut compared = 0;
    for r in &rows {
        assert_eq!(r["status"], "ok", "{r:?}");
        let metric = r["metric"].clone();
        let want = expected[&(r["dataset"].clone(), r["method"].clone())][&metric];
        let got: f64 = r["value"].parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-9,
            "{} {} {metric}: {got} vs TSB-AD {want}",
            r["dataset"],
            r["method"]
        );
        compared += 1;
    }
    // 4 series × 4 methods × 4 metrics (VUS with the period as buffer).
    assert_eq!(compared, 64);
    assert!(
        rows.iter().all(|r| !r["metric"].starts_with("vus")
            || r["metric_options"].starts_with("buffer=period;period=")),
        "{rows:?}"
    );
    // Every job fitted on and scored the whole series (the one file, or the test file).
    let journal = std::fs::read_to_string(dir.path().join("out/journal.jsonl")).unwrap();
    for line in journal.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(r["n_train"], r["n_test"], "{line}");
    }
}

/// TSB-AD's VUS-PR of its own scores: (method, series) → value
/// (`crates/oddity-series/tests/fixtures/tsbad_vus.csv`, written by `cargo xtask peer-tsbad`).
fn tsbad_vus(method: &str, series: &str) -> f64 {
    let path = repo().join("crates/oddity-series/tests/fixtures/tsbad_vus.csv");
    let text = std::fs::read_to_string(&path).expect("the TSB-AD VUS fixture");
    text.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[0] == method && f[1] == series)
        .map(|f| f[4].parse().unwrap())
        .unwrap_or_else(|| panic!("no {method} {series} in {}", path.display()))
}

#[test]
fn a_semi_supervised_detector_fits_the_prefix_with_the_whole_series_window() {
    // TSB-AD's `run_Sub_OCSVM(data_train, data_test)`: the window is the period of the whole
    // series, the detector fits on the training prefix and scores every step. A period taken
    // from the prefix alone (nab_speed_7578's first half) would give other scores.
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[experiment]\nname = \"semi\"\ndata_dir = \"{}\"\noutput = \"out\"\nprotocol = \"tsbad\"\n\n\
         [preprocess]\nscale = \"none\"\n\n\
         [[dataset]]\nname = \"ucr_135_InternalBleeding16\"\npath = \"ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199.csv\"\nsplit = {{ method = \"prefix\", train_rows = 1200 }}\n\n\
         [[dataset]]\nname = \"nab_speed_7578\"\npath = \"nab/labeled/realTraffic/speed_7578.csv\"\ntimestamp = \"timestamp\"\nsplit = {{ method = \"prefix\", train_rows = 563 }}\n\n\
         [[method]]\ndetector = \"sub_ocsvm\"\n\n\
         [evaluate]\nmetrics = [\"vus_pr\"]\nrandom_baseline = false\n",
        shared_dir().join("datasets").display()
    );
    std::fs::write(dir.path().join("c.toml"), config).unwrap();
    let run = oddity(dir.path(), &["run", "c.toml", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = results(&dir.path().join("out"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in &rows {
        assert_eq!(r["status"], "ok", "{r:?}");
        let want = tsbad_vus("sub_ocsvm", &r["dataset"]);
        let got: f64 = r["value"].parse().unwrap();
        assert!((got - want).abs() <= 1e-9, "{}: {got} vs TSB-AD {want}", r["dataset"]);
    }
}
