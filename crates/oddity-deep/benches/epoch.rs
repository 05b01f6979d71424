//! One training epoch of every deep detector on fixed real data: the ODDS cardio set
//! (1831 rows × 21) for the row models, and NAB's `speed_7578` (1127 steps, W = 100,
//! windows at stride 4: 257 windows, 5 batches of 64 — a quarter of the peer's stride-1
//! epoch on this series, to keep a sample of the LSTM short) for the sequence models. Two
//! threads, as the peer.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use oddity_core::{Dataset, Detector, FitContext, ParamValue, Params};

fn shared() -> PathBuf {
    std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn read_column(path: &str, column: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(shared().join("datasets").join(path)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| if column.is_empty() { header[j] != "label" } else { header[j] == column })
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&j| f[j].parse().unwrap()).collect()
        })
        .collect()
}

fn cardio() -> Dataset {
    let rows = read_column("odds/cardio.csv", "");
    let x = Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j]);
    Dataset::from_features("cardio", x)
}

fn speed_windows(w: usize) -> Dataset {
    let v: Vec<f64> = read_column("nab/labeled/realTraffic/speed_7578.csv", "value")
        .into_iter()
        .map(|r| r[0])
        .collect();
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let stride = 4;
    let starts: Vec<usize> = (0..=n - w).step_by(stride).collect();
    let x = Array2::from_shape_fn((starts.len(), w), |(i, k)| (v[starts[i] + k] - mean) / sd);
    Dataset::from_features("speed_7578", x).with_window(w).unwrap()
}

fn one_epoch(name: &str) -> Box<dyn Detector> {
    let p = Params([("epochs".to_string(), ParamValue::Int(1))].into());
    oddity_deep::detector(name).unwrap().instantiate(&p).unwrap().1
}

fn bench(c: &mut Criterion) {
    let ctx = FitContext::new(0).with_threads(2);
    let mut group = c.benchmark_group("one_epoch");
    group.sample_size(10);
    let rows = cardio();
    for name in ["autoencoder", "vae", "deepsvdd"] {
        let det = one_epoch(name);
        group
            .bench_function(format!("{name}/cardio"), |b| b.iter(|| det.fit(&rows, &ctx).unwrap()));
    }
    let windows = speed_windows(100);
    for name in ["cnn_autoencoder", "lstm_autoencoder"] {
        let det = one_epoch(name);
        group.bench_function(format!("{name}/speed_7578"), |b| {
            b.iter(|| det.fit(&windows, &ctx).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
