//! whac: contrastive learning as maximum-likelihood training of one restricted Boltzmann machine
//! per training example (see `DESIGN.md` §1.2).
//!
//! The three ingredients of a recipe live in three places:
//! - the stochastic transformation generator `T` in [`whac_data::transform`];
//! - the compatibility function `s` in [`encoder`] (the network) and [`compatibility`] (head,
//!   similarity, temperature);
//! - the per-example density estimator in [`objective`] (the induced RBM, and NT-Xent as the
//!   baseline). Objectives take embeddings, never an encoder.
//!
//! [`train::fit`] is the one training loop; [`eval`] embeds a data set with a trained model and
//! measures the frozen representation (linear probe, kNN).
#![warn(missing_docs)]

pub mod bench;
pub mod compatibility;
pub mod device;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod input;
pub mod objective;
pub mod ops;
pub mod train;

pub use burn;
pub use error::WhacError;
