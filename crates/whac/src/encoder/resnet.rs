//! ResNet-18 with the CIFAR stem (He, Zhang, Ren & Sun, "Deep Residual Learning for Image
//! Recognition", CVPR 2016; the stem of SimCLR's CIFAR-10 experiments, Chen et al. 2020, B.9).

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

/// A `k × k` convolution without bias ("same" padding at stride 1).
fn conv(cin: usize, cout: usize, k: usize, stride: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new([cin, cout], [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_bias(false)
        .init(device)
}

/// The shortcut of a block that changes width or resolution: 1×1 convolution + batch norm.
#[derive(Module, Debug)]
pub struct Downsample {
    conv: Conv2d,
    norm: BatchNorm,
}

/// Two 3×3 convolutions with batch norm and a residual connection (He et al.'s BasicBlock).
#[derive(Module, Debug)]
pub struct BasicBlock {
    conv1: Conv2d,
    norm1: BatchNorm,
    conv2: Conv2d,
    norm2: BatchNorm,
    shortcut: Option<Downsample>,
    activation: Relu,
}

impl BasicBlock {
    fn new(cin: usize, cout: usize, stride: usize, device: &Device) -> Self {
        let shortcut = (stride != 1 || cin != cout).then(|| Downsample {
            conv: conv(cin, cout, 1, stride, device),
            norm: BatchNormConfig::new(cout).init(device),
        });
        Self {
            conv1: conv(cin, cout, 3, stride, device),
            norm1: BatchNormConfig::new(cout).init(device),
            conv2: conv(cout, cout, 3, 1, device),
            norm2: BatchNormConfig::new(cout).init(device),
            shortcut,
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `x`: `[B, cin, H, W]` → `[B, cout, H / stride, W / stride]`
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let residual = match &self.shortcut {
            Some(s) => s.norm.forward(s.conv.forward(x.clone())),
            None => x.clone(),
        };
        let y = self
            .activation
            .forward(self.norm1.forward(self.conv1.forward(x)));
        let y = self.norm2.forward(self.conv2.forward(y));
        self.activation.forward(y + residual)
    }
}

/// ResNet-18 for small images: a 3×3 stride-1 stem convolution (no 7×7 convolution, no
/// max-pool, so 32×32 inputs keep their resolution until the first stage), four stages of two
/// [`BasicBlock`]s of widths `w, 2w, 4w, 8w` (strides 1, 2, 2, 2), batch norm throughout, and
/// global average pooling to `8w` features (512 at the standard `w = 64`).
#[derive(Module, Debug)]
pub struct ResNet18 {
    stem: Conv2d,
    stem_norm: BatchNorm,
    blocks: Vec<BasicBlock>,
    activation: Relu,
}

impl ResNet18 {
    /// Stages of 2 blocks each, base `width` (64 for the standard network), on `channels`
    /// input channels.
    pub fn new(channels: usize, width: usize, device: &Device) -> Self {
        let mut blocks = Vec::with_capacity(8);
        let mut cin = width;
        for (stage, stride) in [1usize, 2, 2, 2].into_iter().enumerate() {
            let cout = width << stage;
            blocks.push(BasicBlock::new(cin, cout, stride, device));
            blocks.push(BasicBlock::new(cout, cout, 1, device));
            cin = cout;
        }
        Self {
            stem: conv(channels, width, 3, 1, device),
            stem_norm: BatchNormConfig::new(width).init(device),
            blocks,
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `images`: `[B, C, H, W]`
    /// - output: `[B, 8 · width]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = self
            .activation
            .forward(self.stem_norm.forward(self.stem.forward(images))); // [B, w, H, W]
        for block in &self.blocks {
            x = block.forward(x);
        } // [B, 8w, H/8, W/8]
        let [b, c, _, _] = x.dims();
        x.mean_dim(3).mean_dim(2).reshape([b, c])
    }
}
