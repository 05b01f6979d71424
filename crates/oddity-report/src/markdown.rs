//! `report.md`: per metric a datasets × methods table of the [`Summary`]'s cells, the
//! ranking across datasets, then failed jobs and undefined metrics with their reasons.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use oddity_runner::record::MetricStatus;

use crate::ranking;
use crate::summary::{metric_key, Cell, Summary};

/// File name of the Markdown report.
pub const REPORT_FILE: &str = "report.md";

/// The Markdown report: per metric a datasets × methods table of mean ± std over seeds with
/// the best per row in bold and the average rank per method, the ranking across datasets,
/// then failures and undefined metrics with their reasons.
pub fn report_md(summary: &Summary<'_>) -> String {
    let records = summary.records();
    let mut out = String::new();
    let experiment = summary.experiment().unwrap_or("(empty journal)");
    let failed = summary.failed();
    let (datasets, methods) = (summary.datasets(), summary.methods());
    let oracles: Vec<&str> =
        summary.metrics().iter().filter(|m| m.is_oracle()).map(|m| m.label()).collect();

    let _ = writeln!(out, "# Report: {}\n", md(experiment));
    let _ = writeln!(
        out,
        "{} jobs ({} ok, {} failed) · {} datasets · {} methods · seeds: {}\n",
        records.len(),
        records.len() - failed.len(),
        failed.len(),
        datasets.len(),
        methods.len(),
        summary.seeds().iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "Cells: mean ± standard deviation over seeds (n − 1; the mean alone for one seed). **Bold**: best in the row. \
         Average rank: 1 = best, ties share the mean rank. \
         † oracle metric: its threshold is chosen with the test labels, so it is an upper bound. \
         `metric @ rule`: at the threshold the rule fitted on the training scores (no test labels).\n"
    );
    if !oracles.is_empty() {
        let _ = writeln!(out, "Oracle metrics in this report: {}.\n", oracles.join(", "));
    }
    if let Some(best) = summary.headline() {
        let _ = writeln!(
            out,
            "**{}.** The one rule for \"best\" in this report: the lowest average rank over the \
             datasets where every method has a value, ties broken by the higher mean there (the \
             random baseline is never named best).\n",
            md(&best)
        );
    }
    let warnings = summary.warnings();
    if !warnings.is_empty() {
        out.push_str("Warnings:\n\n");
        for w in &warnings {
            let _ = writeln!(out, "- {}", md(w));
        }
        out.push('\n');
    }

    let mut rankings = String::new();
    for metric in summary.metrics() {
        let key = metric.label();
        let mark = if metric.is_oracle() { " †" } else { "" };
        let _ = writeln!(out, "## {}{mark}\n", md(key));
        let _ = writeln!(
            out,
            "| dataset | {} |",
            methods.iter().map(|m| md(m)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(methods.len()));
        for (d, (name, means)) in datasets.iter().zip(metric.means()).enumerate() {
            let best = means.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
            let rendered: Vec<String> = means
                .iter()
                .enumerate()
                .map(|(m, mean)| match metric.cell(d, m) {
                    None => "–".into(),
                    Some(c) => render(c, *mean == Some(best)),
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", md(name), rendered.join(" | "));
        }
        let avg: Vec<String> = metric
            .average_ranks()
            .iter()
            .map(|r| r.map_or("–".into(), |r| format!("{r:.2}")))
            .collect();
        let _ = writeln!(out, "| *average rank* | {} |\n", avg.join(" | "));
        // Ranked: threshold-free and oracle metrics, and F1 at each threshold rule (the
        // other values at a threshold are in the tables above).
        let typed = metric.key();
        if !typed.is_at_threshold() || typed.metric == "f1" {
            rankings.push_str(&ranking::section(
                &format!("{key}{mark}"),
                methods,
                datasets,
                metric.complete(),
            ));
        }
    }
    if !rankings.is_empty() && datasets.len() > 1 {
        let _ = writeln!(
            out,
            "## Ranking across datasets\n\n\
             Per metric: the average rank of each method over the datasets where every method has \
             a value (means over seeds; 1 = best), the Friedman test of \"all methods rank alike\", \
             the Nemenyi critical difference (a method whose average rank is within it of the best \
             is not significantly worse), and two-sided Wilcoxon signed-rank tests of the best \
             method against each other, Holm-corrected (Demšar 2006).\n"
        );
        out.push_str(&rankings);
    }
    if summary.has_families() {
        out.push_str(&family_section(summary));
    }

    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "## Failed jobs\n\n| dataset | method | seed | status | error |\n|---|---|---:|---|---|"
        );
        for r in &failed {
            let err = r.error.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&r.dataset),
                md(&r.method),
                r.seed,
                r.status.as_str(),
                md(err)
            );
        }
        out.push('\n');
    }
    let mut undefined: BTreeMap<(String, String, String), (Vec<u64>, String)> = BTreeMap::new();
    for r in records {
        for m in r.metrics.iter().filter(|m| m.status != MetricStatus::Ok) {
            let key = (r.dataset.clone(), r.method.clone(), metric_key(m).to_string());
            let e = undefined
                .entry(key)
                .or_insert_with(|| (vec![], m.error.clone().unwrap_or_default()));
            e.0.push(r.seed);
        }
    }
    if !undefined.is_empty() {
        let _ = writeln!(
            out,
            "## Undefined metrics\n\n| dataset | method | metric | seeds | reason |\n|---|---|---|---|---|"
        );
        for ((d, m, metric), (seeds, reason)) in &undefined {
            let seeds = seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {seeds} | {} |",
                md(d),
                md(m),
                md(metric),
                md(reason)
            );
        }
    }
    out
}

