//! Nothing finished is lost: a real `oddity run` killed with SIGKILL at several points and
//! resumed with `--resume` ends with the same results as an uninterrupted run, without
//! duplicate rows; a job whose definition changed runs again, with a message.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{oddity, repo};

/// Many small real jobs: the quickstart's four bundled datasets, two methods, eight seeds.
fn config(dir: &Path, train: &str) -> PathBuf {
    let text = format!(
        r#"
[experiment]
name = "resume"
seeds = [0, 1, 2, 3, 4, 5, 6, 7]
data_dir = "{}"

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"
split = {{ method = "stratified", train = {train} }}

[[dataset]]
name = "thyroid"
path = "odds/thyroid.npz"

[[dataset]]
name = "wbc"
path = "odds/wbc.mat"

[[dataset]]
name = "nab"
path = "nab/speed_7578.csv"
timestamp = "timestamp"
split = {{ method = "none" }}

[preprocess]
scale = "standard"

[[method]]
detector = "zscore"

[[method]]
detector = "robust_zscore"
"#,
        repo().join("datasets").display()
    );
    let path = dir.join(format!("resume-{train}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// 4 datasets × (2 methods + the random baseline) × 8 seeds.
const JOBS: usize = 4 * 3 * 8;

/// Complete lines of the journal in `out`.
fn journal_lines(out: &Path) -> usize {
    std::fs::read(out.join("journal.jsonl"))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// Starts `oddity run` and SIGKILLs it as soon as the journal holds `after` lines. Returns
/// the number of lines the journal had when the run was killed.
fn run_and_kill(config: &Path, out: &Path, after: usize) -> usize {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oddity"))
        .args(["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "1"])
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if journal_lines(out) >= after {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before its journal had {after} lines");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    journal_lines(out)
}

/// `results.csv` without the columns that measure the machine (times, memory).
fn table(out: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !["fit_seconds", "score_seconds", "peak_rss_bytes"].contains(&header[i]))
        .collect();
    lines
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| fields[i].to_string()).collect()
        })
        .collect()
}

fn uninterrupted(config: &Path, out: &Path) -> Vec<Vec<String>> {
    let run = oddity(&repo(), &["run", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    table(out)
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_results() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "0.6");
    let want = uninterrupted(&config, &tmp.path().join("whole"));
    assert_eq!(want.len(), JOBS * 3);

    // Killed after 0 jobs, after some, after almost all.
    for after in [0, JOBS / 2, JOBS - 2] {
        let out = tmp.path().join(format!("killed-{after}"));
        let at_kill = run_and_kill(&config, &out, after);
        assert!(at_kill < JOBS, "the run finished before it could be killed");
        let resumed = oddity(
            &repo(),
            &["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume"],
        );
        assert_eq!(resumed.code, 0, "{}", resumed.stderr);
        if at_kill > 0 {
            assert!(
                resumed
                    .stdout
                    .contains(&format!("{at_kill} of {JOBS} jobs already in the journal")),
                "{}",
                resumed.stdout
            );
        }
        // Every job once in the journal, and the same table as the uninterrupted run.
        assert_eq!(journal_lines(&out), JOBS, "after {after}");
        assert_eq!(table(&out), want, "after {after}");
    }
}

#[test]
fn resume_drops_a_half_written_line_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "0.6");
    let want = uninterrupted(&config, &tmp.path().join("whole"));
    let out = tmp.path().join("cut");
    std::fs::create_dir_all(&out).unwrap();
    // The first ten jobs of the whole run, then half of the eleventh line (as a kill -9
    // in the middle of a write leaves it).
    let journal = std::fs::read_to_string(tmp.path().join("whole/journal.jsonl")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    let mut text: String = lines[..10].iter().map(|l| format!("{l}\n")).collect();
    text.push_str(&lines[10][..lines[10].len() / 2]);
    std::fs::write(out.join("journal.jsonl"), text).unwrap();

    let resumed = oddity(
        &repo(),
        &["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume"],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("half-written last line"), "{}", resumed.stderr);
    assert!(resumed.stdout.contains(&format!("10 of {JOBS} jobs already")), "{}", resumed.stdout);
    assert_eq!(journal_lines(&out), JOBS);
    assert_eq!(table(&out), want);
}

#[test]
fn a_job_whose_definition_changed_runs_again() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let first = oddity(
        &repo(),
        &["run", config(tmp.path(), "0.6").to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);

    // cardio's split changed: its 24 jobs run again, the other 72 are kept.
    let changed = config(tmp.path(), "0.5");
    let resumed = oddity(
        &repo(),
        &["run", changed.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume"],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stdout.contains(&format!("72 of {JOBS} jobs already")), "{}", resumed.stdout);
    assert_eq!(resumed.stderr.matches("changed since the journal was started").count(), 24);
    assert!(resumed.stderr.contains("left out 24 journal records"), "{}", resumed.stderr);

    // The table is that of the changed config alone: no stale, no duplicate rows.
    let want = uninterrupted(&changed, &tmp.path().join("whole"));
    assert_eq!(table(&out), want);
}

#[test]
fn second_run_on_a_locked_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "0.6");
    let out = tmp.path().join("out");
    let args = ["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "1"];
    // Both started together; the second tries once the first has begun its journal.
    let mut first = Command::new(env!("CARGO_BIN_EXE_oddity"))
        .args(args)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while journal_lines(&out) == 0 {
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before its first job");
        std::thread::sleep(Duration::from_millis(1));
    }
    let second = oddity(&repo(), &args);
    assert!(first.try_wait().unwrap().is_none(), "the first run ended before the second started");
    second.assert_one_line_error(&[out.to_str().unwrap(), "another oddity process"]);
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // The first run's journal is whole: every job once, every line a record.
    assert_eq!(journal_lines(&out), JOBS);
    let rerun = oddity(&repo(), &["report", out.to_str().unwrap()]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(!rerun.stderr.contains("dropped"), "{}", rerun.stderr);
    // Free again once the first run ended.
    let resumed = oddity(
        &repo(),
        &["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume"],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
}

#[test]
fn resume_reruns_only_the_jobs_whose_lines_were_broken() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path(), "0.6");
    let want = uninterrupted(&config, &tmp.path().join("whole"));
    let out = tmp.path().join("broken");
    std::fs::create_dir_all(&out).unwrap();
    // The whole journal with two middle lines damaged (as interleaved writes left them).
    let journal = std::fs::read_to_string(tmp.path().join("whole/journal.jsonl")).unwrap();
    let mut lines: Vec<String> = journal.lines().map(str::to_string).collect();
    let half = lines[10].len() / 2;
    lines[10].truncate(half);
    lines[40].replace_range(..1, "x");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("journal.jsonl"), text).unwrap();

    // The report keeps every other record and names the broken lines.
    let report = oddity(&repo(), &["report", out.to_str().unwrap()]);
    assert!(report.stderr.contains("line 11: dropped a broken line"), "{}", report.stderr);
    assert!(report.stderr.contains("line 41: dropped a broken line"), "{}", report.stderr);

    let resumed = oddity(
        &repo(),
        &["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--resume"],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(
        resumed.stdout.contains(&format!("{} of {JOBS} jobs already", JOBS - 2)),
        "{}",
        resumed.stdout
    );
    assert_eq!(journal_lines(&out), JOBS);
    assert_eq!(table(&out), want);
}
