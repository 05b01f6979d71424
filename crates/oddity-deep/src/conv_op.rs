//! Channels-last 1-D convolutions as burn backend extensions on the Flex CPU backend, with
//! the hand-written backward passes of [`crate::conv_kernel`].
//!
//! burn-flex's own convolutions ran the CNN autoencoder on one core through many small
//! products and layout copies (about ten times the PyTorch peer's time per batch); these
//! ops do one im2col product per chunk of samples on every core. Other backends keep
//! burn's `Conv1d` / `ConvTranspose1d`.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, Dispatch, Flex};
use burn::nn::conv::{Conv1d, ConvTranspose1d};
use burn::nn::PaddingConfig1d;
use burn::tensor::Tensor;

use crate::conv_kernel::{self, ConvDims};
use crate::flex_host::{flex, host, with_host};

/// Backends with channels-last 1-D convolutions.
#[backend_extension(Flex, Autodiff)]
pub trait ConvBackend: Backend {
    /// Convolution of `x` (`[B, L, c_in]`) with `weight` (`[c_out, c_in, K]`) and `bias`
    /// (`[c_out]`) at `stride`, zero padding `pad` on both sides: `[B, L_out, c_out]`.
    fn conv1d_last(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad: usize,
    ) -> FloatTensor<Self>;

    /// Transposed convolution of `x` (`[B, L, c_in]`) with `weight` (`[c_in, c_out, K]`)
    /// and `bias` (`[c_out]`), PyTorch's `ConvTranspose1d(stride, pad, out_pad)`:
    /// `[B, L_out, c_out]`.
    fn conv_transpose1d_last(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad: usize,
        out_pad: usize,
    ) -> FloatTensor<Self>;
}

/// Which operation a [`Saved`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Conv,
    Transposed,
}

/// What the backward pass needs: the input, the weights and the shapes.
#[derive(Debug)]
struct Saved {
    kind: Kind,
    x: Vec<f32>,
    weight: Vec<f32>,
    dims: ConvDims,
}

/// The shapes of an operation from its operands.
fn dims(
    kind: Kind,
    x: &FlexTensor,
    weight: &FlexTensor,
    stride: usize,
    pad: usize,
    out_pad: usize,
) -> ConvDims {
    let (xs, ws) = (x.layout().shape(), weight.layout().shape());
    assert!(xs.num_dims() == 3 && ws.num_dims() == 3, "x [B, L, C], weight [·, ·, K]");
    let (batch, len_in, c_in, kernel) = (xs[0], xs[1], xs[2], ws[2]);
    let (c_out, len_out) = match kind {
        Kind::Conv => {
            assert_eq!(ws[1], c_in, "weight [c_out, c_in, K]");
            (ws[0], ConvDims::conv_len(len_in, kernel, stride, pad).expect("kernel fits"))
        }
        Kind::Transposed => {
            assert_eq!(ws[0], c_in, "weight [c_in, c_out, K]");
            (
                ws[1],
                ConvDims::conv_t_len(len_in, kernel, stride, pad, out_pad)
                    .expect("positive length"),
            )
        }
    };
    ConvDims { batch, len_in, c_in, len_out, c_out, kernel, stride, pad }
}

/// Runs the forward kernel on host values.
fn run(kind: Kind, x: &[f32], w: &[f32], b: &[f32], d: ConvDims) -> FlexTensor {
    let y = match kind {
        Kind::Conv => conv_kernel::conv_forward(x, w, b, d),
        Kind::Transposed => conv_kernel::conv_t_forward(x, w, b, d),
    };
    flex(y, &[d.batch, d.len_out, d.c_out])
}

/// Runs the forward kernel without keeping anything (the tensors' values are borrowed).
fn infer(kind: Kind, x: &FlexTensor, w: &FlexTensor, b: &FlexTensor, d: ConvDims) -> FlexTensor {
    with_host(x, |xv| with_host(w, |wv| with_host(b, |bv| run(kind, xv, wv, bv, d))))
}

