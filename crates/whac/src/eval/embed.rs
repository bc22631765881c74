//! Embeddings of a whole split.

use burn::prelude::*;
use whac_data::ImageSet;

use crate::compatibility::{Compatibility, Model};
use crate::train::Standardize;

/// Which output of the model to collect.
#[derive(Clone, Copy, Debug)]
pub enum Side<'a> {
    /// The representation `f(x)` that evaluation measures (before the projection head).
    Representation,
    /// The projected embedding `g(f(x))`, prepared for scoring by the compatibility.
    Projection(&'a Compatibility),
}

/// The frozen representation `f(x)` (before the projection head) of every image of `set`,
/// row-major `[set.len(), representation_dim]`, computed in batches of `batch_size` on `device`
/// (a device without autodiff, matching `model`). Returns the rows and their width.
pub fn embed(
    model: &Model,
    set: &ImageSet,
    standardize: Standardize,
    batch_size: usize,
    device: &Device,
) -> (Vec<f32>, usize) {
    embed_with(
        model,
        set,
        standardize,
        batch_size,
        device,
        Side::Representation,
    )
}

/// Like [`embed`], for either side of the model.
pub fn embed_with(
    model: &Model,
    set: &ImageSet,
    standardize: Standardize,
    batch_size: usize,
    device: &Device,
    side: Side<'_>,
) -> (Vec<f32>, usize) {
    embed_pixels(
        model,
        &set.pixels,
        set.height,
        set.width,
        standardize,
        batch_size,
        device,
        side,
    )
}

/// Embeds images given as raw pixels in [0, 1], `[n, height, width]` row-major.
pub fn embed_pixels(
    model: &Model,
    pixels: &[f32],
    height: usize,
    width: usize,
    standardize: Standardize,
    batch_size: usize,
    device: &Device,
    side: Side<'_>,
) -> (Vec<f32>, usize) {
    let dim = height * width;
    let n = pixels.len() / dim.max(1);
    let step = batch_size.max(1);
    let mut out = Vec::new();
    let mut width_out = 0;
    for start in (0..n).step_by(step) {
        let end = (start + step).min(n);
        let mut chunk = pixels[start * dim..end * dim].to_vec();
        standardize.apply(&mut chunk);
        let images =
            Tensor::<3>::from_data(TensorData::new(chunk, [end - start, height, width]), device);
        let h = match side {
            Side::Representation => model.represent(images),
            Side::Projection(c) => c.embed(model.project(images)),
        }; // [b, width_out]
        width_out = h.dims()[1];
        out.extend(h.into_data().try_to_vec::<f32>().expect("f32 embeddings"));
    }
    (out, width_out)
}
