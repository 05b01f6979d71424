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
    let best: Vec<Option<f64>> = values
        .iter()
        .map(|per_method| {
            per_method
                .iter()
                .enumerate()
                .filter(|(m, _)| !s.is_baseline(*m))
                .filter_map(|(_, v)| mean_std(v).0)
                .reduce(f64::max)
        })
        .collect();
    let ranks = metrics.first().filter(|_| rank).map(|m| m.average_ranks());
    for (i, method) in s.methods().iter().enumerate() {
        let baseline = s.is_baseline(i);
        let _ = write!(
            out,
            "<tr{}><td>{}{}</td>",
            if baseline { " class=\"baseline\"" } else { "" },
            escape(method),
            if baseline { "<span class=\"badge\">baseline</span>" } else { "" }
        );
        for (j, per_method) in values.iter().enumerate() {
            let (mean, text) = mean_std(per_method[i]);
            let top = !baseline && mean.is_some() && mean == best[j];
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
    let metrics: Vec<&MetricSummary> = s.threshold_free().collect();
    let Some(first) = metrics.first() else {
        return section("leaderboard", "Leaderboard", "<p>No metric was computed.</p>");
    };
    let mut content = format!(
        "<p class=\"note\">Mean ± standard deviation over every dataset and seed; <b>bold</b>: best \
         method per metric (the baseline excluded); average rank of {} over the datasets. \
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
