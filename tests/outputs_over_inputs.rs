//! Outputs never overwrite inputs: `oddity run` into a folder holding its config or a
//! dataset file, and `oddity score --out` onto its model or data file, are refused with one
//! error line before anything is written.

mod common;

use common::{folder, oddity};

const DATA: &str =
    "x0,x1,label\n1.0,2.0,0\n2.0,1.0,0\n3.0,4.0,0\n4.0,3.0,1\n5.0,6.0,0\n6.0,5.0,1\n";

fn config(path: &str) -> String {
    format!(
        "[experiment]\nname = \"io\"\n\n[[dataset]]\nname = \"d\"\npath = \"{path}\"\nsplit = {{ method = \"chronological\", train = 0.5 }}\n\n[[method]]\ndetector = \"zscore\"\n"
    )
}

#[test]
fn run_into_the_folder_of_its_config_is_refused() {
    let dir = folder(&[("c.toml", &config("data.csv")), ("data.csv", DATA)]);
    let run = oddity(dir.path(), &["run", "c.toml", "--out", ".", "--quiet"]);
    run.assert_one_line_error(&["c.toml", "holds the input file", "choose another --out"]);
    assert!(!dir.path().join("journal.jsonl").exists());
    assert!(!dir.path().join(".lock").exists());
    assert_eq!(std::fs::read_to_string(dir.path().join("data.csv")).unwrap(), DATA);
}

#[test]
fn run_into_a_folder_holding_a_dataset_file_is_refused() {
    let dir = folder(&[("c.toml", &config("inputs/data.csv")), ("inputs/data.csv", DATA)]);
    let run = oddity(dir.path(), &["fit", "c.toml", "--out", "inputs", "--save", "m"]);
    run.assert_one_line_error(&["inputs/data.csv", "holds the input file"]);
    assert!(!dir.path().join("inputs/journal.jsonl").exists());
    assert!(!dir.path().join("m").exists());
    // A folder beside the data is fine.
    let run = oddity(dir.path(), &["run", "c.toml", "--out", "out", "--quiet", "--in-process"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn score_out_over_its_model_or_data_is_refused() {
    let dir = folder(&[("c.toml", &config("data.csv")), ("data.csv", DATA)]);
    let fit = oddity(
        dir.path(),
        &["fit", "c.toml", "--save", "saved", "--out", "out", "--quiet", "--in-process"],
    );
    assert_eq!(fit.code, 0, "{}", fit.stderr);
    let model = "saved/d/zscore-seed0.oddity";
    let saved = std::fs::read(dir.path().join(model)).unwrap();
    for (out, what) in [("data.csv", "data"), ("./saved/../data.csv", "data"), (model, "model")] {
        let run = oddity(dir.path(), &["score", "--model", model, "data.csv", "--out", out]);
        run.assert_one_line_error(&[out, &format!("is the {what} file")]);
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("data.csv")).unwrap(), DATA);
    assert_eq!(std::fs::read(dir.path().join(model)).unwrap(), saved);
    let run = oddity(dir.path(), &["score", "--model", model, "data.csv", "--out", "s.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
