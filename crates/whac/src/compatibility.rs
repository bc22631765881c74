//! The compatibility function `s(a, b) = sim(g(f(a)), g(f(b))) / τ` (DESIGN.md §1.2): the encoder
//! `f`, the projection head `g`, a similarity and a temperature.

use burn::module::Param;
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
    /// Bilinear form `s(a, b) = aᵀ W b / τ` of the projected embeddings (not normalised), with a
    /// learnable `W` (`[p, p]`) initialised to the identity, so that training starts from `dot`.
    Bilinear,
}

/// The range a learnable temperature is kept in (as CLIP clamps its logit scale at 100):
/// `[MIN_TEMPERATURE, MAX_TEMPERATURE]`. At either end the clamp stops the gradient.
pub const MIN_TEMPERATURE: f64 = 0.01;
/// See [`MIN_TEMPERATURE`].
pub const MAX_TEMPERATURE: f64 = 10.0;

/// `[compatibility]`: projection head, similarity and temperature.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CompatibilityConfig {
    /// Similarity between projected embeddings. Default `cosine`.
    pub similarity: Similarity,
    /// Temperature τ dividing the similarity (the initial value when learned). Default 0.2.
    pub temperature: f64,
    /// Learn τ (as CLIP, Radford et al. 2021: the parameter is `log(1/τ)`, kept within
    /// [[`MIN_TEMPERATURE`], [`MAX_TEMPERATURE`]]). Default false.
    pub learn_temperature: bool,
    /// Widths of the projection head after the representation: `[256, 128]` means
    /// representation → 256 → ReLU → 128. An empty list uses the representation itself.
    pub projection: Vec<usize>,
}

