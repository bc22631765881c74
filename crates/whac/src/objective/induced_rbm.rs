//! The induced-RBM objective (DESIGN.md §1.2) over any set of candidates (§1.3).

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax, softplus};

use super::shifted_index;
use crate::compatibility::Compatibility;

/// The loss and what diagnostics need.
pub struct RbmLoss {
    /// `−mean_b log p̂(x_b | T(x_b))`, shape `[1]`. With the unbiased estimate its gradient is
    /// the unbiased one (weights from the second copies) and its value the plain estimate.
    pub loss: Tensor<1>,
    /// `Φ[b, c] = Φ_b(candidate c)`, shape `[B, C]`.
    pub phi: Tensor<2>,
    /// `log w[b, c] = log p̂(candidate c | T(x_b))` over the candidates, shape `[B, C]`.
    pub log_weights: Tensor<2>,
    /// The candidate index of each example itself, shape `[B, 1]`.
    pub positive: Tensor<2, Int>,
    /// Scores `s(x_b, x̃_{b,m})` of each example with its own copies, shape `[B, M]`.
    pub positive_scores: Tensor<2>,
    /// `(1/M) Σ_m s(candidate_c, x̃_{b,m})`, the mean score of each candidate with example `b`'s
    /// copies, shape `[B, C]`, without gradient (for the diagnostics).
    pub mean_scores: Tensor<2>,
}

/// `Φ[b, c] = (1/M) Σ_m softplus(s(candidate_c, x̃_{b,m}))`.
///
/// # Shapes
/// - `candidates`: `[C, d]`, `copies`: `[B, M, d]` → `[B, C]`
pub fn phi(candidates: Tensor<2>, copies: Tensor<3>, compatibility: &Compatibility) -> Tensor<2> {
    let [b, m, d] = copies.dims();
    let c = candidates.dims()[0];
    let scores = compatibility.scores(candidates, copies.reshape([b * m, d])); // [C, B*M]
    softplus(scores, 1.0)
        .reshape([c, b, m])
        .mean_dim(2)
        .reshape([c, b])
        .transpose()
}

/// Negative mean log-likelihood of each example under the RBM its copies induce, with the
/// normaliser `log Σ_n exp Φ_b(x_n)` estimated over `candidates`:
///
/// `log p̂(x_b | T(x_b)) = Φ_b(x_b) − log Σ_c exp Φ_b(candidate_c) − log_ratio`.
///
/// The candidates hold every example of the batch (uniform proposals, so the gradient uses
/// self-normalised importance weights `w_{b,c} ∝ exp Φ_b(candidate_c)`), possibly more rows from a
/// memory bank, or the whole training set (`log_ratio = 0`, exact when the bank is fresh).
/// `log_ratio = log(N / C)` makes the value an estimate with support size N; it has no gradient.
///
/// With `weight_copies` (the unbiased estimate) the weights come from a second, independent set
/// of copies with no gradient through them: the gradient is
/// `∇Φ_b(x_b) − Σ_c w'_{b,c} ∇Φ_b(candidate_c)`.
///
/// # Shapes
/// - `candidates`: `[C, d]` embedded (after [`Compatibility::embed`])
/// - `copies`, `weight_copies`: `[B, M, d]` embedded augmented copies
/// - `positive`: `[B]` the candidate row of each example itself
pub fn induced_rbm_loss(
    candidates: Tensor<2>,
    copies: Tensor<3>,
    weight_copies: Option<Tensor<3>>,
    positive: Tensor<1, Int>,
    compatibility: &Compatibility,
    log_ratio: f64,
) -> RbmLoss {
    let [b, m, d] = copies.dims();
    let c = candidates.dims()[0];
    let positive = positive.reshape([b, 1]);
    // Φ[b, c] = (1/M) Σ_m softplus(s(candidate_c, x̃_{b,m})), as [`phi`], keeping the scores.
    let scores = compatibility
        .scores(candidates.clone(), copies.clone().reshape([b * m, d]))
        .reshape([c, b, m]); // [C, B, M]
    let mean_scores = scores
        .clone()
        .detach()
        .mean_dim(2)
        .reshape([c, b])
        .transpose(); // [B, C]
    let phi_bc = softplus(scores, 1.0)
        .mean_dim(2)
        .reshape([c, b])
        .transpose(); // [B, C]
    let log_weights = log_softmax(phi_bc.clone(), 1);
    let log_p = log_weights.clone().gather(1, positive.clone()); // [B, 1]
    let value = log_p.mean().neg().add_scalar(log_ratio);
    let loss = match weight_copies {
        None => value,
        Some(second) => {
            let w2 = softmax(
                phi(candidates.clone().detach(), second.detach(), compatibility),
                1,
            )
            .detach(); // [B, C]
            let own = phi_bc.clone().gather(1, positive.clone()); // [B, 1]
            let surrogate = (phi_bc.clone() * w2).sum_dim(1).sub(own).mean(); // [1]
            let offset = value.detach() - surrogate.clone().detach();
            surrogate + offset
        }
    };
    // Each example's own copies: s(x_b, x̃_{b,m}) with x_b the positive candidate.
    let own = candidates.select(0, positive.clone().reshape([b])); // [B, d]
    let positive_scores = compatibility
        .grouped_scores(own.reshape([b, 1, d]), copies)
        .reshape([b, m]);
    RbmLoss {
        loss,
        phi: phi_bc,
        log_weights,
        positive,
        positive_scores,
        mean_scores,
    }
}

/// The induced RBM with importance-weighted negatives from the batch alone: the candidates are
/// the batch's own visible sides, and the value estimates `log p` with support size
/// `support_size` (N).
///
/// # Shapes
/// - `anchors`: `[B, d]` embedded visible sides, `copies`: `[B, M, d]`
pub fn induced_rbm_importance(
    anchors: Tensor<2>,
    copies: Tensor<3>,
    compatibility: &Compatibility,
    support_size: usize,
) -> RbmLoss {
    let [b, _, d] = copies.dims();
    assert_eq!(anchors.dims(), [b, d], "anchors {:?}", anchors.dims());
    let device = anchors.device();
    let positive = shifted_index(b, 0, &device).reshape([b]);
    let log_ratio = (support_size.max(b) as f64 / b as f64).ln();
    induced_rbm_loss(anchors, copies, None, positive, compatibility, log_ratio)
}
