//! Embeddings of a whole split.

use burn::prelude::*;

use crate::compatibility::{Compatibility, Model};
use crate::input::{Examples, HostValues, InputShape};

/// Which output of the model to collect.
#[derive(Clone, Copy, Debug)]
pub enum Side<'a> {
    /// The representation `f(x)` that evaluation measures (before the projection head).
    Representation,
    /// The projected embedding `g(f(x))`, prepared for scoring by the compatibility.
    Projection(&'a Compatibility),
}

/// The frozen representation `f(x)` (before the projection head) of every clean example,
/// row-major `[examples.len(), representation_dim]`, computed in batches of `batch_size` on
/// `device` (a device without autodiff, matching `model`). Returns the rows and their width.
pub fn embed(
    model: &Model,
    examples: &Examples<'_>,
    batch_size: usize,
    device: &Device,
) -> (Vec<f32>, usize) {
    embed_with(model, examples, batch_size, device, Side::Representation)
}

/// Like [`embed`], for either side of the model.
pub fn embed_with(
    model: &Model,
    examples: &Examples<'_>,
    batch_size: usize,
    device: &Device,
    side: Side<'_>,
) -> (Vec<f32>, usize) {
    embed_first(model, examples, examples.len(), batch_size, device, side)
}

/// Like [`embed_with`], for the first `n` examples only.
pub fn embed_first(
    model: &Model,
    examples: &Examples<'_>,
    n: usize,
    batch_size: usize,
    device: &Device,
    side: Side<'_>,
) -> (Vec<f32>, usize) {
    let n = n.min(examples.len());
    let step = batch_size.max(1);
    let mut out = Vec::new();
    let mut width = 0;
    for start in (0..n).step_by(step) {
        let indices: Vec<usize> = (start..(start + step).min(n)).collect();
        let values = examples.clean(&indices);
        let (rows, w) = embed_values(model, &values, examples.shape(), step, device, side);
        out.extend(rows);
        width = w;
    }
    (out, width)
}

/// Embeds examples already prepared for the network (standardised, padded: what
/// [`Examples::augment`] and [`Examples::clean`] return), read as `shape`, in batches of
/// `batch_size`.
///
/// # Shapes
/// - `values`: `[n, example_len]` → `([n, width], width)`
pub fn embed_values(
    model: &Model,
    values: &HostValues,
    shape: InputShape,
    batch_size: usize,
    device: &Device,
    side: Side<'_>,
) -> (Vec<f32>, usize) {
    let len = shape.example_len().max(1);
    let n = values.len() / len;
    let step = batch_size.max(1);
    let mut out = Vec::new();
    let mut width = 0;
    for start in (0..n).step_by(step) {
        let end = (start + step).min(n);
        let input = values.slice(start * len..end * len).to_input(shape, device);
        let h = match side {
            Side::Representation => model.represent(input),
            Side::Projection(c) => c.embed(model.project(input)),
        }; // [b, width]
        width = h.dims()[1];
        out.extend(h.into_data().try_to_vec::<f32>().expect("f32 embeddings"));
    }
    (out, width)
}
