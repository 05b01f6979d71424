//! Column statistics shared by the scalers and the detectors, written to reproduce numpy
//! bit for bit: sums run sequentially in row order, as numpy's axis-0 reduction on a
//! row-major matrix does.

use ndarray::{ArrayView1, ArrayView2, Axis};

/// numpy's `np.sum` of a contiguous run (`sum(axis=1)` of a row-major matrix, or of a 1-D
/// array): a plain loop below 8 values, otherwise 8 interleaved accumulators combined
/// pairwise, then the tail, in blocks of at most 128 split in halves above that.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |acc, &v| acc + v);
    }
    if n > 128 {
        let half = (n / 2) - (n / 2) % 8;
        return pairwise_sum(&a[..half]) + pairwise_sum(&a[half..]);
    }
    let mut r = [0.0; 8];
    r.copy_from_slice(&a[..8]);
    let whole = n - n % 8;
    for block in a[8..whole].chunks_exact(8) {
        for (acc, &v) in r.iter_mut().zip(block) {
            *acc += v;
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for &v in &a[whole..] {
        res += v;
    }
    res
}

/// Mean of `values`: a plain sequential sum divided by the count (NaN when empty).
pub fn mean(values: ArrayView1<'_, f64>) -> f64 {
    let mut sum = 0.0;
    for &v in values {
        sum += v;
    }
    sum / values.len() as f64
}

/// Population standard deviation (ddof = 0), two-pass, around `mean`.
pub fn std_ddof0(values: ArrayView1<'_, f64>, mean: f64) -> f64 {
    std(values, mean, 0)
}

/// Standard deviation around `mean` with `ddof` delta degrees of freedom (numpy's `ddof`),
/// two-pass; NaN when there are not more than `ddof` values.
pub fn std(values: ArrayView1<'_, f64>, mean: f64, ddof: usize) -> f64 {
    let mut sum = 0.0;
    for &v in values {
        let d = v - mean;
        sum += d * d;
    }
    (sum / (values.len() as f64 - ddof as f64)).sqrt()
}

/// Per-column mean and population standard deviation of a matrix.
pub fn column_mean_std(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    x.axis_iter(Axis(1))
        .map(|col| {
            let m = mean(col);
            (m, std_ddof0(col, m))
        })
        .unzip()
}

/// Sorts a copy of the finite-or-not values with `total_cmp` (NaN last).
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Quantile `q` in [0, 1] of already sorted values with numpy's default linear
/// interpolation (NaN when empty).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    if frac == 0.0 {
        return sorted[lo];
    }
    // numpy's `_lerp`: a + (b - a) * t, switching to b - (b - a) * (1 - t) when t >= 0.5.
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if frac >= 0.5 {
        b - diff * (1.0 - frac)
    } else {
        a + diff * frac
    }
}

/// Median as `numpy.median`: the mean of the two middle values when the count is even.
pub fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Median of unsorted values.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    median_sorted(&sorted(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hand_computed_statistics() {
        let x = array![1.0, 2.0, 3.0, 4.0];
        let m = mean(x.view());
        assert_eq!(m, 2.5);
        assert_eq!(std_ddof0(x.view(), m), 1.25f64.sqrt());
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median([5.0, 1.0, 3.0]), 3.0);
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.25), 1.75);
        assert_eq!(quantile_sorted(&s, 0.75), 3.25);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
    }
}
