//! Criterion benchmarks of the metrics on one million scores with about 5% anomalies.
//!
//! Run with `cargo bench --bench metrics` (add `-- --quick` for a fast pass).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oddity_eval::{average_precision, best_f1, roc_auc, MetricError};

/// The signature shared by every metric.
type Metric = fn(&[u8], &[f64]) -> Result<f64, MetricError>;

/// The number of scores per benchmark.
const N: usize = 1_000_000;

/// Deterministic labels (about 5% anomalies) and scores, anomalies shifted up by one, with a
/// few exact ties from rounding to a grid of 1/1024.
fn data(n: usize) -> (Vec<u8>, Vec<f64>) {
    // xorshift64* (Vigna): plenty for benchmark data, and no rand dependency.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next_unit = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let label = u8::from(next_unit() < 0.05);
            let noise = next_unit() + next_unit() + next_unit();
            let score = ((noise + f64::from(label)) * 1024.0).round() / 1024.0;
            (label, score)
        })
        .unzip()
}

fn bench_metrics(c: &mut Criterion) {
    let (labels, scores) = data(N);
    let mut group = c.benchmark_group("metrics");
    group.throughput(Throughput::Elements(N as u64));
    let metrics: [(&str, Metric); 3] =
        [("roc_auc", roc_auc), ("average_precision", average_precision), ("best_f1", best_f1)];
    for (name, metric) in metrics {
        group.bench_with_input(BenchmarkId::new(name, N), &(&labels, &scores), |b, (l, s)| {
            b.iter(|| metric(std::hint::black_box(l), std::hint::black_box(s)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
