//! Saved models end to end: `oddity fit --save` writes one model per job, `oddity score`
//! scores a data file with it exactly as the run scored its test part, and a file of the
//! wrong kind, of another model format or cut short is a one-line error.

mod common;

use std::path::Path;

use common::{folder, oddity, repo};

/// A NAB series (split none: the test part is the whole file, so the run's score track and
/// `oddity score` on the file must agree bit for bit) and an ODDS set, with a row detector,
/// a windowed one and a deep windowed one.
fn config(data: &Path, extra: &str) -> String {
    format!(
        r#"
[experiment]
name = "models"
seeds = [0, 1]
data_dir = "{data}"
{extra}

[[dataset]]
name = "speed"
path = "nab/speed_7578.csv"
timestamp = "timestamp"
split = {{ method = "none" }}

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"
split = {{ method = "chronological", train = 0.6 }}

[preprocess]
scale = "robust"

[[method]]
detector = "knn"

[[method]]
name = "iforest_w"
detector = "iforest"
window = 8

[[method]]
name = "cnn"
detector = "cnn_autoencoder"
window = 16
epochs = 1

[evaluate]
metrics = ["roc_auc"]
random_baseline = false
"#,
        data = data.display()
    )
}

/// The `score` column of a CSV written by oddity (`row,score[,label]` or `score`).
fn scores(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "score").unwrap();
    lines.map(|l| l.split(',').nth(at).unwrap().to_string()).collect()
}

#[test]
fn fit_saves_every_job_and_score_reproduces_the_run() {
    let dir = folder(&[]);
    let data = repo().join("datasets");
    std::fs::write(dir.path().join("models.toml"), config(&data, "")).unwrap();
    let run = oddity(dir.path(), &["fit", "models.toml", "--save", "saved", "--out", "out"]);
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("models: saved"), "{}", run.stdout);

    // 2 datasets × 3 methods × 2 seeds.
    for dataset in ["speed", "cardio"] {
        for method in ["knn", "iforest_w", "cnn"] {
            for seed in [0, 1] {
                let path = dir.path().join(format!("saved/{dataset}/{method}-seed{seed}.oddity"));
                assert!(path.is_file(), "{} missing", path.display());
            }
        }
    }

    // The run's test scores of the series (seed 0) are its score tracks; scoring the same
    // file with the saved model gives the same numbers, digit for digit.
    let journal = std::fs::read_to_string(dir.path().join("out/journal.jsonl")).unwrap();
    let speed = data.join("nab/speed_7578.csv");
    for method in ["knn", "iforest_w", "cnn"] {
        let record: serde_json::Value = journal
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|r| r["dataset"] == "speed" && r["method"] == method && r["seed"] == 0)
            .unwrap();
        let track = dir.path().join(format!("out/tracks/{}.csv", record["job"].as_str().unwrap()));
        let model = format!("saved/speed/{method}-seed0.oddity");
        let out = format!("{method}.csv");
        let run = oddity(
            dir.path(),
            &["score", "--model", &model, speed.to_str().unwrap(), "--out", &out],
        );
        assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
        let ours = scores(&dir.path().join(&out));
        let rows = std::fs::read_to_string(&speed).unwrap().lines().count() - 1;
        assert_eq!(ours.len(), rows, "{method}");
        assert_eq!(ours, scores(&track), "{method}: oddity score differs from the run");
        // The data has the label column: `row,score,label`, ready for `oddity evaluate`.
        let header = std::fs::read_to_string(dir.path().join(&out)).unwrap();
        assert!(header.starts_with("row,score,label\n"), "{method}");
    }

    // A tabular model scores a file in another column order, without labels.
    let cardio = std::fs::read_to_string(data.join("odds/cardio.csv")).unwrap();
    let mut lines = cardio.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let label = header.iter().position(|h| *h == "label").unwrap();
    let mut reordered = String::new();
    for line in std::iter::once(header.join(",")).chain(lines.take(50).map(String::from)) {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields.remove(label);
        fields.reverse();
        reordered.push_str(&fields.join(","));
        reordered.push('\n');
    }
    std::fs::write(dir.path().join("new.csv"), reordered).unwrap();
    let run = oddity(dir.path(), &["score", "--model", "saved/cardio/knn-seed1.oddity", "new.csv"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stdout.starts_with("row,score\n0,"), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 51);
}

#[test]
fn save_models_in_the_config_saves_under_the_output() {
    let dir = folder(&[]);
    let data = repo().join("datasets");
    let text = config(&data, "save_models = true").replace("seeds = [0, 1]", "seeds = [3]");
    std::fs::write(dir.path().join("m.toml"), text).unwrap();
    let run = oddity(dir.path(), &["run", "m.toml", "--out", "out", "--in-process"]);
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(dir.path().join("out/models/cardio/cnn-seed3.oddity").is_file());
    // `oddity fit` without a folder anywhere says where to put the models.
    std::fs::write(dir.path().join("n.toml"), config(&data, "")).unwrap();
    oddity(dir.path(), &["fit", "n.toml"]).assert_one_line_error(&["n.toml", "--save DIR"]);
}

#[test]
fn bad_model_files_are_one_line_errors() {
    let dir = folder(&[("data.csv", "x,label\n1,0\n")]);
    let data = repo().join("datasets");
    let text = config(&data, "").replace("seeds = [0, 1]", "seeds = [0]");
    std::fs::write(dir.path().join("m.toml"), text).unwrap();
    let run = oddity(dir.path(), &["fit", "m.toml", "--save", "saved", "--out", "out"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let good = std::fs::read(dir.path().join("saved/cardio/knn-seed0.oddity")).unwrap();
    let cardio = data.join("odds/cardio.csv");
    let cardio = cardio.to_str().unwrap();

    // Not a model at all.
    oddity(dir.path(), &["score", "--model", "data.csv", cardio])
        .assert_one_line_error(&["model `data.csv`", "not an oddity model file"]);
    // Cut short, in the body and in the header.
    std::fs::write(dir.path().join("cut.oddity"), &good[..good.len() / 2]).unwrap();
    oddity(dir.path(), &["score", "--model", "cut.oddity", cardio])
        .assert_one_line_error(&["cut.oddity", "truncated or corrupt model file"]);
    std::fs::write(dir.path().join("head.oddity"), &good[..15]).unwrap();
    oddity(dir.path(), &["score", "--model", "head.oddity", cardio])
        .assert_one_line_error(&["head.oddity", "truncated model file"]);
    // Another model format (a future oddity).
    let text = String::from_utf8_lossy(&good).replacen("\"format\":2", "\"format\":3", 1);
    let mut future = text.as_bytes()[..text.find('}').unwrap() + 1].to_vec();
    future.extend(&good[future.len()..]);
    std::fs::write(dir.path().join("future.oddity"), future).unwrap();
    oddity(dir.path(), &["score", "--model", "future.oddity", cardio]).assert_one_line_error(&[
        "future.oddity",
        "model format 3",
        "reads model format 2",
    ]);
    // A missing model file, and data without the model's features.
    oddity(dir.path(), &["score", "--model", "nope.oddity", cardio])
        .assert_one_line_error(&["nope.oddity", "cannot read"]);
    oddity(dir.path(), &["score", "--model", "saved/cardio/knn-seed0.oddity", "data.csv"])
        .assert_one_line_error(&["data.csv"]);
}
