//! Many transformed copies of many token sequences, in parallel and reproducibly.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::{PAD, TextSet, TextTransform};
use crate::copy_seed;

/// Draws `copies` transformed copies of each document `set.doc(i)` for `i` in `indices`, in
/// parallel over examples (rayon), truncated to their first `max_len` tokens and padded with
/// `<pad>` (0).
///
/// Copy `c` of example `i` is drawn from `Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed,
/// epoch, i, c))` (the same streams as the image [`crate::augment_batch`]), so the output is
/// identical whatever the number of threads or the batch the example is in.
/// [`TextTransform::identity`] gives the encoded originals.
///
/// # Shapes
/// `ids`: `[indices.len(), copies, max_len]`, row-major; `lengths`: `[indices.len(), copies]`,
/// each in `0..=max_len` (the number of tokens before the padding).
///
/// # Panics
/// If `ids` or `lengths` has the wrong length or an index is out of range (programming errors).
pub fn augment_text_batch(
    t: &TextTransform,
    set: &TextSet,
    indices: &[usize],
    copies: usize,
    max_len: usize,
    seed: u64,
    epoch: u64,
    ids: &mut [u32],
    lengths: &mut [u32],
) {
    let b = indices.len();
    assert_eq!(
        ids.len(),
        b * copies * max_len,
        "augment_text_batch: ids must hold [{b}, {copies}, {max_len}]"
    );
    assert_eq!(
        lengths.len(),
        b * copies,
        "augment_text_batch: lengths must hold [{b}, {copies}]"
    );
    if copies == 0 || max_len == 0 {
        lengths.fill(0);
        return;
    }
    ids.par_chunks_mut(copies * max_len)
        .zip(lengths.par_chunks_mut(copies))
        .zip(indices.par_iter())
        .for_each(|((ids, lens), &i)| {
            let src = set.doc(i);
            let mut buf = Vec::with_capacity(src.len());
            // ids: [copies, max_len]
            for (c, (row, len)) in ids.chunks_mut(max_len).zip(lens.iter_mut()).enumerate() {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(copy_seed(seed, epoch, i, c));
                t.apply(src, &mut rng, &mut buf);
                let n = buf.len().min(max_len);
                row[..n].copy_from_slice(&buf[..n]);
                row[n..].fill(PAD);
                *len = n as u32;
            }
        });
}
