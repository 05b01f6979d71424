//! Comparing methods across datasets (Demšar, "Statistical Comparisons of Classifiers over
//! Multiple Data Sets", JMLR 2006): average ranks, the Friedman and Iman–Davenport tests,
//! the Nemenyi critical difference, and Wilcoxon signed-rank tests with Holm's correction.
//!
//! A table has one row per dataset and one column per method; higher values are better.
//! p-values use this module's own special functions (no dependency), matching SciPy to
//! about 1e-12.

pub mod special;

use special::{chi2_sf, f_sf, normal_cdf, range_quantile};

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// Occurs when the table has fewer datasets (rows) or methods (columns) than the
    /// statistic needs.
    #[error(
        "too small: {rows} datasets × {columns} methods, need at least {min_rows} × {min_columns}"
    )]
    TooSmall {
        /// Datasets in the table.
        rows: usize,
        /// Methods in the table.
        columns: usize,
        /// Datasets needed.
        min_rows: usize,
        /// Methods needed.
        min_columns: usize,
    },
    /// Occurs when a row has another length than the first.
    #[error("row {row} has {len} values, expected {expected}")]
    Ragged {
        /// The row index.
        row: usize,
        /// Its length.
        len: usize,
        /// The first row's length.
        expected: usize,
    },
    /// Occurs when a value is NaN or infinite.
    #[error("value at row {row}, column {column} is not finite")]
    NonFinite {
        /// The row index.
        row: usize,
        /// The column index.
        column: usize,
    },
}

fn check_table(table: &[Vec<f64>], min_rows: usize, min_columns: usize) -> Result<(), StatsError> {
    let columns = table.first().map_or(0, Vec::len);
    if table.len() < min_rows || columns < min_columns {
        return Err(StatsError::TooSmall { rows: table.len(), columns, min_rows, min_columns });
    }
    for (row, values) in table.iter().enumerate() {
        if values.len() != columns {
            return Err(StatsError::Ragged { row, len: values.len(), expected: columns });
        }
        if let Some(column) = values.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite { row, column });
        }
    }
    Ok(())
}

/// Average ranks (1-based, tied values share the mean of their ranks) of `values`, with
/// rank 1 for the smallest when `ascending`, for the largest otherwise, and the tie group
/// sizes.
fn rank(values: &[f64], ascending: bool) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let c = values[a].total_cmp(&values[b]);
        if ascending {
            c
        } else {
            c.reverse()
        }
    });
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        let mean = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            ranks[o] = mean;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}

/// The average rank of each method over the datasets: within each row, rank 1 = the highest
/// value, ties share the mean rank (`scipy.stats.rankdata(-row, method="average")`).
///
/// # Errors
///
/// [`StatsError`] for an empty, ragged or non-finite table.
///
/// # Example
///
/// ```
/// let table = vec![vec![0.9, 0.8, 0.8], vec![0.7, 0.9, 0.6]];
/// let ranks = oddity_eval::stats::average_ranks(&table)?;
/// // Row 1 ranks 1, 2.5, 2.5 (a tie); row 2 ranks 2, 1, 3.
/// assert_eq!(ranks, [1.5, 1.75, 2.75]);
/// Ok::<(), oddity_eval::stats::StatsError>(())
/// ```
pub fn average_ranks(table: &[Vec<f64>]) -> Result<Vec<f64>, StatsError> {
    check_table(table, 1, 1)?;
    let k = table[0].len();
    let mut sums = vec![0.0; k];
    for row in table {
        for (s, r) in sums.iter_mut().zip(rank(row, false).0) {
            *s += r;
        }
    }
    Ok(sums.into_iter().map(|s| s / table.len() as f64).collect())
}

