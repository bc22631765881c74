//! Many transformed copies of many images, in parallel and reproducibly.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::Transform;
use crate::ImageSet;

/// SplitMix64 (Steele, Lea & Flood 2014): one step of the generator, a bijection of `u64` with
/// good avalanche.
#[inline]
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of the random stream of copy `copy` of example `index` (its position in the
/// [`ImageSet`], not in the batch) in epoch `epoch` of a run seeded with `seed`.
///
/// It is `splitmix64` folded over the four numbers, so for fixed earlier arguments each argument
/// maps to distinct seeds; the stream itself is `Xoshiro256PlusPlus::seed_from_u64(copy_seed(..))`.
pub fn copy_seed(seed: u64, epoch: u64, index: usize, copy: usize) -> u64 {
    let mut h = splitmix64(seed);
    for x in [epoch, index as u64, copy as u64] {
        h = splitmix64(h ^ x);
    }
    h
}

/// Draws `copies` transformed copies of each image `set.image(i)` for `i` in `indices`, in
/// parallel over examples (rayon).
///
/// Copy `c` of example `i` is drawn from `Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed,
/// epoch, i, c))`, so the output is bit-identical whatever the number of threads, and an example's
/// copies do not depend on the batch it is in or its position there.
///
/// # Shapes
/// `out`: `[indices.len(), copies, set.channels, set.height, set.width]`, row-major.
///
/// # Panics
/// If `out` has the wrong length or an index is out of range (programming errors).
pub fn augment_batch(
    t: &Transform,
    set: &ImageSet,
    indices: &[usize],
    copies: usize,
    seed: u64,
    epoch: u64,
    out: &mut [f32],
) {
    let (c, h, w) = (set.channels, set.height, set.width);
    let per_example = copies * set.dim();
    assert_eq!(
        out.len(),
        indices.len() * per_example,
        "augment_batch: out must hold [{}, {copies}, {c}, {h}, {w}]",
        indices.len()
    );
    if per_example == 0 {
        return;
    }
    out.par_chunks_mut(per_example)
        .zip(indices.par_iter())
        .for_each(|(chunk, &i)| {
            let src = set.image(i);
            // chunk: [copies, c, h, w]
            for (copy, dst) in chunk.chunks_mut(set.dim()).enumerate() {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed, epoch, i, copy));
                t.apply_image(src, c, h, w, &mut rng, dst);
            }
        });
}
