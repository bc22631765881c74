//! The `sampled` negative strategy: the negative phase of the gradient estimated by drawing from
//! the induced RBM's own distribution over the training set.

use burn::prelude::*;
use burn::tensor::activation::softplus;
use rand::{Rng, RngExt};

use crate::compatibility::Compatibility;

/// Draws `k` candidates per row from the categorical distributions whose log-probabilities are
/// the rows of `log_weights` (`[B, C]`, row-major; each row need not be normalised), by inverse
/// transform sampling on the cumulative weights. Returns `[B * k]` candidate indices, row after
/// row.
///
/// # Panics
/// If `log_weights.len()` is not a multiple of `columns`, or a row has no finite entry.
pub fn draw_candidates(
    log_weights: &[f32],
    columns: usize,
    k: usize,
    rng: &mut impl Rng,
) -> Vec<usize> {
    assert!(
        columns > 0 && log_weights.len().is_multiple_of(columns),
        "{} weights in rows of {columns}",
        log_weights.len()
    );
    let mut drawn = Vec::with_capacity(log_weights.len() / columns * k);
    let mut cumulative = vec![0.0f64; columns];
    for row in log_weights.chunks_exact(columns) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert!(max.is_finite(), "a row of log-weights has no finite entry");
        let mut total = 0.0f64;
        for (c, &lw) in cumulative.iter_mut().zip(row) {
            total += f64::from(lw - max).exp();
            *c = total;
        }
        for _ in 0..k {
            let u = rng.random::<f64>() * total;
            // First index whose cumulative weight exceeds u.
            let i = cumulative.partition_point(|&c| c <= u).min(columns - 1);
            drawn.push(i);
        }
    }
    drawn
}

/// The sampled estimate of `−mean_b log p(x_b | T(x_b))`: its gradient is
///
/// `−mean_b [∇Φ_b(x_b) − (1/K) Σ_k ∇Φ_b(x_{n_{b,k}})]`, with `n_{b,k} ~ p(·|T(x_b))`,
///
/// an unbiased Monte Carlo estimate of the exact gradient of DESIGN.md §1.2 when the draws come
/// from the exact `p` (a fresh bank); its value is `value`, the estimate computed where the draws
/// were scored (no gradient).
///
/// # Shapes
/// - `anchors`: `[B, d]` embedded visible sides `x_b` (fresh, with gradient)
/// - `copies`: `[B, M, d]` embedded copies
/// - `samples`: `[B, K, d]` embedded drawn negatives (fresh, with gradient)
/// - `value`: `[1]` → `[1]`
pub fn induced_rbm_sampled(
    anchors: Tensor<2>,
    copies: Tensor<3>,
    samples: Tensor<3>,
    value: Tensor<1>,
    compatibility: &Compatibility,
) -> Tensor<1> {
    let [b, _, d] = copies.dims();
    // Φ_b(x_b) = mean_m softplus(s(x_b, x̃_{b,m})): [B, 1, d] against [B, M, d] → [B, 1, M].
    let own = softplus(
        compatibility.grouped_scores(anchors.reshape([b, 1, d]), copies.clone()),
        1.0,
    )
    .mean_dim(2)
    .reshape([b]);
    // Φ_b(x_{n_{b,k}}): [B, K, d] against [B, M, d] → [B, K, M].
    let k = samples.dims()[1];
    let drawn = softplus(compatibility.grouped_scores(samples, copies), 1.0)
        .mean_dim(2)
        .reshape([b, k])
        .mean_dim(1)
        .reshape([b]);
    let surrogate = (drawn - own).mean();
    let value = value.detach();
    let offset = value - surrogate.clone().detach();
    surrogate + offset
}
