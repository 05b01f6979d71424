//! What each method cost: mean fit and score seconds, peak memory, and time against
//! quality.

use std::fmt::Write as _;

use plotters::prelude::*;

use super::page::{escape, figure, method_colour, section, short};
use super::Summary;
use crate::journal::JobStatus;

/// Per method: (mean fit s, mean score s, peak bytes, jobs).
fn costs(s: &Summary<'_>) -> Vec<(f64, f64, Option<u64>, usize)> {
    s.methods
        .iter()
        .map(|m| {
            let ok: Vec<_> =
                s.records.iter().filter(|r| &r.method == m && r.status == JobStatus::Ok).collect();
            let n = ok.len().max(1) as f64;
            (
                ok.iter().map(|r| r.fit_seconds).sum::<f64>() / n,
                ok.iter().map(|r| r.score_seconds).sum::<f64>() / n,
                s.records.iter().filter(|r| &r.method == m).filter_map(|r| r.peak_rss_bytes).max(),
                ok.len(),
            )
        })
        .collect()
}

/// The `cost` section.
pub(crate) fn section_of(s: &Summary<'_>) -> String {
    let costs = costs(s);
    let quality: Vec<Option<f64>> = match s.primary() {
        Some(metric) => {
            let cells = s.cells(metric);
            s.methods
                .iter()
                .map(|m| {
                    let v: Vec<f64> = cells
                        .iter()
                        .filter(|((_, method), _)| method == m)
                        .flat_map(|(_, c)| c.values.iter().copied())
                        .collect();
                    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect()
        }
        None => vec![None; s.methods.len()],
    };
    let mut table = String::from(
        "<table><thead><tr><th>method</th><th>jobs ok</th><th>fit (s, mean)</th><th>score (s, mean)</th>\
         <th>peak memory (MiB, max)</th></tr></thead><tbody>",
    );
    for (m, (fit, score, peak, jobs)) in s.methods.iter().zip(&costs) {
        let peak = peak.map_or("—".to_string(), |b| format!("{:.1}", b as f64 / 1048576.0));
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{jobs}</td><td>{fit:.4}</td><td>{score:.4}</td><td>{peak}</td></tr>",
            escape(m)
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
        let metric = s.primary().unwrap_or("");
        let (tmin, tmax) =
            points.iter().fold((f64::INFINITY, 0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let (qmin, qmax) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.2), b.max(p.2)));
        let qpad = ((qmax - qmin) * 0.15).max(0.02);
        let caption = format!(
            "Mean fit + score seconds per job (log scale) against the mean of {} (higher is better).",
            escape(metric)
        );
        figure(760, 380, &caption, |root| {
            let mut chart = ChartBuilder::on(root)
                .margin(14)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d((tmin / 2.0..tmax * 2.0).log_scale(), qmin - qpad..qmax + qpad)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc("seconds per job (fit + score)")
                .y_desc(metric)
                .x_label_style(("sans-serif", 11))
                .y_label_style(("sans-serif", 11))
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(points.iter().map(|&(i, t, q)| {
                    EmptyElement::at((t, q))
                        + Circle::new((0, 0), 5, method_colour(i).filled())
                        + Text::new(short(&s.methods[i], 18), (8, -6), ("sans-serif", 12))
                }))
                .map_err(|e| e.to_string())?;
            Ok(())
        })
    };
    section("cost", "Cost", &format!("{table}{scatter}"))
}
