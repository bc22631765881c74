//! Faster CPU kernels for the CNN's hot layers, plugged into burn through `#[backend_extension]`
//! (DESIGN.md §2): a "same" convolution fused with bias and ReLU (and optionally the 2 × 2
//! max-pool after it), and 2 × 2 max-pooling, each with a hand-written backward pass for autodiff.
//!
//! Model code calls [`conv_relu`], [`conv_relu_pool`] and [`max_pool2`], which take the extension on the `flex`
//! device (with or without autodiff) and burn's own ops everywhere else (CUDA, wgpu), so the same
//! model runs on every device. `tests/ops.rs` checks values and gradients against burn's ops.

mod autodiff;
pub mod conv;
mod flex;
pub mod pool;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Dispatch, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2dConfig;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// The extension: implemented for `Flex` ([`flex`]) and for `Autodiff<Flex>` ([`autodiff`]).
#[backend_extension(Autodiff, Flex)]
pub trait CpuKernels: burn::backend::Backend {
    /// `relu(conv(x, weight) + bias)`, stride 1, zero padding `K / 2`.
    ///
    /// # Shapes
    /// - `x`: `[B, c_in, H, W]`, `weight`: `[c_out, c_in, K, K]` (K odd), `bias`: `[c_out]`
    /// - output: `[B, c_out, H, W]`
    fn conv_same_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `max_pool2(conv_same_relu(x, weight, bias))` in one pass.
    ///
    /// # Shapes
    /// - `x`: `[B, c_in, H, W]` → `[B, c_out, H/2, W/2]`
    fn conv_same_relu_pool2(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// 2 × 2 max-pooling, stride 2 (odd sizes floored).
    ///
    /// # Shapes
    /// - `x`: `[B, C, H, W]` → `[B, C, H/2, W/2]`
    fn max_pool2(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `n` zeros, written by the rayon pool. A serial `vec![0.0; n]` of an activation-sized buffer
/// (51 MB for the first convolution's output at batch 512) is a memset on the calling thread
/// while the other cores wait: mimalloc keeps freed memory for reuse (`purge_delay` −1), so
/// the zeros are not free pages from the kernel. In a two-thread profile of the CNN step the
/// calling thread held 9.8 % of the samples, most of them such memsets (5 % after this change).
pub(crate) fn zeros(n: usize) -> Vec<f32> {
    use rayon::prelude::*;
    let mut v = Vec::with_capacity(n);
    v.par_extend(rayon::iter::repeat_n(0.0f32, n));
    v
}

/// Whether `device` runs on flex, where the extension's kernels apply.
fn on_flex(device: &Device) -> bool {
    device.clone().inner() == Device::flex()
}

/// Whether `conv` is a convolution [`conv_relu`] can compute with the fused kernel: stride 1,
/// no dilation or groups, an odd square kernel, padding that keeps the size, and a bias.
fn fusable(conv: &Conv2d) -> bool {
    let [kh, kw] = conv.kernel_size;
    let [dh, dw] = conv.weight.dims()[2..4] else {
        return false;
    };
    let same_padding = match conv.padding {
        PaddingConfig2d::Same => true,
        PaddingConfig2d::Explicit(top, left, bottom, right) => {
            [top, left, bottom, right] == [kh / 2; 4]
        }
        _ => false,
    };
    conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && kh == kw
        && kh % 2 == 1
        && [dh, dw] == [kh, kw]
        && conv.bias.is_some()
        && same_padding
}

/// `relu(conv(x))`: the fused kernel on flex for the convolutions it covers, burn's ops otherwise.
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]` → `[B, c_out, H, W]` ("same" padding)
pub fn conv_relu(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if !(on_flex(&x.device()) && fusable(conv)) {
        return relu(conv.forward(x));
    }
    let bias = conv.bias.as_ref().expect("fusable checked the bias").val();
    let out = <Dispatch as CpuKernels>::conv_same_relu(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.into_dispatch(),
    );
    Tensor::from_dispatch(out)
}

/// `max_pool2(relu(conv(x)))` with stride 2: one fused kernel on flex for the convolutions
/// [`conv_relu`] covers, burn's ops otherwise.
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]` → `[B, c_out, H/2, W/2]`
pub fn conv_relu_pool(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if !(on_flex(&x.device()) && fusable(conv)) {
        return max_pool2(relu(conv.forward(x)));
    }
    let bias = conv.bias.as_ref().expect("fusable checked the bias").val();
    let out = <Dispatch as CpuKernels>::conv_same_relu_pool2(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.into_dispatch(),
    );
    Tensor::from_dispatch(out)
}

/// 2 × 2 max-pooling with stride 2: the extension's kernel on flex, burn's op otherwise.
///
/// # Shapes
/// - `x`: `[B, C, H, W]` → `[B, C, H/2, W/2]`
pub fn max_pool2(x: Tensor<4>) -> Tensor<4> {
    if !on_flex(&x.device()) {
        return MaxPool2dConfig::new([2, 2]).init().forward(x);
    }
    Tensor::from_dispatch(<Dispatch as CpuKernels>::max_pool2(x.into_dispatch()))
}
