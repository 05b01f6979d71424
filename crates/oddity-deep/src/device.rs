//! Where the tensors live and how many threads a fit may use.

use burn::tensor::Device;

use crate::DeepError;

/// The device names the `device` parameter accepts.
pub const DEVICES: &[&str] = &["cpu", "cuda", "wgpu"];

/// The burn device named `name` (`cpu` is burn's Flex backend, always built; `cuda` and
/// `wgpu` need the cargo features of the same names).
pub fn device(name: &str) -> Result<Device, DeepError> {
    match name {
        "cpu" => Ok(Device::flex()),
        #[cfg(feature = "cuda")]
        "cuda" => Ok(Device::cuda(0)),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        other => Err(DeepError::DeviceNotBuilt(other.to_string())),
    }
}

/// Runs `f` inside a rayon pool of `threads` threads, so that burn's CPU kernels use the
/// thread budget the runner gave this job and no more.
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, DeepError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| DeepError::ThreadPool { threads, reason: e.to_string() })?;
    Ok(pool.install(f))
}
