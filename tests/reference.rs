//! End to end against the shared reference: the 8 reference sets with the reference's split
//! (given as a `column` split) and standard scaling; `zscore` / `robust_zscore` ROC-AUC,
//! average precision and best F1 equal `reference/tabular/summary.csv` to 1e-9.

mod common;

use std::collections::BTreeMap;

use common::{oddity, results, shared_dir};

const DATASETS: &[&str] =
    &["cardio", "thyroid", "wbc", "glass", "pima", "lympho", "ionosphere", "letter"];

#[test]
fn zscore_metrics_match_reference_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from(
        "[experiment]\nname = \"reference\"\nseeds = [0]\n\n[preprocess]\nscale = \"standard\"\n\n\
         [[method]]\ndetector = \"zscore\"\n\n[[method]]\ndetector = \"robust_zscore\"\n\n",
    );
    for name in DATASETS {
        // The reference split rule: row i trains when i % 5 is 0, 1 or 2.
        let text = std::fs::read_to_string(shared_dir().join(format!("datasets/odds/{name}.csv")))
            .unwrap();
        let mut lines = text.lines();
        let mut out = format!("{},is_train\n", lines.next().unwrap());
        for (i, line) in lines.enumerate() {
            out.push_str(&format!("{line},{}\n", u8::from(i % 5 < 3)));
        }
        std::fs::write(dir.path().join(format!("{name}.csv")), out).unwrap();
        config.push_str(&format!(
            "[[dataset]]\nname = \"{name}\"\npath = \"{name}.csv\"\nsplit = {{ method = \"column\", column = \"is_train\" }}\n\n"
        ));
    }
    std::fs::write(dir.path().join("reference.toml"), config).unwrap();
    let run = oddity(dir.path(), &["run", "reference.toml", "--out", "out", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let got: BTreeMap<(String, String, String), f64> = results(&dir.path().join("out"))
        .into_iter()
        .map(|r| {
            (
                (r["dataset"].clone(), r["method"].clone(), r["metric"].clone()),
                r["value"].parse().unwrap(),
            )
        })
        .collect();
    let summary =
        std::fs::read_to_string(shared_dir().join("reference/tabular/summary.csv")).unwrap();
    let mut checked = 0;
    for line in summary.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let method = match f[1] {
            "zscore" => "zscore",
            "robust_z" => "robust_zscore",
            _ => continue,
        };
        for (metric, want) in ["roc_auc", "average_precision", "best_f1"].iter().zip(&f[2..5]) {
            let want: f64 = want.parse().unwrap();
            let key = (f[0].to_string(), method.to_string(), metric.to_string());
            let got = got[&key];
            assert!((got - want).abs() <= 1e-9, "{key:?}: got {got}, want {want}");
            checked += 1;
        }
    }
    assert_eq!(checked, DATASETS.len() * 2 * 3);
}

#[test]
fn shipped_configs_validate_on_the_shared_data() {
    let root = common::repo();
    let data = shared_dir().join("datasets");
    for config in ["configs/odds.toml", "configs/timeseries.toml"] {
        let run = oddity(&root, &["validate", config, "--data-dir", data.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{config}: {}", run.stderr);
    }
}
