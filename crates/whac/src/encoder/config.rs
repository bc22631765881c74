//! Typed encoder configuration (`[encoder]` in a recipe).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Encoder, Mlp, ResNet18, SmallCnn, TextCnn};
use crate::WhacError;
use crate::input::InputShape;

/// `[encoder]`: which network computes the representation.
///
/// ```toml
/// [encoder]
/// kind = "mlp"            # images (flattened) or table rows
/// hidden = [256, 256]     # the last width is the representation size
///
/// [encoder]
/// kind = "cnn"            # grayscale images: conv 1→32 3×3, ReLU, max-pool 2,
/// channels = [32, 64]     # conv 32→64 3×3, ReLU, max-pool 2, linear → 256, ReLU
/// hidden = 256
///
/// [encoder]
/// kind = "text_cnn"       # token ids: embedding 64, conv width 5 → 256, ReLU,
/// embedding = 64          # masked mean ‖ max pooling, linear → 256, ReLU
/// channels = [256]
/// kernel = 5
/// hidden = 256
///
/// [encoder]
/// kind = "resnet18"       # images (any channels): CIFAR stem, stages of widths 64…512,
/// width = 64              # global average pool → 8 · width = 512
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EncoderConfig {
    /// Fully connected layers with ReLU after each, on a flattened image or a table row.
    Mlp {
        /// Widths of the hidden layers; the last is the representation size. Default `[256, 256]`.
        #[serde(default = "default_mlp_hidden")]
        hidden: Vec<usize>,
    },
    /// The small CNN (padding "same", so 28×28 → 7×7 and 8×8 → 2×2 after two pools).
    Cnn {
        /// Output channels of the two convolutions. Default `[32, 64]`.
        #[serde(default = "default_cnn_channels")]
        channels: [usize; 2],
        /// Width of the final linear layer = representation size. Default 256.
        #[serde(default = "default_cnn_hidden")]
        hidden: usize,
    },
    /// The text encoder over token ids ([`TextCnn`]).
    TextCnn {
        /// Embedding dimension. Default 64.
        #[serde(default = "default_text_embedding")]
        embedding: usize,
        /// Output channels of each convolution. Default `[256]`.
        #[serde(default = "default_text_channels")]
        channels: Vec<usize>,
        /// Width of every convolution, odd. Default 5.
        #[serde(default = "default_text_kernel")]
        kernel: usize,
        /// Representation size. Default 256.
        #[serde(default = "default_cnn_hidden")]
        hidden: usize,
    },
    /// ResNet-18 with the CIFAR stem ([`ResNet18`]); the representation is `8 · width`.
    Resnet18 {
        /// Width of the first stage (the width multiplier: 64 is the standard network; tests
        /// build tiny ones). Default 64.
        #[serde(default = "default_resnet_width")]
        width: usize,
    },
}

fn default_mlp_hidden() -> Vec<usize> {
    vec![256, 256]
}
fn default_cnn_channels() -> [usize; 2] {
    [32, 64]
}
fn default_cnn_hidden() -> usize {
    256
}
fn default_text_embedding() -> usize {
    64
}
fn default_text_channels() -> Vec<usize> {
    vec![256]
}
fn default_text_kernel() -> usize {
    5
}
fn default_resnet_width() -> usize {
    64
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig::Mlp {
            hidden: default_mlp_hidden(),
        }
    }
}

fn positive_widths(key: &str, widths: &[usize]) -> Result<(), WhacError> {
    if widths.is_empty() || widths.contains(&0) {
        return Err(WhacError::config(
            key,
            format!("{widths:?}"),
            "a non-empty list of positive widths, e.g. [256, 256]",
        ));
    }
    Ok(())
}

