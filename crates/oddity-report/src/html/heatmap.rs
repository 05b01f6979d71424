//! The heat map: datasets × methods, the mean over seeds of the first metric, one colour
//! scale for the whole table, the value written in each cell.

use plotters::prelude::*;

use super::page::{anchored, escape, extent, figure, font, scale_colour, section, short, HPos};
use crate::summary::Summary;

/// The `heatmap` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Heat map";
    let Some(primary) = s.primary() else {
        return section("heatmap", title, "<p>No metric was computed.</p>");
    };
    let (metric, means) = (primary.label(), primary.means());
    let values: Vec<f64> = means.iter().flatten().flatten().copied().collect();
    let (lo, hi) = extent(values.iter().copied());
    if values.is_empty() {
        return section("heatmap", title, "<p>No value to show.</p>");
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    // Method names stand rotated above their column (18 characters at most); the legend
    // is a vertical colour bar on the right.
    let longest = s.methods().iter().map(|m| m.chars().count().min(18)).max().unwrap_or(1) as i32;
    let widest = s.datasets().iter().map(|d| d.chars().count().min(28)).max().unwrap_or(1) as i32;
    let (cell_w, cell_h) = (78i32, 28i32);
    let (label_w, head_h) = (8 * widest + 16, 8 * longest + 16);
    let (n_d, n_m) = (s.datasets().len() as i32, s.methods().len() as i32);
    let width = label_w + cell_w * n_m + 90;
    let height = head_h + cell_h * n_d.max(3) + 12;
    let caption = format!(
        "Mean of {} over seeds per dataset and method; colour from {lo:.3} (dark) to {hi:.3} (light); \
         grey: no value.",
        escape(metric)
    );
    let svg = figure(width as u32, height as u32, &caption, |root| {
        for (j, m) in s.methods().iter().enumerate() {
            let x = label_w + cell_w * j as i32 + cell_w / 2;
            let style = font(13.0).transform(FontTransform::Rotate270);
            let style = TextStyle::from(style).pos(anchored(13.0, HPos::Left).pos);
            root.draw(&Text::new(short(m, 18), (x, head_h - 8), style))?;
        }
        for (i, (d, row)) in s.datasets().iter().zip(means).enumerate() {
            let y = head_h + cell_h * i as i32;
            let label = anchored(13.0, HPos::Right);
            root.draw(&Text::new(short(d, 28), (label_w - 10, y + cell_h / 2 - 1), label))?;
            for (j, v) in row.iter().enumerate() {
                let x = label_w + cell_w * j as i32;
                let cell = [(x, y), (x + cell_w - 2, y + cell_h - 2)];
                let Some(v) = v else {
                    root.draw(&Rectangle::new(cell, RGBColor(234, 238, 242).filled()))?;
                    continue;
                };
                let t = (v - lo) / span;
                root.draw(&Rectangle::new(cell, scale_colour(t).filled()))?;
                let ink = if t > 0.55 { BLACK } else { WHITE };
                let text = anchored(13.0, HPos::Center).color(&ink);
                root.draw(&Text::new(
                    format!("{v:.3}"),
                    (x + cell_w / 2 - 1, y + cell_h / 2 - 1),
                    text,
                ))?;
            }
        }
        // The colour legend.
        let lx = label_w + cell_w * n_m + 20;
        let steps = 40;
        let lh = cell_h * n_d.max(3) - 2;
        for k in 0..steps {
            let y0 = head_h + lh - lh * (k + 1) / steps;
            let y1 = head_h + lh - lh * k / steps;
            let colour = scale_colour(k as f64 / (steps - 1) as f64);
            root.draw(&Rectangle::new([(lx, y0), (lx + 14, y1)], colour.filled()))?;
        }
        let legend = anchored(13.0, HPos::Left);
        root.draw(&Text::new(format!("{hi:.3}"), (lx + 20, head_h + 6), legend.clone()))?;
        root.draw(&Text::new(format!("{lo:.3}"), (lx + 20, head_h + lh - 6), legend))?;
        Ok(())
    });
    section("heatmap", title, &svg)
}
