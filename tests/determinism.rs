//! Determinism: one config run twice, and with `--jobs 1` and `--jobs 2`, gives results
//! that are byte-identical apart from the columns that measure the machine.

mod common;

use std::path::Path;

use common::{oddity, repo, split_csv_line};

/// `results.csv` as text, with the time and memory columns emptied.
fn without_measurements(out: &Path) -> String {
    let text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let measured: Vec<usize> = header
        .split(',')
        .enumerate()
        .filter(|(_, c)| ["fit_seconds", "score_seconds", "peak_rss_bytes"].contains(c))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(measured.len(), 3, "{header}");
    let mut out = format!("{header}\n");
    for line in lines {
        let fields: Vec<String> = split_csv_line(line)
            .into_iter()
            .enumerate()
            .map(|(i, f)| if measured.contains(&i) { String::new() } else { f })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn same_config_twice_and_one_or_two_jobs_give_identical_results() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        let mut args = vec!["run", "configs/quickstart.toml", "--out", dir.to_str().unwrap()];
        args.extend(extra);
        let r = oddity(&repo(), &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        without_measurements(&dir)
    };
    let first = run("a", &["--jobs", "1"]);
    assert_eq!(first.lines().count(), 1 + 4 * 6 * 3 * 3);
    assert_eq!(run("b", &["--jobs", "1"]), first);
    assert_eq!(run("c", &["--jobs", "2"]), first);
    // Jobs on the runner's own threads give the same results as worker processes.
    assert_eq!(run("d", &["--jobs", "2", "--in-process"]), first);
}
