//! The ranking section of `report.md`: methods compared across datasets on one metric with
//! average ranks, the Friedman / Iman–Davenport tests, the Nemenyi critical difference and
//! Wilcoxon signed-rank tests (Holm-corrected) of the best method against each other
//! (Demšar, "Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR 2006).

use std::fmt::Write as _;

use oddity_eval::stats;

use crate::summary::Complete;

/// Levels at which the Nemenyi critical difference is given.
const ALPHAS: [f64; 2] = [0.05, 0.10];

/// The ranking of `methods` on `metric` over the datasets of `complete` (the one rule of
/// the [`Summary`](crate::summary::Summary): only datasets where every method has a value
/// take part). Returns Markdown.
pub fn section(
    metric: &str,
    methods: &[String],
    datasets: &[String],
    complete: &Complete,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {metric}\n");
    let (n, k) = (complete.datasets().len(), methods.len());
    let left_out: Vec<&str> = complete.left_out().iter().map(|&d| datasets[d].as_str()).collect();
    if !complete.is_rankable() {
        let _ = writeln!(
            out,
            "Needs at least 2 datasets on which all {k} methods have a value (there are {n}).\n"
        );
        return out;
    }
    let table = complete.table();
    let ranks = match complete.ranks() {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(out, "Not computed: {e}.\n");
            return out;
        }
    };
    let _ = write!(out, "{n} datasets × {k} methods");
    if !left_out.is_empty() {
        let _ = write!(out, " (left out, some method has no value: {})", left_out.join(", "));
    }
    out.push('.');
    match stats::friedman(table) {
        Ok(f) => {
            let _ = write!(
                out,
                " Friedman χ² = {:.3} (p = {}); Iman–Davenport F = {:.3} (p = {}).",
                f.chi2,
                p_value(f.p_value),
                f.iman_davenport_f,
                p_value(f.iman_davenport_p)
            );
        }
        Err(e) => {
            let _ = write!(out, " Friedman test not computed: {e}.");
        }
    }
    let cds: Vec<f64> =
        ALPHAS.iter().filter_map(|&a| stats::nemenyi(k, n, a).ok().map(|c| c.cd)).collect();
    if cds.len() == ALPHAS.len() {
        let _ = write!(
            out,
            " Nemenyi critical difference: {:.3} (α = 0.05), {:.3} (α = 0.10).",
            cds[0], cds[1]
        );
    }
    out.push_str("\n\n");

    let best = (0..k).min_by(|&a, &b| ranks[a].total_cmp(&ranks[b])).unwrap_or(0);
    let others: Vec<usize> = (0..k).filter(|&m| m != best).collect();
    let column = |m: usize| table.iter().map(|r| r[m]).collect::<Vec<f64>>();
    let raw: Vec<f64> = others
        .iter()
        .map(|&m| stats::wilcoxon(&column(best), &column(m)).map_or(f64::NAN, |w| w.p_value))
        .collect();
    let holm = stats::holm(&raw);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let _ = writeln!(
        out,
        "| method | average rank | mean | not significantly worse than the best (Nemenyi, α = 0.05) | Wilcoxon p vs best (Holm) |\n|---|---:|---:|---|---:|"
    );
    for m in order {
        let mean = column(m).iter().sum::<f64>() / n as f64;
        let (same, p) = if m == best {
            ("best".to_string(), "–".to_string())
        } else {
            let i = others.iter().position(|&o| o == m).unwrap_or(0);
            let same = cds.first().is_some_and(|cd| ranks[m] - ranks[best] <= *cd);
            (if same { "yes" } else { "no" }.to_string(), p_value(holm[i]))
        };
        let _ = writeln!(
            out,
            "| {} | {:.2} | {mean:.4} | {same} | {p} |",
            methods[m].replace('|', "\\|"),
            ranks[m]
        );
    }
    out.push('\n');
    out
}

fn p_value(p: f64) -> String {
    if p.is_nan() {
        "–".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ranks_tests_and_flags_the_methods_close_to_the_best() {
        // Four datasets, three methods: a always first, b second, c last.
        let means = [
            vec![Some(0.9), Some(0.8), Some(0.5)],
            vec![Some(0.95), Some(0.7), Some(0.6)],
            vec![Some(0.85), Some(0.8), Some(0.4)],
            vec![Some(0.9), Some(0.85), Some(0.5)],
        ];
        let s = section(
            "roc_auc",
            &names(&["c_last", "a", "b"]),
            &names(&["d1", "d2", "d3", "d4"]),
            &Complete::of(&means.iter().map(|r| vec![r[2], r[0], r[1]]).collect::<Vec<_>>(), 3),
        );
        // Ranks: a 1, b 2, c 3; CD(k = 3, N = 4, 0.05) = 2.343 · sqrt(12 / 24) = 1.657.
        assert!(s.contains("| a | 1.00 | 0.9000 | best | – |"), "{s}");
        assert!(s.contains("| b | 2.00 |"), "{s}");
        assert!(s.contains("| b | 2.00 | 0.7875 | yes |"), "{s}");
        assert!(s.contains("| c_last | 3.00 | 0.5000 | no |"), "{s}");
        assert!(s.contains("Nemenyi critical difference: 1.657 (α = 0.05)"), "{s}");
        assert!(s.contains("Friedman χ² = 8.000"), "{s}");
    }

    #[test]
    fn incomplete_datasets_are_left_out_and_too_few_are_said() {
        let means = vec![vec![Some(0.9), None], vec![Some(0.8), Some(0.7)]];
        let s = section("ap", &names(&["a", "b"]), &names(&["d1", "d2"]), &Complete::of(&means, 2));
        assert!(s.contains("Needs at least 2 datasets"), "{s}");
    }
}
