//! 1-D convolutions and transposed convolutions on host memory, forward and backward, for
//! burn's CPU backend (see [`crate::conv_op`]).
//!
//! Layout: channels last, `[B, L, C]` (the windows' own `[b, W, d]` layout, so the CNN
//! autoencoder needs no transposes). A convolution is an im2col product: each output
//! position's receptive field (K steps × C_in channels, ordered step-major) is one row of a
//! patch matrix, multiplied by the weights rearranged to `[K·C_in, C_out]`. A transposed
//! convolution is the same product run backwards (rows of the input times the weights,
//! scattered into the output by col2im). Batches are cut into fixed chunks of [`CHUNK`]
//! samples processed in parallel; weight gradients are summed over the chunks in order, so
//! results do not depend on the thread count.

use rayon::prelude::*;

use crate::host_gemm::{gemm, product_t, Packed};
use crate::scratch;

/// Samples per parallel task.
const CHUNK: usize = 8;

/// Shapes of one (transposed) convolution: `[B, len_in, c_in] → [B, len_out, c_out]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvDims {
    /// Samples B.
    pub batch: usize,
    /// Input length.
    pub len_in: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output length.
    pub len_out: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel size K.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub pad: usize,
}

impl ConvDims {
    /// A convolution's output length, `(L + 2p − K) / s + 1`, or `None` when the kernel
    /// does not fit.
    pub(crate) fn conv_len(len: usize, kernel: usize, stride: usize, pad: usize) -> Option<usize> {
        (len + 2 * pad).checked_sub(kernel).map(|v| v / stride + 1)
    }

    /// A transposed convolution's output length, `(L − 1) s − 2p + K + out_pad`.
    pub(crate) fn conv_t_len(
        len: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
        out_pad: usize,
    ) -> Option<usize> {
        ((len.max(1) - 1) * stride + kernel + out_pad).checked_sub(2 * pad)
    }

    /// The grid of the convolution: output positions over the input.
    fn over_input(&self) -> Grid {
        let (len, c, positions) = (self.len_in, self.c_in, self.len_out);
        Grid { len, c, positions, kernel: self.kernel, stride: self.stride, pad: self.pad }
    }

    /// The grid of the transposed convolution: input positions over the output.
    fn over_output(&self) -> Grid {
        let (len, c, positions) = (self.len_out, self.c_out, self.len_in);
        Grid { len, c, positions, kernel: self.kernel, stride: self.stride, pad: self.pad }
    }

    /// Samples `b0..b0 + n` of an input-shaped buffer (`[B, len_in, c_in]`).
    fn inputs<'a>(&self, x: &'a [f32], b0: usize, n: usize) -> &'a [f32] {
        let per = self.len_in * self.c_in;
        &x[b0 * per..(b0 + n) * per]
    }

    /// Samples `b0..b0 + n` of an output-shaped buffer (`[B, len_out, c_out]`).
    fn outputs<'a>(&self, y: &'a [f32], b0: usize, n: usize) -> &'a [f32] {
        let per = self.len_out * self.c_out;
        &y[b0 * per..(b0 + n) * per]
    }

    fn chunks(&self) -> Vec<(usize, usize)> {
        (0..self.batch).step_by(CHUNK).map(|b0| (b0, CHUNK.min(self.batch - b0))).collect()
    }
}

/// The position in a `len`-long sequence that grid position `t` reads (convolution) or
/// writes (transposed convolution) through kernel tap `k`, if inside.
#[inline]
fn tap(t: usize, k: usize, stride: usize, pad: usize, len: usize) -> Option<usize> {
    (t * stride + k).checked_sub(pad).filter(|&i| i < len)
}

/// How a grid of kernel positions lies over a sequence: position `t` covers the steps
/// `t·stride − pad + k`, k = 0..kernel, of a `len`-long sequence of `c` channels.
#[derive(Debug, Clone, Copy)]
struct Grid {
    len: usize,
    c: usize,
    positions: usize,
    kernel: usize,
    stride: usize,
    pad: usize,
}

/// Patch rows of `n` samples of `x` (`[n, len, c]`): `[n · positions, K · c]`, row `(b, t)`
/// holding `x[b, t·s − p + k, ·]` for k = 0..K (zeros outside).
fn im2col(x: &[f32], n: usize, g: Grid) -> Vec<f32> {
    let Grid { len, c, positions: grid, kernel, stride, pad } = g;
    let width = kernel * c;
    let mut cols = scratch::take(n * grid * width); // every value is written below
    for b in 0..n {
        for t in 0..grid {
            let row = &mut cols[(b * grid + t) * width..(b * grid + t + 1) * width];
            for k in 0..kernel {
                let part = &mut row[k * c..(k + 1) * c];
                match tap(t, k, stride, pad, len) {
                    Some(i) => part.copy_from_slice(&x[(b * len + i) * c..(b * len + i + 1) * c]),
                    None => part.fill(0.0),
                }
            }
        }
    }
    cols
}

