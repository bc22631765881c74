//! MoCo's InfoNCE against a queue of keys.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::compatibility::Compatibility;

/// The contrastive loss of Momentum Contrast (He, Fan, Wu, Xie & Girshick, "Momentum Contrast for
/// Unsupervised Visual Representation Learning", CVPR 2020, eq. 1; the MoCo v2 recipe of Chen,
/// Fan, Girshick & He 2020): each query `q_b` (one view, trained encoder) must pick its key `k_b`
/// (the other view, momentum encoder, no gradient) among itself and the K queued keys of earlier
/// batches:
///
/// `loss = −mean_b log( e^{s(q_b, k_b)} / (e^{s(q_b, k_b)} + Σ_j e^{s(q_b, queue_j)}) )`.
///
/// The keys and the queue carry no gradient here whatever their origin.
///
/// # Shapes
/// - `queries`: `[B, d]`, `keys`: `[B, d]` embedded, row b of each from the same example
/// - `queue`: `[K, d]` → `[1]`
pub fn moco(
    queries: Tensor<2>,
    keys: Tensor<2>,
    queue: Tensor<2>,
    compatibility: &Compatibility,
) -> Tensor<1> {
    let [b, d] = queries.dims();
    let positive = compatibility
        .grouped_scores(
            queries.clone().reshape([b, 1, d]),
            keys.detach().reshape([b, 1, d]),
        )
        .reshape([b, 1]); // [B, 1]
    let negatives = compatibility.scores(queries, queue.detach()); // [B, K]
    let logits = Tensor::cat(vec![positive, negatives], 1); // [B, 1 + K]
    log_softmax(logits, 1).slice([0..b, 0..1]).mean().neg()
}
