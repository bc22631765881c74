//! `[train]`: the optimiser and the loop.

use serde::{Deserialize, Serialize};

use crate::WhacError;
use crate::device::DeviceKind;

/// `[train]` as written in a recipe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Passes over the training split. Default 60 (the embedded digits).
    pub epochs: usize,
    /// Examples per step (each contributes `copies` views, plus the clean one for `rbm`).
    /// Default 128.
    pub batch_size: usize,
    /// Adam's learning rate. Default 1e-3.
    pub learning_rate: f64,
    /// Adam's ε, set explicitly: burn's default is 1e-5, PyTorch's 1e-8. Default 1e-8.
    pub adam_epsilon: f64,
    /// Seed of every random choice: initialisation, data order, augmentation. Default 0.
    pub seed: u64,
    /// A `metrics.jsonl` line every this many steps. Default 10.
    pub log_every: usize,
    /// Drop the last, smaller batch of each epoch. Default true.
    pub drop_last: bool,
    /// Batches prepared ahead of the trainer by the producer thread. Default 2.
    pub prefetch: usize,
    /// `flex` (CPU), `wgpu` or `cuda`. Default `flex`.
    pub device: DeviceKind,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 60,
            batch_size: 128,
            learning_rate: 1e-3,
            adam_epsilon: 1e-8,
            seed: 0,
            log_every: 10,
            drop_last: true,
            prefetch: 2,
            device: DeviceKind::Flex,
        }
    }
}

impl TrainConfig {
    /// Rejects values the loop cannot use.
    pub fn check(&self) -> Result<(), WhacError> {
        if self.epochs == 0 {
            return Err(WhacError::config(
                "train.epochs",
                self.epochs,
                "a positive integer",
            ));
        }
        if self.batch_size < 2 {
            return Err(WhacError::config(
                "train.batch_size",
                self.batch_size,
                "an integer of at least 2 (the batch supplies the negatives)",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(WhacError::config(
                "train.learning_rate",
                self.learning_rate,
                "a positive number such as 1e-3",
            ));
        }
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(WhacError::config(
                "train.adam_epsilon",
                self.adam_epsilon,
                "a positive number such as 1e-8",
            ));
        }
        if self.log_every == 0 {
            return Err(WhacError::config(
                "train.log_every",
                self.log_every,
                "a positive integer",
            ));
        }
        if self.prefetch == 0 {
            return Err(WhacError::config(
                "train.prefetch",
                self.prefetch,
                "a positive integer",
            ));
        }
        Ok(())
    }
}
