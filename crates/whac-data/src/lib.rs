//! Data sets and stochastic transformations for whac, on plain Rust types (no tensor library).
//!
//! - [`ImageSet`] / [`Split`]: grayscale or RGB images in `[0, 1]` with labels;
//! - [`digits()`]: the embedded UCI optical digits (8×8), with a fixed stratified split;
//! - [`load_idx_dir`]: MNIST / Fashion-MNIST IDX files (gzip or raw);
//! - [`load_cifar10_dir`]: CIFAR-10 binary batches (RGB 32×32);
//! - [`DataSpec`]: `digits`, `mnist:DIR`, `fashion-mnist:DIR`, `cifar10:DIR`, `text:FILE.tsv[.gz][,...]`,
//!   `csv:FILE[.gz][,...]` as typed on the command line; [`DataSpec::load`] loads images and
//!   [`DataSpec::load_dataset`] any domain as a [`Dataset`];
//! - [`transform`]: the stochastic transformation `T` (data augmentation), configured by
//!   [`TransformConfig`], checked into a [`Transform`], applied per image or per batch with
//!   [`augment_batch`];
//! - [`text`]: `text:FILE.tsv[.gz]` ([`load_text`]), tokenisation, vocabulary and the token
//!   sequence transformation ([`TextTransformConfig`], [`augment_text_batch`]);
//! - [`table`]: `csv:FILE[.gz]` ([`load_csv`]), standardised numeric features and their
//!   transformation ([`TableTransformConfig`], [`augment_table_batch`]);
//! - [`bench`]: the augmentation benchmark (images per second of the MNIST pipeline).
//!
//! Every problem with user input or files is a [`DataError`] whose message is one line naming the
//! file, key or value and what was expected.
#![warn(missing_docs)]

pub mod bench;
mod cifar10;
mod dataset;
mod digits;
mod error;
pub mod idx;
mod image_set;
mod spec;
pub mod transform;

mod check;
mod read;
mod source;
mod split;
pub mod table;
pub mod text;

pub use cifar10::{CIFAR10_RECORD, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, load_cifar10_dir};
pub use dataset::Dataset;
pub use digits::{DIGITS_SIDE, digits};
pub use error::DataError;
pub use idx::load_idx_dir;
pub use image_set::{ImageSet, Split};
pub use source::{CsvSource, TextSource};
pub use spec::DataSpec;
pub use transform::{OpConfig, Transform, TransformConfig, augment_batch, copy_seed};

pub use split::SplitRule;
pub use table::{
    TableLoadConfig, TableOpConfig, TableSet, TableSplit, TableTransform, TableTransformConfig,
    augment_table_batch, load_csv, load_csv_file, load_csv_source,
};
pub use text::{
    TextLoadConfig, TextOpConfig, TextSet, TextSplit, TextTransform, TextTransformConfig,
    Tokenizer, Vocab, VocabConfig, augment_text_batch, load_text, load_text_files,
    load_text_source,
};
