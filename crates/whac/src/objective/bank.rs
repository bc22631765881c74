//! The memory bank: one embedding per training example, kept on the training device.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

use crate::compatibility::l2_normalize;

/// `[N, d]` embeddings of the clean training examples (the candidates `x_n` of every induced
/// RBM), without gradient. Explicit state: the trainer owns it and passes it to the objective.
pub struct MemoryBank {
    rows: Tensor<2>,
    momentum: f64,
}

impl MemoryBank {
    /// A bank from initial rows `[N, d]` (already embedded) and the momentum of its updates.
    pub fn new(rows: Tensor<2>, momentum: f64) -> Self {
        Self {
            rows: rows.detach(),
            momentum,
        }
    }

    /// The momentum of row updates.
    pub fn momentum(&self) -> f64 {
        self.momentum
    }

    /// N.
    pub fn len(&self) -> usize {
        self.rows.dims()[0]
    }

    /// Whether the bank is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All rows `[N, d]` (no gradient).
    pub fn rows(&self) -> Tensor<2> {
        self.rows.clone()
    }

    /// Rows `indices` `[K] → [K, d]` (no gradient).
    pub fn select(&self, indices: Tensor<1, Int>) -> Tensor<2> {
        self.rows.clone().select(0, indices)
    }

    /// All rows with rows `indices` replaced by `fresh` (which keeps its gradient), `[N, d]`.
    pub fn with_fresh(&self, indices: Tensor<1, Int>, fresh: Tensor<2>) -> Tensor<2> {
        let stale = self.select(indices.clone());
        self.rows
            .clone()
            .select_assign(0, indices, fresh - stale, IndexingUpdateOp::Add)
    }

    /// Refreshes rows `indices` with `fresh` `[K, d]`:
    /// `row ← normalise(momentum · row + (1 − momentum) · fresh)` (no normalisation at momentum 0).
    pub fn update(&mut self, indices: Tensor<1, Int>, fresh: Tensor<2>) {
        let fresh = fresh.detach();
        let stale = self.select(indices.clone());
        let new = if self.momentum == 0.0 {
            fresh
        } else {
            l2_normalize(
                stale.clone().mul_scalar(self.momentum) + fresh.mul_scalar(1.0 - self.momentum),
            )
        };
        self.rows = self
            .rows
            .clone()
            .select_assign(0, indices, new - stale, IndexingUpdateOp::Add)
            .detach();
    }
}
