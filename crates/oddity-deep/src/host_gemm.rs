//! Matrix products on host f32 buffers for the fused kernels.
//!
//! The LSTM recurrence multiplies a small block of hidden states by the same recurrent
//! weights at every time step. General-purpose routines (`matrixmultiply`, `gemm`) re-pack
//! the weights on every call, which cost more than the arithmetic at these sizes; here the
//! right-hand matrix is packed once ([`Packed`]) into column panels of [`PANEL`] and each
//! product is a register-blocked loop over them (AVX2 + FMA when the CPU has them, detected
//! at run time; plain loops otherwise).

/// Columns per packed panel (two AVX2 registers).
const PANEL: usize = 16;

/// The vector instructions the kernels use, detected at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simd {
    /// AVX2 and FMA.
    Avx2,
    /// Plain loops.
    Portable,
}

/// The best [`Simd`] level of this CPU (the standard library caches the detection).
pub(crate) fn simd() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") && has!("fma") {
            return Simd::Avx2;
        }
    }
    Simd::Portable
}

/// A right-hand matrix `k × n` packed as `⌈n / PANEL⌉` panels, each `k × PANEL` row-major
/// (the last one zero-padded).
#[derive(Debug, Clone)]
pub(crate) struct Packed {
    k: usize,
    n: usize,
    panels: Vec<f32>,
}

impl Packed {
    /// Packs the `k × n` matrix whose element `(q, j)` is `b[q · row_stride + j · col_stride]`.
    pub(crate) fn new(b: &[f32], k: usize, n: usize, row_stride: usize, col_stride: usize) -> Self {
        if k > 0 && n > 0 {
            assert!((k - 1) * row_stride + (n - 1) * col_stride < b.len(), "packed operand bounds");
        }
        let count = n.div_ceil(PANEL);
        let mut panels = vec![0.0f32; count * k * PANEL];
        for p in 0..count {
            let width = PANEL.min(n - p * PANEL);
            for q in 0..k {
                let dst = &mut panels[(p * k + q) * PANEL..(p * k + q) * PANEL + width];
                let start = q * row_stride + p * PANEL * col_stride;
                if col_stride == 1 {
                    dst.copy_from_slice(&b[start..start + width]);
                } else {
                    for (l, d) in dst.iter_mut().enumerate() {
                        *d = b[start + l * col_stride];
                    }
                }
            }
        }
        Self { k, n, panels }
    }

    /// Packs the row-major `k × n` matrix `b`.
    pub(crate) fn rows(b: &[f32], k: usize, n: usize) -> Self {
        Self::new(b, k, n, n, 1)
    }

    /// Packs the transpose of the row-major `n × k` matrix `b` (a `k × n` operand).
    pub(crate) fn transposed(b: &[f32], n: usize, k: usize) -> Self {
        Self::new(b, k, n, 1, k)
    }

    fn panels(&self) -> Panels<'_> {
        Panels { k: self.k, n: self.n, data: &self.panels, stride: PANEL, step: self.k * PANEL }
    }
}

/// A right-hand operand as the kernels read it: panel `p`'s row `q` (16 values) starts at
/// `data[p · step + q · stride]`. A packed matrix has `stride = 16`; a row-major matrix whose
/// width is a multiple of 16 is read in place with `stride = n`, `step = 16`.
#[derive(Debug, Clone, Copy)]
struct Panels<'a> {
    k: usize,
    n: usize,
    data: &'a [f32],
    stride: usize,
    step: usize,
}

impl<'a> Panels<'a> {
    /// The row-major `k × n` matrix `b` read in place (`n` a multiple of [`PANEL`]).
    fn in_place(b: &'a [f32], k: usize, n: usize) -> Self {
        assert!(n.is_multiple_of(PANEL) && b.len() >= k * n, "in-place operand shape");
        Self { k, n, data: b, stride: n, step: PANEL }
    }

    fn count(&self) -> usize {
        self.n.div_ceil(PANEL)
    }

    /// Panel `p`: its rows are `stride` apart, each 16 values long.
    fn panel(&self, p: usize) -> &'a [f32] {
        let start = p * self.step;
        &self.data[start..start + (self.k.max(1) - 1) * self.stride + PANEL]
    }
}

/// The left operand of a product: `m × k` with element `(i, q)` at
/// `data[i · row_stride + q · col_stride]`.
#[derive(Debug, Clone, Copy)]
struct Left<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

/// `c = a · b`, or `c += a · b` when `accumulate`: `a` row-major `m × b.k`, `c` row-major
/// `m × b.n`.
pub(crate) fn gemm(c: &mut [f32], a: &[f32], m: usize, b: &Packed, accumulate: bool) {
    gemm_with(simd(), c, a, m, b, accumulate);
}

/// `c = aᵀ · b` (or `c += …`): `a` row-major `b.k × lda` of which the first `m` columns are
/// used, so `aᵀ` is `m × b.k`; `c` row-major `m × b.n`. No transpose is made.
fn tn(c: &mut [f32], a: &[f32], m: usize, lda: usize, b: Panels<'_>, accumulate: bool) {
    assert!(m <= lda, "{m} columns of a {lda}-column operand");
    product(simd(), c, Left { data: a, row_stride: 1, col_stride: lda }, m, b, accumulate);
}

