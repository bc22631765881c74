//! Encoders `f`: the network part of the compatibility function. The representation that is
//! evaluated (linear probe, kNN) is the encoder's output, before the projection head.

mod cnn;
mod config;
mod mlp;
mod resnet;
mod text;

pub use cnn::SmallCnn;
pub use config::EncoderConfig;
pub use mlp::Mlp;
pub use resnet::{BasicBlock, Downsample, ResNet18};
pub use text::{TextCnn, windows};

use burn::prelude::*;

use crate::input::Input;

/// The encoder chosen by [`EncoderConfig`].
// One value per model, built once: the size difference between variants costs nothing, and a
// `Box` would stand between burn's `Module` derive and the layers.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Encoder {
    /// A multilayer perceptron on the flattened image or the table row.
    Mlp(Mlp),
    /// The small two-convolution CNN (grayscale images).
    Cnn(SmallCnn),
    /// Convolutions over token embeddings with masked pooling.
    Text(TextCnn),
    /// ResNet-18 with the CIFAR stem (images of any number of channels).
    ResNet18(ResNet18),
}

impl Encoder {
    /// # Shapes
    /// - `input`: images `[B, C, H, W]`, tokens `[B, L]` or rows `[B, F]`
    /// - output: `[B, representation_dim]`
    ///
    /// # Panics
    /// If the input is not of the kind the encoder was built for ([`EncoderConfig::check`]
    /// rejects such a recipe).
    pub fn forward(&self, input: Input) -> Tensor<2> {
        match (self, input) {
            (Encoder::Mlp(m), Input::Images(x)) => {
                let [b, c, h, w] = x.dims();
                m.forward(x.reshape([b, c * h * w]))
            }
            (Encoder::Mlp(m), Input::Rows(x)) => m.forward(x),
            (Encoder::Cnn(cnn), Input::Images(x)) => {
                let [b, _, h, w] = x.dims(); // one channel (checked)
                cnn.forward(x.reshape([b, h, w]))
            }
            (Encoder::Text(t), Input::Tokens(ids)) => t.forward(ids),
            (Encoder::ResNet18(r), Input::Images(x)) => r.forward(x),
            (encoder, input) => panic!(
                "encoder {} cannot read this input ({} examples): the recipe check was skipped",
                encoder.name(),
                input.batch_size()
            ),
        }
    }

    /// The `kind` of the encoder in a recipe.
    pub fn name(&self) -> &'static str {
        match self {
            Encoder::Mlp(_) => "mlp",
            Encoder::Cnn(_) => "cnn",
            Encoder::Text(_) => "text_cnn",
            Encoder::ResNet18(_) => "resnet18",
        }
    }
}
