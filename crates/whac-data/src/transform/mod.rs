//! The stochastic transformation `T` (data augmentation) on grayscale or RGB images.
//!
//! [`TransformConfig`] (serde, as written in the `[transform]` table of a recipe) is checked once
//! into a [`Transform`], which draws one transformed copy of an image with
//! [`Transform::apply`]; [`augment_batch`] draws many copies of many images in parallel,
//! reproducibly whatever the number of threads.
//!
//! Geometric operations (resized crop, rotation, translation, flip) compose into one affine map
//! and elastic distortion adds a displacement field, so each channel is resampled once
//! (bilinear); pixel and colour operations (jitter, noise, blur, erase, solarize, invert,
//! random_grayscale) follow. Groups (`random_apply`, `one_of`) are decided before the geometry is
//! fused, so what they select joins the one resampling.

mod affine;
mod batch;
mod blur;
mod colour;
mod config;
mod elastic;
mod pipeline;
mod pixel;

pub use batch::{augment_batch, copy_seed};
pub use config::{OpConfig, TransformConfig};
pub use pipeline::Transform;
