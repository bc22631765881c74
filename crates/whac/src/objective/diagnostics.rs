//! Diagnostics of an objective's negatives, logged to `metrics.jsonl`.

use burn::prelude::*;
use serde::Serialize;

use super::RbmLoss;

/// Mean over rows of the effective sample size `1 / Σ_a w_a²` of each row's weights, from
/// log-weights that are normalised per row. 1 means all weight on one candidate; C means uniform.
///
/// # Shapes
/// - `log_weights`: `[B, C]`
pub fn effective_sample_size(log_weights: Tensor<2>) -> f32 {
    let w2 = log_weights.detach().mul_scalar(2.0).exp().sum_dim(1); // [B, 1]
    w2.recip().mean().into_scalar::<f32>()
}

/// What the induced-RBM gradient did with its negatives, averaged over the batch.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct RbmDiagnostics {
    /// Effective sample size `1/Σw²` of the weights `p̂(·|T(x))` over the candidates.
    pub negative_ess: f32,
    /// Entropy (nats) of the weights.
    pub weight_entropy: f32,
    /// Weight the example puts on itself, `p̂(x|T(x))` within the candidates.
    pub self_weight: f32,
    /// Mean similarity (score × τ) of an example with its own copies.
    pub positive_similarity: f32,
    /// Mean similarity (score × τ) of the other candidates with an example's copies
    /// (unweighted).
    pub negative_similarity: f32,
    /// Mean `Φ_x` of the other candidates (unweighted).
    pub negative_phi: f32,
    /// Mean `Φ_x(x)`.
    pub positive_phi: f32,
    /// Mean `log p̂(x|T(x))` over the candidates (without the support-size constant).
    pub log_p: f32,
}

impl RbmDiagnostics {
    /// Reads the diagnostics of one step (synchronises with the device).
    pub fn of(out: &RbmLoss, temperature: f64) -> Self {
        let c = out.phi.dims()[1];
        let log_w = out.log_weights.clone().detach();
        let w = log_w.clone().exp();
        let ess = w.clone().powi_scalar(2).sum_dim(1).recip().mean();
        let entropy = (w.clone() * log_w.clone()).sum_dim(1).neg().mean();
        let log_p = log_w.gather(1, out.positive.clone());
        let self_weight = log_p.clone().exp().mean();
        let phi = out.phi.clone().detach();
        let positive_phi = phi.clone().gather(1, out.positive.clone()); // [B, 1]
        let negative_phi =
            (phi.sum_dim(1) - positive_phi.clone()).div_scalar((c.max(2) - 1) as f64);
        let positive_similarity = out
            .positive_scores
            .clone()
            .detach()
            .mean()
            .mul_scalar(temperature);
        let own_score = out.mean_scores.clone().gather(1, out.positive.clone()); // [B, 1]
        let negative_similarity = (out.mean_scores.clone().sum_dim(1) - own_score)
            .div_scalar((c.max(2) - 1) as f64)
            .mean()
            .mul_scalar(temperature);
        let scalar = |t: Tensor<1>| t.into_scalar::<f32>();
        Self {
            negative_ess: scalar(ess),
            weight_entropy: scalar(entropy),
            self_weight: scalar(self_weight),
            positive_similarity: scalar(positive_similarity),
            negative_similarity: scalar(negative_similarity),
            negative_phi: scalar(negative_phi.mean()),
            positive_phi: scalar(positive_phi.mean()),
            log_p: scalar(log_p.mean()),
        }
    }
}
