//! Which burn device runs the model: `flex` (CPU, always present) or a GPU backend compiled in by
//! a cargo feature.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::WhacError;

/// The device named by `train.device`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// burn's pure-Rust CPU backend (threads through rayon, SIMD kernels).
    #[default]
    Flex,
    /// Any GPU through wgpu (cargo feature `wgpu`).
    Wgpu,
    /// An NVIDIA GPU through CUDA (cargo feature `cuda`).
    Cuda,
}

impl DeviceKind {
    /// The burn device (without autodiff), or an error when the binary lacks the backend.
    pub fn device(self) -> Result<Device, WhacError> {
        match self {
            DeviceKind::Flex => Ok(Device::flex()),
            DeviceKind::Wgpu => wgpu_device(),
            DeviceKind::Cuda => cuda_device(),
        }
    }
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, WhacError> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device, WhacError> {
    Err(WhacError::config(
        "train.device",
        "wgpu",
        "a device compiled into this binary: flex (rebuild with `--features wgpu` for wgpu)",
    ))
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device, WhacError> {
    Ok(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device, WhacError> {
    Err(WhacError::config(
        "train.device",
        "cuda",
        "a device compiled into this binary: flex (rebuild with `--features cuda` for cuda)",
    ))
}
