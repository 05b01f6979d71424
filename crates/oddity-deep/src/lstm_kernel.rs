//! A whole LSTM layer on host memory, forward and backward (back-propagation through
//! time), for burn's CPU backend.
//!
//! burn's autodiff sees one operation per layer instead of a dozen small ones per time step
//! (see [`crate::lstm_op`]). Here the input projection of every step is one matrix product,
//! each step's recurrent part is one product against weights packed once per call
//! ([`Packed`]) followed by one vectorised pass over the gates ([`crate::activation`]), and
//! the backward pass is one product per step plus one product per weight gradient.
//!
//! Layout: batch-major, as the windows are. Inputs are `[B, T, d]` (or `[B, 1, d]` repeated at
//! every step, the decoder's input), hidden states `[B, T, h]`; each chunk of rows is turned
//! time-major (`[T, m, ·]`, one step's rows contiguous) inside its own task. The weights are `w_ih` `[d, 4h]`, `bias`
//! `[4h]` and `w_hh` `[h, 4h]` with the gate blocks ordered (input, forget, output, cell) as
//! in [`crate::nn::LstmLayer`]: `gates = x W_ih + b + h_{t−1} W_hh`. The batch is cut into
//! fixed chunks of [`CHUNK`] rows that run in parallel on the rayon pool; weight gradients
//! are summed over the chunks in order, so results do not depend on the number of threads.

use rayon::prelude::*;

use crate::activation::{lstm_cell, lstm_cell_backward};
use crate::host_gemm::{gemm, product_t, Packed};
use crate::scratch;

/// Batch rows per parallel task.
pub(crate) const CHUNK: usize = 32;

/// Sizes of one layer's run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dims {
    /// Time steps T.
    pub steps: usize,
    /// Batch rows B.
    pub batch: usize,
    /// Input features d.
    pub input: usize,
    /// Hidden size h (the gates have 4h columns).
    pub hidden: usize,
    /// The input has one step, used at every step.
    pub repeat: bool,
}

impl Dims {
    /// Steps of the input: 1 when it repeats, else T.
    fn input_steps(&self) -> usize {
        if self.repeat {
            1
        } else {
            self.steps
        }
    }

    fn chunks(&self) -> Vec<(usize, usize)> {
        (0..self.batch).step_by(CHUNK).map(|b0| (b0, CHUNK.min(self.batch - b0))).collect()
    }
}

/// A layer's weights, row-major.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weights<'a> {
    /// Input weights `[d, 4h]`.
    pub w_ih: &'a [f32],
    /// Bias `[4h]`.
    pub bias: &'a [f32],
    /// Recurrent weights `[h, 4h]`.
    pub w_hh: &'a [f32],
}

/// What the forward pass of one chunk keeps for the backward pass.
#[derive(Debug, Clone)]
struct ChunkTape {
    /// First batch row of the chunk.
    b0: usize,
    /// Rows in the chunk, m.
    rows: usize,
    /// The chunk's inputs, `[T or 1, m, d]`.
    input: Vec<f32>,
    /// Gate activations (σ(i), σ(f), σ(o), tanh(g)), `[T, m, 4h]`.
    act: Vec<f32>,
    /// Cell states, `[T, m, h]`.
    cell: Vec<f32>,
    /// tanh of the cell states, `[T, m, h]`.
    tanh_cell: Vec<f32>,
    /// Hidden states, `[T, m, h]`.
    hidden: Vec<f32>,
}

impl Drop for ChunkTape {
    fn drop(&mut self) {
        for buf in
            [&mut self.input, &mut self.act, &mut self.cell, &mut self.tanh_cell, &mut self.hidden]
        {
            scratch::give(std::mem::take(buf));
        }
    }
}

/// Everything the backward pass needs: the dimensions, the weights and each chunk's saved
/// states.
#[derive(Debug, Clone)]
pub(crate) struct Tape {
    dims: Dims,
    w_ih: Vec<f32>,
    w_hh: Vec<f32>,
    chunks: Vec<ChunkTape>,
}

