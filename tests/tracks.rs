//! Score tracks: a time series leaves its plotted feature and every method's test scores
//! (first seed) in `tracks/` for the HTML report; a tabular set leaves none, and a
//! `plot_feature` that is not a feature stops the run before any job.

mod common;

use common::{folder, oddity, repo};

fn config(plot_feature: &str) -> String {
    format!(
        r#"
[experiment]
name = "tracks"
seeds = [4, 5]
data_dir = "{data}"

[[dataset]]
name = "speed"
path = "nab/speed_7578.csv"
timestamp = "timestamp"
split = {{ method = "chronological", train = 0.5 }}
{plot_feature}

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"

[[method]]
detector = "zscore"

[evaluate]
metrics = ["roc_auc"]
"#,
        data = repo().join("datasets").display()
    )
}

#[test]
fn series_tracks_hold_the_test_part_and_first_seed_scores() {
    let dir = folder(&[]);
    std::fs::write(dir.path().join("t.toml"), config("")).unwrap();
    let run = oddity(dir.path(), &["run", "t.toml", "--out", "out", "--in-process"]);
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let tracks = dir.path().join("out/tracks");
    let series = std::fs::read_to_string(tracks.join("series-speed.csv")).unwrap();
    let mut lines = series.lines();
    assert_eq!(lines.next(), Some("value,label"));
    assert_eq!(lines.next(), Some("# feature=value"));
    // The test part of a chronological 50 % split: the second half of the file, raw.
    let file = std::fs::read_to_string(repo().join("datasets/nab/speed_7578.csv")).unwrap();
    let rows: Vec<&str> = file.lines().skip(1).collect();
    let test = &rows[rows.len() / 2..];
    let values: Vec<&str> = lines.collect();
    assert_eq!(values.len(), test.len());
    assert!(values.iter().all(|l| l.ends_with(",0") || l.ends_with(",1")));
    // Every job of the first seed (zscore and the random baseline) on the series has a
    // score track with one score per test row; none of seed 5, none of cardio.
    let journal = std::fs::read_to_string(dir.path().join("out/journal.jsonl")).unwrap();
    let mut found = 0;
    for line in journal.lines() {
        let job = line.split("\"job\":\"").nth(1).unwrap().split('"').next().unwrap();
        let path = tracks.join(format!("{job}.csv"));
        let expected = line.contains("\"dataset\":\"speed\"") && line.contains("\"seed\":4");
        assert_eq!(path.is_file(), expected, "{line}");
        if expected {
            found += 1;
            let scores = std::fs::read_to_string(path).unwrap();
            assert_eq!(scores.lines().count(), test.len() + 1);
        }
    }
    assert_eq!(found, 2);
    assert!(!tracks.join("series-cardio.csv").exists());
}

#[test]
fn plot_feature_must_be_a_feature() {
    let dir = folder(&[]);
    std::fs::write(dir.path().join("t.toml"), config("plot_feature = \"speed\"")).unwrap();
    oddity(dir.path(), &["run", "t.toml", "--out", "out"]).assert_one_line_error(&[
        "dataset `speed`",
        "plot_feature `speed` (config line 12) is not one of its features: value",
    ]);
    assert!(!dir.path().join("out").exists());
}
