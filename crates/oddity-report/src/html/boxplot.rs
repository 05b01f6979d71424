//! Box plots of the first metric over seeds: one small chart per dataset, a horizontal box
//! per method (names read across, however many methods).

use oddity_core::stats::{quantile_sorted, sorted};
use plotters::prelude::*;

use super::page::{anchored, escape, extent, figure, font, method_colour, section, short, HPos};
use crate::summary::Summary;

/// At most this many datasets get a chart.
const MAX_CHARTS: usize = 24;

/// Tukey's box of some values: whiskers at the most extreme values within 1.5 IQR of the
/// quartiles (never beyond the data), and the values outside them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TukeyBox {
    /// Lower whisker, first quartile, median, third quartile, upper whisker.
    pub(crate) five: [f64; 5],
    /// The values beyond the whiskers.
    pub(crate) outliers: Vec<f64>,
}

impl TukeyBox {
    /// The box of `values` (numpy's linear quantiles); `None` when there is none.
    pub(crate) fn of(values: &[f64]) -> Option<Self> {
        let v = sorted(values.iter().copied().filter(|v| v.is_finite()));
        if v.is_empty() {
            return None;
        }
        let (q1, median, q3) =
            (quantile_sorted(&v, 0.25), quantile_sorted(&v, 0.5), quantile_sorted(&v, 0.75));
        let (lo_fence, hi_fence) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
        let inside = || v.iter().copied().filter(|x| (lo_fence..=hi_fence).contains(x));
        let low = inside().fold(f64::INFINITY, f64::min);
        let high = inside().fold(f64::NEG_INFINITY, f64::max);
        let outliers = v.iter().copied().filter(|x| !(lo_fence..=hi_fence).contains(x)).collect();
        Some(Self { five: [low, q1, median, q3, high], outliers })
    }
}

/// Pixels per method row and the heights around the rows.
const ROW: i32 = 22;
const CAPTION: i32 = 30;
const X_AXIS: i32 = 44;

/// The `boxplots` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Box plots over seeds";
    let Some(primary) = s.primary() else {
        return section("boxplots", title, "<p>No metric was computed.</p>");
    };
    let metric = primary.label();
    let n = s.methods().len();
    let longest = s.methods().iter().map(|m| m.chars().count().min(18)).max().unwrap_or(1);
    let names_w = (longest as f64 * 7.5) as i32 + 16;
    let width = (names_w + 200) as u32;
    let height = (CAPTION + ROW * n as i32 + X_AXIS + 8) as u32;
    let mut charts = String::new();
    for (i, d) in s.datasets().iter().enumerate().take(MAX_CHARTS) {
        let boxes: Vec<(usize, TukeyBox)> = (0..n)
            .filter_map(|j| {
                let cell = primary.cell(i, j)?;
                TukeyBox::of(&cell.values).map(|b| (j, b))
            })
            .collect();
        if boxes.is_empty() {
            continue;
        }
        let (lo, hi) =
            extent(boxes.iter().flat_map(|(_, b)| b.five.iter().chain(&b.outliers)).copied());
        let pad = ((hi - lo) * 0.08).max(0.01);
        charts.push_str(&figure(width, height, "", |root| {
            let mut chart = ChartBuilder::on(root)
                .margin(8)
                .margin_right(16)
                .x_label_area_size(X_AXIS - 8)
                .y_label_area_size(names_w)
                .caption(short(d, 36), font(14.0))
                // Method j on row j from the top.
                .build_cartesian_2d(lo - pad..hi + pad, n as f64 - 0.5..-0.5)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(5)
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(234, 238, 242))
                .x_label_style(font(12.0))
                .axis_desc_style(font(12.0))
                .x_desc(short(metric, 40))
                .draw()?;
            for (j, name) in s.methods().iter().enumerate() {
                let (x, y) = chart.backend_coord(&(lo - pad, j as f64));
                let label = anchored(12.0, HPos::Right);
                root.draw(&Text::new(short(name, 18), (x - 8, y), label))?;
            }
            for (j, b) in &boxes {
                let (y, colour) = (*j as f64, method_colour(*j));
                let [low, q1, median, q3, high] = b.five;
                let line = colour.stroke_width(2);
                let path = |points: Vec<(f64, f64)>| PathElement::new(points, line);
                let h = 0.3;
                chart.draw_series([
                    path(vec![(low, y), (q1, y)]),
                    path(vec![(q3, y), (high, y)]),
                    path(vec![(low, y - h / 2.0), (low, y + h / 2.0)]),
                    path(vec![(high, y - h / 2.0), (high, y + h / 2.0)]),
                    path(vec![(median, y - h), (median, y + h)]),
                ])?;
                chart.draw_series([Rectangle::new([(q1, y - h), (q3, y + h)], line)])?;
                chart.draw_series(b.outliers.iter().map(|&v| Circle::new((v, y), 3, line)))?;
            }
            Ok(())
        }));
    }
    let more = s.datasets().len().saturating_sub(MAX_CHARTS);
    let note = if more > 0 {
        format!("<p class=\"note\">{more} more datasets not drawn.</p>")
    } else {
        String::new()
    };
    section(
        "boxplots",
        title,
        &format!(
            "<p class=\"note\">{} over the seeds of each dataset: median, quartiles, whiskers at the \
             most extreme values within 1.5 IQR of the quartiles, circles beyond.</p>\
             <div class=\"grid\">{charts}</div>{note}",
            escape(metric)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whiskers_stop_at_the_data_and_outliers_are_apart() {
        // Quartiles 2 and 4 (numpy): fences −1 and 7; 100 is an outlier, 1 the low whisker.
        let b = TukeyBox::of(&[1.0, 2.0, 3.0, 4.0, 5.0, 100.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(b.five, [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(b.outliers, vec![100.0]);
        // One value: a box of no width.
        assert_eq!(TukeyBox::of(&[0.7]).unwrap().five, [0.7; 5]);
        assert_eq!(TukeyBox::of(&[]), None);
    }
}
