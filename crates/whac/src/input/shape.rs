//! The shape of one example as the network reads it, and a batch of them as tensors.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// One example as the network reads it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputShape {
    /// Standardised pixels, `[channels, height, width]`.
    Images {
        /// 1 (grayscale) or 3 (RGB).
        channels: usize,
        /// Rows of pixels.
        height: usize,
        /// Columns of pixels.
        width: usize,
    },
    /// `max_len` token ids of a vocabulary of `vocab` ids; id 0 (`<pad>`) fills the positions
    /// after the end of a document.
    Tokens {
        /// Positions per example.
        max_len: usize,
        /// Ids in the vocabulary (the specials included).
        vocab: usize,
    },
    /// `features` standardised numbers (a table row).
    Rows {
        /// Features per row.
        features: usize,
    },
}

impl InputShape {
    /// Values of one example on the host: `channels·height·width`, `max_len` or `features`.
    pub fn example_len(&self) -> usize {
        match *self {
            InputShape::Images {
                channels,
                height,
                width,
            } => channels * height * width,
            InputShape::Tokens { max_len, .. } => max_len,
            InputShape::Rows { features } => features,
        }
    }

    /// `"images"`, `"tokens"` or `"rows"`, for messages.
    pub fn domain(&self) -> &'static str {
        match self {
            InputShape::Images { .. } => "images",
            InputShape::Tokens { .. } => "tokens",
            InputShape::Rows { .. } => "rows",
        }
    }
}

impl std::fmt::Display for InputShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            InputShape::Images {
                channels,
                height,
                width,
            } => write!(f, "{height}×{width} images of {channels} channel(s)"),
            InputShape::Tokens { max_len, vocab } => {
                write!(f, "{max_len} token ids of a vocabulary of {vocab}")
            }
            InputShape::Rows { features } => write!(f, "rows of {features} features"),
        }
    }
}

/// A batch of examples as tensors, on one device.
#[derive(Clone, Debug)]
pub enum Input {
    /// `[B, C, H, W]` standardised pixels.
    Images(Tensor<4>),
    /// `[B, L]` token ids, 0 = padding.
    Tokens(Tensor<2, Int>),
    /// `[B, F]` standardised features.
    Rows(Tensor<2>),
}

impl Input {
    /// B, the number of examples.
    pub fn batch_size(&self) -> usize {
        match self {
            Input::Images(x) => x.dims()[0],
            Input::Tokens(x) => x.dims()[0],
            Input::Rows(x) => x.dims()[0],
        }
    }
}
