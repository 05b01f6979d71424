//! Writing every derived file of a run's records into a folder: the results tables,
//! `report.md` and `report.html`, all from one [`Summary`].

use std::path::Path;

use oddity_runner::record::{read_manifest, write_whole, JobRecord};

use crate::error::ReportError;
use crate::html::{self, HTML_FILE};
use crate::markdown::{self, REPORT_FILE};
use crate::summary::Summary;
use crate::tables;

/// Writes the derived files of `records` (the last record of each job, in plan order) into
/// `dir`: `results.csv`, `results.parquet`, `report.md` and `report.html`.
/// Returns the line naming the best method ([`Summary::headline`]).
pub(crate) fn write_all(dir: &Path, records: &[JobRecord]) -> Result<Option<String>, ReportError> {
    // The families and the ranking metric come from the run's manifest (none in a folder
    // without one).
    let manifest = read_manifest(dir).ok().flatten();
    let families = manifest.as_ref().map(|m| m.families.clone()).unwrap_or_default();
    let metric = manifest.as_ref().and_then(|m| m.report_metric.as_deref());
    let summary = Summary::new(records).with_families(&families).with_primary(metric);
    tables::write(dir, &summary)?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        write_whole(&path, text).map_err(|source| ReportError::Write { path, source })
    };
    write(REPORT_FILE, markdown::report_md(&summary))?;
    write(HTML_FILE, html::report_html(&summary, dir))?;
    Ok(summary.headline())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests::{job, metric};
    use oddity_runner::record::JobStatus;

    /// Jobs of methods `a` and `b` on d1…d4 (roc_auc), `b` failed on the datasets `b_failed`.
    fn records(b_failed: &[&str]) -> Vec<JobRecord> {
        let mut out = Vec::new();
        for (i, d) in ["d1", "d2", "d3", "d4"].into_iter().enumerate() {
            for (method, auc) in [("a", 0.9 - 0.05 * i as f64), ("b", 0.6 + 0.1 * i as f64)] {
                let mut r = job(d, method, method, 0, vec![metric("roc_auc", auc, false, None)]);
                if method == "b" && b_failed.contains(&d) {
                    r.status = JobStatus::Failed;
                    r.metrics.clear();
                }
                out.push(r);
            }
        }
        out
    }

    #[test]
    fn families_get_a_table_of_means_over_their_datasets_in_both_reports() {
        // `a`: 0.9, 0.85, 0.8, 0.75; `b`: 0.6, 0.7, 0.8, 0.9 (failed on d4).
        let records = records(&["d4"]);
        let families: std::collections::BTreeMap<String, String> =
            [("d1", "f"), ("d2", "f"), ("d3", "g"), ("d4", "g")]
                .into_iter()
                .map(|(d, f)| (d.to_string(), f.to_string()))
                .collect();
        let summary = Summary::new(&records).with_families(&families);
        let md = markdown::report_md(&summary);
        assert!(md.contains("| family (datasets) | a | b |"), "{md}");
        assert!(md.contains("| f (2) | **0.8750** | 0.6500 |"), "{md}");
        // `b` has no value on d4: no mean over a part of the family.
        assert!(md.contains("| g (2) | **0.7750** | – |"), "{md}");
        let page = html::report_html(&summary, Path::new("/nonexistent"));
        assert!(page.contains("<section id=\"families\">"), "{page}");
        assert!(page.contains("<td>f (2)</td><td><b>0.8750</b></td><td>0.6500</td>"), "{page}");
        // Without families (each dataset its own), neither report has the section.
        let plain = Summary::new(&records);
        assert!(!markdown::report_md(&plain).contains("Per family"));
        let page = html::report_html(&plain, Path::new("/nonexistent"));
        assert!(!page.contains("id=\"families\"") && !page.contains("#families"));
    }

    #[test]
    fn one_rule_names_the_best_method_sorts_the_leaderboard_and_warns_about_the_baseline() {
        // `b` leads on d4 only; `a` ranks 1, 1, 1.5, 2 → 1.38; the random baseline scores
        // 0.85 on d1, within 0.1 of `a`'s 0.9.
        let mut records = records(&[]);
        for (i, d) in ["d1", "d2", "d3", "d4"].into_iter().enumerate() {
            let v = if i == 0 { 0.85 } else { 0.5 };
            records.push(job(d, "random", "random", 0, vec![metric("roc_auc", v, false, None)]));
        }
        let summary = Summary::new(&records);
        let best = summary.headline().unwrap();
        assert_eq!(
            best,
            "best on roc_auc: a (average rank 1.38 of 3 over the 4 datasets where every method has a value)"
        );
        let warnings = summary.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("d1 (random 0.850, a 0.900)"), "{warnings:?}");
        assert!(warnings[1].contains("only 4 datasets are ranked"), "{warnings:?}");
        let md = markdown::report_md(&summary);
        assert!(
            md.contains(&format!("**{best}.**")) && md.contains("- roc_auc: the random"),
            "{md}"
        );
        // The leaderboard lists `a`, then `b`, then the baseline, with `a` in bold.
        let page = html::report_html(&summary, Path::new("/nonexistent"));
        let (a, b, r) = (page.find("<td>a</td>"), page.find("<td>b</td>"), page.find("<td>random"));
        assert!(a < b && b < r, "{page}");
        assert!(page.contains("<td>a</td><td class=\"best\">"), "{page}");
        assert!(page.contains("<div class=\"warning\">"), "{page}");
        // `[report] metric` picks the ranking metric by name; an unknown name keeps the first.
        assert_eq!(
            summary.clone().with_primary(Some("vus_pr")).primary().unwrap().label(),
            "roc_auc"
        );
    }

    #[test]
    fn markdown_and_html_rank_over_the_same_datasets() {
        // `b` failed on d2: d2 is left out of the ranking of both reports.
        let records = records(&["d2"]);
        let summary = Summary::new(&records);
        let complete = summary.primary().unwrap().complete();
        assert_eq!(complete.datasets(), [0, 2, 3]);
        let md = markdown::report_md(&summary);
        assert!(
            md.contains("3 datasets × 2 methods (left out, some method has no value: d2)."),
            "{md}"
        );
        let page = html::report_html(&summary, Path::new("/nonexistent"));
        assert!(page.contains("over 3 datasets (1 = best"), "{page}");
        assert!(page.contains("Left out (a dataset where a method has no value): d2."), "{page}");
        // The diagram's ranks are the ranking section's.
        let ranks = complete.ranks().unwrap();
        for (method, rank) in ["a", "b"].iter().zip(ranks) {
            assert!(md.contains(&format!("| {method} | {rank:.2} |")), "{md}");
            assert!(page.contains(&format!("{method} ({rank:.2})")), "{page}");
        }
    }

    #[test]
    fn a_method_without_any_value_leaves_nothing_to_rank_in_either_report() {
        let records = records(&["d1", "d2", "d3", "d4"]);
        let summary = Summary::new(&records);
        let md = markdown::report_md(&summary);
        assert!(
            md.contains(
                "Needs at least 2 datasets on which all 2 methods have a value (there are 0)."
            ),
            "{md}"
        );
        let page = html::report_html(&summary, Path::new("/nonexistent"));
        assert!(
            page.contains("Needs at least 2 datasets on which all of at least 2 methods"),
            "{page}"
        );
        assert!(!page.contains("CD = "), "{page}");
    }

    #[test]
    fn every_derived_file_is_written() {
        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), &records(&[])).unwrap();
        for file in [tables::RESULTS_FILE, tables::PARQUET_FILE, REPORT_FILE, HTML_FILE] {
            assert!(dir.path().join(file).exists(), "no {file}");
        }
        let err = write_all(&dir.path().join("results.csv/x"), &[]).unwrap_err();
        assert!(matches!(err, ReportError::Write { .. } | ReportError::Parquet { .. }), "{err}");
    }
}
