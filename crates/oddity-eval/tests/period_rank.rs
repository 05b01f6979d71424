//! `estimate_period_rank` against TSB-AD 1.5's own `find_length_rank` (ranks 1–3) on the
//! first feature of the shared series (`tests/fixtures/tsbad_periods.csv`, written by
//! `xtask/scripts/tsbad_periods.py` through `cargo xtask peer-tsbad`).

mod common;

use oddity_eval::estimate_period_rank;

/// The first feature of a shared series file: the first column of a header-less `.txt`
/// matrix, or the first CSV column that is not `timestamp` or `label`.
fn first_feature(rel: &str) -> Vec<f64> {
    let path = common::shared_dir().join("datasets").join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} (set ODDITY_SHARED): {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let column = if rel.ends_with(".txt") {
        0
    } else {
        let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
        header.iter().position(|h| *h != "timestamp" && *h != "label").expect("a feature")
    };
    lines
        .map(|l| l.split(',').nth(column).expect("the column").parse().expect("a number"))
        .collect()
}

#[test]
fn every_rank_equals_tsbad_find_length_rank_on_the_shared_series() {
    let fixture = include_str!("fixtures/tsbad_periods.csv");
    let mut checked = 0;
    let mut series: Option<(String, Vec<f64>)> = None;
    for line in fixture.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (file, rank, expected): (&str, usize, usize) =
            (f[1], f[2].parse().unwrap(), f[3].parse().unwrap());
        if series.as_ref().is_none_or(|(name, _)| name != file) {
            series = Some((file.to_string(), first_feature(file)));
        }
        let x = &series.as_ref().unwrap().1;
        assert_eq!(estimate_period_rank(x, rank), expected, "{} rank {rank}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 39);
}
