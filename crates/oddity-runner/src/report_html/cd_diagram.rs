//! The critical-difference diagram (Demšar 2006): methods on an axis of average ranks over
//! the datasets, and bars joining the methods whose ranks differ by less than the Nemenyi
//! critical difference at α = 0.05.

use oddity_eval::stats;
use plotters::prelude::*;

use super::page::{escape, figure, section, short};
use super::Summary;

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

/// The `critical-difference` section for the first metric.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Critical-difference diagram";
    let Some(metric) = s.primary() else {
        return section("critical-difference", title, "<p>No metric was computed.</p>");
    };
    let complete: Vec<Vec<f64>> =
        s.means(metric).into_iter().filter_map(|row| row.into_iter().collect()).collect();
    let (n, k) = (complete.len(), s.methods.len());
    if n < 2 || k < 2 {
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
    let (ranks, cd) = match (stats::average_ranks(&complete), stats::nemenyi(k, n, 0.05)) {
        (Ok(r), Ok(c)) => (r, c.cd),
        (Err(e), _) | (_, Err(e)) => {
            return section(
                "critical-difference",
                title,
                &format!("<p>Not computed: {}.</p>", escape(&e.to_string())),
            )
        }
    };
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let sorted: Vec<f64> = order.iter().map(|&m| ranks[m]).collect();
    let groups = cliques(&sorted, cd);

    let (width, left, right) = (900i32, 190i32, 190i32);
    let axis_y = 60;
    let half = k.div_ceil(2);
    let rows = half.max(k - half) as i32;
    let bars_y = axis_y + 18;
    let labels_y = bars_y + 14 * groups.len() as i32 + 22;
    let height = labels_y + 22 * rows + 16;
    let x_of =
        |rank: f64| left + ((rank - 1.0) / (k as f64 - 1.0) * (width - left - right) as f64) as i32;
    let caption = format!(
        "Average rank of {} over {n} datasets (1 = best, on the left). Methods joined by a bar are \
         not significantly different (Nemenyi, α = 0.05, CD = {cd:.3}).",
        escape(metric)
    );
    let svg = figure(width as u32, height as u32, &caption, |root| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let font = ("sans-serif", 13).into_font();
        let small = ("sans-serif", 11).into_font().color(&RGBColor(89, 99, 110));
        root.draw(&PathElement::new(
            vec![(x_of(1.0), axis_y), (x_of(k as f64), axis_y)],
            BLACK.stroke_width(2),
        ))
        .map_err(e)?;
        for r in 1..=k {
            let x = x_of(r as f64);
            root.draw(&PathElement::new(vec![(x, axis_y - 6), (x, axis_y)], BLACK)).map_err(e)?;
            root.draw(&Text::new(r.to_string(), (x - 4, axis_y - 24), small.clone())).map_err(e)?;
        }
        // The CD as a ruler above the axis.
        let (x0, x1) = (x_of(1.0), x_of(1.0 + cd.min(k as f64 - 1.0)));
        root.draw(&PathElement::new(vec![(x0, 14), (x1, 14)], RED.stroke_width(2))).map_err(e)?;
        root.draw(&Text::new(format!("CD = {cd:.3}"), (x1 + 8, 8), small.clone())).map_err(e)?;
        for (g, (i, j)) in groups.iter().enumerate() {
            let y = bars_y + 14 * g as i32;
            let (a, b) = (x_of(sorted[*i]) - 4, x_of(sorted[*j]) + 4);
            root.draw(&PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(4))).map_err(e)?;
        }
        for (pos, &m) in order.iter().enumerate() {
            let x = x_of(ranks[m]);
            let (row, on_left) = if pos < half { (pos, true) } else { (k - 1 - pos, false) };
            let y = labels_y + 22 * row as i32;
            let end = if on_left { left - 14 } else { width - right + 14 };
            root.draw(&PathElement::new(vec![(x, axis_y), (x, y), (end, y)], BLACK)).map_err(e)?;
            let label = format!("{} ({:.2})", short(&s.methods[m], 20), ranks[m]);
            let tx = if on_left { end - 6 - (label.chars().count() as i32 * 7) } else { end + 6 };
            root.draw(&Text::new(label, (tx.max(2), y - 8), font.clone())).map_err(e)?;
        }
        Ok(())
    });
    section("critical-difference", title, &svg)
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
