//! Every metric on the input: a 100 000-point series with 50 anomaly segments,
//! uniform scores plus 0.5 inside the segments.
//!
//! TSB-AD's Python took 27.5 s for its VUS (L = 100) and 303 s for `get_metrics` on such an
//! input; the goals are VUS ≥ 100× faster and all metrics together under 1 s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use oddity_eval::{metrics, tsbad, MetricOptions, VusParams, VusThresholds};

/// SplitMix64, so the input is the same on every run.
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// 100 000 points, 50 segments of 20–400 points (one per 2 000-point block).
fn input() -> (Vec<u8>, Vec<f64>) {
    let n = 100_000;
    let mut state = 2024;
    let mut labels = vec![0u8; n];
    for block in 0..50 {
        let len = 20 + (uniform(&mut state) * 380.0) as usize;
        let start = block * 2000 + 100 + (uniform(&mut state) * 1400.0) as usize;
        labels[start..start + len].fill(1);
    }
    let scores = labels.iter().map(|&l| uniform(&mut state) + 0.5 * f64::from(l)).collect();
    (labels, scores)
}

fn bench(c: &mut Criterion) {
    let (labels, scores) = input();
    let mut group = c.benchmark_group("timeseries_100k");
    group.sample_size(10);
    let threshold = MetricOptions { threshold: Some(0.9), ..MetricOptions::default() };
    for entry in metrics() {
        let needs_threshold = matches!(entry.name, "precision" | "recall");
        let options = if needs_threshold { threshold } else { MetricOptions::default() };
        group.bench_function(entry.name, |b| {
            b.iter(|| (entry.compute_with)(black_box(&labels), black_box(&scores), &options))
        });
    }
    group.bench_function("vus_all_thresholds", |b| {
        let params = VusParams { buffer: 100, thresholds: VusThresholds::All };
        b.iter(|| oddity_eval::vus(black_box(&labels), black_box(&scores), &params))
    });
    group.bench_function("all_registry_metrics", |b| {
        b.iter(|| {
            for entry in metrics() {
                let needs_threshold = matches!(entry.name, "precision" | "recall");
                let options = if needs_threshold { threshold } else { MetricOptions::default() };
                let _ = black_box((entry.compute_with)(&labels, &scores, &options));
            }
        })
    });
    group.bench_function("tsbad_compat_get_metrics", |b| {
        b.iter(|| {
            let (l, s) = (black_box(&labels), black_box(&scores));
            (
                oddity_eval::roc_auc(l, s),
                oddity_eval::average_precision(l, s),
                oddity_eval::vus(l, s, &VusParams::default()),
                tsbad::tsbad_standard_f1(l, s),
                tsbad::tsbad_pa_f1(l, s),
                tsbad::tsbad_event_f1(l, s),
                tsbad::tsbad_range_f1(l, s),
                tsbad::tsbad_affiliation_f1(l, s),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
