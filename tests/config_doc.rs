//! The configuration reference stays true to the code: `docs/reference.md` is generated from
//! the registries (detectors and their parameters, metrics and their options, threshold
//! rules; `UPDATE_EXPECT=1 cargo nextest run -p oddity --test config_doc` rewrites it), and
//! every key the config reader accepts is documented in `docs/config.md`.

use std::fmt::Write as _;

use expect_test::expect_file;
use oddity_eval::threshold::ThresholdRule;
use oddity_eval::MetricOptions;
use oddity_runner::config::Source;

/// `text` with `|` escaped for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[test]
fn reference_is_generated_from_the_registries() {
    let mut out = String::from(
        "# oddity reference: detectors, metrics, threshold rules\n\n\
         Generated from the registries by `tests/config_doc.rs` (do not edit by hand:\n\
         `UPDATE_EXPECT=1 cargo nextest run -p oddity --test config_doc`). The config file\n\
         itself is described in [config.md](config.md).\n\n## Detectors\n\n\
         A `[[method]]` names a detector and sets any of its parameters; a list gives one\n\
         variant per value.\n",
    );
    for d in oddity_runner::registry::detectors() {
        let semi = match d.supervision {
            oddity_core::Supervision::SemiSupervised => {
                " Semi-supervised: under `protocol = \"tsbad\"` it fits on the training part only."
            }
            oddity_core::Supervision::Unsupervised => "",
        };
        let _ = writeln!(out, "\n### `{}`\n\n{}{semi}\n", d.name, d.summary);
        if d.params.is_empty() {
            out.push_str("No parameters.\n");
            continue;
        }
        out.push_str("| parameter | type | default | what it sets |\n|---|---|---|---|\n");
        for p in &d.params {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {} |",
                p.name,
                p.kind,
                cell(&p.default.to_string()),
                cell(p.doc)
            );
        }
    }
    out.push_str(
        "\n## Metrics\n\n`[evaluate] metrics` lists names, or tables `{ metric = \"name\", option = value }`.\n\
         † = oracle: the metric chooses its threshold with the test labels.\n\n\
         | metric | options | what it computes |\n|---|---|---|\n",
    );
    for m in oddity_eval::metrics() {
        let options: Vec<String> = m.options.iter().map(|o| format!("`{o}`")).collect();
        let dagger = if m.oracle { " †" } else { "" };
        let _ = writeln!(
            out,
            "| `{}`{dagger} | {} | {} |",
            m.name,
            if options.is_empty() { "–".to_string() } else { options.join(", ") },
            cell(m.summary)
        );
    }
    out.push_str(
        "\n### Metric options\n\n| option | takes | default | what it does |\n|---|---|---|---|\n",
    );
    for o in MetricOptions::describe() {
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {} |",
            o.name,
            cell(o.kind),
            cell(o.default),
            cell(o.doc)
        );
    }
    out.push_str(
        "\n## Threshold rules\n\n`[evaluate] threshold = { method = \"name\", parameter = value }` (or a list):\n\
         each rule is fitted on the training part's scores, never on test labels.\n",
    );
    for r in ThresholdRule::describe() {
        let _ = writeln!(out, "\n### `{}`\n\n{}\n", r.name, r.summary);
        if r.params.is_empty() {
            out.push_str("No parameters.\n");
            continue;
        }
        out.push_str("| parameter | default | what it is |\n|---|---|---|\n");
        for p in r.params {
            let default = p.default.map_or("required".to_string(), |d| format!("`{d}`"));
            let _ = writeln!(out, "| `{}` | {default} | {} |", p.name, cell(p.doc));
        }
    }
    expect_file!["../docs/reference.md"].assert_eq(&out);
}

/// The keys the config reader accepts in the table that `config` breaks with the key `zz`:
/// serde names them all in its "expected one of" message.
fn accepted_keys(config: &str) -> Vec<String> {
    let source = Source { path: "c.toml".into(), text: config.into() };
    let error = source.parse().expect_err("an unknown key is refused").to_string();
    // serde writes "expected one of `a`, `b`, `c`", or "expected `a` or `b`" for two keys.
    let list = error.split_once("expected ").map_or("", |(_, rest)| rest);
    let list = list.strip_prefix("one of ").unwrap_or(list);
    list.split(", ")
        .flat_map(|k| k.split(" or "))
        .map(|k| k.trim_matches(|c| c == '`' || c == ' ').to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

#[test]
fn every_config_key_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/config.md"))
        .expect("docs/config.md");
    let base = "[experiment]\nname = \"t\"\n\n[[dataset]]\nname = \"d\"\npath = \"d.csv\"\n\n[[method]]\ndetector = \"zscore\"\n";
    let tables = [
        ("[experiment]", base.replace("name = \"t\"\n", "name = \"t\"\nzz = 1\n")),
        ("[[dataset]]", base.replace("path = \"d.csv\"\n", "path = \"d.csv\"\nzz = 1\n")),
        ("[preprocess]", format!("{base}\n[preprocess]\nzz = 1\n")),
        ("[evaluate]", format!("{base}\n[evaluate]\nzz = 1\n")),
        ("[report]", format!("{base}\n[report]\nzz = 1\n")),
        ("the top level", format!("zz = 1\n{base}")),
    ];
    let mut missing = Vec::new();
    for (table, config) in &tables {
        let keys = accepted_keys(config);
        assert!(!keys.is_empty(), "{table}: no key list in the error");
        for key in keys {
            if !doc.contains(&format!("`{key}`")) {
                missing.push(format!("{table} `{key}`"));
            }
        }
    }
    let method_keys = ["detector", "name", "preprocess", "evaluate"];
    let method_keys =
        method_keys.iter().chain(oddity_runner::WINDOW_KEYS).chain(oddity_runner::LIMIT_KEYS);
    for key in method_keys {
        if !doc.contains(&format!("`{key}`")) {
            missing.push(format!("[[method]] `{key}`"));
        }
    }
    assert!(missing.is_empty(), "docs/config.md does not document: {missing:?}");
}
