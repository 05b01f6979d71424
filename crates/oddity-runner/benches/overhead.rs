//! The runner's own overhead per job: planning, running (in-process), journaling (flush and
//! fsync per record) and deriving the results, for 10 000 trivial jobs (zscore on 40 rows).

use std::fmt::Write as _;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oddity_runner::config::Source;
use oddity_runner::{Plan, PlanOptions, RunOptions};

const JOBS: usize = 10_000;

fn overhead(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x0,x1,label\n");
    for i in 0..40 {
        let _ = writeln!(csv, "{},{},{}", i % 7, (i * 3) % 11, u8::from(i % 10 == 0));
    }
    std::fs::write(dir.path().join("tiny.csv"), csv).unwrap();
    let seeds: Vec<String> = (0..JOBS).map(|s| s.to_string()).collect();
    let text = format!(
        "[experiment]\nname = \"overhead\"\nseeds = [{}]\n\n[[dataset]]\nname = \"tiny\"\npath = \"tiny.csv\"\n\n[[method]]\ndetector = \"zscore\"\n\n[evaluate]\nmetrics = [\"roc_auc\"]\nrandom_baseline = false\n",
        seeds.join(", ")
    );
    let source = Source { path: dir.path().join("overhead.toml"), text };
    let out = dir.path().join("out");

    let mut group = c.benchmark_group("runner");
    group.sample_size(10);
    group.throughput(Throughput::Elements(JOBS as u64));
    group.bench_function("10k_trivial_jobs", |b| {
        b.iter(|| {
            let opts = PlanOptions { output: Some(out.clone()), ..PlanOptions::default() };
            let plan = Plan::new(&source, source.parse().unwrap(), &opts).unwrap();
            let summary = oddity_runner::run(&plan, &RunOptions::new(1), |_| {}).unwrap();
            assert_eq!(summary.total, JOBS);
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
