//! Data sets and stochastic transformations for whac, on plain Rust types (no tensor library).
//!
//! - [`ImageSet`] / [`Split`]: grayscale images in `[0, 1]` with labels;
//! - [`digits()`]: the embedded UCI optical digits (8×8), with a fixed stratified split;
//! - [`load_idx_dir`]: MNIST / Fashion-MNIST IDX files (gzip or raw);
//! - [`DataSpec`]: `digits`, `mnist:DIR`, `fashion-mnist:DIR` as typed on the command line;
//! - [`transform`]: the stochastic transformation `T` (data augmentation), configured by
//!   [`TransformConfig`], checked into a [`Transform`], applied per image or per batch with
//!   [`augment_batch`].
//!
//! Every problem with user input or files is a [`DataError`] whose message is one line naming the
//! file, key or value and what was expected.
#![warn(missing_docs)]

mod digits;
mod error;
pub mod idx;
mod image_set;
mod spec;
pub mod transform;

pub use digits::{DIGITS_SIDE, digits};
pub use error::DataError;
pub use idx::load_idx_dir;
pub use image_set::{ImageSet, Split};
pub use spec::DataSpec;
pub use transform::{OpConfig, Transform, TransformConfig, augment_batch, copy_seed};