/// Rows per block of [`product_t`]: one panel of the right operand (`KC × 16` values)
/// stays in the L1 cache and the block of `b` in L2.
const KC: usize = 256;

/// `out = aᵀ b` for row-major `a` (`rows × p`) and `b` (`rows × q`): `out` is `p × q`,
/// accumulated over blocks of [`KC`] rows in order. `b` is read in place when `q` is a
/// multiple of 16 (packed otherwise).
pub(crate) fn product_t(out: &mut [f32], a: &[f32], b: &[f32], rows: usize, p: usize, q: usize) {
    if rows == 0 {
        out[..p * q].fill(0.0);
    }
    for start in (0..rows).step_by(KC) {
        let kc = KC.min(rows - start);
        let (a, b) = (&a[start * p..(start + kc) * p], &b[start * q..(start + kc) * q]);
        if q.is_multiple_of(PANEL) {
            tn(out, a, p, p, Panels::in_place(b, kc, q), start > 0);
        } else {
            tn(out, a, p, p, Packed::rows(b, kc, q).panels(), start > 0);
        }
    }
}

/// [`gemm`] with the given instructions (falls back to plain loops when `level` is not
/// available on this CPU).
pub(crate) fn gemm_with(
    level: Simd,
    c: &mut [f32],
    a: &[f32],
    m: usize,
    b: &Packed,
    accumulate: bool,
) {
    let a = Left { data: a, row_stride: b.k, col_stride: 1 };
    product(level, c, a, m, b.panels(), accumulate);
}

fn product(level: Simd, c: &mut [f32], a: Left<'_>, m: usize, b: Panels<'_>, accumulate: bool) {
    if m > 0 && b.k > 0 {
        let last = (m - 1) * a.row_stride + (b.k - 1) * a.col_stride;
        assert!(last < a.data.len(), "left operand bounds");
    }
    assert!(c.len() >= m * b.n, "product output size");
    let level = if simd() == Simd::Portable { Simd::Portable } else { level };
    match level {
        // SAFETY: the CPU has the instructions (checked above); the bounds were checked.
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { x86::gemm_avx2(c, a, m, b, accumulate) },
        _ => portable(c, a, m, b, accumulate),
    }
}

/// The same product with plain loops (any CPU).
fn portable(c: &mut [f32], a: Left<'_>, m: usize, b: Panels<'_>, accumulate: bool) {
    let (k, n) = (b.k, b.n);
    for p in 0..b.count() {
        let (panel, cols) = (b.panel(p), PANEL.min(n - p * PANEL));
        for r in 0..m {
            let mut acc = [0.0f32; PANEL];
            for q in 0..k {
                let v = a.data[r * a.row_stride + q * a.col_stride];
                let row = &panel[q * b.stride..q * b.stride + PANEL];
                for (x, w) in acc.iter_mut().zip(row) {
                    *x += v * w;
                }
            }
            store(&mut c[r * n + p * PANEL..r * n + p * PANEL + cols], &acc[..cols], accumulate);
        }
    }
}

