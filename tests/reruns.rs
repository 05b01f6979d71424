//! A finished run is never lost: a second run into its folder is refused unless `--resume`
//! or `--force` (which keeps the old journal beside the new one), and a closed standard
//! output (`oddity run … | head -2`) neither panics nor stops the work.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{folder, oddity, results};

const DATA: &str =
    "x0,x1,label\n1.0,2.0,0\n2.0,1.0,0\n3.0,4.0,0\n4.0,3.0,1\n5.0,6.0,0\n6.0,5.0,1\n\
                    7.0,8.0,0\n8.0,7.0,0\n9.0,1.0,1\n1.5,2.5,0\n";

/// Two methods (plus the baseline) × 3 seeds over `data.csv`: 9 jobs.
const CONFIG: &str = "[experiment]\nname = \"rerun\"\nseeds = [0, 1, 2]\n\n[[dataset]]\nname = \"d\"\n\
                      path = \"data.csv\"\nsplit = { method = \"chronological\", train = 0.5 }\n\n\
                      [[method]]\ndetector = \"zscore\"\n\n[[method]]\ndetector = \"robust_zscore\"\n";

fn journal_lines(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl")).map_or(0, |t| t.lines().count())
}

/// Runs `oddity args` in `dir`, reads `lines` lines of its standard output as `| head` does,
/// closes the pipe, and waits for it: its exit code and standard error.
fn with_stdout_closed_after(
    dir: &std::path::Path,
    args: &[&str],
    lines: usize,
) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oddity"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    for _ in 0..lines {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    drop(reader);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_second_run_into_a_finished_folder_is_refused_and_force_keeps_the_old_journal() {
    let dir = folder(&[("c.toml", CONFIG), ("data.csv", DATA)]);
    let out = dir.path().join("out");
    let first = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(journal_lines(&out), 9);
    let before = std::fs::read(out.join("journal.jsonl")).unwrap();

    let again = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet"]);
    again.assert_one_line_error(&["out", "earlier run", "--resume", "--force"]);
    assert_eq!(
        std::fs::read(out.join("journal.jsonl")).unwrap(),
        before,
        "the journal was touched"
    );
    assert_eq!(results(&out).len(), 27);

    // Short flags: -o, -q, -j.
    let resumed = oddity(dir.path(), &["run", "c.toml", "-o", "out", "-q", "-j", "1", "--resume"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(journal_lines(&out), 9, "resume reran finished jobs");

    let forced = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(journal_lines(&out), 9);
    assert_eq!(std::fs::read(out.join("journal.jsonl.old")).unwrap(), before);
    let twice = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet", "--force"]);
    assert_eq!(twice.code, 0, "{}", twice.stderr);
    assert!(
        out.join("journal.jsonl.old.2").exists(),
        "a second --force overwrote the first old journal"
    );
}

#[test]
fn a_pipe_closed_after_two_lines_neither_panics_nor_stops_the_run() {
    let dir = folder(&[("c.toml", CONFIG), ("data.csv", DATA)]);
    let (code, stderr) =
        with_stdout_closed_after(dir.path(), &["run", "c.toml", "--out", "out", "--jobs", "1"], 2);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(journal_lines(&dir.path().join("out")), 9, "the run stopped early");
    assert_eq!(results(&dir.path().join("out")).len(), 27);
}

#[test]
fn score_into_a_closed_pipe_exits_cleanly() {
    let dir = folder(&[("c.toml", CONFIG), ("data.csv", DATA)]);
    let fit = oddity(dir.path(), &["fit", "c.toml", "--out", "out", "--save", "models", "--quiet"]);
    assert_eq!(fit.code, 0, "{}", fit.stderr);
    let model = std::fs::read_dir(dir.path().join("models/d"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "oddity"))
        .unwrap();
    // A bigger file than a pipe buffer, so that the writer meets the closed pipe.
    let mut big = String::from("x0,x1,label\n");
    for i in 0..200_000 {
        big.push_str(&format!("{}.0,{}.5,{}\n", i % 97, i % 13, i % 2));
    }
    std::fs::write(dir.path().join("big.csv"), big).unwrap();
    let (code, stderr) = with_stdout_closed_after(
        dir.path(),
        &["score", "--model", model.to_str().unwrap(), "big.csv"],
        3,
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