impl Default for CompatibilityConfig {
    fn default() -> Self {
        Self {
            similarity: Similarity::Cosine,
            temperature: 0.2,
            learn_temperature: false,
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
        if self.learn_temperature
            && !(MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&self.temperature)
        {
            return Err(WhacError::config(
                "compatibility.temperature",
                self.temperature,
                format!(
                    "a starting value in [{MIN_TEMPERATURE}, {MAX_TEMPERATURE}] when learn_temperature = true"
                ),
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
            learn_temperature: self.learn_temperature,
            bilinear: None,
            inv_temperature: None,
        })
    }
}

/// The checked similarity and temperature: turns embeddings into scores `s`.
///
/// Built once from the recipe ([`CompatibilityConfig::check`]); where the similarity has
/// parameters of the model (a bilinear `W`, a learned temperature), [`Compatibility::with_model`]
/// gives the compatibility of the model's current values, through which their gradients flow.
#[derive(Clone, Debug)]
pub struct Compatibility {
    /// The similarity.
    pub similarity: Similarity,
    /// τ > 0: the fixed temperature, or the learned one's starting value.
    pub temperature: f64,
    /// Whether τ is a parameter of the model.
    pub learn_temperature: bool,
    /// `W` `[p, p]`, once taken from the model (bilinear only).
    bilinear: Option<Tensor<2>>,
    /// `1/τ` `[1]`, once taken from the model (learned temperature only), clamped.
    inv_temperature: Option<Tensor<1>>,
}

impl Compatibility {
    /// A similarity with a fixed temperature and no parameters (for objectives and tests that
    /// work on embeddings alone).
    pub fn fixed(similarity: Similarity, temperature: f64) -> Self {
        Compatibility {
            similarity,
            temperature,
            learn_temperature: false,
            bilinear: None,
            inv_temperature: None,
        }
    }

    /// This compatibility with the model's current similarity parameters (`W`, `1/τ`), which
    /// keep their place in the autodiff graph.
    pub fn with_model(&self, model: &Model) -> Compatibility {
        Compatibility {
            bilinear: model.scoring.bilinear.as_ref().map(Param::val),
            inv_temperature: model.scoring.log_inv_temperature.as_ref().map(|p| {
                p.val()
                    .clamp(-MAX_TEMPERATURE.ln(), -MIN_TEMPERATURE.ln())
                    .exp()
            }),
            ..self.clone()
        }
    }

    /// The temperature in use now (the learned one's current value), as a number.
    pub fn current_temperature(&self) -> f64 {
        match &self.inv_temperature {
            Some(inv) => 1.0 / f64::from(inv.clone().into_scalar::<f32>()),
            None => self.temperature,
        }
    }

    /// Scores divided by τ (or multiplied by the learned `1/τ`).
    fn scale<const D: usize>(&self, s: Tensor<D>) -> Tensor<D> {
        match &self.inv_temperature {
            Some(inv) => s * inv.clone().reshape([1usize; D]),
            None => s.div_scalar(self.temperature),
        }
    }

    /// `a W` for the bilinear similarity (`W` from [`Compatibility::with_model`], the identity
    /// before), `a` otherwise.
    ///
    /// # Shapes
    /// - `a`: `[n, d]` → `[n, d]`
    fn left(&self, a: Tensor<2>) -> Tensor<2> {
        match &self.bilinear {
            Some(w) => a.matmul(w.clone()),
            None => a,
        }
    }

    /// Prepares projected embeddings for [`Compatibility::scores`] (normalises for cosine).
    ///
    /// # Shapes
    /// - `z`: `[n, d]` → `[n, d]`
    pub fn embed(&self, z: Tensor<2>) -> Tensor<2> {
        match self.similarity {
            Similarity::Cosine => l2_normalize(z),
            Similarity::Dot | Similarity::Bilinear => z,
        }
    }

    /// Scores `s(a_i, b_j)` for embeddings already passed through [`Compatibility::embed`].
    ///
    /// # Shapes
    /// - `a`: `[n, d]`, `b`: `[k, d]` → `[n, k]`
    pub fn scores(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        self.scale(self.left(a).matmul(b.transpose()))
    }

    /// Scores within groups: `s(a_{g,i}, b_{g,j})` for every group `g`.
    ///
    /// # Shapes
    /// - `a`: `[G, n, d]`, `b`: `[G, k, d]` → `[G, n, k]`
    pub fn grouped_scores(&self, a: Tensor<3>, b: Tensor<3>) -> Tensor<3> {
        let [g, n, d] = a.dims();
        let a = self.left(a.reshape([g * n, d])).reshape([g, n, d]);
        self.scale(a.matmul(b.swap_dims(1, 2)))
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

/// The parameters of the similarity itself, where it has any.
#[derive(Module, Debug)]
pub struct Scoring {
    /// `W` `[p, p]` of the bilinear similarity, initialised to the identity.
    pub bilinear: Option<Param<Tensor<2>>>,
    /// `log(1/τ)` `[1]` of a learned temperature, initialised from `temperature`.
    pub log_inv_temperature: Option<Param<Tensor<1>>>,
}

impl Scoring {
    /// The parameters `compatibility` asks for, on projected embeddings of width `p`.
    pub fn new(compatibility: &CompatibilityConfig, p: usize, device: &Device) -> Self {
        Self {
            bilinear: (compatibility.similarity == Similarity::Bilinear)
                .then(|| Param::from_tensor(Tensor::eye(p, device))),
            log_inv_temperature: compatibility.learn_temperature.then(|| {
                let value = (1.0 / compatibility.temperature).ln() as f32;
                Param::from_tensor(Tensor::from_data(TensorData::new(vec![value], [1]), device))
            }),
        }
    }
}

/// Encoder plus projection head (and the similarity's own parameters): everything of `s` that
/// has parameters.
#[derive(Module, Debug)]
pub struct Model {
    /// The encoder `f`.
    pub encoder: Encoder,
    /// The projection head `g`.
    pub head: ProjectionHead,
    /// The bilinear `W` and the learned temperature, when the recipe asks for them.
    pub scoring: Scoring,
}

impl Model {
    /// Builds encoder and head for examples of `shape` (the encoder checked against it).
    pub fn new(
        encoder: &EncoderConfig,
        compatibility: &CompatibilityConfig,
        shape: &InputShape,
        device: &Device,
    ) -> Self {
        let representation = encoder.representation_dim();
        let projected = compatibility
            .projection
            .last()
            .copied()
            .unwrap_or(representation);
        Self {
            encoder: encoder.init(shape, device),
            head: ProjectionHead::new(representation, &compatibility.projection, device),
            scoring: Scoring::new(compatibility, projected, device),
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
