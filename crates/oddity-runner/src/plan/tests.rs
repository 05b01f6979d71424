//! The planner's rules, each checked on config text alone: `check(config, expect![[…]])`
//! shows the expanded grid, or the one error line the user would see.

use expect_test::{expect, Expect};

use super::{Plan, PlanOptions};
use crate::config::Source;

/// Plans `config` (as the file `c.toml`) and renders the outcome: the variants, the
/// threshold rules and one line per job (id, dataset, method, seed, preprocessing, metrics,
/// limits), or the error line.
fn plan(config: &str) -> String {
    let source = Source { path: "c.toml".into(), text: config.into() };
    let plan = source.parse().and_then(|raw| Plan::new(&source, raw, &PlanOptions::default()));
    match plan {
        Err(e) => format!("error: {e}\n"),
        Ok(plan) => {
            let mut out = String::new();
            for v in &plan.variants {
                out.push_str(&format!(
                    "variant {} = {}({})\n",
                    v.label,
                    v.detector,
                    v.describe_params()
                ));
            }
            for t in &plan.thresholds {
                out.push_str(&format!("threshold {}\n", t.label));
            }
            for j in &plan.jobs {
                let metrics: Vec<String> = j.metrics.iter().map(|m| m.key()).collect();
                let limits = match (j.limits.time, j.limits.memory) {
                    (None, None) => String::new(),
                    (t, m) => format!(" limits={t:?}/{m:?}"),
                };
                out.push_str(&format!(
                    "{} {} / {} / seed {} | {:?} {:?} | {}{limits}\n",
                    j.id,
                    plan.datasets[j.dataset].name,
                    plan.variants[j.variant].label,
                    j.seed,
                    j.preprocess.impute,
                    j.preprocess.scale,
                    metrics.join(" "),
                ));
            }
            out
        }
    }
}

fn check(config: &str, expect: Expect) {
    expect.assert_eq(&plan(config));
}

/// A one-dataset config with `dataset` appended to the dataset block, `method` as the
/// method block and `rest` after it.
fn config(dataset: &str, method: &str, rest: &str) -> String {
    format!(
        "[experiment]\nname = \"t\"\n\n[[dataset]]\nname = \"d\"\npath = \"data.csv\"\n{dataset}\n\n[[method]]\n{method}\n{rest}"
    )
}

const CHRONO: &str = "split = { method = \"chronological\", train = 0.5 }";

