//! Runs `lstm_autoencoder` / `cnn_autoencoder` on series of the shared set with the PyTorch
//! peer's protocol (train-part z-scaling with std ≤ 1e-8 → 1, W = 100, training stride
//! `max(1, ⌈(n_train − W + 1) / 5000⌉)`, stride-1 test windows, each step scored by the mean
//! over its covering windows of that window's error at the step) and prints ROC-AUC and
//! timings, one line per (series, method).
//!
//! `cargo run -p oddity-deep --example timeseries -- SERIES... [--methods m1,m2]
//! [--epochs 5] [--threads 2] [--seed 0] [--as-method LABEL]` where SERIES is one of the names of
//! `configs/timeseries.toml` (`smd_machine-2-1`, `nab_speed_7578`, `ucr_135`, …). With
//! `--as-method LABEL` the fit seed is the one `oddity run` gives the method `LABEL` on a dataset
//! named SERIES at experiment seed `--seed` (otherwise `--seed` itself), so a harness line can be
//! compared with a line of the CLI's results.

use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use oddity_core::{Dataset, DetectorParams, FitContext, FittedDetector};
use oddity_deep::train::{EpochReport, TrainConfig};
use oddity_deep::{
    CnnAutoencoderParams, FittedSequence, LstmAutoencoderParams, SequenceNet, Settings,
};
use oddity_preprocess::{WindowScore, Windows};

fn shared() -> PathBuf {
    std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("datasets")
}

