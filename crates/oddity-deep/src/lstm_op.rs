//! The fused LSTM recurrence as a burn backend extension: one differentiable operation per
//! layer on the Flex CPU backend, with the hand-written backward pass of
//! [`crate::lstm_kernel`].
//!
//! Composed from burn's tensor operations, a W-step layer records about a dozen small
//! operations per step in the autodiff graph (W = 100, two layers each in the encoder and
//! the decoder: some 5 000 per batch), and their bookkeeping, not the arithmetic, dominated
//! a training step. Other backends (CUDA, wgpu) keep the composed layer, see
//! [`crate::nn::LstmLayer::run`].

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, Dispatch, Flex};
use burn::tensor::Tensor;

use crate::flex_host::{flex, host, with_host};
use crate::lstm_kernel::{self, Dims, Tape, Weights};

/// Backends that run a whole LSTM layer as one operation.
#[backend_extension(Flex, Autodiff)]
pub trait LstmBackend: Backend {
    /// The hidden states `[B, T, h]` (T = `steps`) of an LSTM layer from zero states over
    /// `input` (`[B, T, d]`, or `[B, 1, d]` used at every step) with input weights `w_ih`
    /// (`[d, 4h]`), `bias` (`[4h]`) and recurrent weights `w_hh` (`[h, 4h]`), gate blocks
    /// ordered input, forget, output, cell.
    fn lstm_layer(
        input: FloatTensor<Self>,
        w_ih: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        w_hh: FloatTensor<Self>,
        steps: usize,
    ) -> FloatTensor<Self>;
}

/// The layer's sizes from the shapes of its operands.
fn dims(input: &FlexTensor, w_hh: &FlexTensor, steps: usize) -> Dims {
    let x = input.layout().shape();
    let w = w_hh.layout().shape();
    assert!(x.num_dims() == 3 && w.num_dims() == 2, "input [B, T, d], w_hh [h, 4h]");
    assert!(x[1] == steps || x[1] == 1, "input of {} steps for {steps}", x[1]);
    Dims { steps, batch: x[0], input: x[2], hidden: w[0], repeat: x[1] != steps }
}

/// Runs the kernel on Flex operands.
fn run(
    input: &FlexTensor,
    w: [&FlexTensor; 3],
    steps: usize,
    keep: bool,
) -> (FlexTensor, Option<Tape>) {
    let d = dims(input, w[2], steps);
    let [w_ih, bias, w_hh] = w.map(host);
    let weights = Weights { w_ih: &w_ih, bias: &bias, w_hh: &w_hh };
    let (h, tape) = with_host(input, |x| lstm_kernel::forward(x, weights, d, keep));
    (flex(h, &[d.batch, d.steps, d.hidden]), tape)
}

impl LstmBackend for Flex {
    fn lstm_layer(
        input: FlexTensor,
        w_ih: FlexTensor,
        bias: FlexTensor,
        w_hh: FlexTensor,
        steps: usize,
    ) -> FlexTensor {
        run(&input, [&w_ih, &bias, &w_hh], steps, false).0
    }
}

/// The backward step of [`LstmBackend::lstm_layer`].
#[derive(Debug)]
struct LayerBackward;

impl Backward<Flex, 4> for LayerBackward {
    type State = Arc<Tape>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [input, w_ih, bias, w_hh] = ops.parents;
        let d_hidden = grads.consume::<Flex>(&ops.node);
        let d = ops.state.dims();
        let g = with_host(&d_hidden, |dh| lstm_kernel::backward(&ops.state, dh, input.is_some()));
        let x_steps = if d.repeat { 1 } else { d.steps };
        if let (Some(node), Some(dx)) = (input, g.input) {
            grads.register::<Flex>(node.id, flex(dx, &[d.batch, x_steps, d.input]));
        }
        if let Some(node) = w_ih {
            grads.register::<Flex>(node.id, flex(g.w_ih, &[d.input, 4 * d.hidden]));
        }
        if let Some(node) = bias {
            grads.register::<Flex>(node.id, flex(g.bias, &[4 * d.hidden]));
        }
        if let Some(node) = w_hh {
            grads.register::<Flex>(node.id, flex(g.w_hh, &[d.hidden, 4 * d.hidden]));
        }
    }
}

