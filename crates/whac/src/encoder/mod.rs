//! Encoders `f`: the network part of the compatibility function. The representation that is
//! evaluated (linear probe, kNN) is the encoder's output, before the projection head.

mod cnn;
mod config;
mod mlp;

pub use cnn::SmallCnn;
pub use config::EncoderConfig;
pub use mlp::Mlp;

use burn::prelude::*;

/// The encoder chosen by [`EncoderConfig`].
// One value per model, built once: the size difference between variants costs nothing, and a
// `Box` would stand between burn's `Module` derive and the layers.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Encoder {
    /// A multilayer perceptron on the flattened image.
    Mlp(Mlp),
    /// The small two-convolution CNN.
    Cnn(SmallCnn),
}

impl Encoder {
    /// # Shapes
    /// - `images`: `[batch, height, width]`, standardised pixels
    /// - output: `[batch, representation_dim]`
    pub fn forward(&self, images: Tensor<3>) -> Tensor<2> {
        match self {
            Encoder::Mlp(m) => m.forward(images),
            Encoder::Cnn(c) => c.forward(images),
        }
    }
}