impl Tape {
    /// The layer's sizes.
    pub(crate) fn dims(&self) -> Dims {
        self.dims
    }
}

/// The gradients of one layer.
#[derive(Debug, Clone)]
pub(crate) struct Grads {
    /// With respect to the input (`[T or 1, B, d]`), when asked for.
    pub input: Option<Vec<f32>>,
    /// With respect to `w_ih`, `[d, 4h]`.
    pub w_ih: Vec<f32>,
    /// With respect to the bias, `[4h]`.
    pub bias: Vec<f32>,
    /// With respect to `w_hh`, `[h, 4h]`.
    pub w_hh: Vec<f32>,
}

/// A layer's weights packed for the per-step products (only what the input kind needs).
enum Packs {
    /// `[W_ih; W_hh; bias]` (`[d + h + 1, 4h]`): one product per step over the rows
    /// `[x_t | h_{t−1} | 1]` gives the pre-activations, bias included.
    Stacked(Packed),
    /// A repeated input: `W_ih` to project it once, `W_hh` added at every step.
    Repeated { ih: Packed, hh: Packed },
}

impl Packs {
    fn new(w: Weights<'_>, dims: Dims) -> Self {
        let (d, h) = (dims.input, dims.hidden);
        if dims.repeat {
            let (ih, hh) = (Packed::rows(w.w_ih, d, 4 * h), Packed::rows(w.w_hh, h, 4 * h));
            Self::Repeated { ih, hh }
        } else {
            Self::Stacked(Packed::rows(&[w.w_ih, w.w_hh, w.bias].concat(), d + h + 1, 4 * h))
        }
    }
}

/// The state of one chunk's pass shared by the training and the scoring pass: the chunk's
/// time-major input, the repeated input's projection (with the bias) and the step operand.
struct ChunkRun<'a> {
    packs: &'a Packs,
    dims: Dims,
    m: usize,
    /// `[T or 1, m, d]`.
    x: Vec<f32>,
    /// `[m, 4h]` when the input repeats, else empty.
    repeated: Vec<f32>,
    /// `[m, d + h + 1]`: the rows `[x_t | h_{t−1} | 1]`.
    operand: Vec<f32>,
}

impl<'a> ChunkRun<'a> {
    fn new(input: &[f32], packs: &'a Packs, bias: &[f32], dims: Dims, b0: usize, m: usize) -> Self {
        let (d, h) = (dims.input, dims.hidden);
        let x = time_major(input, dims.input_steps(), b0, m, d);
        let mut repeated = Vec::new();
        let mut operand = Vec::new();
        match packs {
            Packs::Repeated { ih, .. } => {
                repeated = vec![0.0f32; m * 4 * h];
                gemm(&mut repeated, &x, m, ih, false);
                add_rows(&mut repeated, bias);
            }
            Packs::Stacked(_) => {
                operand = vec![0.0f32; m * (d + h + 1)];
                operand.chunks_exact_mut(d + h + 1).for_each(|row| row[d + h] = 1.0);
            }
        }
        Self { packs, dims, m, x, repeated, operand }
    }

    /// Writes the pre-activations of step `t` into `pre` (`[m, 4h]`) from the previous
    /// hidden states `h_prev` (`[m, h]`, none at the first step).
    fn gates(&mut self, t: usize, pre: &mut [f32], h_prev: Option<&[f32]>) {
        let (m, d, h) = (self.m, self.dims.input, self.dims.hidden);
        let stacked = match self.packs {
            Packs::Stacked(stacked) => stacked,
            Packs::Repeated { hh, .. } => {
                pre.copy_from_slice(&self.repeated);
                if let Some(hp) = h_prev {
                    gemm(pre, hp, m, hh, true);
                }
                return;
            }
        };
        let x_t = &self.x[t * m * d..(t + 1) * m * d];
        for (r, row) in self.operand.chunks_exact_mut(d + h + 1).enumerate() {
            row[..d].copy_from_slice(&x_t[r * d..(r + 1) * d]);
            match h_prev {
                Some(hp) => row[d..d + h].copy_from_slice(&hp[r * h..(r + 1) * h]),
                None => row[d..d + h].fill(0.0),
            }
        }
        gemm(pre, &self.operand, m, stacked, false);
    }
}