impl<C: CheckpointStrategy> LstmBackend for Autodiff<Flex, C> {
    fn lstm_layer(
        input: FloatTensor<Self>,
        w_ih: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        w_hh: FloatTensor<Self>,
        steps: usize,
    ) -> FloatTensor<Self> {
        let nodes = [input.node(), w_ih.node(), bias.node(), w_hh.node()];
        let weights = [w_ih.primitive(), bias.primitive(), w_hh.primitive()];
        match LayerBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (h, tape) = run(input.primitive(), weights, steps, true);
                prep.finish(Arc::new(tape.expect("kept for the backward pass")), h)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(run(input.primitive(), weights, steps, false).0)
            }
        }
    }
}

/// [`LstmBackend::lstm_layer`] on tensors of a Flex device (see
/// [`crate::flex_host::available`]).
pub(crate) fn layer(
    input: Tensor<3>,
    w_ih: Tensor<2>,
    bias: Tensor<1>,
    w_hh: Tensor<2>,
    steps: usize,
) -> Tensor<3> {
    let out = <Dispatch as LstmBackend>::lstm_layer(
        input.into_dispatch(),
        w_ih.into_dispatch(),
        bias.into_dispatch(),
        w_hh.into_dispatch(),
        steps,
    );
    Tensor::from_dispatch(out)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use crate::nn::{values, LstmLayer};

    /// Fixed pseudo-random values in [−scale, scale].
    fn data(n: usize, scale: f32, salt: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 29 + salt * 13) % 31) as f32 / 15.0 - 1.0) * scale).collect()
    }

    #[test]
    fn fused_layer_equals_burns_composed_layer_with_gradients() {
        let device = Device::flex().autodiff();
        let (steps, batch, input, hidden) = (7, 37, 3, 5);
        let layer = LstmLayer::new(&mut oddity_core::rng(3), input, hidden, &device);
        let coef = Tensor::<3>::from_data(
            TensorData::new(data(batch * steps * hidden, 1.0, 2), [batch, steps, hidden]),
            &device,
        );
        for x_steps in [steps, 1] {
            let x = TensorData::new(data(batch * x_steps * input, 2.0, 1), [batch, x_steps, input]);
            let run = |fused: bool| {
                let x = Tensor::<3>::from_data(x.clone(), &device).require_grad();
                let h = if fused {
                    layer.run_fused(x.clone(), steps)
                } else {
                    let at = |t: usize| {
                        x.clone().narrow(1, t.min(x_steps - 1), 1).reshape([batch, input])
                    };
                    Tensor::stack(layer.run(steps, |t| layer.project(at(t))), 1)
                };
                let grads = (h.clone() * coef.clone()).sum().backward();
                let grad = |t: Option<Tensor<3>>| values(t.expect("gradient"));
                // PyTorch's two biases are two parameters with the same gradient.
                let bias_grad = |p: &burn::module::Param<Tensor<1>>| {
                    values(p.val().grad(&grads).expect("bias"))
                };
                assert_eq!(bias_grad(&layer.b_ih), bias_grad(&layer.b_hh));
                (
                    values(h),
                    grad(x.grad(&grads)),
                    values(layer.w_ih.val().grad(&grads).expect("w_ih gradient")),
                    values(layer.b_ih.val().grad(&grads).expect("bias gradient")),
                    values(layer.w_hh.val().grad(&grads).expect("w_hh gradient")),
                )
            };
            let (fused, composed) = (run(true), run(false));
            let close = |a: &[f32], b: &[f32], what: &str| {
                assert_eq!(a.len(), b.len(), "{what}");
                for (k, (x, y)) in a.iter().zip(b).enumerate() {
                    let ok = (x - y).abs() <= 2e-5 * (1.0 + y.abs());
                    assert!(ok, "{what}[{k}] ({x_steps} input steps): {x} vs {y}");
                }
            };
            close(&fused.0, &composed.0, "hidden states");
            close(&fused.1, &composed.1, "input gradient");
            close(&fused.2, &composed.2, "w_ih gradient");
            close(&fused.3, &composed.3, "bias gradient");
            close(&fused.4, &composed.4, "w_hh gradient");
        }
    }
}
