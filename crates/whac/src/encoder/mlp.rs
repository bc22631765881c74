//! A multilayer perceptron encoder.

use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;

/// Linear + ReLU layers on the flattened image.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Relu,
}

impl Mlp {
    /// `input` pixels → `hidden[0]` → … → `hidden[last]`, ReLU after every layer.
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
    /// - `images`: `[batch, height, width]`
    /// - output: `[batch, hidden.last]`
    pub fn forward(&self, images: Tensor<3>) -> Tensor<2> {
        let [batch, height, width] = images.dims();
        let mut x = images.reshape([batch, height * width]);
        for layer in &self.layers {
            x = self.activation.forward(layer.forward(x));
        }
        x
    }
}