/// Runs the layer from zero states over `input` (`[B, T, d]`, or `[B, 1, d]` when
/// `dims.repeat`); returns the hidden states (`[B, T, h]`) and, when `keep`, the tape for
/// [`backward`].
pub(crate) fn forward(
    input: &[f32],
    w: Weights<'_>,
    dims: Dims,
    keep: bool,
) -> (Vec<f32>, Option<Tape>) {
    let Dims { steps, batch, input: d, hidden: h, .. } = dims;
    assert_eq!(input.len(), dims.input_steps() * batch * d, "input size");
    assert_eq!(w.w_ih.len(), d * 4 * h, "input weight size");
    assert_eq!(w.bias.len(), 4 * h, "bias size");
    assert_eq!(w.w_hh.len(), h * 4 * h, "recurrent weight size");
    let packs = Packs::new(w, dims);
    let mut out = vec![0.0f32; batch * steps * h];
    let chunks = out.par_chunks_mut(CHUNK * steps * h).zip(dims.chunks());
    if !keep {
        chunks.for_each(|(dst, (b0, rows))| {
            let run = ChunkRun::new(input, &packs, w.bias, dims, b0, rows);
            let hidden = infer_chunk(run);
            batch_major(&hidden, dst, steps, rows, h);
            scratch::give(hidden);
        });
        return (out, None);
    }
    let tapes: Vec<ChunkTape> = chunks
        .map(|(dst, (b0, rows))| {
            let tape = forward_chunk(ChunkRun::new(input, &packs, w.bias, dims, b0, rows), b0);
            batch_major(&tape.hidden, dst, steps, rows, h);
            tape
        })
        .collect();
    let tape = Tape { dims, w_ih: w.w_ih.to_vec(), w_hh: w.w_hh.to_vec(), chunks: tapes };
    (out, Some(tape))
}

/// The forward pass of one chunk without a tape (scoring): each step's gates are computed
/// and activated in a buffer of one step, the cell state rolls, and only the hidden states
/// (`[T, m, h]`, time-major) are kept, so the working set stays in the caches.
fn infer_chunk(mut run: ChunkRun<'_>) -> Vec<f32> {
    let (Dims { steps, hidden: h, .. }, m) = (run.dims, run.m);
    let mut pre = vec![0.0f32; m * 4 * h];
    let (mut c_prev, mut c_next, mut tc) =
        (vec![0.0f32; m * h], vec![0.0f32; m * h], vec![0.0f32; m * h]);
    let mut hidden = scratch::take(steps * m * h);
    for t in 0..steps {
        let (done, now) = hidden.split_at_mut(t * m * h);
        run.gates(t, &mut pre, (t > 0).then(|| &done[(t - 1) * m * h..]));
        let prev = (t > 0).then_some(&c_prev[..]);
        lstm_cell(&mut pre, prev, &mut c_next, &mut tc, &mut now[..m * h], h);
        std::mem::swap(&mut c_prev, &mut c_next);
    }
    scratch::give(run.x);
    hidden
}

/// The rows `b0..b0+rows` of the batch-major `full` (`[batch, steps, width]`) as a
/// time-major `[steps, rows, width]` buffer (a [`scratch`] one).
fn time_major(full: &[f32], steps: usize, b0: usize, rows: usize, width: usize) -> Vec<f32> {
    let mut local = scratch::take(steps * rows * width);
    for r in 0..rows {
        let src = &full[(b0 + r) * steps * width..(b0 + r + 1) * steps * width];
        for (t, v) in src.chunks_exact(width).enumerate() {
            local[(t * rows + r) * width..(t * rows + r + 1) * width].copy_from_slice(v);
        }
    }
    local
}

