//! The classical Bernoulli–Bernoulli restricted Boltzmann machine (DESIGN.md §1.1), where whac's
//! idea starts: `E(v, h) = −vᵀb − cᵀh − vᵀWh`.
//!
//! This crate holds the model and its exact partition function; training (CD-k, PCD, parallel
//! tempering) and AIS are the subject of the RBM toolkit issue and build on these pieces.
#![warn(missing_docs)]

mod log_z;
mod model;

pub use log_z::{MAX_ENUMERATED_UNITS, exact_log_z, log_sum_exp};
pub use model::Rbm;
