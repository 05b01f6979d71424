//! Box plots of the first metric over seeds: one small chart per dataset, a box per method.

use plotters::data::Quartiles;
use plotters::prelude::*;

use super::page::{escape, figure, method_colour, section, short};
use super::Summary;

/// At most this many datasets get a chart.
const MAX_CHARTS: usize = 24;

/// The `boxplots` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let title = "Box plots over seeds";
    let Some(metric) = s.primary() else {
        return section("boxplots", title, "<p>No metric was computed.</p>");
    };
    let cells = s.cells(metric);
    let mut charts = String::new();
    for d in s.datasets.iter().take(MAX_CHARTS) {
        let boxes: Vec<(usize, Vec<f64>)> = s
            .methods
            .iter()
            .enumerate()
            .filter_map(|(j, m)| {
                cells.get(&(d.as_str(), m.as_str())).map(|c| (j, c.values.clone()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if boxes.is_empty() {
            continue;
        }
        let all: Vec<f64> = boxes.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let (lo, hi) =
            all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let pad = ((hi - lo) * 0.1).max(0.01);
        let n = s.methods.len();
        let width = (90 + 46 * n).clamp(300, 560) as u32;
        charts.push_str(&figure(width, 250, "", |root| {
            let mut chart = ChartBuilder::on(root)
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(48)
                .caption(short(d, 40), ("sans-serif", 14))
                .build_cartesian_2d(
                    (0..n as i32 - 1).into_segmented(),
                    (lo - pad) as f32..(hi + pad) as f32,
                )
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|x| match x {
                    SegmentValue::CenterOf(i) => short(&s.methods[*i as usize], 8),
                    _ => String::new(),
                })
                .x_label_style(("sans-serif", 10))
                .y_label_style(("sans-serif", 11))
                .y_desc(metric)
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(boxes.iter().map(|(j, v)| {
                    Boxplot::new_vertical(SegmentValue::CenterOf(*j as i32), &Quartiles::new(v))
                        .width(18)
                        .style(method_colour(*j).stroke_width(2))
                }))
                .map_err(|e| e.to_string())?;
            Ok(())
        }));
    }
    let more = s.datasets.len().saturating_sub(MAX_CHARTS);
    let note = if more > 0 {
        format!("<p class=\"note\">{more} more datasets not drawn.</p>")
    } else {
        String::new()
    };
    section(
        "boxplots",
        title,
        &format!(
            "<p class=\"note\">{} over the seeds of each dataset: median, quartiles and whiskers (1.5 IQR).</p><div class=\"grid\">{charts}</div>{note}",
            escape(metric)
        ),
    )
}