/// Writes a time-major `[steps, rows, width]` buffer into the batch-major `dst`
/// (`[rows, steps, width]`, the chunk's part of a batch-major tensor).
fn batch_major(local: &[f32], dst: &mut [f32], steps: usize, rows: usize, width: usize) {
    for r in 0..rows {
        for t in 0..steps {
            dst[(r * steps + t) * width..(r * steps + t + 1) * width]
                .copy_from_slice(&local[(t * rows + r) * width..(t * rows + r + 1) * width]);
        }
    }
}

/// The forward pass of one chunk (first row `b0`) keeping the tape.
fn forward_chunk(mut run: ChunkRun<'_>, b0: usize) -> ChunkTape {
    let (Dims { steps, hidden: h, .. }, m) = (run.dims, run.m);
    let g = 4 * h;
    // Every value of these is written before it is read.
    let mut act = scratch::take(steps * m * g);
    let mut cell = scratch::take(steps * m * h);
    let mut tanh_cell = scratch::take(steps * m * h);
    let mut hidden = scratch::take(steps * m * h);
    for t in 0..steps {
        let pre = &mut act[t * m * g..(t + 1) * m * g];
        let (done, now) = hidden.split_at_mut(t * m * h);
        run.gates(t, pre, (t > 0).then(|| &done[(t - 1) * m * h..]));
        let (c_done, c_now) = cell.split_at_mut(t * m * h);
        let c_prev = (t > 0).then(|| &c_done[(t - 1) * m * h..]);
        let tc_now = &mut tanh_cell[t * m * h..(t + 1) * m * h];
        lstm_cell(pre, c_prev, &mut c_now[..m * h], tc_now, &mut now[..m * h], h);
    }
    let input = std::mem::take(&mut run.x);
    ChunkTape { b0, rows: m, input, act, cell, tanh_cell, hidden }
}

/// Adds `bias` to every row of the row-major `data`.
fn add_rows(data: &mut [f32], bias: &[f32]) {
    data.chunks_exact_mut(bias.len()).for_each(|row| {
        row.iter_mut().zip(bias).for_each(|(v, b)| *v += b);
    });
}

/// Back-propagates `d_hidden` (`[T, B, h]`, the loss gradient with respect to every
/// hidden state [`forward`] returned) through the layer; the input gradient is computed
/// only when `want_input`.
pub(crate) fn backward(tape: &Tape, d_hidden: &[f32], want_input: bool) -> Grads {
    let dims = tape.dims;
    let Dims { steps, batch, input: d, hidden: h, .. } = dims;
    let g = 4 * h;
    assert_eq!(d_hidden.len(), steps * batch * h, "hidden gradient size");
    let hh_t = Packed::transposed(&tape.w_hh, h, g);
    let ih_t = Packed::transposed(&tape.w_ih, d, g);
    let parts: Vec<Grads> = tape
        .chunks
        .par_iter()
        .map(|c| backward_chunk(c, &hh_t, &ih_t, d_hidden, dims, want_input))
        .collect();
    let x_steps = dims.input_steps();
    let input = want_input.then(|| {
        let mut full = vec![0.0f32; batch * x_steps * d];
        full.par_chunks_mut(CHUNK * x_steps * d).zip(&parts).zip(&tape.chunks).for_each(
            |((dst, part), chunk)| {
                let local = part.input.as_ref().expect("asked for");
                batch_major(local, dst, x_steps, chunk.rows, d);
            },
        );
        full
    });
    let mut grads = Grads {
        input,
        w_ih: vec![0.0f32; d * g],
        bias: vec![0.0f32; g],
        w_hh: vec![0.0f32; h * g],
    };
    let add = |acc: &mut [f32], part: &[f32]| acc.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    for part in &parts {
        add(&mut grads.w_ih, &part.w_ih);
        add(&mut grads.bias, &part.bias);
        add(&mut grads.w_hh, &part.w_hh);
    }
    grads
}

