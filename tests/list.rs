//! `oddity list [NAME] [--json]`: one entry by name, every entry as JSON for scripts, and a
//! one-line error with a suggestion for an unknown name.

mod common;

use common::{oddity, repo};

#[test]
fn list_names_one_entry_gives_json_and_suggests_for_typos() {
    let run = oddity(&repo(), &["list", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let all = all.as_array().unwrap();
    let kinds = |k: &str| all.iter().filter(|e| e["kind"] == k).count();
    assert!(kinds("detector") >= 30 && kinds("metric") >= 10 && kinds("threshold_rule") >= 3);
    let mcd = all.iter().find(|e| e["name"] == "mcd").unwrap();
    assert_eq!(mcd["supervision"], "semi-supervised");

    let run = oddity(&repo(), &["list", "knn", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let knn: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let params: Vec<&str> =
        knn["params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(params, ["k", "method"]);
    assert_eq!(knn["params"][0]["default"], "5");

    let run = oddity(&repo(), &["list", "vus_pr"]);
    assert!(run.stdout.starts_with("vus_pr (metric): "), "{}", run.stdout);
    assert!(run.stdout.contains("options: buffer, thresholds"), "{}", run.stdout);

    let run = oddity(&repo(), &["list", "IsolationForest"]);
    run.assert_one_line_error(&["`IsolationForest`", "did you mean `iforest`?"]);
}
