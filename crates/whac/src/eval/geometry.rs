//! Alignment and uniformity (Wang & Isola 2020) of a trained model's projected embeddings.

use whac_eval::{Geometry, alignment, uniformity};

use burn::prelude::*;

use super::{Side, embed_first, embed_values};
use crate::compatibility::{Compatibility, Model};
use crate::input::Examples;

/// Examples the measures are taken over at most (the first ones of the split): uniformity is
/// quadratic in them.
pub const GEOMETRY_EXAMPLES: usize = 5000;

/// Alignment over two independent copies from the examples' transformation of each of the first
/// [`GEOMETRY_EXAMPLES`] examples, and uniformity over their clean embeddings; both on the
/// L2-normalised projected embeddings `g(f(x))`, the space the objectives score in.
pub fn geometry(
    model: &Model,
    examples: &Examples<'_>,
    compatibility: &Compatibility,
    seed: u64,
    device: &Device,
) -> Geometry {
    let n = examples.len().min(GEOMETRY_EXAMPLES);
    let side = Side::Projection(compatibility);
    let (clean, d) = embed_first(model, examples, n, 1024, device, side);
    let all: Vec<usize> = (0..n).collect();
    // A stream of its own, away from training epochs and the induced-RBM evaluation draws.
    let copies = examples.augment(&all, 2, seed, u64::MAX - (1 << 20)); // [n, 2, len]
    let (views, _) = embed_values(model, &copies, examples.shape(), 1024, device, side);
    let (mut first, mut second) = (Vec::with_capacity(n * d), Vec::with_capacity(n * d));
    for pair in views.chunks_exact(2 * d) {
        first.extend_from_slice(&pair[..d]);
        second.extend_from_slice(&pair[d..]);
    }
    Geometry {
        alignment: alignment(&first, &second, d),
        uniformity: if n >= 2 {
            uniformity(&clean, d, 2.0)
        } else {
            0.0
        },
        pairs: n,
        examples: n,
    }
}