fn backward_chunk(
    tape: &ChunkTape,
    hh_t: &Packed,
    ih_t: &Packed,
    d_hidden: &[f32],
    dims: Dims,
    want_input: bool,
) -> Grads {
    let Dims { steps, input: d, hidden: h, .. } = dims;
    let (g, m) = (4 * h, tape.rows);
    let d_out = time_major(d_hidden, steps, tape.b0, m, h);
    let mut d_gates = scratch::take(steps * m * g); // written step by step below
    let mut dh_next = vec![0.0f32; m * h];
    let mut dc_next = vec![0.0f32; m * h];
    for t in (0..steps).rev() {
        let span = t * m * h..(t + 1) * m * h;
        let dg = &mut d_gates[t * m * g..(t + 1) * m * g];
        let c_prev = (t > 0).then(|| &tape.cell[span.start - m * h..span.start]);
        lstm_cell_backward(
            &tape.act[t * m * g..(t + 1) * m * g],
            &tape.tanh_cell[span.clone()],
            c_prev,
            &d_out[span],
            &dh_next,
            &mut dc_next,
            dg,
            h,
        );
        if t > 0 {
            gemm(&mut dh_next, dg, m, hh_t, false);
        }
    }
    // dW_hh = Σ_{t ≥ 1} h_{t−1}ᵀ dG_t: one product over all steps at once.
    let mut w_hh = vec![0.0f32; h * g];
    if steps > 1 {
        let rows = (steps - 1) * m;
        product_t(&mut w_hh, &tape.hidden[..rows * h], &d_gates[m * g..], rows, h, g);
    }
    // With a repeated input every step's gate gradient flows to the same input.
    let summed;
    let (src, rows) = if dims.repeat {
        let mut s = vec![0.0f32; m * g];
        d_gates.chunks_exact(m * g).for_each(|step| {
            s.iter_mut().zip(step).for_each(|(a, b)| *a += b);
        });
        summed = s;
        (&summed[..], m)
    } else {
        (&d_gates[..], steps * m)
    };
    let mut bias = vec![0.0f32; g];
    src.chunks_exact(g).for_each(|row| bias.iter_mut().zip(row).for_each(|(a, b)| *a += b));
    let mut w_ih = vec![0.0f32; d * g];
    product_t(&mut w_ih, &tape.input, src, rows, d, g);
    let input = want_input.then(|| {
        let mut dx = vec![0.0f32; rows * d];
        gemm(&mut dx, src, rows, ih_t, false);
        dx
    });
    scratch::give(d_gates);
    scratch::give(d_out);
    Grads { input, w_ih, bias, w_hh }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layer written out naively in f64, row by row.
    fn reference(x: &[f32], w: Weights<'_>, dims: Dims) -> Vec<f64> {
        let Dims { steps, batch, input: d, hidden: h, repeat } = dims;
        let (g, xs) = (4 * h, dims.input_steps());
        let s = |v: f64| 1.0 / (1.0 + (-v).exp());
        let f = |v: &f32| f64::from(*v);
        let mut out = vec![0.0; steps * batch * h];
        for b in 0..batch {
            let (mut hp, mut cp) = (vec![0.0f64; h], vec![0.0f64; h]);
            for t in 0..steps {
                let xt = if repeat { 0 } else { t };
                let pre: Vec<f64> = (0..g)
                    .map(|k| {
                        f(&w.bias[k])
                            + (0..d)
                                .map(|q| f(&x[(b * xs + xt) * d + q]) * f(&w.w_ih[q * g + k]))
                                .sum::<f64>()
                            + (0..h).map(|q| hp[q] * f(&w.w_hh[q * g + k])).sum::<f64>()
                    })
                    .collect();
                for j in 0..h {
                    let c = s(pre[h + j]) * cp[j] + s(pre[j]) * pre[3 * h + j].tanh();
                    cp[j] = c;
                    hp[j] = s(pre[2 * h + j]) * c.tanh();
                    out[(b * steps + t) * h + j] = hp[j];
                }
            }
        }
        out
    }

    fn data(n: usize, scale: f32, salt: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 37 + salt * 11) % 23) as f32 / 11.0 - 1.0) * scale).collect()
    }

    struct Case {
        dims: Dims,
        x: Vec<f32>,
        w_ih: Vec<f32>,
        bias: Vec<f32>,
        w_hh: Vec<f32>,
    }

    impl Case {
        fn new(steps: usize, batch: usize, input: usize, hidden: usize, repeat: bool) -> Self {
            let dims = Dims { steps, batch, input, hidden, repeat };
            let g = 4 * hidden;
            Self {
                dims,
                x: data(dims.input_steps() * batch * input, 1.3, 1),
                w_ih: data(input * g, 0.8, 2),
                bias: data(g, 0.5, 3),
                w_hh: data(hidden * g, 0.7, 4),
            }
        }

        fn weights(&self) -> Weights<'_> {
            Weights { w_ih: &self.w_ih, bias: &self.bias, w_hh: &self.w_hh }
        }
    }

    #[test]
    fn forward_matches_the_naive_layer_across_chunks() {
        for repeat in [false, true] {
            let case = Case::new(5, CHUNK + 3, 2, 3, repeat);
            let (out, _) = forward(&case.x, case.weights(), case.dims, false);
            let want = reference(&case.x, case.weights(), case.dims);
            for (a, b) in out.iter().zip(&want) {
                assert!((f64::from(*a) - b).abs() < 1e-6, "repeat {repeat}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn scoring_pass_equals_the_training_pass() {
        for repeat in [false, true] {
            let case = Case::new(6, CHUNK + 5, 3, 4, repeat);
            let (scored, none) = forward(&case.x, case.weights(), case.dims, false);
            let (trained, tape) = forward(&case.x, case.weights(), case.dims, true);
            assert!(none.is_none() && tape.is_some());
            assert_eq!(scored, trained, "repeat {repeat}");
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        for repeat in [false, true] {
            let case = Case::new(4, 3, 2, 2, repeat);
            let dims = case.dims;
            // Loss = Σ coef_k · h_k.
            let coef = data(dims.steps * dims.batch * dims.hidden, 1.0, 5);
            let loss = |c: &Case| -> f64 {
                let h = reference(&c.x, c.weights(), dims);
                h.iter().zip(&coef).map(|(h, k)| h * f64::from(*k)).sum()
            };
            let (_, tape) = forward(&case.x, case.weights(), dims, true);
            let grads = backward(&tape.unwrap(), &coef, true);
            let eps = 1e-3f32;
            let check = |name: &str, got: &[f32], pick: &dyn Fn(&mut Case) -> &mut Vec<f32>| {
                for (k, g) in got.iter().enumerate() {
                    let mut up = Case::new(4, 3, 2, 2, repeat);
                    let mut down = Case::new(4, 3, 2, 2, repeat);
                    pick(&mut up)[k] += eps;
                    pick(&mut down)[k] -= eps;
                    let fd = (loss(&up) - loss(&down)) / (2.0 * f64::from(eps));
                    assert!(
                        (fd - f64::from(*g)).abs() < 5e-4,
                        "{name}[{k}] (repeat {repeat}): {fd} vs {g}"
                    );
                }
            };
            check("input", grads.input.as_ref().unwrap(), &|c| &mut c.x);
            check("w_ih", &grads.w_ih, &|c| &mut c.w_ih);
            check("bias", &grads.bias, &|c| &mut c.bias);
            check("w_hh", &grads.w_hh, &|c| &mut c.w_hh);
            assert!(backward(
                &forward(&case.x, case.weights(), dims, true).1.unwrap(),
                &coef,
                false
            )
            .input
            .is_none());
        }
    }
}
