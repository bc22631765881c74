//! Representations of a whole split.

use burn::prelude::*;
use whac_data::ImageSet;

use crate::compatibility::Model;
use crate::train::Standardize;

/// The frozen representation `f(x)` (before the projection head) of every image of `set`,
/// row-major `[set.len(), representation_dim]`, computed in batches of `batch_size` on `device`
/// (a device without autodiff, matching `model`).
pub fn embed(
    model: &Model,
    set: &ImageSet,
    standardize: Standardize,
    batch_size: usize,
    device: &Device,
) -> (Vec<f32>, usize) {
    let dim = set.dim();
    let mut out = Vec::new();
    let mut width = 0;
    for start in (0..set.len()).step_by(batch_size.max(1)) {
        let end = (start + batch_size.max(1)).min(set.len());
        let mut pixels = set.pixels[start * dim..end * dim].to_vec();
        standardize.apply(&mut pixels);
        let images = Tensor::<3>::from_data(
            TensorData::new(pixels, [end - start, set.height, set.width]),
            device,
        );
        let h = model.represent(images); // [b, R]
        width = h.dims()[1];
        out.extend(
            h.into_data()
                .try_to_vec::<f32>()
                .expect("f32 representation"),
        );
    }
    (out, width)
}
