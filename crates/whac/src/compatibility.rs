//! The compatibility function `s(a, b) = sim(g(f(a)), g(f(b))) / τ` (DESIGN.md §1.2): the encoder
//! `f`, the projection head `g`, a similarity and a temperature.

use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::WhacError;
use crate::encoder::{Encoder, EncoderConfig};
use crate::input::{Input, InputShape};

/// How two projected embeddings are compared.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Similarity {
    /// Cosine similarity (embeddings are L2-normalised by [`Compatibility::embed`]).
    #[default]
    Cosine,
    /// Plain dot product.
    Dot,
}

/// `[compatibility]`: projection head, similarity and temperature.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CompatibilityConfig {
    /// Similarity between projected embeddings. Default `cosine`.
    pub similarity: Similarity,
    /// Temperature τ dividing the similarity. Default 0.2.
    pub temperature: f64,
    /// Widths of the projection head after the representation: `[256, 128]` means
    /// representation → 256 → ReLU → 128. An empty list uses the representation itself.
    pub projection: Vec<usize>,
}

impl Default for CompatibilityConfig {
    fn default() -> Self {
        Self {
            similarity: Similarity::Cosine,
            temperature: 0.2,
            projection: vec![256, 128],
        }
    }
}

impl CompatibilityConfig {
    /// Rejects settings that cannot train.
    pub fn check(&self) -> Result<Compatibility, WhacError> {
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(WhacError::config(
                "compatibility.temperature",
                self.temperature,
                "a positive number such as 0.2",
            ));
        }
        if self.projection.contains(&0) {
            return Err(WhacError::config(
                "compatibility.projection",
                format!("{:?}", self.projection),
                "positive widths",
            ));
        }
        Ok(Compatibility {
            similarity: self.similarity,
            temperature: self.temperature,
        })
    }
}

/// The checked similarity and temperature: turns embeddings into scores `s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Compatibility {
    /// The similarity.
    pub similarity: Similarity,
    /// τ > 0.
    pub temperature: f64,
}

impl Compatibility {
    /// Prepares projected embeddings for [`Compatibility::scores`] (normalises for cosine).
    ///
    /// # Shapes
    /// - `z`: `[n, d]` → `[n, d]`
    pub fn embed(&self, z: Tensor<2>) -> Tensor<2> {
        match self.similarity {
            Similarity::Cosine => l2_normalize(z),
            Similarity::Dot => z,
        }
    }

    /// Scores `s(a_i, b_j)` for embeddings already passed through [`Compatibility::embed`].
    ///
    /// # Shapes
    /// - `a`: `[n, d]`, `b`: `[k, d]` → `[n, k]`
    pub fn scores(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        a.matmul(b.transpose()).div_scalar(self.temperature)
    }
}

/// Rows scaled to unit L2 norm (a norm below 1e-12 is treated as 1e-12).
///
/// # Shapes
/// - `z`: `[n, d]` → `[n, d]`
pub fn l2_normalize(z: Tensor<2>) -> Tensor<2> {
    let norm = z.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12); // [n, 1]
    z / norm
}

/// The projection head `g`.
#[derive(Module, Debug)]
pub struct ProjectionHead {
    layers: Vec<Linear>,
    activation: Relu,
}

impl ProjectionHead {
    /// `input` → widths[0] → ReLU → … → widths[last] (no ReLU after the last layer).
    pub fn new(input: usize, widths: &[usize], device: &Device) -> Self {
        let mut layers = Vec::with_capacity(widths.len());
        let mut width = input;
        for &w in widths {
            layers.push(LinearConfig::new(width, w).init(device));
            width = w;
        }
        Self {
            layers,
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `h`: `[batch, representation_dim]` → `[batch, widths.last]`
    pub fn forward(&self, h: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len();
        let mut x = h;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i + 1 < last {
                x = self.activation.forward(x);
            }
        }
        x
    }
}

/// Encoder plus projection head: everything of `s` that has parameters.
#[derive(Module, Debug)]
pub struct Model {
    /// The encoder `f`.
    pub encoder: Encoder,
    /// The projection head `g`.
    pub head: ProjectionHead,
}

impl Model {
    /// Builds encoder and head for examples of `shape` (the encoder checked against it).
    pub fn new(
        encoder: &EncoderConfig,
        compatibility: &CompatibilityConfig,
        shape: &InputShape,
        device: &Device,
    ) -> Self {
        Self {
            encoder: encoder.init(shape, device),
            head: ProjectionHead::new(
                encoder.representation_dim(),
                &compatibility.projection,
                device,
            ),
        }
    }

    /// The representation `f(x)` that evaluation measures.
    ///
    /// # Shapes
    /// - `input`: `[batch, …]` (see [`Input`]) → `[batch, representation_dim]`
    pub fn represent(&self, input: Input) -> Tensor<2> {
        self.encoder.forward(input)
    }

    /// The projected embedding `g(f(x))`.
    ///
    /// # Shapes
    /// - `input`: `[batch, …]` (see [`Input`]) → `[batch, projection_dim]`
    pub fn project(&self, input: Input) -> Tensor<2> {
        self.head.forward(self.encoder.forward(input))
    }
}
