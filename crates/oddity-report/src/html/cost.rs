//! What each method cost: mean fit and score seconds, peak memory, and time against
//! quality.

use std::fmt::Write as _;

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::page::{
    anchored, escape, extent, figure, font, method_colour, section, short, DrawError, HPos,
};
use crate::summary::Summary;
use oddity_runner::record::JobStatus;

/// Per method: (mean fit s, mean score s, peak bytes, jobs).
fn costs(s: &Summary<'_>) -> Vec<(f64, f64, Option<u64>, usize)> {
    s.methods()
        .iter()
        .map(|m| {
            let ok: Vec<_> = s
                .records()
                .iter()
                .filter(|r| &r.method == m && r.status == JobStatus::Ok)
                .collect();
            let n = ok.len().max(1) as f64;
            (
                ok.iter().map(|r| r.fit_seconds).sum::<f64>() / n,
                ok.iter().map(|r| r.score_seconds).sum::<f64>() / n,
                s.records()
                    .iter()
                    .filter(|r| &r.method == m)
                    .filter_map(|r| r.peak_rss_bytes)
                    .max(),
                ok.len(),
            )
        })
        .collect()
}

/// `v` seconds with three significant digits (at least whole seconds), `0` for none.
pub(crate) fn seconds(v: f64) -> String {
    if v <= 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (2 - v.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Seconds spanning more than this ratio (slowest / fastest) get a log axis.
const LOG_RATIO: f64 = 20.0;

/// The time-vs-quality scatter on the seconds axis `x`: `points` are (method index,
/// seconds, quality).
fn scatter<X>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    x: X,
    y: Range<f64>,
    metric: &str,
    points: &[(usize, f64, f64)],
    methods: &[String],
) -> Result<(), DrawError>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .margin_right(30)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc("seconds per job (fit + score)")
        .y_desc(short(metric, 40))
        .light_line_style(RGBColor(242, 244, 246))
        .bold_line_style(RGBColor(216, 222, 228))
        .x_label_style(font(12.0))
        .y_label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .draw()?;
    chart.draw_series(
        points.iter().map(|&(i, t, q)| Circle::new((t, q), 6, method_colour(i).filled())),
    )?;
    // Labels where they overlap no other label or point and stay inside the plot.
    let pixels: Vec<(i32, i32)> =
        points.iter().map(|&(_, t, q)| chart.backend_coord(&(t, q))).collect();
    let names: Vec<String> = points.iter().map(|&(i, _, _)| short(&methods[i], 22)).collect();
    let widths: Vec<i32> =
        names.iter().map(|n| (n.chars().count() as f64 * LABEL_CHAR) as i32).collect();
    let area = chart.plotting_area().get_pixel_range();
    let bounds = (area.0.start, area.1.start, area.0.end, area.1.end);
    for ((x, y, h), name) in place_labels(&pixels, &widths, bounds).into_iter().zip(names) {
        root.draw(&Text::new(name, (x, y), anchored(13.0, h)))?;
    }
    Ok(())
}

/// Estimated width of a character of a 13 px label, in pixels.
const LABEL_CHAR: f64 = 7.6;
/// Height of a label's box, in pixels.
const LABEL_HEIGHT: i32 = 16;

/// A box `(left, top, right, bottom)` in pixels.
type PixelBox = (i32, i32, i32, i32);

/// Where each point's label goes (the point's pixel, the label's estimated width): the first
/// spot around the point — right, left, above or below on either side — whose box stays
/// inside `bounds` and overlaps no label placed before and no point; on the right when none
/// is free. Returns the text position and the side it is anchored by.
pub(crate) fn place_labels(
    points: &[(i32, i32)],
    widths: &[i32],
    bounds: PixelBox,
) -> Vec<(i32, i32, HPos)> {
    let overlaps = |a: PixelBox, b: PixelBox| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let inside =
        |a: PixelBox| a.0 >= bounds.0 && a.1 >= bounds.1 && a.2 <= bounds.2 && a.3 <= bounds.3;
    let dots: Vec<PixelBox> = points.iter().map(|&(x, y)| (x - 7, y - 7, x + 7, y + 7)).collect();
    let mut placed: Vec<PixelBox> = Vec::new();
    let mut out = Vec::new();
    for (&(x, y), &w) in points.iter().zip(widths) {
        let spots = [
            (10, 0, HPos::Left),
            (-10, 0, HPos::Right),
            (6, -16, HPos::Left),
            (6, 16, HPos::Left),
            (-6, -16, HPos::Right),
            (-6, 16, HPos::Right),
        ];
        let boxed = |(dx, dy, h): (i32, i32, HPos)| {
            let (tx, ty) = (x + dx, y + dy);
            let (left, right) = if matches!(h, HPos::Left) { (tx, tx + w) } else { (tx - w, tx) };
            ((tx, ty, h), (left, ty - LABEL_HEIGHT / 2, right, ty + LABEL_HEIGHT / 2))
        };
        let free = spots
            .into_iter()
            .map(boxed)
            .find(|(_, b)| inside(*b) && !placed.iter().chain(&dots).any(|o| overlaps(*b, *o)));
        let (spot, b) = free.unwrap_or_else(|| {
            // None free: the side with room in the plot.
            let (right, left) = (boxed(spots[0]), boxed(spots[1]));
            if inside(right.1) {
                right
            } else {
                left
            }
        });
        placed.push(b);
        out.push(spot);
    }
    out
}

