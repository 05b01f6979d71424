//! The leaderboard: methods × metrics, mean ± std over every (dataset, seed) value, the
//! average rank over datasets, the baseline row and oracle metrics marked.

use std::fmt::Write as _;

use super::page::{escape, section};
use crate::summary::{Cell, MetricSummary, Summary};

/// Mean ± sample std of `values` (the mean alone for one value), or `–`.
fn mean_std(values: &[f64]) -> (Option<f64>, String) {
    let cell = Cell::of(values);
    match cell.mean() {
        None => (None, "–".into()),
        Some(m) if values.len() == 1 => (Some(m), format!("{m:.4}")),
        Some(m) => (Some(m), format!("{m:.4} ± {:.4}", cell.std())),
    }
}

/// A methods × `metrics` table; with `rank`, the average rank of the first metric too.
fn table(s: &Summary<'_>, metrics: &[&MetricSummary], rank: bool) -> String {
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr><th>method</th>");
    for m in metrics {
        if m.is_oracle() {
            let _ = write!(
                out,
                "<th class=\"oracle\" title=\"oracle metric\">{} †</th>",
                escape(m.label())
            );
        } else {
            let _ = write!(out, "<th>{}</th>", escape(m.label()));
        }
    }
    if rank {
        out.push_str("<th title=\"average rank over datasets, 1 = best\">average rank</th>");
    }
    out.push_str("</tr></thead><tbody>");
    // values[metric][method]: every (dataset, seed) value.
    let methods = 0..s.methods().len();
    let values: Vec<Vec<&[f64]>> =
        metrics.iter().map(|metric| methods.clone().map(|m| metric.pooled(m)).collect()).collect();
    // Bold: each metric's best method by the report's one rule (Summary::best).
    let best: Vec<Option<usize>> = metrics.iter().map(|m| s.best(m)).collect();
    let ranks = metrics.first().filter(|_| rank).map(|m| m.average_ranks());
    // Rows in the order of the rule on the first metric.
    let order = metrics.first().map_or_else(|| methods.clone().collect(), |m| s.order(m));
    for i in order {
        let method = &s.methods()[i];
        let baseline = s.is_baseline(i);
        let _ = write!(
            out,
            "<tr{}><td>{}{}</td>",
            if baseline { " class=\"baseline\"" } else { "" },
            escape(method),
            if baseline { "<span class=\"badge\">baseline</span>" } else { "" }
        );
        for (j, per_method) in values.iter().enumerate() {
            let (_, text) = mean_std(per_method[i]);
            let top = best[j] == Some(i);
            let _ = write!(out, "<td{}>{text}</td>", if top { " class=\"best\"" } else { "" });
        }
        if let Some(ranks) = &ranks {
            let r = ranks[i].map_or("–".to_string(), |r| format!("{r:.2}"));
            let _ = write!(out, "<td>{r}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The `leaderboard` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    // The ranking metric first: the rows follow its order.
    let mut metrics: Vec<&MetricSummary> = s.threshold_free().collect();
    if let Some(p) = s.primary() {
        metrics.retain(|m| m.key() != p.key());
        metrics.insert(0, p);
    }
    let Some(first) = metrics.first() else {
        return section("leaderboard", "Leaderboard", "<p>No metric was computed.</p>");
    };
    let mut content = format!(
        "<p class=\"note\">Rows sorted best first by the report's one rule on {0}: the lowest \
         average rank over the datasets where every method has a value, ties broken by the higher \
         mean there; <b>bold</b>: the best method of each metric by the same rule (never the \
         baseline). Cells: mean ± standard deviation pooled over every dataset and seed (spread \
         across datasets, not a confidence interval); average rank of {0} over the datasets it has. \
         † oracle: threshold chosen with the test labels.</p>",
        escape(first.label())
    );
    content.push_str(&table(s, &metrics, true));
    // At each rule: the point-wise precision, recall and F1 (the rest is in report.md).
    let at_rules: Vec<&MetricSummary> = s
        .at_rules()
        .filter(|m| ["precision", "recall", "f1"].contains(&m.key().metric.as_str()))
        .collect();
    if !at_rules.is_empty() {
        content.push_str(
            "<h3>At thresholds fitted on training scores</h3><p class=\"note\"><code>metric @ rule</code>: \
             computed on the alarms of a rule fitted without test labels; the event, range and \
             affiliation F1 at each rule are in report.md.</p>",
        );
        content.push_str(&table(s, &at_rules, false));
    }
    section("leaderboard", "Leaderboard", &content)
}
