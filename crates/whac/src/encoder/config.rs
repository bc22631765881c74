//! Typed encoder configuration (`[encoder]` in a recipe).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Encoder, Mlp, SmallCnn};
use crate::WhacError;

/// `[encoder]`: which network computes the representation.
///
/// ```toml
/// [encoder]
/// kind = "mlp"
/// hidden = [256, 256]     # the last width is the representation size
///
/// [encoder]
/// kind = "cnn"            # conv 1→32 3×3, ReLU, max-pool 2, conv 32→64 3×3, ReLU, max-pool 2,
/// channels = [32, 64]     # linear → 256, ReLU
/// hidden = 256
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EncoderConfig {
    /// Fully connected layers with ReLU after each.
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

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig::Mlp {
            hidden: default_mlp_hidden(),
        }
    }
}

impl EncoderConfig {
    /// Checks the settings against the image size they will see.
    pub fn check(&self, height: usize, width: usize) -> Result<(), WhacError> {
        match self {
            EncoderConfig::Mlp { hidden } => {
                if hidden.is_empty() || hidden.contains(&0) {
                    return Err(WhacError::config(
                        "encoder.hidden",
                        format!("{hidden:?}"),
                        "a non-empty list of positive widths, e.g. [256, 256]",
                    ));
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
                if height < 4 || width < 4 {
                    return Err(WhacError::config(
                        "encoder.kind",
                        format!("cnn on {height}×{width} images"),
                        "images of at least 4×4 (two 2×2 max-pools)",
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
            EncoderConfig::Cnn { hidden, .. } => *hidden,
        }
    }

    /// Builds the encoder for `height × width` grayscale images.
    pub fn init(&self, height: usize, width: usize, device: &Device) -> Encoder {
        match self {
            EncoderConfig::Mlp { hidden } => Encoder::Mlp(Mlp::new(height * width, hidden, device)),
            EncoderConfig::Cnn { channels, hidden } => {
                Encoder::Cnn(SmallCnn::new(height, width, *channels, *hidden, device))
            }
        }
    }
}
