//! `report.html`: the results of a run as one self-contained page — inline CSS and SVG
//! figures drawn with plotters, no script, nothing fetched — that opens from disk.
//!
//! Sections (each a `<section id=…>`): `summary`, `leaderboard`, `critical-difference`,
//! `families` (when a family holds several datasets), `heatmap`, `boxplots`, `series` (time series with their score tracks), `cost`, and
//! `failed` when a job failed. The figures use the run's first threshold-free metric.

mod boxplot;
mod cd_diagram;
mod cost;
mod families;
mod heatmap;
mod leaderboard;
mod page;
mod series;

use std::path::Path;

use oddity_runner::record::JobRecord;

use crate::summary::Summary;
use page::escape;

/// File name of the self-contained HTML report (inline SVG plots), beside the Markdown one.
pub const HTML_FILE: &str = "report.html";

/// The HTML report of `s`, the summary of the run folder `dir` (its `tracks/` hold the score
/// tracks of time series).
pub fn report_html(s: &Summary<'_>, dir: &Path) -> String {
    let records = s.records();
    let failed: Vec<&JobRecord> = s.failed();
    let experiment = s.experiment().unwrap_or("(empty journal)");
    let mut body = String::new();
    let summary = format!(
        "<p>{} jobs ({} ok, {} failed) · {} datasets · {} methods · seeds {} · written by oddity {}.</p>\
         <p class=\"note\">Figures show <b>{}</b>. † oracle metric: its threshold is chosen with the test \
         labels, an upper bound. The <span class=\"badge\">baseline</span> row is the seeded random detector: \
         what a metric gives to scores that know nothing.</p>",
        records.len(),
        records.len() - failed.len(),
        failed.len(),
        s.datasets().len(),
        s.methods().len(),
        s.seeds().iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        env!("CARGO_PKG_VERSION"),
        escape(s.primary().map_or("no metric", |m| m.label())),
    );
    let mut summary = summary;
    if let Some(best) = s.headline() {
        summary.push_str(&format!("<p class=\"best\"><b>{}</b></p>", escape(&best)));
    }
    let warnings = s.warnings();
    if !warnings.is_empty() {
        let items: String = warnings.iter().map(|w| format!("<li>{}</li>", escape(w))).collect();
        summary.push_str(&format!("<div class=\"warning\"><b>Warnings</b><ul>{items}</ul></div>"));
    }
    body.push_str(&leaderboard::section_of(s));
    body.push_str(&cd_diagram::section_of(s));
    body.push_str(&families::section_of(s));
    body.push_str(&heatmap::section_of(s));
    body.push_str(&boxplot::section_of(s));
    body.push_str(&series::section_of(s, dir));
    body.push_str(&cost::section_of(s));
    if !failed.is_empty() {
        let rows: String = failed
            .iter()
            .map(|r| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td></tr>",
                    escape(&r.dataset),
                    escape(&r.method),
                    r.seed,
                    r.status.as_str(),
                    escape(r.error.as_deref().unwrap_or(""))
                )
            })
            .collect();
        body.push_str(&page::section(
            "failed",
            "Failed jobs",
            &format!(
                "<table class=\"text\"><thead><tr><th>dataset</th><th>method</th><th>seed</th><th>status</th><th>error</th></tr></thead><tbody>{rows}</tbody></table>"
            ),
        ));
    }
    page::document(experiment, &summary, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests::{job, metric};
    use oddity_runner::record::tracks::{write_scores, write_series, SeriesTrack};
    use oddity_runner::record::JobStatus;

    /// A job of `method` on `dataset` whose roc_auc is `auc`, in an experiment whose name
    /// needs escaping.
    fn record(dataset: &str, method: &str, detector: &str, seed: u64, auc: f64) -> JobRecord {
        let rule = Some("contamination(rate=0.1)");
        let metrics = vec![
            metric("roc_auc", auc, false, None),
            metric("best_f1", auc - 0.1, true, None),
            metric("threshold", 2.5, false, rule),
            metric("f1", auc - 0.2, false, rule),
        ];
        JobRecord { experiment: "exp <b>&".into(), ..job(dataset, method, detector, seed, metrics) }
    }

    #[test]
    fn a_whole_page_has_every_section_marks_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let mut records = Vec::new();
        for (d, base) in [("ts", 0.0), ("tab", 0.05), ("tab2", -0.05)] {
            for seed in [0, 1] {
                records.push(record(d, "<script>x</script>", "knn", seed, 0.9 + base));
                records.push(record(d, "zscore", "zscore", seed, 0.8 + base));
                records.push(record(d, "random", "random", seed, 0.5 + base));
            }
        }
        // A third seed of `zscore` failed on `tab`: the method keeps values there (a method
        // without any value would leave no dataset complete enough for the CD diagram).
        let mut failed = record("tab", "zscore", "zscore", 2, 0.0);
        failed.status = JobStatus::Failed;
        failed.error = Some("no <neighbours>".into());
        failed.metrics.clear();
        records.push(failed);
        // The series track of `ts` and the first seed's scores.
        let labels: Vec<u8> = (0..40).map(|i| u8::from((10..14).contains(&i))).collect();
        let values: Vec<f64> = (0..40).map(|i| i as f64).collect();
        let track = SeriesTrack { feature: "value".into(), values, labels: Some(labels) };
        write_series(dir.path(), "ts", &track).unwrap();
        for r in records.iter().filter(|r| r.dataset == "ts" && r.seed == 0) {
            write_scores(dir.path(), &r.job, &vec![1.0; 40]).unwrap();
        }

        let html = report_html(&Summary::new(&records), dir.path());
        for id in [
            "summary",
            "leaderboard",
            "critical-difference",
            "heatmap",
            "boxplots",
            "series",
            "cost",
            "failed",
        ] {
            assert!(html.contains(&format!("<section id=\"{id}\">")), "no section {id}");
        }
        assert!(!html.contains("<script"), "an unescaped method name");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("Report: exp &lt;b&gt;&amp;</h1>"));
        assert!(html.contains("no &lt;neighbours&gt;"));
        assert!(
            html.contains("<tr class=\"baseline\"><td>random<span class=\"badge\">baseline</span>")
        );
        assert!(html.contains("best_f1 †"));
        assert!(html.contains("f1 @ contamination(rate=0.1)"));
        // Three datasets × three methods: a CD diagram; one series figure of three tracks
        // with the rule's threshold.
        assert!(html.contains("CD = "), "no CD diagram");
        assert!(html.contains("the threshold of rule <b>contamination(rate=0.1)</b>"));
        assert!(html.contains("ts: the test part's <b>value</b> (40 rows, seed 0)"));
        assert!(html.contains("labelled anomalies (1 segment); below"));
        // No ids inside the figures: every id is a section's, so none repeats.
        assert_eq!(html.matches(" id=\"").count(), 8);
    }

    #[test]
    fn too_few_datasets_for_a_cd_diagram_are_said() {
        let records = vec![record("a", "knn", "knn", 0, 0.9), record("a", "z", "zscore", 0, 0.8)];
        let html = report_html(&Summary::new(&records), Path::new("/nonexistent"));
        assert!(html.contains("Needs at least 2 datasets"));
        assert!(html.contains("No time series in this run"));
    }
}