/// Runs the forward kernel; returns the output and what the backward pass needs.
fn forward(
    kind: Kind,
    x: &FlexTensor,
    w: &FlexTensor,
    b: &FlexTensor,
    d: ConvDims,
) -> (FlexTensor, Saved) {
    let (xv, wv) = (host(x), host(w));
    let y = with_host(b, |bv| run(kind, &xv, &wv, bv, d));
    (y, Saved { kind, x: xv, weight: wv, dims: d })
}

impl ConvBackend for Flex {
    fn conv1d_last(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        pad: usize,
    ) -> FlexTensor {
        let d = dims(Kind::Conv, &x, &weight, stride, pad, 0);
        infer(Kind::Conv, &x, &weight, &bias, d)
    }

    fn conv_transpose1d_last(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        pad: usize,
        out_pad: usize,
    ) -> FlexTensor {
        let d = dims(Kind::Transposed, &x, &weight, stride, pad, out_pad);
        infer(Kind::Transposed, &x, &weight, &bias, d)
    }
}

/// The backward step of both operations.
#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    type State = Arc<Saved>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, weight, bias] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let s = &ops.state;
        let d = s.dims;
        let g = with_host(&dy, |dy| match s.kind {
            Kind::Conv => conv_kernel::conv_backward(&s.x, &s.weight, dy, d, x.is_some()),
            Kind::Transposed => conv_kernel::conv_t_backward(&s.x, &s.weight, dy, d, x.is_some()),
        });
        if let (Some(node), Some(dx)) = (x, g.input) {
            grads.register::<Flex>(node.id, flex(dx, &[d.batch, d.len_in, d.c_in]));
        }
        if let Some(node) = weight {
            let shape = match s.kind {
                Kind::Conv => [d.c_out, d.c_in, d.kernel],
                Kind::Transposed => [d.c_in, d.c_out, d.kernel],
            };
            grads.register::<Flex>(node.id, flex(g.weight, &shape));
        }
        if let Some(node) = bias {
            grads.register::<Flex>(node.id, flex(g.bias, &[d.c_out]));
        }
    }
}

