//! Many transformed copies of many table rows, in parallel and reproducibly.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::{TableSet, TableTransform};
use crate::copy_seed;

/// Draws `copies` transformed copies of each row `set.row(i)` for `i` in `indices`, in parallel
/// over examples (rayon). SCARF draws replacement values from the other rows of `set`, which
/// should be the training split.
///
/// Copy `c` of example `i` is drawn from `Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed,
/// epoch, i, c))` (the same streams as the image [`crate::augment_batch`]), so the output is
/// identical whatever the number of threads or the batch the example is in.
///
/// # Shapes
/// `out`: `[indices.len(), copies, set.dim]`, row-major.
///
/// # Panics
/// If `out` has the wrong length or an index is out of range (programming errors).
pub fn augment_table_batch(
    t: &TableTransform,
    set: &TableSet,
    indices: &[usize],
    copies: usize,
    seed: u64,
    epoch: u64,
    out: &mut [f32],
) {
    let d = set.dim;
    let per_example = copies * d;
    assert_eq!(
        out.len(),
        indices.len() * per_example,
        "augment_table_batch: out must hold [{}, {copies}, {d}]",
        indices.len()
    );
    if per_example == 0 {
        return;
    }
    out.par_chunks_mut(per_example)
        .zip(indices.par_iter())
        .for_each(|(chunk, &i)| {
            // chunk: [copies, d]
            for (c, dst) in chunk.chunks_mut(d).enumerate() {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed, epoch, i, c));
                t.apply(set, i, &mut rng, dst);
            }
        });
}
