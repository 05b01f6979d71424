//! TEMPORARY: old (HEAD) report code against the new, on random records. Not to be kept.
#![allow(dead_code, missing_docs, clippy::all)]
mod old_html;
mod old_ranking;
mod old_report;

use std::path::Path;

use oddity_runner::record::journal::FORMAT_VERSION;
use oddity_runner::record::{JobRecord, JobStatus, MetricRecord, MetricStatus};

use crate::summary::Summary;

/// A small xorshift generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn float(&mut self) -> f64 {
        // Coarse values make ties.
        (self.below(40) as f64) / 40.0 + if self.below(3) == 0 { 1e-3 * self.below(7) as f64 } else { 0.0 }
    }
}

fn random_records(rng: &mut Rng) -> Vec<JobRecord> {
    let n_d = 1 + rng.below(5);
    let n_m = 1 + rng.below(4);
    let n_s = 1 + rng.below(3);
    let metrics: Vec<(&str, bool, Option<&str>, Option<&str>)> = vec![
        ("roc_auc", false, None, None),
        ("best_f1", true, None, None),
        ("pak_f1", true, None, Some("k=50")),
        ("threshold", false, Some("pot"), None),
        ("f1", false, Some("pot"), None),
        ("precision", false, Some("pot"), None),
        ("event_f1", false, Some("sigma(k=3)"), None),
    ];
    let n_metrics = 1 + rng.below(metrics.len() as u64) as usize;
    let start = rng.below(2) as usize; // sometimes the first is an oracle metric
    let mut out = Vec::new();
    let mut jobs = Vec::new();
    for d in 0..n_d {
        for m in 0..n_m {
            for s in 0..n_s {
                jobs.push((d, m, s));
            }
        }
    }
    // Shuffle a little: datasets in another order than names.
    for i in (1..jobs.len()).rev() {
        if rng.below(4) == 0 {
            let j = rng.below(i as u64 + 1) as usize;
            jobs.swap(i, j);
        }
    }
    let dead_method = if rng.below(5) == 0 { Some(rng.below(n_m)) } else { None };
    for (index, (d, m, s)) in jobs.into_iter().enumerate() {
        if rng.below(12) == 0 {
            continue; // a missing job
        }
        let dataset = ["zeta", "alpha", "m|id", "beta", "b"][d as usize].to_string();
        let method = ["knn", "random", "lof", "iforest"][m as usize].to_string();
        let failed = rng.below(10) == 0 || dead_method == Some(m);
        let mut ms = Vec::new();
        if !failed {
            for (name, oracle, threshold, options) in metrics.iter().skip(start).take(n_metrics) {
                let roll = rng.below(12);
                let (value, status, error) = match roll {
                    0 => (None, MetricStatus::Undefined, Some("no positives".to_string())),
                    1 => (None, MetricStatus::Failed, Some("boom".to_string())),
                    _ => (Some(rng.float()), MetricStatus::Ok, None),
                };
                ms.push(MetricRecord {
                    metric: name.to_string(),
                    oracle: *oracle,
                    value,
                    status,
                    error,
                    threshold: threshold.map(str::to_string),
                    options: options.map(str::to_string),
                    period: if rng.below(5) == 0 { Some(7) } else { None },
                });
            }
        }
        out.push(JobRecord {
            v: FORMAT_VERSION,
            job: format!("{dataset}-{method}-{s}"),
            index,
            experiment: "exp, \"x\"".into(),
            dataset,
            detector: if method == "random" { "random".into() } else { method.clone() },
            method,
            params: "k=5;p=2".into(),
            seed: s,
            status: if failed { JobStatus::Failed } else { JobStatus::Ok },
            error: failed.then(|| "failed, badly".to_string()),
            n_train: 10,
            n_test: 40,
            fit_seconds: rng.float(),
            score_seconds: rng.float(),
            peak_rss_bytes: if rng.below(2) == 0 { Some(rng.below(1 << 30)) } else { None },
            metrics: ms,
        });
    }
    out
}

/// Whether some method has no value at all for the html's primary metric (where the old
/// CD diagram dropped the method and the new one does not).
fn cd_rule_differs(s: &Summary<'_>) -> bool {
    s.primary().is_some_and(|p| (0..s.methods().len()).any(|m| p.means().iter().all(|row| row[m].is_none())))
}

#[test]
fn new_reports_match_old_ones() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let (mut same_html, mut diff_html) = (0, 0);
    let start = std::time::Instant::now();
    let mut cases = 0;
    for case in 0..3000 {
        if start.elapsed().as_secs() > 200 {
            break;
        }
        cases += 1;
        let records = random_records(&mut rng);
        let s = Summary::new(&records);
        assert_eq!(crate::tables::results_csv(&s), old_report::results_csv(&records), "csv, case {case}");
        assert_eq!(crate::markdown::report_md(&s), old_report::report_md(&records), "md, case {case}\n{records:#?}");
        if case % 3 != 0 {
            continue;
        }
        let new = crate::html::report_html(&s, Path::new("/nonexistent"));
        let old = old_html::report_html(&records, Path::new("/nonexistent"));
        if cd_rule_differs(&s) {
            if new != old {
                diff_html += 1;
            }
        } else {
            let strip = |h: &str| h.replace("Left out (a method without any value, or a dataset where a method has none)", "Left out (a dataset where a method has no value)");
            assert_eq!(new, strip(&old), "html, case {case}\n{records:#?}");
            same_html += 1;
        }
    }
    eprintln!("{cases} cases: csv and md identical");
    eprintln!("html identical in {same_html} cases; differs (CD rule) in {diff_html}");
}

#[test]
fn real_runs_match_old_reports() {
    let Ok(dirs) = std::env::var("ODDITY_COMPAT_DIRS") else { return };
    for dir in dirs.split(',') {
        let dir = Path::new(dir);
        let current = oddity_runner::record::current_records(dir).unwrap();
        let records = current.records;
        let s = Summary::new(&records);
        assert_eq!(crate::tables::results_csv(&s), old_report::results_csv(&records));
        assert_eq!(crate::markdown::report_md(&s), old_report::report_md(&records));
        let new = crate::html::report_html(&s, dir);
        let old = old_html::report_html(&records, dir);
        std::fs::write(format!("/tmp/{}_old.html", dir.file_name().unwrap().to_str().unwrap()), &old).unwrap();
        std::fs::write(format!("/tmp/{}_new.html", dir.file_name().unwrap().to_str().unwrap()), &new).unwrap();
        eprintln!("{}: {} records, cd rule differs: {}, html same: {}", dir.display(), records.len(), cd_rule_differs(&s), new == old);
        // Also against the files the binary wrote.
        assert_eq!(std::fs::read_to_string(dir.join("report.md")).unwrap(), old_report::report_md(&records));
        assert_eq!(std::fs::read_to_string(dir.join("results.csv")).unwrap(), old_report::results_csv(&records));
        assert_eq!(std::fs::read_to_string(dir.join("report.html")).unwrap(), old);
    }
}