/// The Friedman test and its Iman–Davenport correction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Friedman {
    /// χ²_F with SciPy's tie correction (`scipy.stats.friedmanchisquare`).
    pub chi2: f64,
    /// Its p-value, `P(χ²(k − 1) > chi2)`.
    pub p_value: f64,
    /// Demšar's χ²_F from the average ranks R_j, without tie correction:
    /// `12N / (k(k+1)) · (Σ R_j² − k(k+1)²/4)`.
    pub chi2_demsar: f64,
    /// Iman–Davenport `F_F = (N − 1) χ²_F / (N(k − 1) − χ²_F)` from Demšar's χ²_F.
    pub iman_davenport_f: f64,
    /// Its p-value, `P(F(k − 1, (k − 1)(N − 1)) > F_F)`.
    pub iman_davenport_p: f64,
}

/// The Friedman test of "all methods rank alike" over the datasets (Friedman 1937; Iman and
/// Davenport 1980; Demšar 2006, section 3.2.2).
///
/// # Errors
///
/// [`StatsError::TooSmall`] with fewer than 2 datasets or 3 methods, and table errors.
pub fn friedman(table: &[Vec<f64>]) -> Result<Friedman, StatsError> {
    check_table(table, 2, 3)?;
    let (n, k) = (table.len() as f64, table[0].len() as f64);
    let mut sums = vec![0.0; table[0].len()];
    let mut ties = 0.0;
    for row in table {
        let (ranks, groups) = rank(row, true);
        for (s, r) in sums.iter_mut().zip(ranks) {
            *s += r;
        }
        ties += groups.iter().map(|&t| (t * (t * t - 1)) as f64).sum::<f64>();
    }
    let correction = 1.0 - ties / (k * (k * k - 1.0) * n);
    let ssbn: f64 = sums.iter().map(|s| s * s).sum();
    let raw = 12.0 / (k * n * (k + 1.0)) * ssbn - 3.0 * n * (k + 1.0);
    let chi2 = raw / correction;
    let avg = average_ranks(table)?;
    let sum_sq: f64 = avg.iter().map(|r| r * r).sum();
    let chi2_demsar = 12.0 * n / (k * (k + 1.0)) * (sum_sq - k * (k + 1.0) * (k + 1.0) / 4.0);
    let iman_davenport_f = (n - 1.0) * chi2_demsar / (n * (k - 1.0) - chi2_demsar);
    Ok(Friedman {
        chi2,
        p_value: chi2_sf(chi2, k - 1.0),
        chi2_demsar,
        iman_davenport_f,
        iman_davenport_p: f_sf(iman_davenport_f, k - 1.0, (k - 1.0) * (n - 1.0)),
    })
}

/// The Nemenyi critical difference: two methods whose average ranks differ by more than
/// `cd = q_α · sqrt(k(k + 1) / (6N))` differ significantly (Demšar 2006, section 3.2.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nemenyi {
    /// The significance level α.
    pub alpha: f64,
    /// `q_α`: the studentized range quantile `q(1 − α; k, ∞) / √2` (Demšar's table 5).
    pub q_alpha: f64,
    /// The critical difference of average ranks.
    pub cd: f64,
}

/// The Nemenyi critical difference for `k` methods over `n` datasets at level `alpha`.
///
/// `q_α` is computed (not looked up): the `1 − α` quantile of the range of `k` standard
/// normals divided by √2, which reproduces Demšar's table (k ≤ 10) and extends it to any `k`.
///
/// # Errors
///
/// [`StatsError::TooSmall`] with `k < 2` or `n < 1`.
///
/// # Example
///
/// ```
/// // Demšar (2006), table 5: q_0.05 = 2.569 for k = 4.
/// let nemenyi = oddity_eval::stats::nemenyi(4, 6, 0.05)?;
/// assert!((nemenyi.q_alpha - 2.569).abs() < 5e-4);
/// Ok::<(), oddity_eval::stats::StatsError>(())
/// ```
pub fn nemenyi(k: usize, n: usize, alpha: f64) -> Result<Nemenyi, StatsError> {
    if k < 2 || n < 1 {
        return Err(StatsError::TooSmall { rows: n, columns: k, min_rows: 1, min_columns: 2 });
    }
    let q_alpha = range_quantile(1.0 - alpha, k) / std::f64::consts::SQRT_2;
    let cd = q_alpha * ((k * (k + 1)) as f64 / (6.0 * n as f64)).sqrt();
    Ok(Nemenyi { alpha, q_alpha, cd })
}

