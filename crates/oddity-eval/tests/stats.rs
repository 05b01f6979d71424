//! Cross-dataset statistics against SciPy (`shared/reference/stats/`, see its README).

mod common;

use common::{parse, reference_path, Csv};
use oddity_eval::stats::{average_ranks, friedman, holm, nemenyi, wilcoxon};

/// Closed-form statistics: 1e-9 relative; p-values and q_α: 1e-6 (README tolerances).
fn check_table(name: &str) {
    let table = Csv::read(reference_path(&format!("stats/{name}_table.csv")));
    let methods: Vec<String> = table.header[1..].to_vec();
    let rows: Vec<Vec<f64>> =
        table.rows.iter().map(|r| r[1..].iter().map(|v| parse(v, name)).collect()).collect();
    let expected = Csv::read(reference_path(&format!("stats/{name}_expected.csv")));
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    let mut check = |quantity: &str, key: &str, got: f64, want: f64, rel: bool, tol: f64| {
        let diff =
            if rel { (got - want).abs() / want.abs().max(1e-300) } else { (got - want).abs() };
        let ok = diff <= tol || (got.is_nan() && want.is_nan());
        assert!(ok, "{name} {quantity} {key}: got {got}, want {want}");
        let w = worst.entry(quantity.to_owned()).or_insert(0.0);
        if diff.is_finite() {
            *w = w.max(diff);
        }
    };
    let ranks = average_ranks(&rows).unwrap();
    let f = friedman(&rows).unwrap();
    let n = rows.len();
    let k = methods.len();
    let mut pairs = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            let a: Vec<f64> = rows.iter().map(|r| r[i]).collect();
            let b: Vec<f64> = rows.iter().map(|r| r[j]).collect();
            pairs.push((format!("{}|{}", methods[i], methods[j]), wilcoxon(&a, &b).unwrap()));
        }
    }
    let adjusted = holm(&pairs.iter().map(|p| p.1.p_value).collect::<Vec<_>>());
    let mut seen = 0;
    for row in &expected.rows {
        let (quantity, key) = (row[0].as_str(), row[1].as_str());
        let want: f64 = parse(&row[2], quantity);
        let pair = pairs.iter().position(|p| p.0 == key);
        match quantity {
            "average_rank" => {
                let m = methods.iter().position(|m| m == key).unwrap();
                check(quantity, key, ranks[m], want, true, 1e-9);
            }
            "friedman_chi2_tie_corrected" => check(quantity, key, f.chi2, want, true, 1e-9),
            "friedman_p_tie_corrected" => check(quantity, key, f.p_value, want, false, 1e-6),
            "friedman_chi2_demsar" => check(quantity, key, f.chi2_demsar, want, true, 1e-9),
            "iman_davenport_f" => check(quantity, key, f.iman_davenport_f, want, true, 1e-9),
            "iman_davenport_p" => check(quantity, key, f.iman_davenport_p, want, false, 1e-6),
            "nemenyi_q_alpha" => {
                let got = nemenyi(k, n, key.parse().unwrap()).unwrap().q_alpha;
                check(quantity, key, got, want, false, 1e-6);
            }
            "nemenyi_cd" => {
                let got = nemenyi(k, n, key.parse().unwrap()).unwrap().cd;
                check(quantity, key, got, want, false, 1e-6);
            }
            "wilcoxon_statistic" => {
                check(quantity, key, pairs[pair.unwrap()].1.statistic, want, false, 1e-12)
            }
            "wilcoxon_p" => check(quantity, key, pairs[pair.unwrap()].1.p_value, want, false, 1e-6),
            "wilcoxon_p_holm" => check(quantity, key, adjusted[pair.unwrap()], want, false, 1e-6),
            other => panic!("{name}: unknown quantity {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, expected.rows.len());
    for (quantity, diff) in worst {
        println!("{name:<9} {quantity:<28} max diff {diff:.3e}");
    }
}

#[test]
fn matches_scipy_on_the_peer_roc_auc_table() {
    check_table("peer_roc_auc");
}

#[test]
fn matches_scipy_on_the_tie_table() {
    check_table("ties");
}
