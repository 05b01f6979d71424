//! The time series: for every dataset with score tracks (written by the jobs of the first
//! seed), the plotted feature with the labelled anomaly segments shaded, and under it one
//! panel per method with its test scores and its first threshold rule's threshold.

use std::path::Path;

use oddity_eval::segments;
use plotters::prelude::*;

use super::page::{anchored, escape, figure, font, method_colour, section, short, DrawError, HPos};
use crate::summary::Summary;
use oddity_runner::record::tracks::{read_scores, read_series};
use oddity_runner::record::{JobStatus, MetricStatus};

/// Points per drawn line at most: longer tracks are cut into buckets and each bucket keeps
/// its minimum and maximum, so spikes survive.
pub(crate) const MAX_POINTS: usize = 1500;

/// `(index, value)` points of `values`, at most about [`MAX_POINTS`]: each bucket of
/// consecutive values contributes its minimum and maximum, in index order.
pub(crate) fn downsample(values: &[f64]) -> Vec<(f64, f64)> {
    if values.len() <= MAX_POINTS {
        return values.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect();
    }
    let bucket = values.len().div_ceil(MAX_POINTS / 2);
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for (b, chunk) in values.chunks(bucket).enumerate() {
        let start = b * bucket;
        let (mut lo, mut hi) = (0, 0);
        for (i, v) in chunk.iter().enumerate() {
            if *v < chunk[lo] {
                lo = i;
            }
            if *v > chunk[hi] {
                hi = i;
            }
        }
        for i in if lo <= hi { [lo, hi] } else { [hi, lo] } {
            out.push(((start + i) as f64, chunk[i]));
        }
    }
    out
}

/// At most this many time series get a figure.
const MAX_SERIES: usize = 12;

/// A track's largest values beyond this many times its 99.9th percentile are clipped.
pub(crate) const CLIP_FACTOR: f64 = 5.0;

/// The drawn range of `values` (and `threshold`) with a margin, never empty. When the
/// largest value exceeds [`CLIP_FACTOR`] × the 99.9th percentile (one huge score would
/// flatten the rest), the top is 1.2 × that percentile (or the threshold, if higher);
/// both measured from the smallest value.
pub(crate) fn range(values: &[f64], threshold: Option<f64>) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, max) = (sorted[0], sorted[sorted.len() - 1]);
    let q = sorted[((sorted.len() - 1) as f64 * 0.999) as usize];
    let mut hi =
        if q > lo && max - lo > CLIP_FACTOR * (q - lo) { lo + 1.2 * (q - lo) } else { max };
    let lo = threshold.map_or(lo, |t| lo.min(t));
    if let Some(t) = threshold {
        hi = hi.max(t);
    }
    let pad = ((hi - lo) * 0.06).max(1e-9);
    (lo - pad, hi + pad)
}

/// Width of the gutter left of each panel that holds its name.
const GUTTER: u32 = 130;
/// Height of the x axis under the last panel.
const X_AXIS: i32 = 40;

/// One panel: `points` as a line over `[0, n)`, the `segments` shaded, an optional
/// horizontal `threshold`.
#[allow(clippy::too_many_arguments)]
fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    n: usize,
    label: &str,
    points: &[(f64, f64)],
    segments: &[(usize, usize)],
    threshold: Option<f64>,
    colour: RGBColor,
    x_axis: bool,
) -> Result<(), DrawError> {
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let (lo, hi) = range(&values, threshold);
    // The name stands in a gutter on the left, horizontal, in the line's colour.
    let (gutter, area) = area.split_horizontally(GUTTER);
    let name = anchored(13.0, HPos::Left).color(&colour);
    let (_, h) = gutter.dim_in_pixel();
    let name_y = (h as i32 - if x_axis { X_AXIS } else { 0 }) / 2;
    gutter.draw(&Text::new(short(label, 17), (4, name_y), name))?;
    let mut chart = ChartBuilder::on(&area)
        .margin_right(24)
        .margin_top(6)
        .x_label_area_size(if x_axis { X_AXIS } else { 0 })
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..n.max(2) as f64 - 1.0, lo..hi)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .y_labels(3)
        .y_label_style(font(11.0))
        .x_label_style(font(12.0))
        .x_labels(if x_axis { 10 } else { 0 })
        .x_label_formatter(&|x| format!("{x:.0}"))
        .axis_desc_style(font(12.0));
    if x_axis {
        mesh.x_desc("test row");
    }
    mesh.draw()?;
    let shade = RGBColor(255, 129, 130).mix(0.35).filled();
    // A few segments get at least 0.3 % of the width, so that one-point anomalies stay
    // visible; many are drawn as they are.
    let half = if segments.len() <= 60 { (n as f64 * 0.0015).max(0.5) } else { 0.5 };
    chart.draw_series(
        segments
            .iter()
            .map(|&(a, b)| Rectangle::new([(a as f64 - half, lo), (b as f64 + half, hi)], shade)),
    )?;
    chart.draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(1)))?;
    if let Some(t) = threshold {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, t), (n as f64 - 1.0, t)],
            6,
            4,
            BLACK.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// The `series` section.
