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
    match t.as_slice::<f32>() {
        Some(values) if t.is_contiguous() => values.to_vec(),
        _ => t.to_contiguous().as_slice::<f32>().expect("fused operations take f32").to_vec(),
    }
}

/// A Flex tensor of `shape` from row-major f32 values.
pub(crate) fn flex(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}
