//! Criterion benchmarks of `read_table` on ODDS `shuttle` (49,097 × 9): the CSV
//! conversion (polars) and the original MATLAB file (this crate's parser).
//!
//! Run with `cargo bench --bench ingest` (add `-- --quick` for a fast pass). The
//! data folder is `../shared` beside the checkout, or `$ODDITY_SHARED`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oddity_ingest::{read_table, ReadOptions};

/// The shared data folder.
fn shared() -> PathBuf {
    std::env::var_os("ODDITY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")))
}

fn read_shuttle(c: &mut Criterion) {
    let odds = shared().join("datasets/odds");
    let opts = ReadOptions::default();
    let mut group = c.benchmark_group("read_table/shuttle");
    for ext in ["csv", "mat"] {
        let path = odds.join(format!("shuttle.{ext}"));
        let bytes = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (set ODDITY_SHARED)", path.display()))
            .len();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(BenchmarkId::from_parameter(ext), &path, |b, path| {
            b.iter(|| {
                let table = read_table(black_box(path), "shuttle", &opts).expect("shuttle reads");
                assert_eq!(table.dataset.features.dim(), (49_097, 9));
                table
            });
        });
    }
    group.finish();
}

criterion_group!(benches, read_shuttle);
criterion_main!(benches);
