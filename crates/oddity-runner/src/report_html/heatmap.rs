//! The heat map: datasets × methods, the mean over seeds of the first metric, one colour
//! scale for the whole table, the value written in each cell.

use plotters::prelude::*;

use super::page::{escape, figure, scale_colour, section, short};
use super::Summary;

/// The `heatmap` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Heat map";
    let Some(metric) = s.primary() else {
        return section("heatmap", title, "<p>No metric was computed.</p>");
    };
    let means = s.means(metric);
    let values: Vec<f64> = means.iter().flatten().flatten().copied().collect();
    let (lo, hi) =
        values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if values.is_empty() {
        return section("heatmap", title, "<p>No value to show.</p>");
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    // Method names stand rotated above their column (16 characters at most).
    let longest = s.methods.iter().map(|m| m.chars().count().min(16)).max().unwrap_or(1) as i32;
    let (cell_w, cell_h, label_w, head_h) = (84i32, 26i32, 170i32, 7 * longest + 20);
    let (n_d, n_m) = (s.datasets.len() as i32, s.methods.len() as i32);
    let width = label_w + cell_w * n_m + 90;
    let height = head_h + cell_h * n_d + 20;
    let caption = format!(
        "Mean of {} over seeds per dataset and method; colour from {lo:.3} (dark) to {hi:.3} (light); \
         empty: no value.",
        escape(metric)
    );
    let svg = figure(width as u32, height as u32, &caption, |root| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let font = ("sans-serif", 12).into_font();
        for (j, m) in s.methods.iter().enumerate() {
            let x = label_w + cell_w * j as i32 + cell_w / 2;
            let style = font.clone().transform(FontTransform::Rotate270);
            root.draw(&Text::new(short(m, 16), (x - 6, head_h - 8), style)).map_err(e)?;
        }
        for (i, (d, row)) in s.datasets.iter().zip(&means).enumerate() {
            let y = head_h + cell_h * i as i32;
            root.draw(&Text::new(short(d, 24), (6, y + 7), font.clone())).map_err(e)?;
            for (j, v) in row.iter().enumerate() {
                let x = label_w + cell_w * j as i32;
                let Some(v) = v else {
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                        RGBColor(234, 238, 242).filled(),
                    ))
                    .map_err(e)?;
                    continue;
                };
                let t = (v - lo) / span;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                    scale_colour(t).filled(),
                ))
                .map_err(e)?;
                let ink = if t > 0.55 { BLACK } else { WHITE };
                root.draw(&Text::new(format!("{v:.3}"), (x + 20, y + 7), font.clone().color(&ink)))
                    .map_err(e)?;
            }
        }
        // The colour legend.
        let lx = label_w + cell_w * n_m + 24;
        let steps = 40;
        let lh = (cell_h * n_d).max(60);
        for k in 0..steps {
            let y0 = head_h + lh - lh * (k + 1) / steps;
            let y1 = head_h + lh - lh * k / steps;
            let colour = scale_colour(k as f64 / (steps - 1) as f64);
            root.draw(&Rectangle::new([(lx, y0), (lx + 14, y1)], colour.filled())).map_err(e)?;
        }
        let small = ("sans-serif", 11).into_font();
        root.draw(&Text::new(format!("{hi:.2}"), (lx + 18, head_h - 2), small.clone()))
            .map_err(e)?;
        root.draw(&Text::new(format!("{lo:.2}"), (lx + 18, head_h + lh - 10), small)).map_err(e)?;
        Ok(())
    });
    section("heatmap", title, &svg)
}
