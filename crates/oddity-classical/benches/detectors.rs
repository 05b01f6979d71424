//! Criterion benchmarks of every registered classical detector with its default parameters:
//! fit on the training part and score the test part of ODDS cardio (1 831 × 21) and shuttle
//! (49 097 × 9), split 60/40 (row i trains when i % 5 < 3) and standardised on the training
//! part, as in `configs/odds.toml`.
//!
//! Run with `cargo bench -p oddity-classical --bench detectors` (add `-- --quick`, or a
//! detector name such as `-- lof` to filter).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::Array2;
use oddity_core::testing::NumericCsv;
use oddity_core::{stats, Dataset, FitContext, Params};

/// Standardised train and test parts of the ODDS set `name`.
fn parts(name: &str) -> (Dataset, Dataset) {
    let csv = NumericCsv::read(&format!("datasets/odds/{name}.csv"));
    let d = csv.header.len() - 1;
    let matrix = |train: bool| {
        let rows: Vec<&Vec<f64>> = csv
            .rows
            .iter()
            .enumerate()
            .filter(|(i, _)| (i % 5 < 3) == train)
            .map(|(_, r)| r)
            .collect();
        Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j])
    };
    let (mut train, mut test) = (matrix(true), matrix(false));
    let (mean, std) = stats::column_mean_std(train.view());
    for x in [&mut train, &mut test] {
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - mean[j]) / if std[j] == 0.0 { 1.0 } else { std[j] };
            }
        }
    }
    (Dataset::from_features("train", train), Dataset::from_features("test", test))
}

fn bench_detectors(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for name in ["cardio", "shuttle"] {
        let (train, test) = parts(name);
        let mut group = c.benchmark_group(format!("fit_score/{name}"));
        group.sample_size(10);
        for entry in oddity_classical::detectors() {
            let (_, detector) = entry.instantiate(&Params::default()).expect("default parameters");
            let ctx = FitContext::new(0).with_threads(threads);
            group.bench_function(BenchmarkId::from_parameter(entry.name), |b| {
                b.iter(|| {
                    detector.fit(&train, &ctx).and_then(|f| f.score(&test)).expect("fit and score")
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_detectors);
criterion_main!(benches);
