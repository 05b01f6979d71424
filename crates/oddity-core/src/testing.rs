//! Test helpers shared by the oddity crates (feature `testing`): locating the shared
//! reference data, reading its CSV files and comparing scores with a stated tolerance.

use std::path::PathBuf;

/// The shared data folder: `$ODDITY_SHARED`, else the nearest `shared/` beside an ancestor of
/// the working directory (cargo runs tests and benches in their package's folder, so this is
/// `shared/` beside the repository, the layout CI clones into), else the same place seen from
/// where this crate was compiled. The working directory comes first because a shared target
/// directory may hold this crate compiled from another checkout.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ODDITY_SHARED") {
        return PathBuf::from(dir);
    }
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors().map(|a| a.join("shared")).find(|s| s.join("datasets").is_dir())
    });
    from_cwd.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// A numeric CSV file with a header: column names and rows of `f64` (`inf`/`nan` accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericCsv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<f64>>,
}

impl NumericCsv {
    /// Reads `path` (relative paths resolve against [`shared_dir`]); panics with the file
    /// name on any problem, as a test helper should.
    pub fn read(path: &str) -> Self {
        let full = shared_dir().join(path);
        let text =
            std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default().split(',').map(str::to_string).collect();
        let rows = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split(',')
                    .map(|v| {
                        v.parse().unwrap_or_else(|_| panic!("{}: bad number `{v}`", full.display()))
                    })
                    .collect()
            })
            .collect();
        Self { header, rows }
    }

    /// The values of column `name`.
    pub fn column(&self, name: &str) -> Vec<f64> {
        let j = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}`"));
        self.rows.iter().map(|r| r[j]).collect()
    }
}

/// Asserts `|got − want| ≤ rel · max(|want|, 1e-300)` element-wise, naming the first
/// offending index.
pub fn assert_close_rel(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = rel * w.abs().max(1e-300);
        assert!((g - w).abs() <= tol, "{what}: index {i}: got {g}, want {w} (rel tol {rel})");
    }
}

/// Checks the registry contract of detector `P` among `entries`: its specification defaults
/// resolve back to `P::default()` and are the entry's specs (both come from `Default`, never
/// from a second copy), every spec default is the resolved value, the entry's summary is
/// `P`'s, and the defaults pass `check`.
pub fn check_registered<P>(entries: &[crate::DetectorEntry])
where
    P: crate::DetectorParams + PartialEq + std::fmt::Debug,
{
    let specs = P::default().specs();
    let resolved = crate::Params::resolve(P::NAME, &specs, &crate::Params::default()).unwrap();
    let from_specs = P::from_params(&resolved).unwrap();
    assert_eq!(from_specs, P::default(), "{}", P::NAME);
    assert_eq!(from_specs.specs(), specs, "{}", P::NAME);
    let entry = entries.iter().find(|e| e.name == P::NAME).expect("P is registered");
    assert_eq!(entry.params, specs, "{}", P::NAME);
    assert_eq!(entry.summary, P::SUMMARY);
    for spec in &specs {
        assert_eq!(resolved.value(spec.name).unwrap(), &spec.default, "{}", P::NAME);
    }
    assert!(P::default().check().is_ok(), "{}", P::NAME);
}

/// Checks that the names and saved-state tags of `entries` are unique and that each tag is
/// its detector's name (tags are written into saved models: changing one needs a new model
/// format).
pub fn check_tags(entries: &[crate::DetectorEntry]) {
    let names: std::collections::BTreeSet<_> = entries.iter().map(|e| e.name).collect();
    let tags: std::collections::BTreeSet<_> = entries.iter().map(|e| e.tag).collect();
    assert_eq!(names.len(), entries.len());
    assert_eq!(tags.len(), entries.len());
    for e in entries {
        assert_eq!(e.tag, e.name, "{}", e.name);
    }
}