/// How a Wilcoxon p-value was computed (SciPy's `method = "auto"` rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WilcoxonMethod {
    /// No ties and no zero differences, at most 50 pairs: the exact null distribution.
    Exact,
    /// Ties or zeros with at most 13 pairs: every sign flip of the differences enumerated.
    Permutation,
    /// Otherwise: the normal approximation with tie correction, no continuity correction.
    Normal,
}

/// A two-sided Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// `min(R+, R−)` (NaN when every difference is 0).
    pub statistic: f64,
    /// The two-sided p-value (1 when every difference is 0).
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: WilcoxonMethod,
}

/// The two-sided Wilcoxon signed-rank test of `a − b` (Wilcoxon 1945), as
/// `scipy.stats.wilcoxon(a, b)` with its defaults (`zero_method = "wilcox"`: zero
/// differences are dropped; `method = "auto"`, see [`WilcoxonMethod`]).
///
/// # Errors
///
/// [`StatsError::Ragged`] when `a` and `b` differ in length, [`StatsError::NonFinite`] for
/// NaN or infinite values, [`StatsError::TooSmall`] when empty.
pub fn wilcoxon(a: &[f64], b: &[f64]) -> Result<Wilcoxon, StatsError> {
    if a.len() != b.len() {
        return Err(StatsError::Ragged { row: 1, len: b.len(), expected: a.len() });
    }
    if a.is_empty() {
        return Err(StatsError::TooSmall { rows: 0, columns: 2, min_rows: 1, min_columns: 2 });
    }
    for (row, (x, y)) in a.iter().zip(b).enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(StatsError::NonFinite { row, column: usize::from(x.is_finite()) });
        }
    }
    let total = a.len();
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).filter(|&d| d != 0.0).collect();
    let count = d.len();
    if count == 0 {
        return Ok(Wilcoxon {
            statistic: f64::NAN,
            p_value: 1.0,
            method: WilcoxonMethod::Permutation,
        });
    }
    let abs: Vec<f64> = d.iter().map(|x| x.abs()).collect();
    let (ranks, groups) = rank(&abs, true);
    let r_plus: f64 = d.iter().zip(&ranks).filter(|(d, _)| **d > 0.0).map(|(_, r)| r).sum();
    let r_minus: f64 = d.iter().zip(&ranks).filter(|(d, _)| **d < 0.0).map(|(_, r)| r).sum();
    let has_ties = groups.iter().any(|&t| t > 1);
    let zeros = total > count;
    let (p_value, method) = if total <= 50 && !has_ties && !zeros {
        // Integer ranks 1..=count: counts of subset sums.
        let doubled: Vec<usize> = (1..=count).map(|r| 2 * r).collect();
        let p = two_sided_subset_p(&doubled, r_plus);
        (p, WilcoxonMethod::Exact)
    } else if total <= 13 {
        let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
        (two_sided_subset_p(&doubled, r_plus), WilcoxonMethod::Permutation)
    } else {
        let c = count as f64;
        let mean = c * (c + 1.0) * 0.25;
        let ties: f64 = groups.iter().map(|&t| (t * t * t - t) as f64).sum();
        let se = ((c * (c + 1.0) * (2.0 * c + 1.0) - ties / 2.0) / 24.0).sqrt();
        let z = (r_plus - mean) / se;
        ((2.0 * normal_cdf(-z.abs())).min(1.0), WilcoxonMethod::Normal)
    };
    Ok(Wilcoxon { statistic: r_plus.min(r_minus), p_value, method })
}

