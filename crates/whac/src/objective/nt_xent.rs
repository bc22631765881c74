//! NT-Xent, the SimCLR loss.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::shifted_index;
use crate::compatibility::Compatibility;

/// NT-Xent (normalised temperature-scaled cross entropy) of Chen, Kornblith, Norouzi & Hinton,
/// "A Simple Framework for Contrastive Learning of Visual Representations", ICML 2020, eq. 1:
/// each of the 2B views must pick its partner view among the other 2B − 1.
///
/// # Shapes
/// - `view_a`, `view_b`: `[B, d]` embedded views, row i of each from the same example
/// - output: `[1]`, the mean over all 2B anchors
pub fn nt_xent(view_a: Tensor<2>, view_b: Tensor<2>, compatibility: &Compatibility) -> Tensor<1> {
    let [b, _] = view_a.dims();
    let device = view_a.device();
    let z = Tensor::cat(vec![view_a, view_b], 0); // [2B, d]
    let self_mask = Tensor::<2, Bool>::diag_mask([2 * b, 2 * b], 0, &device).bool_not();
    let scores = compatibility
        .scores(z.clone(), z)
        .mask_fill(self_mask, f32::NEG_INFINITY); // [2B, 2B], −∞ on the diagonal
    let log_probs = log_softmax(scores, 1);
    log_probs
        .gather(1, shifted_index(2 * b, b, &device))
        .mean()
        .neg()
}