/// Writes (or adds) `acc` to `out` (same lengths).
#[inline]
fn store(out: &mut [f32], acc: &[f32], accumulate: bool) {
    if accumulate {
        out.iter_mut().zip(acc).for_each(|(o, v)| *o += v);
    } else {
        out.copy_from_slice(acc);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{store, Left, Panels, PANEL};

    /// Rows of `a` per group: the group's rows stay in the L1 cache while every panel
    /// passes over them.
    const MC: usize = 48;

    /// [`super::gemm`] with AVX2 + FMA: blocks of up to 6 rows × one 16-column panel held
    /// in 12 registers.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; every element of the `m × b.k` operand `a` lies
    /// inside its slice and `c` holds at least `m · b.n` values.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn gemm_avx2(
        c: &mut [f32],
        a: Left<'_>,
        m: usize,
        b: Panels<'_>,
        accumulate: bool,
    ) {
        let (k, n) = (b.k, b.n);
        for r0 in (0..m).step_by(MC) {
            let end = m.min(r0 + MC);
            for p in 0..b.count() {
                let (col, cols, panel) = (p * PANEL, PANEL.min(n - p * PANEL), b.panel(p));
                let mut r = r0;
                while r < end {
                    let at = Block { r, k, n, col, cols, stride: b.stride };
                    // 6-row blocks keep both FMA ports busy; 8 left over goes as 4 + 4.
                    r += match end - r {
                        8 | 4..=5 => block::<4>(c, a, panel, at, accumulate),
                        6.. => block::<6>(c, a, panel, at, accumulate),
                        2..=3 => block::<2>(c, a, panel, at, accumulate),
                        _ => block::<1>(c, a, panel, at, accumulate),
                    };
                }
            }
        }
    }

    /// Where a register block sits: first row `r` of `a` (`k` columns), first column `col`
    /// and valid columns `cols` of `c` (`n` columns), and the panel's row `stride`.
    #[derive(Clone, Copy)]
    struct Block {
        r: usize,
        k: usize,
        n: usize,
        col: usize,
        cols: usize,
        stride: usize,
    }

    /// Rows `r..r + R` against one panel; returns R.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block<const R: usize>(
        c: &mut [f32],
        a: Left<'_>,
        panel: &[f32],
        at: Block,
        accumulate: bool,
    ) -> usize {
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        let (rs, cs) = (a.row_stride, a.col_stride);
        let (ap, bp) = (a.data.as_ptr().add(at.r * rs), panel.as_ptr());
        for q in 0..at.k {
            let b0 = _mm256_loadu_ps(bp.add(q * at.stride));
            let b1 = _mm256_loadu_ps(bp.add(q * at.stride + 8));
            for (i, acc) in acc.iter_mut().enumerate() {
                let v = _mm256_set1_ps(*ap.add(i * rs + q * cs));
                acc[0] = _mm256_fmadd_ps(v, b0, acc[0]);
                acc[1] = _mm256_fmadd_ps(v, b1, acc[1]);
            }
        }
        if at.cols == PANEL {
            // A full panel: add or store the registers straight into `c`.
            assert!((at.r + R - 1) * at.n + at.col + PANEL <= c.len(), "product output size");
            let cp = c.as_mut_ptr().add(at.r * at.n + at.col);
            for (i, acc) in acc.iter().enumerate() {
                let row = cp.add(i * at.n);
                let (mut v0, mut v1) = (acc[0], acc[1]);
                if accumulate {
                    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
                    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row.add(8)));
                }
                _mm256_storeu_ps(row, v0);
                _mm256_storeu_ps(row.add(8), v1);
            }
            return R;
        }
        for (i, acc) in acc.iter().enumerate() {
            let mut out = [0.0f32; PANEL];
            _mm256_storeu_ps(out.as_mut_ptr(), acc[0]);
            _mm256_storeu_ps(out.as_mut_ptr().add(8), acc[1]);
            let start = (at.r + i) * at.n + at.col;
            store(&mut c[start..start + at.cols], &out[..at.cols], accumulate);
        }
        R
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], m: usize, k: usize, b: impl Fn(usize, usize) -> f32, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|q| a[i * k + q] * b(q, j)).sum();
            }
        }
        c
    }

    #[test]
    fn packed_products_match_the_definition_for_ragged_sizes() {
        let (m, k, n) = (15, 5, 45); // every row remainder and a partial panel
        let a: Vec<f32> = (0..m * k).map(|v| ((v * 7) % 11) as f32 - 5.0).collect();
        let b: Vec<f32> = (0..k * n).map(|v| ((v * 5) % 13) as f32 - 6.0).collect();
        let want = naive(&a, m, k, |q, j| b[q * n + j], n);
        // bᵀ as the operand: the k × n matrix with (q, j) = bt[j, q].
        let bt: Vec<f32> = (0..n * k).map(|v| ((v * 3) % 17) as f32 - 8.0).collect();
        let want_t = naive(&a, m, k, |q, j| bt[j * k + q], n);
        for level in [Simd::Avx2, Simd::Portable] {
            let mut c = vec![9.0; m * n];
            gemm_with(level, &mut c, &a, m, &Packed::rows(&b, k, n), false);
            assert_eq!(c, want, "{level:?}");
            gemm_with(level, &mut c, &a, m, &Packed::rows(&b, k, n), true);
            assert_eq!(c, want.iter().map(|v| 2.0 * v).collect::<Vec<_>>(), "{level:?}");
            gemm_with(level, &mut c, &a, m, &Packed::transposed(&bt, n, k), false);
            assert_eq!(c, want_t, "{level:?}");
        }
        // aᵀ · b without a transpose: `at` is k × (m + 2), its first m columns are aᵀ.
        let at: Vec<f32> = (0..k * (m + 2))
            .map(|v| {
                let (q, i) = (v / (m + 2), v % (m + 2));
                if i < m {
                    a[i * k + q]
                } else {
                    99.0
                }
            })
            .collect();
        let mut c = vec![9.0; m * n];
        tn(&mut c, &at, m, m + 2, Packed::rows(&b, k, n).panels(), false);
        assert_eq!(c, want);
    }

    #[test]
    fn transposed_products_match_the_definition_in_place_and_packed() {
        // q = 32 reads `b` in place, q = 20 packs it; 300 rows span two row blocks.
        for q in [32, 20] {
            let (rows, p) = (300, 7);
            let a: Vec<f32> = (0..rows * p).map(|v| ((v * 7) % 11) as f32 - 5.0).collect();
            let b: Vec<f32> = (0..rows * q).map(|v| ((v * 5) % 13) as f32 - 6.0).collect();
            let mut out = vec![9.0; p * q];
            product_t(&mut out, &a, &b, rows, p, q);
            for i in 0..p {
                for j in 0..q {
                    let want: f32 = (0..rows).map(|r| a[r * p + i] * b[r * q + j]).sum();
                    assert_eq!(out[i * q + j], want, "q {q}: ({i}, {j})");
                }
            }
        }
    }
}
