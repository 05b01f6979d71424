#![allow(dead_code, missing_docs, clippy::all)]
// The ranking section of `report.md`: methods compared across datasets on one metric with
// average ranks, the Friedman / Iman–Davenport tests, the Nemenyi critical difference and
// Wilcoxon signed-rank tests (Holm-corrected) of the best method against each other
// (Demšar, "Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR 2006).

use std::fmt::Write as _;

use oddity_eval::stats;

/// Levels at which the Nemenyi critical difference is given.
const ALPHAS: [f64; 2] = [0.05, 0.10];

/// The ranking of `methods` on `metric` from `means[d][m]` (mean over seeds of method `m`
/// on dataset `d`, `None` when it has no value). Only datasets where every method has a
/// value take part. Returns Markdown.
pub fn section(
    metric: &str,
    methods: &[String],
    datasets: &[String],
    means: &[Vec<Option<f64>>],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {metric}\n");
    let complete: Vec<(usize, Vec<f64>)> = means
        .iter()
        .enumerate()
        .filter_map(|(d, row)| row.iter().copied().collect::<Option<Vec<f64>>>().map(|r| (d, r)))
        .collect();
    let (n, k) = (complete.len(), methods.len());
    let left_out: Vec<&str> = (0..datasets.len())
        .filter(|d| !complete.iter().any(|(c, _)| c == d))
        .map(|d| datasets[d].as_str())
        .collect();
    if n < 2 || k < 2 {
        let _ = writeln!(
            out,
            "Needs at least 2 datasets on which all {k} methods have a value (there are {n}).\n"
        );
        return out;
    }
    let table: Vec<Vec<f64>> = complete.iter().map(|(_, r)| r.clone()).collect();
    let ranks = match stats::average_ranks(&table) {
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
    match stats::friedman(&table) {
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

