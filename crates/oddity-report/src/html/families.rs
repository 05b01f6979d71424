//! The per-family table (TSB-AD's way to read a benchmark): for each threshold-free metric,
//! families × methods, each cell the mean over the family's datasets of the method's mean
//! over seeds. Shown only when some family holds more than one dataset.

use std::fmt::Write as _;

use super::page::{escape, section};
use crate::summary::Summary;

/// The `families` section, or nothing when every family is one dataset.
pub(super) fn section_of(s: &Summary<'_>) -> String {
    if !s.has_families() {
        return String::new();
    }
    let families = s.families();
    let mut content = String::from(
        "<p class=\"note\">Each cell: the mean over the family's datasets of the method's mean over \
         seeds (– where the method has no value on one of them). Bold: best in the row.</p>",
    );
    for metric in s.threshold_free() {
        let mark = if metric.is_oracle() { " †" } else { "" };
        let _ = write!(
            content,
            "<h3>{}{mark}</h3><div class=\"scroll\"><table><thead><tr><th>family (datasets)</th>",
            escape(metric.label())
        );
        for m in s.methods() {
            let _ = write!(content, "<th>{}</th>", escape(m));
        }
        content.push_str("</tr></thead><tbody>");
        for (family, members) in &families {
            let means = metric.mean_over(members);
            let best = means.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
            let _ = write!(content, "<tr><td>{} ({})</td>", escape(family), members.len());
            for mean in &means {
                match mean {
                    None => content.push_str("<td>–</td>"),
                    Some(v) if *v == best => {
                        let _ = write!(content, "<td><b>{v:.4}</b></td>");
                    }
                    Some(v) => {
                        let _ = write!(content, "<td>{v:.4}</td>");
                    }
                }
            }
            content.push_str("</tr>");
        }
        content.push_str("</tbody></table></div>");
    }
    section("families", "Per family", &content)
}