/// A cell as the tables show it: `mean ± std` (bold when `best`), how many seeds gave a
/// value when some did not, or why none did.
fn render(cell: &Cell, best: bool) -> String {
    let Some(mean) = cell.mean() else {
        return if cell.failed > 0 { "failed".into() } else { "undefined".into() };
    };
    let mut s = if cell.values.len() > 1 {
        format!("{mean:.4} ± {:.4}", cell.std())
    } else {
        format!("{mean:.4}")
    };
    if best {
        s = format!("**{s}**");
    }
    let missing = cell.undefined + cell.failed;
    if missing > 0 {
        let _ = write!(s, " ({} of {} seeds)", cell.values.len(), cell.values.len() + missing);
    }
    s
}

/// `s` safe inside a Markdown table cell.
pub(crate) fn md(s: &str) -> String {
    // Markdown renders raw HTML: a name like `<img onerror=…>` must stay text.
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// `## Per family`: for each threshold-free metric, the mean over each family's datasets of
/// every method's per-dataset mean (TSB-AD's per-family tables), best per row in bold.
fn family_section(summary: &Summary<'_>) -> String {
    let methods = summary.methods();
    let families = summary.families();
    let mut out = String::from(
        "## Per family\n\nPer metric: the mean over a family's datasets of each method's mean over \
         seeds (– where the method has no value on one of them). **Bold**: best in the row.\n\n",
    );
    for metric in summary.threshold_free() {
        let mark = if metric.is_oracle() { " †" } else { "" };
        let _ = writeln!(out, "### {}{mark}\n", md(metric.label()));
        let _ = writeln!(
            out,
            "| family (datasets) | {} |",
            methods.iter().map(|m| md(m)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(methods.len()));
        for (family, members) in &families {
            let means = metric.mean_over(members);
            let best = means.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
            let cells: Vec<String> = means
                .iter()
                .map(|m| match m {
                    None => "–".into(),
                    Some(v) if *v == best => format!("**{v:.4}**"),
                    Some(v) => format!("{v:.4}"),
                })
                .collect();
            let _ = writeln!(out, "| {} ({}) | {} |", md(family), members.len(), cells.join(" | "));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_holding_html_stay_text_in_report_md() {
        let records = vec![job(
            "<img src=x onerror=alert(1)>",
            "a|b & c",
            "zscore",
            0,
            vec![metric("roc_auc", 0.5, false, None)],
        )];
        let out = report_md(&Summary::new(&records));
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
        assert!(out.contains("a\\|b &amp; c"), "{out}");
    }
    use crate::summary::tests::{job, metric};

    #[test]
    fn cells_show_seeds_missing_and_the_best_in_bold() {
        let cell = Cell { values: vec![0.5, 0.7], undefined: 1, failed: 0 };
        assert_eq!(render(&cell, true), "**0.6000 ± 0.1414** (2 of 3 seeds)");
        assert_eq!(render(&Cell { failed: 2, ..Cell::default() }, false), "failed");
        assert_eq!(render(&Cell::default(), false), "undefined");
    }

    #[test]
    fn a_table_per_metric_with_its_average_rank() {
        let records = vec![
            job("d|1", "a", "knn", 0, vec![metric("roc_auc", 0.9, false, None)]),
            job("d|1", "b", "zscore", 0, vec![metric("roc_auc", 0.7, false, None)]),
        ];
        let text = report_md(&Summary::new(&records));
        assert!(text.starts_with(
            "# Report: exp\n\n2 jobs (2 ok, 0 failed) · 1 datasets · 2 methods · seeds: 0\n"
        ));
        assert!(text.contains("## roc_auc\n\n| dataset | a | b |\n|---|---:|---:|\n| d\\|1 | **0.9000** | 0.7000 |\n| *average rank* | 1.00 | 2.00 |\n"), "{text}");
        assert!(!text.contains("## Ranking across datasets"), "{text}");
    }
}
