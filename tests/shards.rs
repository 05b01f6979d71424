//! Shards: `--shard I/N` runs a deterministic part of the jobs in its own folder, and
//! `oddity report DIR…` merges the folders into the table of a single-process run,
//! reporting missing and duplicate jobs.

mod common;

use std::path::Path;

use common::{oddity, repo, split_csv_line};

/// `results.csv` rows without the time and memory columns.
fn table(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    text.lines()
        .map(|l| {
            let f = split_csv_line(l);
            // experiment … value, status, error (fit/score seconds and peak memory dropped).
            [&f[..7], &f[9..11]].concat().join(",")
        })
        .collect()
}

fn journal_jobs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl")).map(|t| t.lines().count()).unwrap_or(0)
}

#[test]
fn three_shards_merge_into_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("qs");
    let o = out.to_str().unwrap();
    let whole = tmp.path().join("whole");
    let single =
        oddity(&repo(), &["run", "configs/quickstart.toml", "--out", whole.to_str().unwrap()]);
    assert_eq!(single.code, 0, "{}", single.stderr);

    let mut sizes = vec![];
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let run =
            oddity(&repo(), &["run", "configs/quickstart.toml", "--out", o, "--shard", &shard]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        sizes.push(journal_jobs(&out.join(format!("shard-{i}-of-3"))));
    }
    // Each job in exactly one shard.
    assert_eq!(sizes.iter().sum::<usize>(), 72, "{sizes:?}");

    let dirs: Vec<String> = (1..=3)
        .map(|i| out.join(format!("shard-{i}-of-3")).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["report"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", o]);
    let merged = oddity(&repo(), &args);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert!(!merged.stderr.contains("warning"), "{}", merged.stderr);
    assert_eq!(table(&out), table(&whole));
    assert!(out.join("results.parquet").is_file());
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        std::fs::read_to_string(whole.join("report.md")).unwrap()
    );
    // The shards' score tracks come along, so the merged HTML report draws the series.
    let tracks = |dir: &Path| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir.join("tracks"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(path).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    // The NAB series and its 6 methods' tracks (seed 0).
    assert_eq!(tracks(&out).len(), 7);
    assert_eq!(tracks(&out), tracks(&whole));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("nab_speed_7578: the test part's"), "no series in the merged report");

    // A missing shard is reported (exit 1); a folder given twice gives duplicates.
    let partial = tmp.path().join("partial");
    let p = partial.to_str().unwrap();
    let run = oddity(&repo(), &["report", &dirs[0], &dirs[1], &dirs[1], "--out", p]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning: missing job").count(), sizes[2], "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning: duplicate job").count(), sizes[1], "{}", run.stderr);
}

#[test]
fn a_shard_is_a_bad_argument_unless_i_of_n() {
    for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
        let run = oddity(&repo(), &["run", "configs/quickstart.toml", "--shard", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn slurm_writes_an_array_job_and_a_dependent_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("qs");
    let run = oddity(
        &repo(),
        &[
            "slurm",
            "configs/quickstart.toml",
            "--shards",
            "3",
            "--out",
            out.to_str().unwrap(),
            "--partition",
            "short",
            "--time",
            "00:10:00",
            "--cpus",
            "2",
            "--mem",
            "2G",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let array = std::fs::read_to_string(out.join("slurm/array.sbatch")).unwrap();
    for needle in [
        "#SBATCH --array=1-3",
        "#SBATCH --partition='short'",
        "#SBATCH --time='00:10:00'",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --mem='2G'",
        "--shard \"${SLURM_ARRAY_TASK_ID}/3\"",
    ] {
        assert!(array.contains(needle), "lacks `{needle}`:\n{array}");
    }
    let merge = std::fs::read_to_string(out.join("slurm/merge.sbatch")).unwrap();
    assert!(merge.contains(" report "), "{merge}");
    assert!(merge.contains("shard-3-of-3"), "{merge}");
    assert!(run.stdout.contains("--dependency=afterany"), "{}", run.stdout);
}
