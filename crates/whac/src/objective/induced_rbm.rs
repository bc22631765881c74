//! The induced-RBM objective (DESIGN.md §1.2) with importance-weighted negatives from the batch.

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softplus};

use super::shifted_index;
use crate::compatibility::Compatibility;

/// The loss and the log importance weights it used.
pub struct RbmLoss {
    /// `−mean_b log p̂(x_b | T(x_b))`, shape `[1]`.
    pub loss: Tensor<1>,
    /// `log w[b, a] = log p̂(x_a | T(x_b))` over the batch as support, shape `[B, B]`; each row
    /// sums (in probability) to one.
    pub log_weights: Tensor<2>,
}

/// Negative mean log-likelihood of each example under the RBM its own copies induce.
///
/// For example `b` with copies `x̃_{b,1..M}`,
/// `Φ_b(x') = (1/M) Σ_m softplus(s(x', x̃_{b,m}))` and
/// `log p(x_b | T(x_b)) = Φ_b(x_b) − log Σ_{n=1..N} exp Φ_b(x_n)`.
/// The sum over the training set is estimated from the batch (uniform proposals, `x_b` itself
/// included) as `(N/B) Σ_{a∈batch} exp Φ_b(x_a)`, so autodiff yields the gradient of §1.2 with
/// self-normalised importance weights `w_{b,a} ∝ exp Φ_b(x_a)`. The constant `log(N/B)` only
/// makes the value an estimate of `log p` with support size `support_size`; it has no gradient.
///
/// The same copies give the weights and the gradient (the biased estimate of the essay).
///
/// # Shapes
/// - `anchors`: `[B, d]` embedded clean examples (visible side), after [`Compatibility::embed`]
/// - `copies`: `[B, M, d]` embedded augmented copies (hidden side)
pub fn induced_rbm_importance(
    anchors: Tensor<2>,
    copies: Tensor<3>,
    compatibility: &Compatibility,
    support_size: usize,
) -> RbmLoss {
    let [b, m, d] = copies.dims();
    assert_eq!(
        anchors.dims(),
        [b, d],
        "anchors {:?} vs copies {:?}",
        anchors.dims(),
        copies.dims()
    );
    let device = anchors.device();
    let scores = compatibility.scores(anchors, copies.reshape([b * m, d])); // [B(a), B*M]
    // phi[a, b] = Φ_b(x_a): candidate a under the RBM of example b.
    let phi = softplus(scores, 1.0)
        .reshape([b, b, m])
        .mean_dim(2)
        .reshape([b, b]);
    let log_weights = log_softmax(phi.transpose(), 1); // [B(b), B(a)]
    let diagonal = log_weights.clone().gather(1, shifted_index(b, 0, &device)); // [B, 1]
    let log_ratio = (support_size.max(b) as f64 / b as f64).ln();
    let loss = diagonal.mean().neg().add_scalar(log_ratio);
    RbmLoss { loss, log_weights }
}