pub(crate) fn section_of(s: &Summary<'_>, dir: &Path) -> String {
    let title = "Time series and score tracks";
    let Some(first_seed) = s.seeds().first().copied() else {
        return section("series", title, "<p>No job ran.</p>");
    };
    let mut out = String::new();
    let (mut drawn, mut more) = (0, 0);
    for d in s.datasets() {
        let series = match read_series(dir, d) {
            Ok(Some(_)) if drawn == MAX_SERIES => {
                more += 1;
                continue;
            }
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => {
                out.push_str(&format!(
                    "<p class=\"note\">{}: {}</p>",
                    escape(d),
                    escape(&e.to_string())
                ));
                continue;
            }
        };
        drawn += 1;
        let n = series.values.len();
        let segs = series.labels.as_deref().map(segments).unwrap_or_default();
        // One track per method of the first seed: its scores and its first rule's threshold.
        let mut tracks = Vec::new();
        for r in s
            .records()
            .iter()
            .filter(|r| &r.dataset == d && r.seed == first_seed && r.status == JobStatus::Ok)
        {
            let Ok(Some(scores)) = read_scores(dir, &r.job) else { continue };
            if scores.len() != n {
                continue;
            }
            // The first rule is the rule of the record's first metric at a rule.
            let rule = r.metrics.iter().find_map(|m| m.threshold.as_deref());
            let threshold = r
                .metrics
                .iter()
                .find(|m| m.metric == "threshold" && m.threshold.as_deref() == rule)
                .filter(|m| m.status == MetricStatus::Ok)
                .and_then(|m| m.value.map(|v| (v, m.threshold.clone().unwrap_or_default())));
            let colour = s.methods().iter().position(|m| m == &r.method).unwrap_or(0);
            tracks.push((r.method.clone(), downsample(&scores), threshold, colour));
        }
        let rule = tracks.iter().find_map(|t| t.2.as_ref().map(|(_, rule)| rule.clone()));
        let caption = format!(
            "{}: the test part's <b>{}</b> ({n} rows, seed {first_seed}); shaded: labelled anomalies \
             ({} segment{}); below, each method's test scores{} (a track whose largest scores exceed \
             {CLIP_FACTOR} × its 99.9th percentile is cut at 1.2 × that percentile).",
            escape(d),
            escape(&series.feature),
            segs.len(),
            if segs.len() == 1 { "" } else { "s" },
            rule.map_or(String::new(), |r| format!(" with the threshold of rule <b>{}</b> (dashed)", escape(&r)))
        );
        let (top, each) = (150u32, 84u32);
        let axis = X_AXIS as u32;
        let height = top + each * tracks.len() as u32 + axis;
        let values = downsample(&series.values);
        out.push_str(&figure(1120, height, &caption, |root| {
            let (head, rest) =
                root.split_vertically(if tracks.is_empty() { top + axis } else { top });
            panel(
                &head,
                n,
                &series.feature,
                &values,
                &segs,
                None,
                RGBColor(36, 41, 47),
                tracks.is_empty(),
            )?;
            let count = tracks.len();
            let mut area = rest;
            for (i, (method, points, threshold, colour)) in tracks.iter().enumerate() {
                let last = i + 1 == count;
                let (this, below) = area.split_vertically(if last { each + axis } else { each });
                panel(
                    &this,
                    n,
                    method,
                    points,
                    &segs,
                    threshold.as_ref().map(|t| t.0),
                    method_colour(*colour),
                    last,
                )?;
                area = below;
            }
            Ok(())
        }));
    }
    if more > 0 {
        out.push_str(&format!(
            "<p class=\"note\">{more} more time series not drawn (their tracks are in <code>tracks/</code>).</p>"
        ));
    }
    if out.is_empty() {
        out.push_str(
            "<p>No time series in this run: tracks are written for datasets whose split keeps the \
             row order (anything but <code>stratified</code>).</p>",
        );
    }
    section("series", title, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_the_extremes_in_order() {
        let mut v: Vec<f64> = (0..30_000).map(|i| (i as f64 * 0.01).sin()).collect();
        v[12_345] = 50.0;
        v[20_000] = -40.0;
        let d = downsample(&v);
        assert!(d.len() <= MAX_POINTS + 2, "{}", d.len());
        assert!(d.contains(&(12_345.0, 50.0)) && d.contains(&(20_000.0, -40.0)));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(downsample(&[1.0, 2.0]), vec![(0.0, 1.0), (1.0, 2.0)]);
    }

    #[test]
    fn one_huge_score_is_clipped_and_the_threshold_stays_in_view() {
        let mut v: Vec<f64> = (0..10_000).map(|i| (i % 10) as f64).collect();
        assert_eq!(range(&v, None), (-0.54, 9.54));
        v[5] = 1e9;
        let (_, hi) = range(&v, None);
        assert!((hi - (10.8 + 0.648)).abs() < 1e-9, "{hi}");
        let (_, hi) = range(&v, Some(50.0));
        assert!((hi - 53.0).abs() < 1e-9, "{hi}");
        assert_eq!(range(&[], None), (0.0, 1.0));
    }
}
