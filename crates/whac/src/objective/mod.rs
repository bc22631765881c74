//! Per-example density estimators: objectives that take embeddings and return a loss.
//!
//! - [`induced_rbm_loss`]: maximum likelihood of the RBM each example induces through its copies
//!   (DESIGN.md §1.2), over the candidates a negative strategy supplies (§1.3): the batch with
//!   importance weights, the batch plus memory-bank rows, or the whole training set through the
//!   [`MemoryBank`]; optionally the unbiased estimate.
//!   [`induced_rbm_sampled`] estimates the same gradient with negatives drawn from the model.
//! - [`nt_xent`], [`debiased_contrastive`], [`hard_negative`], [`moco`] (with its [`KeyQueue`]):
//!   the two-view baselines.

mod bank;
mod config;
mod contrastive;
mod diagnostics;
mod induced_rbm;
mod moco;
mod nt_xent;
mod queue;
mod sampled;

pub use bank::MemoryBank;
pub use config::{
    BankConfig, Negatives, Objective, ObjectiveConfig, ObjectiveKind, Proposals, RbmNegatives,
    ViewPlan,
};
pub use contrastive::{debiased_contrastive, hard_negative};
pub use diagnostics::{RbmDiagnostics, effective_sample_size};
pub use induced_rbm::{RbmLoss, induced_rbm_importance, induced_rbm_loss, phi};
pub use moco::moco;
pub use nt_xent::nt_xent;
pub use queue::KeyQueue;
pub use sampled::{draw_candidates, induced_rbm_sampled};

use burn::prelude::*;

/// Index tensor `[n, 1]` with row i holding `(i + shift) mod n`, for `gather` along dim 1.
pub(crate) fn shifted_index(n: usize, shift: usize, device: &Device) -> Tensor<2, Int> {
    let idx: Vec<i64> = (0..n).map(|i| ((i + shift) % n) as i64).collect();
    Tensor::<1, Int>::from_data(TensorData::new(idx, [n]), device).reshape([n, 1])
}

/// An index tensor `[n]` from host indices.
pub fn index_tensor(indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    Tensor::<1, Int>::from_data(TensorData::new(idx, [indices.len()]), device)
}