/// The adjoint of [`im2col`]: adds each patch row of `cols` (`[n · positions, K · c]`) back
/// into `out` (`[n, len, c]`).
fn col2im(cols: &[f32], out: &mut [f32], n: usize, g: Grid) {
    let Grid { len, c, positions: grid, kernel, stride, pad } = g;
    let width = kernel * c;
    for b in 0..n {
        for t in 0..grid {
            let row = &cols[(b * grid + t) * width..(b * grid + t + 1) * width];
            for k in 0..kernel {
                if let Some(i) = tap(t, k, stride, pad, len) {
                    let dst = &mut out[(b * len + i) * c..(b * len + i + 1) * c];
                    dst.iter_mut().zip(&row[k * c..(k + 1) * c]).for_each(|(o, v)| *o += v);
                }
            }
        }
    }
}

/// Weights `w` (`[a, b, K]`, the layout of burn's convolutions) as the matrix
/// `[K · b, a]` with row `(k, j)` and column `i` holding `w[i, j, k]`.
fn step_major(w: &[f32], a: usize, b: usize, kernel: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; kernel * b * a];
    for i in 0..a {
        for j in 0..b {
            for k in 0..kernel {
                out[(k * b + j) * a + i] = w[(i * b + j) * kernel + k];
            }
        }
    }
    out
}

/// The inverse of [`step_major`]: `[K · b, a]` back to `[a, b, K]`.
fn unstep_major(m: &[f32], a: usize, b: usize, kernel: usize) -> Vec<f32> {
    let mut w = vec![0.0f32; a * b * kernel];
    for i in 0..a {
        for j in 0..b {
            for k in 0..kernel {
                w[(i * b + j) * kernel + k] = m[(k * b + j) * a + i];
            }
        }
    }
    w
}

/// Adds `bias` to every row of the row-major `data`.
fn add_rows(data: &mut [f32], bias: &[f32]) {
    data.chunks_exact_mut(bias.len())
        .for_each(|row| row.iter_mut().zip(bias).for_each(|(v, b)| *v += b));
}

/// Column sums of the row-major `data` (`width` columns).
fn column_sums(data: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; width];
    data.chunks_exact(width).for_each(|row| sums.iter_mut().zip(row).for_each(|(s, v)| *s += v));
    sums
}

/// The gradients of a (transposed) convolution.
#[derive(Debug, Clone)]
pub(crate) struct ConvGrads {
    /// With respect to the input, when asked for.
    pub input: Option<Vec<f32>>,
    /// With respect to the weights (their own layout).
    pub weight: Vec<f32>,
    /// With respect to the bias.
    pub bias: Vec<f32>,
}

/// One chunk's gradients: input (when asked for), weights, bias.
type Part = (Option<Vec<f32>>, Vec<f32>, Vec<f32>);

/// Sums the per-chunk weight and bias gradients in chunk order and joins the input ones.
fn join(parts: Vec<Part>, want_input: bool) -> Part {
    let mut input = want_input.then(Vec::new);
    let (mut weight, mut bias) = (Vec::new(), Vec::new());
    let add = |acc: &mut Vec<f32>, part: &[f32]| {
        if acc.is_empty() {
            acc.extend_from_slice(part);
        } else {
            acc.iter_mut().zip(part).for_each(|(a, b)| *a += b);
        }
    };
    for (dx, dw, db) in parts {
        if let (Some(all), Some(dx)) = (input.as_mut(), dx) {
            all.extend_from_slice(&dx);
        }
        add(&mut weight, &dw);
        add(&mut bias, &db);
    }
    (input, weight, bias)
}

/// Convolution (cross-correlation, as PyTorch and burn): `x` `[B, len_in, c_in]`, `w`
/// `[c_out, c_in, K]`, `bias` `[c_out]` → `[B, len_out, c_out]`.
pub(crate) fn conv_forward(x: &[f32], w: &[f32], bias: &[f32], d: ConvDims) -> Vec<f32> {
    let packed =
        Packed::rows(&step_major(w, d.c_out, d.c_in, d.kernel), d.kernel * d.c_in, d.c_out);
    let mut y = vec![0.0f32; d.batch * d.len_out * d.c_out];
    y.par_chunks_mut(CHUNK * d.len_out * d.c_out).zip(d.chunks()).for_each(|(y, (b0, n))| {
        let cols = im2col(d.inputs(x, b0, n), n, d.over_input());
        gemm(y, &cols, n * d.len_out, &packed, false);
        add_rows(y, bias);
        scratch::give(cols);
    });
    y
}

