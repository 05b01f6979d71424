//! The element-wise part of an LSTM step, forward and backward, written so that the
//! compiler vectorises it: the exponential is a branch-free polynomial ([`exp`]) instead of
//! a libm call per value, and on CPUs with AVX2 + FMA (detected at run time) the loops are
//! compiled for them.

use crate::host_gemm::{simd, Simd};

/// `e^x` for f32 to within 2 · 10⁻⁷ relative error: `x = n ln 2 + r` with `|r| ≤ ln 2 / 2`
/// (Cody–Waite), `e^r` by its degree-6 Taylor polynomial, `2^n` by building the exponent
/// bits. Inputs are clamped to [−87, 88], where `e^x` is a normal f32.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2²³: adding and subtracting it rounds to an integer
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    // The integer n sits in the low mantissa bits of `shifted`: integer arithmetic on the
    // bits (vectorises, unlike a float-to-int conversion).
    let n_bits = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits((n_bits.wrapping_add(127) << 23) as u32)
}

/// The logistic function `1 / (1 + e^−x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh x = 1 − 2 / (e^{2x} + 1)` (saturates cleanly at ±1).
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// One step of the cell for m rows: `pre` (`[m, 4h]`, pre-activations in the order input,
/// forget, output, cell) is overwritten with the activations; `c_prev` (`[m, h]`, none at
/// the first step) gives the new cell `c`, its tanh `tc` and the hidden state `hid`.
pub(crate) fn lstm_cell(
    pre: &mut [f32],
    c_prev: Option<&[f32]>,
    c: &mut [f32],
    tc: &mut [f32],
    hid: &mut [f32],
    h: usize,
) {
    match simd() {
        // SAFETY: the CPU has these instructions (`simd` detected them).
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { cell_avx(pre, c_prev, c, tc, hid, h) },
        _ => cell(pre, c_prev, c, tc, hid, h),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cell_avx(
    pre: &mut [f32],
    c_prev: Option<&[f32]>,
    c: &mut [f32],
    tc: &mut [f32],
    hid: &mut [f32],
    h: usize,
) {
    cell(pre, c_prev, c, tc, hid, h);
}

#[inline(always)]
fn cell(
    pre: &mut [f32],
    c_prev: Option<&[f32]>,
    c: &mut [f32],
    tc: &mut [f32],
    hid: &mut [f32],
    h: usize,
) {
    for (r, row) in pre.chunks_exact_mut(4 * h).enumerate() {
        let (sig, cand) = row.split_at_mut(3 * h);
        sig.iter_mut().for_each(|v| *v = sigmoid(*v));
        cand.iter_mut().for_each(|v| *v = tanh(*v));
        let (i, f, o, g) = (&sig[..h], &sig[h..2 * h], &sig[2 * h..3 * h], &cand[..h]);
        let span = r * h..(r + 1) * h;
        let (c, tc, hid) = (&mut c[span.clone()], &mut tc[span.clone()], &mut hid[span.clone()]);
        match c_prev {
            Some(prev) => {
                let prev = &prev[span];
                for j in 0..h {
                    c[j] = f[j] * prev[j] + i[j] * g[j];
                }
            }
            None => {
                for j in 0..h {
                    c[j] = i[j] * g[j];
                }
            }
        }
        for j in 0..h {
            tc[j] = tanh(c[j]);
            hid[j] = o[j] * tc[j];
        }
    }
}

/// The backward pass of [`lstm_cell`] for m rows: from the saved activations `act`
/// (`[m, 4h]`), `tc` and `c_prev` (`[m, h]`), the gradient reaching the hidden states
/// (`d_out + dh_next`, both `[m, h]`) and the cell gradient from the next step (`dc`,
/// `[m, h]`, replaced by the gradient passed on to the previous step's cell), writes the
/// gradient of the pre-activations into `d_pre` (`[m, 4h]`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_cell_backward(
    act: &[f32],
    tc: &[f32],
    c_prev: Option<&[f32]>,
    d_out: &[f32],
    dh_next: &[f32],
    dc: &mut [f32],
    d_pre: &mut [f32],
    h: usize,
) {
    match simd() {
        // SAFETY: the CPU has these instructions (`simd` detected them).
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { cell_backward_avx(act, tc, c_prev, d_out, dh_next, dc, d_pre, h) },
        _ => cell_backward(act, tc, c_prev, d_out, dh_next, dc, d_pre, h),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn cell_backward_avx(
    act: &[f32],
    tc: &[f32],
    c_prev: Option<&[f32]>,
    d_out: &[f32],
    dh_next: &[f32],
    dc: &mut [f32],
    d_pre: &mut [f32],
    h: usize,
) {
    cell_backward(act, tc, c_prev, d_out, dh_next, dc, d_pre, h);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn cell_backward(
    act: &[f32],
    tc: &[f32],
    c_prev: Option<&[f32]>,
    d_out: &[f32],
    dh_next: &[f32],
    dc: &mut [f32],
    d_pre: &mut [f32],
    h: usize,
) {
    for (r, (a, d)) in act.chunks_exact(4 * h).zip(d_pre.chunks_exact_mut(4 * h)).enumerate() {
        let span = r * h..(r + 1) * h;
        let (i, f, o, g) = (&a[..h], &a[h..2 * h], &a[2 * h..3 * h], &a[3 * h..4 * h]);
        let (tc, d_out, dh_next) =
            (&tc[span.clone()], &d_out[span.clone()], &dh_next[span.clone()]);
        let dc = &mut dc[span.clone()];
        let (di, rest) = d.split_at_mut(h);
        let (df, rest) = rest.split_at_mut(h);
        let (d_o, dg) = rest.split_at_mut(h);
        for j in 0..h {
            let dh = d_out[j] + dh_next[j];
            let c = dc[j] + dh * o[j] * (1.0 - tc[j] * tc[j]);
            di[j] = c * g[j] * i[j] * (1.0 - i[j]);
            d_o[j] = dh * tc[j] * o[j] * (1.0 - o[j]);
            dg[j] = c * i[j] * (1.0 - g[j] * g[j]);
            df[j] = c * f[j] * (1.0 - f[j]); // times c_prev below
            dc[j] = c * f[j];
        }
        match c_prev {
            Some(prev) => {
                let prev = &prev[span];
                for j in 0..h {
                    df[j] *= prev[j];
                }
            }
            None => df.fill(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_sigmoid_and_tanh_are_f32_accurate() {
        let mut x = -100.0f32;
        while x < 100.0 {
            let want = f64::from(x).clamp(-87.0, 88.0).exp();
            assert!((f64::from(exp(x)) - want).abs() <= 3e-7 * want, "exp({x})");
            let s = 1.0 / (1.0 + (-f64::from(x)).exp());
            assert!((f64::from(sigmoid(x)) - s).abs() <= 3e-7, "sigmoid({x})");
            assert!((f64::from(tanh(x)) - f64::from(x).tanh()).abs() <= 3e-7, "tanh({x})");
            x += 0.0137;
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!((tanh(-30.0), tanh(30.0), sigmoid(-200.0) < 1e-37), (-1.0, 1.0, true));
    }
}