impl EncoderConfig {
    /// The `kind` in a recipe.
    pub fn name(&self) -> &'static str {
        match self {
            EncoderConfig::Mlp { .. } => "mlp",
            EncoderConfig::Cnn { .. } => "cnn",
            EncoderConfig::TextCnn { .. } => "text_cnn",
            EncoderConfig::Resnet18 { .. } => "resnet18",
        }
    }

    /// Checks the settings against the examples they will read.
    pub fn check(&self, shape: &InputShape) -> Result<(), WhacError> {
        let wrong_data = |expected: &str| {
            Err(WhacError::config(
                "encoder.kind",
                format!("{} on {} data", self.name(), shape.domain()),
                expected,
            ))
        };
        match self {
            EncoderConfig::Mlp { hidden } => {
                positive_widths("encoder.hidden", hidden)?;
                if matches!(shape, InputShape::Tokens { .. }) {
                    return wrong_data("`text_cnn` for text (an MLP reads images or table rows)");
                }
            }
            EncoderConfig::Cnn { channels, hidden } => {
                if channels.contains(&0) || *hidden == 0 {
                    return Err(WhacError::config(
                        "encoder.channels",
                        format!("{channels:?} / hidden = {hidden}"),
                        "positive channel counts and width",
                    ));
                }
                let InputShape::Images {
                    channels: c,
                    height,
                    width,
                } = *shape
                else {
                    return wrong_data("images for `cnn` (`mlp` for tables, `text_cnn` for text)");
                };
                if c != 1 {
                    return wrong_data("grayscale images for `cnn` (use `resnet18` for RGB)");
                }
                if height < 4 || width < 4 {
                    return Err(WhacError::config(
                        "encoder.kind",
                        format!("cnn on {height}×{width} images"),
                        "images of at least 4×4 (two 2×2 max-pools)",
                    ));
                }
            }
            EncoderConfig::TextCnn {
                embedding,
                channels,
                kernel,
                hidden,
            } => {
                positive_widths("encoder.channels", channels)?;
                if *embedding == 0 || *hidden == 0 {
                    return Err(WhacError::config(
                        "encoder.embedding",
                        format!("{embedding} / hidden = {hidden}"),
                        "positive embedding and representation sizes",
                    ));
                }
                if kernel % 2 == 0 {
                    return Err(WhacError::config(
                        "encoder.kernel",
                        kernel,
                        "an odd width such as 3 or 5 (\"same\" padding)",
                    ));
                }
                if !matches!(shape, InputShape::Tokens { .. }) {
                    return wrong_data("text data for `text_cnn`");
                }
            }
            EncoderConfig::Resnet18 { width } => {
                if *width == 0 {
                    return Err(WhacError::config(
                        "encoder.width",
                        width,
                        "a positive width such as 64",
                    ));
                }
                let InputShape::Images {
                    height, width: w, ..
                } = *shape
                else {
                    return wrong_data("images for `resnet18`");
                };
                if height < 8 || w < 8 {
                    return Err(WhacError::config(
                        "encoder.kind",
                        format!("resnet18 on {height}×{w} images"),
                        "images of at least 8×8 (three stride-2 stages)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The representation size (input size of the projection head).
    pub fn representation_dim(&self) -> usize {
        match self {
            EncoderConfig::Mlp { hidden } => *hidden.last().unwrap_or(&0),
            EncoderConfig::Cnn { hidden, .. } | EncoderConfig::TextCnn { hidden, .. } => *hidden,
            EncoderConfig::Resnet18 { width } => 8 * width,
        }
    }

    /// Builds the encoder for examples of `shape` (call [`EncoderConfig::check`] first).
    pub fn init(&self, shape: &InputShape, device: &Device) -> Encoder {
        match (self, *shape) {
            (EncoderConfig::Mlp { hidden }, shape) => {
                Encoder::Mlp(Mlp::new(shape.example_len(), hidden, device))
            }
            (EncoderConfig::Cnn { channels, hidden }, InputShape::Images { height, width, .. }) => {
                Encoder::Cnn(SmallCnn::new(height, width, *channels, *hidden, device))
            }
            (
                EncoderConfig::TextCnn {
                    embedding,
                    channels,
                    kernel,
                    hidden,
                },
                InputShape::Tokens { vocab, .. },
            ) => Encoder::Text(TextCnn::new(
                vocab, *embedding, channels, *kernel, *hidden, device,
            )),
            (EncoderConfig::Resnet18 { width }, InputShape::Images { channels, .. }) => {
                Encoder::ResNet18(ResNet18::new(channels, *width, device))
            }
            (config, shape) => panic!(
                "encoder {} on {shape:?}: EncoderConfig::check was skipped",
                config.name()
            ),
        }
    }
}
