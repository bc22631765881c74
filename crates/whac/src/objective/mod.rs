//! Per-example density estimators: objectives that take embeddings and return a loss.
//!
//! - [`induced_rbm`]: maximum likelihood of the RBM each example induces through its copies
//!   (DESIGN.md §1.2), with importance-weighted negatives from the batch (§1.3).
//! - [`nt_xent`]: SimCLR's NT-Xent, the baseline.

mod config;
mod diagnostics;
mod induced_rbm;
mod nt_xent;

pub use config::{Negatives, Objective, ObjectiveConfig, ObjectiveKind};
pub use diagnostics::effective_sample_size;
pub use induced_rbm::{RbmLoss, induced_rbm_importance};
pub use nt_xent::nt_xent;

use burn::prelude::*;

/// Index tensor `[n, 1]` with row i holding `(i + shift) mod n`, for `gather` along dim 1.
pub(crate) fn shifted_index(n: usize, shift: usize, device: &Device) -> Tensor<2, Int> {
    let idx: Vec<i64> = (0..n).map(|i| ((i + shift) % n) as i64).collect();
    Tensor::<1, Int>::from_data(TensorData::new(idx, [n]), device).reshape([n, 1])
}