/// The autodiff version of either operation.
fn tracked<C: CheckpointStrategy>(
    kind: Kind,
    x: FloatTensor<Autodiff<Flex, C>>,
    w: FloatTensor<Autodiff<Flex, C>>,
    b: FloatTensor<Autodiff<Flex, C>>,
    d: ConvDims,
) -> FloatTensor<Autodiff<Flex, C>> {
    let nodes = [x.node(), w.node(), b.node()];
    let (y, saved) = forward(kind, x.primitive(), w.primitive(), b.primitive(), d);
    match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(Arc::new(saved), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

impl<C: CheckpointStrategy> ConvBackend for Autodiff<Flex, C> {
    fn conv1d_last(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad: usize,
    ) -> FloatTensor<Self> {
        let d = dims(Kind::Conv, x.primitive(), weight.primitive(), stride, pad, 0);
        tracked::<C>(Kind::Conv, x, weight, bias, d)
    }

    fn conv_transpose1d_last(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad: usize,
        out_pad: usize,
    ) -> FloatTensor<Self> {
        let d = dims(Kind::Transposed, x.primitive(), weight.primitive(), stride, pad, out_pad);
        tracked::<C>(Kind::Transposed, x, weight, bias, d)
    }
}

/// The weight, bias, stride and padding of a burn `Conv1d` (bias required, explicit
/// symmetric padding, no dilation or groups: what [`crate::nn::conv1d`] builds).
fn conv_parts(layer: &Conv1d) -> (Tensor<3>, Tensor<1>, usize, usize) {
    let bias = layer.bias.as_ref().expect("oddity's convolutions have a bias").val();
    let pad = match layer.padding {
        PaddingConfig1d::Explicit(a, b) if a == b => a,
        ref other => panic!("oddity's convolutions pad symmetrically, not {other:?}"),
    };
    (layer.weight.val(), bias, layer.stride, pad)
}

/// `layer` applied to channels-last `x` (`[B, L, c_in]`) with the fused operation (Flex
/// devices only, see [`crate::flex_host::available`]).
pub(crate) fn conv1d(layer: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    let (w, b, stride, pad) = conv_parts(layer);
    let y = <Dispatch as ConvBackend>::conv1d_last(
        x.into_dispatch(),
        w.into_dispatch(),
        b.into_dispatch(),
        stride,
        pad,
    );
    Tensor::from_dispatch(y)
}

/// `layer` applied to channels-last `x` (`[B, L, c_in]`) with the fused operation (Flex
/// devices only).
pub(crate) fn conv_transpose1d(layer: &ConvTranspose1d, x: Tensor<3>) -> Tensor<3> {
    let bias = layer.bias.as_ref().expect("oddity's convolutions have a bias").val();
    let y = <Dispatch as ConvBackend>::conv_transpose1d_last(
        x.into_dispatch(),
        layer.weight.val().into_dispatch(),
        bias.into_dispatch(),
        layer.stride,
        layer.padding,
        layer.padding_out,
    );
    Tensor::from_dispatch(y)
}

#[cfg(test)]
mod tests {
    use burn::tensor::activation::relu;
    use burn::tensor::{Device, TensorData};

    use super::*;
    use crate::nn::{conv1d as new_conv, conv_transpose1d as new_conv_t, values};

    fn data(n: usize, scale: f32, salt: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 29 + salt * 13) % 31) as f32 / 15.0 - 1.0) * scale).collect()
    }

    /// The CNN autoencoder's stack (and a ragged variant) through burn's layers and through
    /// the fused ops: outputs and every gradient agree.
    #[test]
    fn fused_convolutions_equal_burns_layers_with_gradients() {
        let device = Device::flex().autodiff();
        for (batch, len, d, k) in [(11, 100, 3, 7), (3, 12, 2, 3)] {
            let mut rng = oddity_core::rng(5);
            let c1 = new_conv(&mut rng, d, 4, k, 2, k / 2, &device);
            let c2 = new_conv(&mut rng, 4, 8, k, 2, k / 2, &device);
            let t1 = new_conv_t(&mut rng, 8, 4, k, 2, k / 2, 1, &device);
            let t2 = new_conv_t(&mut rng, 4, d, k, 2, k / 2, 1, &device);
            let x = TensorData::new(data(batch * len * d, 1.5, 1), [batch, len, d]);
            let coef = Tensor::<3>::from_data(
                TensorData::new(data(batch * len * d, 1.0, 2), [batch, len, d]),
                &device,
            );
            let run = |fused: bool| {
                let x = Tensor::<3>::from_data(x.clone(), &device).require_grad();
                let y = if fused {
                    let h = relu(conv1d(&c1, x.clone()));
                    let h = relu(conv1d(&c2, h));
                    let h = relu(conv_transpose1d(&t1, h));
                    conv_transpose1d(&t2, h)
                } else {
                    let h = relu(c1.forward(x.clone().swap_dims(1, 2)));
                    let h = relu(c2.forward(h));
                    let h = relu(t1.forward(h));
                    t2.forward(h).swap_dims(1, 2)
                };
                let grads = (y.clone() * coef.clone()).sum().backward();
                let mut out = vec![values(y), values(x.grad(&grads).expect("input gradient"))];
                for w in [&c1.weight, &c2.weight] {
                    out.push(values(w.val().grad(&grads).expect("weight gradient")));
                }
                for w in [&t1.weight, &t2.weight] {
                    out.push(values(w.val().grad(&grads).expect("weight gradient")));
                }
                for b in [&c1.bias, &c2.bias, &t1.bias, &t2.bias] {
                    out.push(values(
                        b.as_ref().unwrap().val().grad(&grads).expect("bias gradient"),
                    ));
                }
                out
            };
            let (fused, burn) = (run(true), run(false));
            for (part, (a, b)) in fused.iter().zip(&burn).enumerate() {
                assert_eq!(a.len(), b.len(), "part {part}");
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    let ok = (x - y).abs() <= 1e-4 * (1.0 + y.abs());
                    assert!(ok, "case ({batch}, {len}, {d}, {k}) part {part}[{i}]: {x} vs {y}");
                }
            }
        }
    }
}