/// The gradients of [`conv_forward`] given `dy` (`[B, len_out, c_out]`).
pub(crate) fn conv_backward(
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    d: ConvDims,
    want_input: bool,
) -> ConvGrads {
    let width = d.kernel * d.c_in;
    let w_t = Packed::transposed(&step_major(w, d.c_out, d.c_in, d.kernel), width, d.c_out);
    let parts: Vec<_> = d
        .chunks()
        .par_iter()
        .map(|&(b0, n)| {
            let xs = d.inputs(x, b0, n);
            let dys = d.outputs(dy, b0, n);
            let rows = n * d.len_out;
            let cols = im2col(xs, n, d.over_input());
            let mut dw = vec![0.0f32; width * d.c_out];
            product_t(&mut dw, &cols, dys, rows, width, d.c_out);
            scratch::give(cols);
            let dx = want_input.then(|| {
                let mut dcols = scratch::take(rows * width); // the product writes every value
                gemm(&mut dcols, dys, rows, &w_t, false);
                let mut dx = vec![0.0f32; n * d.len_in * d.c_in];
                col2im(&dcols, &mut dx, n, d.over_input());
                scratch::give(dcols);
                dx
            });
            (dx, dw, column_sums(dys, d.c_out))
        })
        .collect();
    let (input, dw, bias) = join(parts, want_input);
    ConvGrads { input, weight: unstep_major(&dw, d.c_out, d.c_in, d.kernel), bias }
}

/// Transposed convolution (PyTorch's `ConvTranspose1d`, the adjoint of a convolution):
/// `x` `[B, len_in, c_in]`, `w` `[c_in, c_out, K]`, `bias` `[c_out]` →
/// `[B, len_out, c_out]`; input step t adds `x[t] · w[·, ·, k]` at output step `t·s − p + k`.
pub(crate) fn conv_t_forward(x: &[f32], w: &[f32], bias: &[f32], d: ConvDims) -> Vec<f32> {
    let width = d.kernel * d.c_out;
    // Rows (k, co), columns ci: the product x · mᵀ gives each input step's K·c_out outputs.
    let m_t = Packed::transposed(&step_major(w, d.c_in, d.c_out, d.kernel), width, d.c_in);
    let mut y = vec![0.0f32; d.batch * d.len_out * d.c_out];
    y.par_chunks_mut(CHUNK * d.len_out * d.c_out).zip(d.chunks()).for_each(|(y, (b0, n))| {
        let mut cols = scratch::take(n * d.len_in * width); // the product writes every value
        gemm(&mut cols, d.inputs(x, b0, n), n * d.len_in, &m_t, false);
        col2im(&cols, y, n, d.over_output());
        add_rows(y, bias);
        scratch::give(cols);
    });
    y
}

/// The gradients of [`conv_t_forward`] given `dy` (`[B, len_out, c_out]`).
pub(crate) fn conv_t_backward(
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    d: ConvDims,
    want_input: bool,
) -> ConvGrads {
    let width = d.kernel * d.c_out;
    let m = Packed::rows(&step_major(w, d.c_in, d.c_out, d.kernel), width, d.c_in);
    let parts: Vec<_> = d
        .chunks()
        .par_iter()
        .map(|&(b0, n)| {
            let xs = d.inputs(x, b0, n);
            let dys = d.outputs(dy, b0, n);
            let rows = n * d.len_in;
            let cols = im2col(dys, n, d.over_output());
            // dW as [c_in, K·c_out]: xᵀ · cols.
            let mut dw = vec![0.0f32; d.c_in * width];
            product_t(&mut dw, xs, &cols, rows, d.c_in, width);
            let dx = want_input.then(|| {
                let mut dx = vec![0.0f32; rows * d.c_in];
                gemm(&mut dx, &cols, rows, &m, false);
                dx
            });
            scratch::give(cols);
            (dx, dw, column_sums(dys, d.c_out))
        })
        .collect();
    let (input, dw, bias) = join(parts, want_input);
    // dw is [c_in, (k, co)]: the transpose of the step-major [(k, co), c_in] layout.
    let mut step = vec![0.0f32; width * d.c_in];
    for ci in 0..d.c_in {
        for j in 0..width {
            step[j * d.c_in + ci] = dw[ci * width + j];
        }
    }
    ConvGrads { input, weight: unstep_major(&step, d.c_in, d.c_out, d.kernel), bias }
}