/// `min(1, 2 · min(P(S ≥ r), P(S ≤ r)))` for `S` the sum of a uniformly random subset of the
/// ranks (given doubled, so that mean ranks of ties stay integers); for integer ranks this is
/// SciPy's exact `2 · min(sf(⌊r⌋), cdf(⌈r⌉))`.
fn two_sided_subset_p(doubled: &[usize], r_plus: f64) -> f64 {
    let max: usize = doubled.iter().sum();
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for &r in doubled {
        for s in (r..=max).rev() {
            counts[s] += counts[s - r];
        }
    }
    let total: f64 = counts.iter().sum();
    let observed = 2.0 * r_plus;
    let (lo, hi) = (observed.ceil() as usize, observed.floor() as usize);
    // Rank sums are integers (exact) or half-integers; r+ rounds outward to a reachable sum.
    let (cdf_at, sf_at) = if doubled.iter().all(|r| r % 2 == 0) {
        // Integer ranks: ⌈r⌉ and ⌊r⌋ in rank units.
        (2 * (r_plus.ceil() as usize), 2 * (r_plus.floor() as usize))
    } else {
        (lo, hi)
    };
    let cdf: f64 = counts[..=cdf_at.min(max)].iter().sum::<f64>() / total;
    let sf: f64 = counts[sf_at.min(max + 1)..].iter().sum::<f64>() / total;
    (2.0 * cdf.min(sf)).min(1.0)
}

/// Holm's step-down adjustment of p-values (Holm 1979): sorted ascending, the i-th
/// (0-based) is multiplied by `m − i`, then made non-decreasing and capped at 1. The result
/// is in the input order.
///
/// # Example
///
/// ```
/// let adjusted = oddity_eval::stats::holm(&[0.01, 0.04, 0.03]);
/// assert_eq!(adjusted, [0.03, 0.06, 0.06]);
/// ```
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut out = vec![0.0; m];
    let mut running = 0.0f64;
    for (i, &o) in order.iter().enumerate() {
        running = running.max((m - i) as f64 * p_values[o]);
        out[o] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demsar_table_5() {
        // Demšar (2006), table 5(a): q_0.05 and q_0.10 for k = 2..10 (3 decimals, truncated
        // or rounded: within 1e-3).
        let q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164];
        let q10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920];
        for (i, (a, b)) in q05.iter().zip(&q10).enumerate() {
            let k = i + 2;
            assert!((nemenyi(k, 10, 0.05).unwrap().q_alpha - a).abs() < 1e-3, "k {k}");
            assert!((nemenyi(k, 10, 0.10).unwrap().q_alpha - b).abs() < 1e-3, "k {k}");
        }
    }

    #[test]
    fn exact_wilcoxon_small_case() {
        // d = 1, 2, 3, −4 (no ties): R+ = 6, R− = 4; P(W ≤ 4) = 7/16 for n = 4 → p = 0.875.
        let w = wilcoxon(&[1.0, 2.0, 3.0, 0.0], &[0.0, 0.0, 0.0, 4.0]).unwrap();
        assert_eq!(w.method, WilcoxonMethod::Exact);
        assert_eq!(w.statistic, 4.0);
        assert!((w.p_value - 0.875).abs() < 1e-15, "{}", w.p_value);
    }

    #[test]
    fn all_zero_differences_give_p_one() {
        let w = wilcoxon(&[1.0, 2.0], &[1.0, 2.0]).unwrap();
        assert!(w.statistic.is_nan());
        assert_eq!(w.p_value, 1.0);
    }

    #[test]
    fn table_errors() {
        assert!(matches!(friedman(&[vec![1.0, 2.0, 3.0]]), Err(StatsError::TooSmall { .. })));
        let ragged = vec![vec![1.0, 2.0, 3.0], vec![1.0]];
        assert!(matches!(average_ranks(&ragged), Err(StatsError::Ragged { row: 1, .. })));
        let nan = vec![vec![1.0, f64::NAN]];
        assert_eq!(average_ranks(&nan), Err(StatsError::NonFinite { row: 0, column: 1 }));
    }
}