/// The `cost` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let costs = costs(s);
    // The mean of the first metric over every dataset and seed.
    let quality: Vec<Option<f64>> = match s.primary() {
        Some(metric) => (0..s.methods().len())
            .map(|m| metric.pooled(m))
            .map(|v| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64))
            .collect(),
        None => vec![None; s.methods().len()],
    };
    let mut table = String::from(
        "<table><thead><tr><th>method</th><th>jobs ok</th><th>fit (s, mean)</th><th>score (s, mean)</th>\
         <th>peak memory (MiB, max)</th></tr></thead><tbody>",
    );
    for (m, (fit, score, peak, jobs)) in s.methods().iter().zip(&costs) {
        let peak = peak.map_or("—".to_string(), |b| format!("{:.1}", b as f64 / 1048576.0));
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{jobs}</td><td>{}</td><td>{}</td><td>{peak}</td></tr>",
            escape(m),
            if *jobs == 0 { "—".to_string() } else { seconds(*fit) },
            if *jobs == 0 { "—".to_string() } else { seconds(*score) }
        );
    }
    table.push_str("</tbody></table><p class=\"note\">Peak memory is the worker process's (absent for in-process runs).</p>");
    let points: Vec<(usize, f64, f64)> = costs
        .iter()
        .zip(&quality)
        .enumerate()
        .filter_map(|(i, ((fit, score, _, jobs), q))| {
            q.filter(|_| *jobs > 0).map(|q| (i, (fit + score).max(1e-6), q))
        })
        .collect();
    let scatter = if points.is_empty() {
        String::new()
    } else {
        let metric = s.primary().map_or("", |m| m.label());
        let (tmin, tmax) = extent(points.iter().map(|p| p.1));
        let (qmin, qmax) = extent(points.iter().map(|p| p.2));
        let qpad = ((qmax - qmin) * 0.15).max(0.02);
        let log = tmax / tmin > LOG_RATIO;
        let caption = format!(
            "Mean fit + score seconds per job{} against the mean of {} (higher is better).",
            if log { " (log scale)" } else { "" },
            escape(metric)
        );
        let y = qmin - qpad..qmax + qpad;
        figure(780, 400, &caption, |root| {
            if log {
                scatter(root, (tmin / 2.0..tmax * 2.0).log_scale(), y, metric, &points, s.methods())
            } else {
                let pad = (tmax - tmin).max(tmax * 0.1) * 0.15;
                scatter(root, (tmin - pad).max(0.0)..tmax + pad, y, metric, &points, s.methods())
            }
        })
    };
    section("cost", "Cost", &format!("{table}{scatter}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_keep_three_significant_digits() {
        assert_eq!(seconds(0.000043219), "0.0000432");
        assert_eq!(seconds(0.5), "0.500");
        assert_eq!(seconds(12.345), "12.3");
        assert_eq!(seconds(4321.7), "4322");
        assert_eq!(seconds(0.0), "0");
    }

    #[test]
    fn labels_avoid_each_other_the_points_and_the_edges() {
        let bounds = (0, 0, 400, 300);
        // Two points side by side: the first label would cover the second point on the
        // right, so it goes left; the second goes right.
        let spots = place_labels(&[(100, 100), (140, 100)], &[60, 60], bounds);
        assert!(matches!(spots[0], (90, 100, HPos::Right)), "{:?}", spots[0].0);
        assert!(matches!(spots[1], (150, 100, HPos::Left)), "{:?}", spots[1].0);
        // Two points on top of each other: the second label moves off the first.
        let spots = place_labels(&[(100, 100), (100, 104)], &[60, 60], bounds);
        assert!(matches!(spots[0], (110, 100, HPos::Left)), "{:?}", spots[0].0);
        assert!(matches!(spots[1], (90, 104, HPos::Right)), "{:?}", spots[1].0);
        // A point at the right edge gets its label on the left.
        let spots = place_labels(&[(390, 150)], &[80], bounds);
        assert!(matches!(spots[0], (380, 150, HPos::Right)));
    }
}
