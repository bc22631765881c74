//! Which examples form each batch, and the producer that augments them ahead of the trainer.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::sync::mpsc::SyncSender;

use crate::input::{Examples, HostValues};

/// The data order of a run: a fresh permutation per epoch, drawn from `(seed, epoch)` alone, so
/// a run is reproducible and any epoch's order can be recomputed without replaying the others.
#[derive(Clone, Debug)]
pub struct BatchPlan {
    /// Training examples.
    pub examples: usize,
    /// Examples per batch (≤ `examples`).
    pub batch_size: usize,
    /// Drop the last, smaller batch.
    pub drop_last: bool,
    /// Seed of the run.
    pub seed: u64,
}

impl BatchPlan {
    /// Batches in one epoch.
    pub fn steps_per_epoch(&self) -> usize {
        if self.drop_last {
            self.examples / self.batch_size
        } else {
            self.examples.div_ceil(self.batch_size)
        }
    }

    /// The example order of `epoch` (0-based).
    pub fn order(&self, epoch: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.examples).collect();
        let mut rng = StdRng::seed_from_u64(
            self.seed ^ 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(epoch as u64 + 1),
        );
        order.shuffle(&mut rng);
        order
    }

    /// The example indices of every batch of `epoch`.
    pub fn batches(&self, epoch: usize) -> Vec<Vec<usize>> {
        let order = self.order(epoch);
        order
            .chunks(self.batch_size)
            .take(self.steps_per_epoch())
            .map(<[usize]>::to_vec)
            .collect()
    }
}

/// One batch ready for the model (standardised pixels or features, or padded token ids).
pub struct Batch {
    /// Epoch, 0-based.
    pub epoch: usize,
    /// Examples in the batch (B).
    pub size: usize,
    /// Training-set index of each example.
    pub indices: Vec<usize>,
    /// `[B, example_len]`: the clean examples (the visible side of the induced RBM), when
    /// needed.
    pub clean: Option<HostValues>,
    /// `[B, A, example_len]`: the augmented views of each example (A from the objective's
    /// [`ViewPlan`](crate::objective::ViewPlan)).
    pub copies: HostValues,
}

/// Fills `tx` with the batches of `epochs` epochs in order, leaving out the first `skip` batches
/// of the first epoch (a resumed run); returns early when the receiver hangs up (the trainer
/// stopped).
pub(crate) fn produce(
    plan: &BatchPlan,
    epochs: std::ops::Range<usize>,
    skip: usize,
    examples: Examples<'_>,
    copies: usize,
    needs_clean: bool,
    tx: SyncSender<Batch>,
) {
    let first = epochs.start;
    for epoch in epochs {
        let skipped = if epoch == first { skip } else { 0 };
        for indices in plan.batches(epoch).into_iter().skip(skipped) {
            let views = examples.augment(&indices, copies, plan.seed, epoch as u64);
            let clean = needs_clean.then(|| examples.clean(&indices));
            let batch = Batch {
                epoch,
                size: indices.len(),
                indices,
                clean,
                copies: views,
            };
            if tx.send(batch).is_err() {
                return;
            }
        }
    }
}
