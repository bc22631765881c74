//! The small CNN of the MNIST recipe.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

use crate::ops::conv_relu_pool;

/// conv 1→c₁ 3×3 + ReLU + max-pool 2, conv c₁→c₂ 3×3 + ReLU + max-pool 2, linear → hidden + ReLU.
/// Convolutions pad "same", so a 28×28 image gives c₂×7×7 = 3136 features for the linear layer.
#[derive(Module, Debug)]
pub struct SmallCnn {
    conv1: Conv2d,
    conv2: Conv2d,
    linear: Linear,
    activation: Relu,
}

impl SmallCnn {
    /// Builds the network for `height × width` single-channel images.
    pub fn new(
        height: usize,
        width: usize,
        channels: [usize; 2],
        hidden: usize,
        device: &Device,
    ) -> Self {
        let conv = |cin, cout| {
            Conv2dConfig::new([cin, cout], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        let flat = channels[1] * (height / 4) * (width / 4);
        Self {
            conv1: conv(1, channels[0]),
            conv2: conv(channels[0], channels[1]),
            linear: LinearConfig::new(flat, hidden).init(device),
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `images`: `[batch, height, width]`
    /// - output: `[batch, hidden]`
    pub fn forward(&self, images: Tensor<3>) -> Tensor<2> {
        let [batch, height, width] = images.dims();
        let x = images.reshape([batch, 1, height, width]);
        // Fused conv + bias + ReLU and the 2 × 2 pool: whac's CPU kernels on flex, burn's ops
        // on other devices (crate::ops).
        let x = conv_relu_pool(&self.conv1, x); // [B, c1, H/2, W/2]
        let x = conv_relu_pool(&self.conv2, x); // [B, c2, H/4, W/4]
        let [_, c, h, w] = x.dims();
        let x = x.reshape([batch, c * h * w]);
        self.activation.forward(self.linear.forward(x))
    }
}
