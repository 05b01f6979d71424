//! Merging the output folders of one plan's shards into one: one journal in plan order,
//! the manifest of the whole plan, the score tracks, and the derived files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oddity_runner::record::journal::JOURNAL_FILE;
use oddity_runner::record::tracks::copy_tracks;
use oddity_runner::record::{
    current_records, write_manifest, Current, JobRecord, Journal, Manifest, ManifestJob,
};

use crate::error::ReportError;
use crate::outputs::write_all;

/// What merging shard folders found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeSummary {
    /// Jobs in the merged table.
    pub jobs: usize,
    /// The line naming the best method on the ranking metric.
    pub best: Option<String>,
    /// Jobs the plan has that no folder has (`dataset / method / seed`).
    pub missing: Vec<String>,
    /// Jobs found in more than one folder (`dataset / method / seed`: folders); the first
    /// folder's record is kept.
    pub duplicates: Vec<String>,
    /// Warnings from reading the journals.
    pub warnings: Vec<String>,
}

/// Merges the output folders `dirs` (the shards of one plan, typically) into `out`: one
/// journal (plan order), the manifest of the whole plan, and the derived tables and report.
/// Jobs missing from every folder and jobs present in several are reported, not fatal;
/// folders of different experiments are an error. With `out` among `dirs` and a single
/// folder, this only rebuilds its derived files.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeSummary, ReportError> {
    let mut summary = MergeSummary::default();
    let mut manifest: Option<Manifest> = None;
    let mut merged: Vec<JobRecord> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut expected: Vec<ManifestJob> = Vec::new();
    let single = dirs.len() == 1;
    if !single && !dirs.iter().any(|d| d.join(JOURNAL_FILE).exists()) {
        return Err(ReportError::NoJournal { count: dirs.len(), first: dirs[0].clone() });
    }
    for (di, dir) in dirs.iter().enumerate() {
        if !single && !dir.join(JOURNAL_FILE).exists() {
            summary
                .warnings
                .push(format!("`{}` has no journal: its jobs are missing", dir.display()));
            continue;
        }
        let Current { records, manifest: m, warnings } = current_records(dir)?;
        summary.warnings.extend(warnings);
        if let Some(m) = m {
            match &manifest {
                None => {
                    expected = if single {
                        m.expected().into_iter().cloned().collect()
                    } else {
                        m.jobs.clone()
                    };
                    manifest = Some(m);
                }
                Some(first) if first.experiment != m.experiment || first.jobs != m.jobs => {
                    return Err(ReportError::DifferentPlans {
                        first: dirs[0].clone(),
                        other: dir.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for r in records {
            match seen.get(&r.job) {
                Some(&first) => summary.duplicates.push(format!(
                    "{} / {} / seed {}: in `{}` and `{}`",
                    r.dataset,
                    r.method,
                    r.seed,
                    dirs[first].display(),
                    dir.display()
                )),
                None => {
                    seen.insert(r.job.clone(), di);
                    merged.push(r);
                }
            }
        }
    }
    merged.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.job.cmp(&b.job)));
    summary.missing = expected
        .iter()
        .filter(|j| !seen.contains_key(&j.job))
        .map(|j| format!("{} / {} / seed {}", j.dataset, j.method, j.seed))
        .collect();
    summary.jobs = merged.len();
    let in_place = single && same_folder(&dirs[0], out);
    if !in_place {
        std::fs::create_dir_all(out)
            .map_err(|source| ReportError::CreateFolder { path: out.to_path_buf(), source })?;
        let mut journal = Journal::create(out)?;
        for r in &merged {
            journal.append(r)?;
        }
        if let Some(mut m) = manifest {
            m.shard = None;
            write_manifest(out, &m)?;
        }
        // The shards' score tracks, for the merged HTML report.
        for dir in dirs {
            copy_tracks(dir, out)
                .map_err(|source| ReportError::Tracks { path: out.to_path_buf(), source })?;
        }
    }
    summary.best = write_all(out, &merged)?;
    Ok(summary)
}

/// Whether `a` and `b` name the same folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::REPORT_FILE;
    use crate::summary::tests::{job, metric};
    use crate::tables::RESULTS_FILE;
    use oddity_runner::record::journal::FORMAT_VERSION;
    use oddity_runner::record::{read_manifest, MANIFEST_FILE};

    /// The plan of `datasets` × one method `knn`, seed 0.
    fn manifest(experiment: &str, datasets: &[&str], shard: Option<&str>) -> Manifest {
        Manifest {
            v: FORMAT_VERSION,
            experiment: experiment.into(),
            shard: shard.map(str::to_string),
            jobs: datasets
                .iter()
                .enumerate()
                .map(|(index, d)| ManifestJob {
                    job: format!("{d}-knn-0"),
                    index,
                    dataset: d.to_string(),
                    method: "knn".into(),
                    seed: 0,
                })
                .collect(),
            families: Default::default(),
            report_metric: None,
        }
    }

    /// A folder with `manifest` and the jobs of `datasets` in its journal.
    fn folder(root: &Path, name: &str, manifest: &Manifest, datasets: &[&str]) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        write_manifest(&dir, manifest).unwrap();
        let mut journal = Journal::create(&dir).unwrap();
        for d in datasets {
            let mut r = job(d, "knn", "knn", 0, vec![metric("roc_auc", 0.75, false, None)]);
            r.index = manifest.jobs.iter().position(|j| j.dataset == *d).unwrap();
            journal.append(&r).unwrap();
        }
        dir
    }

    #[test]
    fn shards_merge_in_plan_order_with_missing_and_duplicate_jobs_said() {
        let root = tempfile::tempdir().unwrap();
        let plan = manifest("exp", &["d0", "d1", "d2"], Some("1/2"));
        let a = folder(root.path(), "a", &plan, &["d1"]);
        let b = folder(root.path(), "b", &plan, &["d0", "d1"]);
        let out = root.path().join("out");
        let summary = merge(&[a, b], &out).unwrap();
        assert_eq!(summary.jobs, 2);
        assert_eq!(summary.missing, ["d2 / knn / seed 0"]);
        assert_eq!(summary.duplicates.len(), 1);
        assert!(summary.duplicates[0].starts_with("d1 / knn / seed 0: in `"));
        let merged = current_records(&out).unwrap();
        let order: Vec<&str> = merged.records.iter().map(|r| r.dataset.as_str()).collect();
        assert_eq!(order, ["d0", "d1"]);
        assert_eq!(read_manifest(&out).unwrap().unwrap().shard, None);
        for file in [RESULTS_FILE, REPORT_FILE, MANIFEST_FILE] {
            assert!(out.join(file).exists(), "no {file}");
        }
    }

    #[test]
    fn folders_without_any_journal_are_an_error_not_an_empty_report() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let err = merge(&[a.clone(), b], &root.path().join("out")).unwrap_err();
        assert!(matches!(err, ReportError::NoJournal { count: 2, .. }), "{err}");
        assert!(err.to_string().contains("none of the 2 folders holds a journal"), "{err}");
        assert!(!root.path().join("out").exists());
    }

    #[test]
    fn folders_of_different_plans_are_an_error() {
        let root = tempfile::tempdir().unwrap();
        let a = folder(root.path(), "a", &manifest("exp", &["d0"], None), &["d0"]);
        let b = folder(root.path(), "b", &manifest("exp", &["d0", "d1"], None), &["d1"]);
        let err = merge(&[a, b.clone()], &root.path().join("out")).unwrap_err();
        assert!(matches!(err, ReportError::DifferentPlans { ref other, .. } if *other == b));
    }

    #[test]
    fn one_folder_is_rebuilt_in_place_and_its_missing_jobs_said() {
        let root = tempfile::tempdir().unwrap();
        let a = folder(root.path(), "a", &manifest("exp", &["d0", "d1"], None), &["d0"]);
        let summary = merge(std::slice::from_ref(&a), &a).unwrap();
        assert_eq!((summary.jobs, summary.missing.len()), (1, 1));
        let csv = std::fs::read_to_string(a.join(RESULTS_FILE)).unwrap();
        assert_eq!(csv.lines().count(), 2);
        assert_eq!(current_records(&a).unwrap().records.len(), 1);
    }
}