#[test]
fn one_method_gets_the_random_baseline() {
    check(
        &config(CHRONO, "detector = \"zscore\"", ""),
        expect![[r#"
            variant zscore = zscore(ddof=0)
            variant random = random()
            f84ac162274cba5e d / zscore / seed 0 | None None | roc_auc average_precision best_f1
            846c124607d3569a d / random / seed 0 | None None | roc_auc average_precision best_f1
        "#]],
    );
}

#[test]
fn a_list_expands_into_variants_and_seeds_multiply() {
    check(
        &config(
            CHRONO,
            "detector = \"knn\"\nk = [3, 5]",
            "\n[evaluate]\nrandom_baseline = false\n",
        )
        .replace("name = \"t\"\n", "name = \"t\"\nseeds = [0, 7]\n"),
        expect![[r#"
            variant knn[k=3] = knn(k=3;method=largest)
            variant knn[k=5] = knn(k=5;method=largest)
            8d59c1382a5a1a9d d / knn[k=3] / seed 0 | None None | roc_auc average_precision best_f1
            c61639429530e53d d / knn[k=3] / seed 7 | None None | roc_auc average_precision best_f1
            9ba291b74de95ecc d / knn[k=5] / seed 0 | None None | roc_auc average_precision best_f1
            6312a0efae2f7129 d / knn[k=5] / seed 7 | None None | roc_auc average_precision best_f1
        "#]],
    );
}

#[test]
fn layers_override_preprocessing_and_metrics() {
    check(
        &config(
            "split = { method = \"none\" }\npreprocess = { scale = \"robust\" }",
            "detector = \"zscore\"\npreprocess = { impute = \"median\" }\nevaluate = { metrics = [\"roc_auc\"] }",
            "\n[preprocess]\nimpute = \"mean\"\nscale = \"minmax\"\n\n[evaluate]\nmetrics = [\"best_f1\", { metric = \"pak_f1\", k = 50 }]\ncompat = \"tsbad\"\nthreshold = { method = \"contamination\", rate = 0.1 }\nrandom_baseline = false\n",
        ),
        expect![[r#"
            variant zscore = zscore(ddof=0)
            threshold contamination(rate=0.1)
            5ceb4619457bb984 d / zscore / seed 0 | Median Robust | roc_auc
        "#]],
    );
}

#[test]
fn job_ids_are_pinned() {
    // The ids of the canonical encoding, version 1 (`grid::JOB_ID_VERSION`): a change here
    // makes every earlier journal rerun on `--resume`; bump the version on purpose.
    let text = plan(&config(CHRONO, "detector = \"zscore\"", ""));
    let ids: Vec<&str> =
        text.lines().filter_map(|l| l.split(' ').next()).filter(|w| w.len() == 16).collect();
    expect![[r#"
        [
            "f84ac162274cba5e",
            "846c124607d3569a",
        ]
    "#]]
    .assert_debug_eq(&ids);
}

#[test]
fn header_errors() {
    check(
        &config(CHRONO, "detector = \"zscore\"", "").replace("name = \"t\"", "name = \" \""),
        expect![[r#"
        error: config `c.toml`, key `experiment.name`: must not be empty
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"", "")
            .replace("name = \"t\"", "name = \"t\"\nseeds = []"),
        expect![[r#"
        error: config `c.toml`, line 3, key `experiment.seeds`: must list at least one seed
    "#]],
    );
    check(
        "[experiment]\nname = \"t\"\n\n[[method]]\ndetector = \"zscore\"\n",
        expect![[r#"
        error: config `c.toml`, key `dataset`: the config has no [[dataset]] block
    "#]],
    );
    check(
        "[experiment]\nname = \"t\"\n\n[[dataset]]\nname = \"d\"\npath = \"x.csv\"\n",
        expect![[r#"
        error: config `c.toml`, key `method`: the config has no [[method]] block
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"", "")
            .replace("name = \"t\"", "name = \"t\"\ntime_limit = \"soon\""),
        expect![[r#"
        error: config `c.toml`, line 3, key `experiment.time_limit`: expected seconds or a duration like "30s", "10m", "2h", got "soon"
    "#]],
    );
}

#[test]
fn dataset_errors() {
    let base = config(CHRONO, "detector = \"zscore\"", "");
    check(
        &(base.clone() + "\n[[dataset]]\nname = \"d\"\npath = \"data.csv\"\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `dataset[1].name`: duplicate dataset name `d` (first used at line 5)
    "#]],
    );
    check(
        &config("train = \"a.txt\"", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 6, key `dataset[0].path`: give either `path` or `train` + `test`, not both
    "#]],
    );
    check(
        &config("test_labels = \"l.txt\"", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].test_labels`: only valid with `train` and `test`
    "#]],
    );
    check(
        &config("split = { method = \"chronological\", train = 0.0 }", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].split`: split `train` must be strictly between 0 and 1, got 0
    "#]],
    );
    check(
        &config("split = { method = \"stratified\", train = 1.5 }", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].split`: split `train` must be strictly between 0 and 1, got 1.5
    "#]],
    );
    check(
        &config("split = { method = \"prefix\", train_rows = -3 }", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].split`: split `train_rows` must be at least 1, got -3
    "#]],
    );
    check(
        &config("label_windows = \"w.json\"", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].label_windows`: needs `timestamp`: rows are labelled by the windows their time falls in
    "#]],
    );
    check(
        &config("label_windows_key = \"k\"", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].label_windows_key`: only valid with `label_windows`
    "#]],
    );
    check(
        &config("splt = 3", "detector = \"zscore\"", ""),
        expect![[r#"
            error: config `c.toml`, line 7: unknown field `splt`, expected one of `name`, `path`, `train`, `test`, `test_labels`, `label`, `timestamp`, `label_windows`, `label_windows_key`, `features`, `plot_feature`, `split`, `protocol`, `family`, `preprocess`, `evaluate`
        "#]],
    );
}

#[test]
fn method_errors() {
    check(
        &config(CHRONO, "detector = \"zscroe\"", ""),
        expect![[r#"
            error: config `c.toml`, line 10, key `method[0].detector`: unknown detector `zscroe` (did you mean `zscore`?) (known: zscore, robust_zscore, gmm, kmeans, knn, lof, dbscan, mahalanobis, ecod, copod, hbos, iforest, eif, pca, random, kde, cof, sod, cblof, inne, loda, ocsvm, mcd, dif, sub_pca, sub_knn, sub_lof, sub_hbos, sub_iforest, kmeans_ad, sub_mcd, sub_ocsvm, kshape_ad, spectral_residual, matrix_profile, poly, autoencoder, vae, deepsvdd, lstm_autoencoder, cnn_autoencoder)
        "#]],
    );
    check(
        &config(CHRONO, "name = \"x\"", ""),
        expect![[r#"
        error: config `c.toml`, line 10, key `method[0].detector`: missing `detector`
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nk = 3", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].k`: unknown parameter `k` for detector `zscore` (known: ddof)
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"robust_zscore\"\nc = -1.0", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].c`: parameter `c`: must be a positive number, got -1
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nddof = \"one\"", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].ddof`: parameter `ddof`: expected int, got `one`
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nddof = []", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].ddof`: an empty list gives no variant
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"", "\n[[method]]\ndetector = \"zscore\"\n"),
        expect![[r#"
        error: config `c.toml`, key `method.name`: two methods are labelled `zscore`: give them distinct `name`s
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\ntime_limit = -1", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].time_limit`: must be a positive duration, got -1 s
    "#]],
    );
}

#[test]
fn window_errors() {
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = 0", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].window`: `window` must be at least 2, got 0
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = -3", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].window`: `window` must be at least 2, got -3
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = 3\nstride = 0", ""),
        expect![[r#"
        error: config `c.toml`, line 12, key `method[0].stride`: `stride` must be at least 1, got 0
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nstride = 2", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].stride`: needs `window`
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = 3\nwindow_score = \"median\"", ""),
        expect![[r#"
            error: config `c.toml`, line 12, key `method[0].window_score`: expected "mean", "max" or "center", got `median`
        "#]],
    );
    check(
        &config(
            "split = { method = \"stratified\", train = 0.5 }",
            "detector = \"zscore\"\nwindow = 2",
            "",
        ),
        expect![[r#"
        error: config `c.toml`, line 5, key `split`: method `zscore` uses `window` but dataset `d` has a stratified split, which puts rows out of time order: use chronological, prefix, none, column or separate files
    "#]],
    );
}

#[test]
fn evaluate_errors() {
    let with = |rest: &str| config(CHRONO, "detector = \"zscore\"", rest);
    check(
        &with("\n[evaluate]\nmetrics = []\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics`: must list at least one metric
    "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [\"roc_acu\"]\n"),
        expect![[r#"
            error: config `c.toml`, line 13, key `evaluate.metrics[0]`: unknown metric `roc_acu` (known: roc_auc, average_precision, vus_roc, vus_pr, precision, recall, best_f1, event_recall, event_f1, pa_f1, pak_f1, range_f1, affiliation_f1) (did you mean `roc_auc`?)
        "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [\"roc_auc\", \"roc_auc\"]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics[1]`: metric `roc_auc` is listed twice with the same options
    "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [{ metric = \"pak_f1\", k = 150 }]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics[0]`: metric `pak_f1`: option `k` must be a percentage in [0, 100], got `150`
    "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [{ metric = \"roc_auc\", k = 5 }]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics[0]`: metric `roc_auc`: unknown option `k` (roc_auc takes no options)
    "#]],
    );
    check(
        &with("\n[evaluate]\ncompat = \"tsb\"\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.compat`: expected "exact" or "tsbad", got `tsb`
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = []\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold`: an empty list gives no threshold
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = { method = \"magic\" }\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold`: unknown threshold method `magic` (known: contamination, fixed, sigma, mad, top_k, pot, spot)
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = { method = \"pot\", q = \"small\" }\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold`: `q` must be a number, got string
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = { method = \"pot\" }\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold`: `pot` needs `q`
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = [{ method = \"sigma\", k = \"3\" }]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold[0]`: `k` must be a number, got string
    "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [{ metric = \"pak_f1\", buffer = 3 }]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics[0]`: metric `pak_f1`: unknown option `buffer` (pak_f1 takes k)
    "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [{ metric = \"vus_pr\", buffer = -1 }]\n"),
        expect![[r#"
            error: config `c.toml`, line 13, key `evaluate.metrics[0]`: metric `vus_pr`: option `buffer` must be an integer in [0, 10000] or "period", got `-1`
        "#]],
    );
    check(
        &with("\n[evaluate]\nmetrics = [\"precision\"]\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.metrics[0]`: `precision` needs a threshold: set `[evaluate] threshold` and it is computed at every threshold
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = [{ method = \"sigma\", k = 3 }, { method = \"sigma\", k = 3 }]\n"),
        expect![[r#"
            error: config `c.toml`, line 13, key `evaluate.threshold[1]`: two thresholds are labelled `sigma(k=3)`: give one a `name`
        "#]],
    );
    check(
        &config(
            CHRONO,
            "detector = \"zscore\"\nevaluate = { threshold = { method = \"sigma\" } }",
            "",
        ),
        expect![[r#"
            error: config `c.toml`, line 11, key `method[0].evaluate.threshold`: only valid in the top-level [evaluate] (thresholds apply to every method alike)
        "#]],
    );
    check(
        &config("evaluate = { random_baseline = false }", "detector = \"zscore\"", ""),
        expect![[r#"
        error: config `c.toml`, line 7, key `dataset[0].evaluate.random_baseline`: only valid in the top-level [evaluate]
    "#]],
    );
}

#[test]
fn duplicate_seeds_and_out_of_range_values_are_errors_before_anything_runs() {
    let base = config(CHRONO, "detector = \"zscore\"", "");
    check(
        &base.replace("name = \"t\"", "name = \"t\"\nseeds = [1, 2, 1]"),
        expect![[r#"
        error: config `c.toml`, line 3, key `experiment.seeds`: seed 1 is listed twice (at positions 1 and 3)
    "#]],
    );
    check(
        &base.replace("name = \"t\"", "name = \"t\"\ntime_limit = 1e20"),
        expect![[r#"
        error: config `c.toml`, line 3, key `experiment.time_limit`: must be at most one year (31536000 s), got 100000000000000000000 s
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\ntime_limit = \"9000h\"", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].time_limit`: must be at most one year (31536000 s), got 32400000 s
    "#]],
    );
    let with = |rest: &str| config(CHRONO, "detector = \"zscore\"", rest);
    check(
        &with("\n[evaluate]\nthreshold = { method = \"contamination\", rate = 2 }\n"),
        expect![[r#"
            error: config `c.toml`, line 13, key `evaluate.threshold.rate`: 2 is not in (0, 1)
        "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = { method = \"pot\", q = 0 }\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold.q`: 0 is not in (0, 1)
    "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = [{ method = \"spot\", q = 1e-3, level = nan }]\n"),
        expect![[r#"
            error: config `c.toml`, line 13, key `evaluate.threshold[0].level`: NaN is not in (0, 1)
        "#]],
    );
    check(
        &with("\n[evaluate]\nthreshold = { method = \"sigma\", k = -3 }\n"),
        expect![[r#"
        error: config `c.toml`, line 13, key `evaluate.threshold.k`: -3 is not a finite number >= 0
    "#]],
    );
}

#[test]
fn names_with_separators_dots_or_control_characters_are_errors() {
    let named = |name: &str| {
        config(CHRONO, "detector = \"zscore\"", "")
            .replace("name = \"d\"", &format!("name = {name}"))
    };
    check(
        &named("\"a/b\""),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `a/b` contains `/`: names become file names, use another character (`_`, `-`)
    "#]],
    );
    check(
        &named("'a\\b'"),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `a\b` contains `\`: names become file names, use another character (`_`, `-`)
    "#]],
    );
    check(
        &named("\"..\""),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `..` cannot name a file: choose another name
    "#]],
    );
    check(
        &named("\".\""),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `.` cannot name a file: choose another name
    "#]],
    );
    check(
        &named("\"two\\nlines\""),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `two\nlines` contains the control character '\n': names are one line of printable text
    "#]],
    );
    check(
        &named("\"bell\\u0007\""),
        expect![[r#"
        error: config `c.toml`, line 5, key `dataset[0].name`: `bell\u{7}` contains the control character '\u{7}': names are one line of printable text
    "#]],
    );
    // Dots inside a name are fine.
    check(
        &named("\"a.b..c\""),
        expect![[r#"
        variant zscore = zscore(ddof=0)
        variant random = random()
        016b87f93422746a a.b..c / zscore / seed 0 | None None | roc_auc average_precision best_f1
        d614d94f073a40c1 a.b..c / random / seed 0 | None None | roc_auc average_precision best_f1
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nname = \"z/1\"", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].name`: `z/1` contains `/`: names become file names, use another character (`_`, `-`)
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nname = \"..\"", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].name`: `..` cannot name a file: choose another name
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nname = \"z\\r\"", ""),
        expect![[r#"
        error: config `c.toml`, line 11, key `method[0].name`: `z\r` contains the control character '\r': names are one line of printable text
    "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"", "")
            .replace("name = \"t\"", "name = \"t\\n#SBATCH --wrap=touch x\""),
        expect![[r#"
            error: config `c.toml`, key `experiment.name`: `t\n#SBATCH --wrap=touch x` contains the control character '\n': names are one line of printable text
        "#]],
    );
    // An experiment name may hold a slash: it is no file name of its own.
    check(
        &config(CHRONO, "detector = \"zscore\"", "").replace("name = \"t\"", "name = \"t/1 $x\""),
        expect![[r#"
            variant zscore = zscore(ddof=0)
            variant random = random()
            de77183610a1e836 d / zscore / seed 0 | None None | roc_auc average_precision best_f1
            9fa9ac0667a0170e d / random / seed 0 | None None | roc_auc average_precision best_f1
        "#]],
    );
}

#[test]
fn the_tsbad_protocol_evaluates_with_tsbad_definitions_and_the_period_as_vus_buffer() {
    // The protocol changes the ids (a `protocol` line joins the key), the default metrics
    // and the metrics' options; `window = "period"` is resolved per job.
    check(
        "[experiment]\nname = \"t\"\nprotocol = \"tsbad\"\n\n[[dataset]]\nname = \"nab_a\"\npath = \"a.csv\"\nsplit = { method = \"none\" }\n\n[[method]]\nname = \"sub_knn\"\ndetector = \"knn\"\nwindow = \"period\"\nperiod_rank = 2\nwindow_score = \"center\"\nwindow_norm = \"zscore\"\n\n[evaluate]\nrandom_baseline = false\n",
        expect![[r#"
            variant sub_knn = knn(k=5;method=largest;window=period(rank=2);stride=auto;window_score=center;window_norm=zscore)
            d299ff93265cfefc nab_a / sub_knn / seed 0 | None None | roc_auc average_precision vus_roc(buffer=period) vus_pr(buffer=period)
        "#]],
    );
    check(
        &config(
            "protocol = \"tsbad\"\nsplit = { method = \"prefix\", train_rows = 10 }",
            "detector = \"zscore\"",
            "[evaluate]\nrandom_baseline = false\nmetrics = [\"roc_auc\", { metric = \"vus_pr\", buffer = 50 }, \"vus_roc\"]\n",
        ),
        expect![[r#"
            variant zscore = zscore(ddof=0)
            1472c356b76cd129 d / zscore / seed 0 | None None | roc_auc vus_pr(buffer=50) vus_roc(buffer=period)
        "#]],
    );
}

#[test]
fn protocol_family_and_period_window_errors() {
    check(
        &config("protocol = \"tsb\"", "detector = \"zscore\"", ""),
        expect![[r#"
            error: config `c.toml`, line 7, key `dataset[0].protocol`: expected "standard" or "tsbad", got `tsb`
        "#]],
    );
    // A stratified split shuffles the series.
    check(
        &config(
            "protocol = \"tsbad\"\nsplit = { method = \"stratified\", train = 0.5 }",
            "detector = \"zscore\"",
            "",
        ),
        expect![[r#"
            error: config `c.toml`, line 8, key `dataset[0].split`: protocol "tsbad" needs the rows in time order: use split = { method = "none" }, "prefix" or "chronological" (the training part is the prefix), or separate files
        "#]],
    );
    check(
        &config(&format!("{CHRONO}\nfamily = \"\""), "detector = \"zscore\"", ""),
        expect![[r#"
            error: config `c.toml`, line 8, key `dataset[0].family`: must not be empty
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = \"period\"\nperiod_rank = 4", ""),
        expect![[r#"
            error: config `c.toml`, line 12, key `method[0].period_rank`: expected 1, 2 or 3, got 4
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = 10\nperiod_rank = 2", ""),
        expect![[r#"
            error: config `c.toml`, line 12, key `method[0].period_rank`: only valid with `window = "period"`
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = \"weekly\"", ""),
        expect![[r#"
            error: config `c.toml`, line 11, key `method[0].window`: expected a number of rows or "period", got `weekly`
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"zscore\"\nwindow = 10\nwindow_norm = \"l2\"", ""),
        expect![[r#"
            error: config `c.toml`, line 12, key `method[0].window_norm`: expected "none" or "zscore", got `l2`
        "#]],
    );
}

#[test]
fn the_report_metric_must_be_computed_by_every_job() {
    let plan = |rest: &str| {
        let text = config(CHRONO, "detector = \"zscore\"", rest);
        let source = Source { path: "c.toml".into(), text };
        source.parse().and_then(|raw| Plan::new(&source, raw, &PlanOptions::default()))
    };
    let ok =
        plan("[evaluate]\nmetrics = [\"roc_auc\", \"vus_pr\"]\n\n[report]\nmetric = \"vus_pr\"\n");
    assert_eq!(ok.unwrap().report_metric.as_deref(), Some("vus_pr"));
    check(
        &config(CHRONO, "detector = \"zscore\"", "[report]\nmetric = \"pr_auc\"\n"),
        expect![[r#"
            error: config `c.toml`, line 12, key `report.metric`: `pr_auc` is not computed by every job; choose one of: average_precision, best_f1, roc_auc
        "#]],
    );
}

#[test]
fn unknown_names_suggest_the_one_meant() {
    check(
        &config(CHRONO, "detector = \"IsolationForest\"", ""),
        expect![[r#"
            error: config `c.toml`, line 10, key `method[0].detector`: unknown detector `IsolationForest` (did you mean `iforest`?) (known: zscore, robust_zscore, gmm, kmeans, knn, lof, dbscan, mahalanobis, ecod, copod, hbos, iforest, eif, pca, random, kde, cof, sod, cblof, inne, loda, ocsvm, mcd, dif, sub_pca, sub_knn, sub_lof, sub_hbos, sub_iforest, kmeans_ad, sub_mcd, sub_ocsvm, kshape_ad, spectral_residual, matrix_profile, poly, autoencoder, vae, deepsvdd, lstm_autoencoder, cnn_autoencoder)
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"knn\"\nn_neighbors = 10", ""),
        expect![[r#"
            error: config `c.toml`, line 11, key `method[0].n_neighbors`: unknown parameter `n_neighbors` for detector `knn` (did you mean `k`?) (known: k, method)
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"knn\"\ncontamination = 0.1", ""),
        expect![[r#"
            error: config `c.toml`, line 11, key `method[0].contamination`: `contamination` is not a detector parameter: alarms come from a threshold rule, `[evaluate] threshold = { method = "contamination", rate = 0.1 }`
        "#]],
    );
    check(
        &config(CHRONO, "detector = \"knn\"", "[evaluate]\nmetrics = [\"pr_auc\"]\n"),
        expect![[r#"
            error: config `c.toml`, line 12, key `evaluate.metrics[0]`: unknown metric `pr_auc` (known: roc_auc, average_precision, vus_roc, vus_pr, precision, recall, best_f1, event_recall, event_f1, pa_f1, pak_f1, range_f1, affiliation_f1) (did you mean `average_precision`?)
        "#]],
    );
}
