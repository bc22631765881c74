//! The queue of keys of MoCo: the most recent K key embeddings, first in first out.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

use super::index_tensor;

/// `[K, d]` key embeddings without gradient, written as a ring: each [`KeyQueue::push`] overwrites
/// the oldest rows. Explicit state: the trainer owns it and passes it to [`super::moco`].
pub struct KeyQueue {
    keys: Tensor<2>,
    /// Row the next push writes first.
    head: usize,
}

impl KeyQueue {
    /// A queue holding `initial` `[K, d]` (MoCo starts from random unit vectors).
    pub fn new(initial: Tensor<2>) -> Self {
        Self {
            keys: initial.detach(),
            head: 0,
        }
    }

    /// K.
    pub fn len(&self) -> usize {
        self.keys.dims()[0]
    }

    /// Whether K = 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A queue in a saved state: its keys and the row the next push writes.
    pub fn restore(keys: Tensor<2>, head: usize) -> Self {
        let k = keys.dims()[0];
        Self {
            keys: keys.detach(),
            head: if k == 0 { 0 } else { head % k },
        }
    }

    /// Row the next push writes first.
    pub fn head(&self) -> usize {
        self.head
    }

    /// Every key `[K, d]` (order is the ring's, which no loss depends on).
    pub fn keys(&self) -> Tensor<2> {
        self.keys.clone()
    }

    /// Replaces the oldest `B` keys by `fresh` `[B, d]` (detached); `B ≤ K`.
    pub fn push(&mut self, fresh: Tensor<2>) {
        let [b, _] = fresh.dims();
        let k = self.len();
        assert!(b <= k, "pushing {b} keys into a queue of {k}");
        let rows: Vec<usize> = (0..b).map(|i| (self.head + i) % k).collect();
        let idx = index_tensor(&rows, &fresh.device());
        let stale = self.keys.clone().select(0, idx.clone());
        self.keys = self
            .keys
            .clone()
            .select_assign(0, idx, fresh.detach() - stale, IndexingUpdateOp::Add)
            .detach();
        self.head = (self.head + b) % k;
    }
}
