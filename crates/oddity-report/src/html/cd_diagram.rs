//! The critical-difference diagram (Demšar 2006): methods on an axis of average ranks over
//! the datasets, and bars joining the methods whose ranks differ by less than the Nemenyi
//! critical difference at α = 0.05.

use oddity_eval::stats;
use plotters::prelude::*;

use super::page::{anchored, escape, figure, section, short, HPos};
use crate::summary::Summary;

/// The groups of methods (indices into `ranks` sorted ascending) that are not significantly
/// different: maximal runs whose rank range is below `cd`, runs of one left out.
pub(crate) fn cliques(sorted_ranks: &[f64], cd: f64) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for i in 0..sorted_ranks.len() {
        let mut j = i;
        while j + 1 < sorted_ranks.len() && sorted_ranks[j + 1] - sorted_ranks[i] < cd {
            j += 1;
        }
        // Keep only maximal runs: not inside the previous one.
        if j > i && out.last().is_none_or(|&(_, end)| j > end) {
            out.push((i, j));
        }
    }
    out
}

/// The `critical-difference` section for the first metric, over the datasets where every
/// method has a value (the ranking section of `report.md` ranks over the same datasets).
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Critical-difference diagram";
    let Some(primary) = s.primary() else {
        return section("critical-difference", title, "<p>No metric was computed.</p>");
    };
    let metric = primary.label();
    let complete = primary.complete();
    let left_out: Vec<String> =
        complete.left_out().iter().map(|&d| escape(&s.datasets()[d])).collect();
    let (n, k) = (complete.datasets().len(), complete.methods());
    if !complete.is_rankable() {
        return section(
            "critical-difference",
            title,
            &format!(
                "<p>Needs at least 2 datasets on which all of at least 2 methods have a value of {} \
                 (there are {n} datasets and {k} methods).</p>",
                escape(metric)
            ),
        );
    }
    let (ranks, cd) = match (complete.ranks(), stats::nemenyi(k, n, 0.05)) {
        (Ok(r), Ok(c)) => (r, c.cd),
        (Err(e), _) => return not_computed(title, e),
        (_, Err(e)) => return not_computed(title, &e),
    };
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let sorted: Vec<f64> = order.iter().map(|&m| ranks[m]).collect();
    let groups = cliques(&sorted, cd);

    // Layout: the rank axis on top, the bars of the groups under it, then the methods'
    // names, the better half on the left, the rest on the right, each joined to its rank.
    // A label is `name (rank)`; at 14 px a character takes about 8.5 px.
    let longest = s.methods().iter().map(|m| m.chars().count().min(22)).max().unwrap_or(1);
    let margin = ((longest + 7) as f64 * 8.5) as i32 + 30;
    let (left, right) = (margin, margin);
    let width = left + right + (90 * (k as i32 - 1)).clamp(420, 640);
    let axis_y = 64;
    let half = k.div_ceil(2);
    let rows = half.max(k - half) as i32;
    let bars_y = axis_y + 16;
    let labels_y = bars_y + 12 * groups.len() as i32 + 22;
    let height = labels_y + 24 * rows;
    let x_of =
        |rank: f64| left + ((rank - 1.0) / (k as f64 - 1.0) * (width - left - right) as f64) as i32;
    let caption = format!(
        "Average rank of {} over {n} datasets (1 = best, on the left). Methods joined by a bar are \
         not significantly different (Nemenyi, α = 0.05, CD = {cd:.3}).",
        escape(metric)
    );
    let svg = figure(width as u32, height as u32, &caption, |root| {
        let grey = RGBColor(89, 99, 110);
        root.draw(&PathElement::new(
            vec![(x_of(1.0), axis_y), (x_of(k as f64), axis_y)],
            BLACK.stroke_width(2),
        ))?;
        for r in 1..=k {
            let x = x_of(r as f64);
            root.draw(&PathElement::new(vec![(x, axis_y - 7), (x, axis_y)], BLACK))?;
            let tick = anchored(13.0, HPos::Center).color(&grey);
            root.draw(&Text::new(r.to_string(), (x, axis_y - 17), tick))?;
        }
        // The CD as a ruler above the axis, from rank 1.
        let (x0, x1) = (x_of(1.0), x_of(1.0 + cd.min(k as f64 - 1.0)));
        for (a, b) in [((x0, 14), (x1, 14)), ((x0, 9), (x0, 19)), ((x1, 9), (x1, 19))] {
            root.draw(&PathElement::new(vec![a, b], RED.stroke_width(2)))?;
        }
        let label = anchored(13.0, HPos::Left).color(&RED);
        root.draw(&Text::new(format!("CD = {cd:.3}"), (x1 + 8, 14), label))?;
        for (g, (i, j)) in groups.iter().enumerate() {
            let y = bars_y + 12 * g as i32;
            let (a, b) = (x_of(sorted[*i]) - 5, x_of(sorted[*j]) + 5);
            root.draw(&PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(5)))?;
        }
        for (pos, &m) in order.iter().enumerate() {
            let x = x_of(ranks[m]);
            let (row, on_left) = if pos < half { (pos, true) } else { (k - 1 - pos, false) };
            let y = labels_y + 24 * row as i32;
            let end = if on_left { left - 16 } else { width - right + 16 };
            root.draw(&PathElement::new(vec![(x, axis_y), (x, y), (end, y)], BLACK))?;
            root.draw(&Circle::new((x, axis_y), 3, BLACK.filled()))?;
            let label = format!("{} ({:.2})", short(&s.methods()[m], 22), ranks[m]);
            let (tx, h) = if on_left { (end - 6, HPos::Right) } else { (end + 6, HPos::Left) };
            root.draw(&Text::new(label, (tx, y), anchored(14.0, h)))?;
        }
        Ok(())
    });
    let note = if left_out.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"note\">Left out (a dataset where a method has no value): {}.</p>",
            left_out.join(", ")
        )
    };
    section("critical-difference", title, &format!("{svg}{note}"))
}

/// The section saying why the diagram could not be drawn.
fn not_computed(title: &str, e: &stats::StatsError) -> String {
    section(
        "critical-difference",
        title,
        &format!("<p>Not computed: {}.</p>", escape(&e.to_string())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cliques_are_maximal_runs_within_the_cd() {
        // Ranks 1, 1.5, 2.2, 3.9, 4.0 with CD 1.3: {1, 1.5, 2.2} and {3.9, 4.0}.
        assert_eq!(cliques(&[1.0, 1.5, 2.2, 3.9, 4.0], 1.3), vec![(0, 2), (3, 4)]);
        // Overlapping groups: {1, 2} and {2, 2.9} (1 and 2.9 differ by more than 1.5).
        assert_eq!(cliques(&[1.0, 2.0, 2.9], 1.5), vec![(0, 1), (1, 2)]);
        // Every method apart.
        assert_eq!(cliques(&[1.0, 3.0, 5.0], 1.0), vec![]);
    }
}
