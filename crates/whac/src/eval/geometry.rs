//! Alignment and uniformity (Wang & Isola 2020) of a trained model's projected embeddings.

use whac_data::ImageSet;
use whac_data::transform::{Transform, augment_batch};
use whac_eval::{Geometry, alignment, uniformity};

use burn::prelude::*;

use super::{Side, embed_pixels};
use crate::compatibility::{Compatibility, Model};
use crate::train::Standardize;

/// Examples the measures are taken over at most (the first ones of the split): uniformity is
/// quadratic in them.
pub const GEOMETRY_EXAMPLES: usize = 5000;

/// Alignment over two independent copies from `transform` of each of the first
/// [`GEOMETRY_EXAMPLES`] examples of `set`, and uniformity over their clean embeddings; both on
/// the L2-normalised projected embeddings `g(f(x))`, the space the objectives score in.
pub fn geometry(
    model: &Model,
    set: &ImageSet,
    transform: &Transform,
    standardize: Standardize,
    compatibility: &Compatibility,
    seed: u64,
    device: &Device,
) -> Geometry {
    let n = set.len().min(GEOMETRY_EXAMPLES);
    let dim = set.dim();
    let side = Side::Projection(compatibility);
    let embed = |pixels: &[f32]| {
        embed_pixels(
            model,
            pixels,
            set.height,
            set.width,
            standardize,
            1024,
            device,
            side,
        )
    };
    let (clean, d) = embed(&set.pixels[..n * dim]);
    let all: Vec<usize> = (0..n).collect();
    let mut copies = vec![0.0f32; n * 2 * dim];
    // A stream of its own, away from training epochs and the induced-RBM evaluation draws.
    augment_batch(
        transform,
        set,
        &all,
        2,
        seed,
        u64::MAX - (1 << 20),
        &mut copies,
    );
    let (views, _) = embed(&copies);
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
