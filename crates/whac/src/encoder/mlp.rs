//! A multilayer perceptron encoder.

use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;

/// Linear + ReLU layers on a flat vector: a flattened image, or a table row. The same network
/// serves both (an MLP on a feature row is an MLP on a flattened image), so tables reuse
/// `kind = "mlp"` rather than a kind of their own.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Relu,
}

impl Mlp {
    /// `input` values → `hidden[0]` → … → `hidden[last]`, ReLU after every layer.
    pub fn new(input: usize, hidden: &[usize], device: &Device) -> Self {
        let mut layers = Vec::with_capacity(hidden.len());
        let mut width = input;
        for &h in hidden {
            layers.push(LinearConfig::new(width, h).init(device));
            width = h;
        }
        Self {
            layers,
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `x`: `[batch, input]`
    /// - output: `[batch, hidden.last]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut x = x;
        for layer in &self.layers {
            x = self.activation.forward(layer.forward(x));
        }
        x
    }
}