fn read(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text =
        std::fs::read_to_string(shared().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn matrix_txt(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(shared().join(path)).unwrap();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

/// (train rows, test rows, test labels).
fn load(name: &str) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<u8>) {
    if let Some(m) = name
        .strip_prefix("smd_")
        .map(|m| ("smd", m))
        .or(name.strip_prefix("asd_").map(|m| ("asd", m)))
    {
        let (fam, m) = m;
        let tr = matrix_txt(&format!("{fam}/train/{m}.txt"));
        let te = matrix_txt(&format!("{fam}/test/{m}.txt"));
        let y =
            matrix_txt(&format!("{fam}/test_label/{m}.txt")).iter().map(|r| r[0] as u8).collect();
        return (tr, te, y);
    }
    if let Some(rest) = name
        .strip_prefix("smap_")
        .map(|c| ("SMAP", c))
        .or(name.strip_prefix("msl_").map(|c| ("MSL", c)))
    {
        let (sc, ch) = rest;
        let (_, tr) = read(&format!("smap_msl/{sc}_{ch}_train.csv"));
        let (h, te) = read(&format!("smap_msl/{sc}_{ch}_test.csv"));
        let li = h.iter().position(|c| c == "label").unwrap();
        let num = |r: &Vec<String>, skip: Option<usize>| -> Vec<f64> {
            r.iter()
                .enumerate()
                .filter(|(j, _)| Some(*j) != skip)
                .map(|(_, v)| v.parse().unwrap())
                .collect()
        };
        let y = te.iter().map(|r| r[li].parse::<f64>().unwrap() as u8).collect();
        return (
            tr.iter().map(|r| num(r, None)).collect(),
            te.iter().map(|r| num(r, Some(li))).collect(),
            y,
        );
    }
    if let Some(id) = name.strip_prefix("ucr_") {
        let dir = std::fs::read_dir(shared().join("ucr")).unwrap();
        let file = dir
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().into_string().unwrap())
            .find(|f| f.starts_with(&format!("{id}_")))
            .unwrap();
        let t: usize =
            file.trim_end_matches(".csv").split('_').rev().nth(2).unwrap().parse().unwrap();
        let (h, rows) = read(&format!("ucr/{file}"));
        let vi = h.iter().position(|c| c == "value").unwrap();
        let li = h.iter().position(|c| c == "label").unwrap();
        let v: Vec<Vec<f64>> = rows.iter().map(|r| vec![r[vi].parse().unwrap()]).collect();
        let y: Vec<u8> = rows.iter().map(|r| r[li].parse::<f64>().unwrap() as u8).collect();
        return (v[..t].to_vec(), v[t..].to_vec(), y[t..].to_vec());
    }
    let stem = name.strip_prefix("nab_").unwrap();
    for sub in std::fs::read_dir(shared().join("nab/labeled")).unwrap() {
        let p = sub.unwrap().path().join(format!("{stem}.csv"));
        if p.exists() {
            let rel = p.strip_prefix(shared()).unwrap().to_str().unwrap().to_string();
            let (h, rows) = read(&rel);
            let vi = h.iter().position(|c| c == "value").unwrap();
            let li = h.iter().position(|c| c == "label").unwrap();
            let v: Vec<Vec<f64>> = rows.iter().map(|r| vec![r[vi].parse().unwrap()]).collect();
            let y = rows.iter().map(|r| r[li].parse::<f64>().unwrap() as u8).collect();
            return (v.clone(), v, y);
        }
    }
    panic!("unknown series {name}")
}

/// A typed fit as a boxed detector and its loss history.
fn boxed<M: SequenceNet + 'static>(
    fitted: Result<FittedSequence<M>, oddity_core::Error>,
) -> (Box<dyn FittedDetector>, Vec<EpochReport>) {
    let fitted = fitted.unwrap();
    let history = fitted.history().to_vec();
    (Box::new(fitted), history)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |k: &str, d: &str| -> String {
        args.iter()
            .position(|a| a == k)
            .map(|i| args[i + 1].clone())
            .unwrap_or_else(|| d.to_string())
    };
    let methods = opt("--methods", "cnn_autoencoder,lstm_autoencoder");
    let epochs: usize = opt("--epochs", "5").parse().unwrap();
    let threads: usize = opt("--threads", "2").parse().unwrap();
    let seed: u64 = opt("--seed", "0").parse().unwrap();
    let as_method = opt("--as-method", "");
    let mut skip = false;
    let names: Vec<&String> = args
        .iter()
        .filter(|a| {
            if skip {
                skip = false;
                return false;
            }
            if a.starts_with("--") {
                skip = true;
                return false;
            }
            true
        })
        .collect();
    let w = 100;
    for name in names {
        let (tr, te, y) = load(name);
        let d = tr[0].len();
        let to = |rows: &[Vec<f64>]| Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j]);
        let (xtr, xte) = (to(&tr), to(&te));
        let mean = xtr.mean_axis(ndarray::Axis(0)).unwrap();
        let sd = xtr.std_axis(ndarray::Axis(0), 0.0).mapv(|s| if s <= 1e-8 { 1.0 } else { s });
        let (ztr, zte) = ((&xtr - &mean) / &sd, (&xte - &mean) / &sd);
        let win = Windows::new(w as i64, None, WindowScore::Mean).unwrap();
        let train = Dataset::from_features(
            "train",
            win.flatten(ztr.view(), win.train_stride(ztr.nrows()), "train").unwrap(),
        )
        .with_window(w)
        .unwrap();
        let test = Dataset::from_features("test", win.flatten(zte.view(), 1, "test").unwrap())
            .with_window(w)
            .unwrap();
        for method in methods.split(',') {
            let settings = Settings::new(TrainConfig::new(epochs, 64, 1e-3, 0.0));
            let fit_seed = if as_method.is_empty() {
                seed
            } else {
                oddity_core::derive_seed(seed, &[name.as_str(), as_method.as_str()])
            };
            let ctx = FitContext::new(fit_seed).with_threads(threads);
            let t0 = Instant::now();
            // The typed fits (the registry's defaults) keep the per-epoch training losses.
            let (fitted, history) = match method {
                "lstm_autoencoder" => {
                    let p = LstmAutoencoderParams::default().hidden(64).layers(2);
                    boxed(p.settings(settings).check().unwrap().fit_model(&train, &ctx))
                }
                "cnn_autoencoder" => {
                    let p = CnnAutoencoderParams::default().channels(32).kernel(7);
                    boxed(p.settings(settings).check().unwrap().fit_model(&train, &ctx))
                }
                other => panic!("unknown method {other}"),
            };
            let fit_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let steps = fitted.score_steps(&test).unwrap().unwrap();
            let scores = win.spread_steps(zte.nrows(), steps.view());
            let score_s = t1.elapsed().as_secs_f64();
            println!(
                "{name:40} {method:17} n_train_windows={} d={d} roc_auc={:.4} fit={fit_s:.1}s ({:.2}s/epoch) score={score_s:.1}s losses={}",
                train.n_rows(), oddity_eval::roc_auc(&y, &scores).expect("both classes present"), fit_s / epochs as f64,
                history.iter().map(|r| format!("{:.4}", r.train_loss)).collect::<Vec<_>>().join(" ")
            );
        }
    }
}
