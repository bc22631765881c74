//! Diagnostics of the negative weights.

use burn::prelude::*;

/// Mean over rows of the effective sample size `1 / Σ_a w_a²` of each row's weights, from
/// log-weights that are normalised per row. 1 means all weight on one candidate; B means uniform.
///
/// # Shapes
/// - `log_weights`: `[B, K]`
pub fn effective_sample_size(log_weights: Tensor<2>) -> f32 {
    let w2 = log_weights.detach().mul_scalar(2.0).exp().sum_dim(1); // [B, 1]
    w2.recip().mean().into_scalar::<f32>()
}
