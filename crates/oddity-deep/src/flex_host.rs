//! Moving values between burn's Flex CPU tensors and host buffers, for the fused kernels
//! ([`crate::lstm_op`], [`crate::conv_op`]).

use burn::backend::flex::FlexTensor;
use burn::tensor::{Device, TensorData};

/// Whether `device` is burn's Flex CPU backend (with or without autodiff), where the fused
/// operations are available.
pub(crate) fn available(device: &Device) -> bool {
    device.clone().without_autodiff() == Device::flex()
}

/// The f32 values of a Flex tensor in row-major order.
pub(crate) fn host(t: &FlexTensor) -> Vec<f32> {
    with_host(t, <[f32]>::to_vec)
}

/// Calls `f` with the f32 values of a Flex tensor in row-major order, borrowed when the
/// tensor is already contiguous (no copy), else from a contiguous copy.
pub(crate) fn with_host<R>(t: &FlexTensor, f: impl FnOnce(&[f32]) -> R) -> R {
    if let Some(values) = t.as_slice::<f32>() {
        return f(values);
    }
    let copy = t.to_contiguous();
    f(copy.as_slice::<f32>().expect("fused operations take f32"))
}

/// A Flex tensor of `shape` from row-major f32 values.
pub(crate) fn flex(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}
