//! `[train]`: the optimiser, its schedule and the loop.

use serde::{Deserialize, Serialize};

use super::optim::{OptimizerKind, OptimizerSettings};
use super::schedule::{Schedule, ScheduleKind};
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
    /// `adam`, `adamw`, `sgd` or `lars` (see [`OptimizerKind`]). Default `adam`.
    pub optimizer: OptimizerKind,
    /// Peak learning rate. Default 1e-3.
    pub learning_rate: f64,
    /// Adam's ε, set explicitly: burn's default is 1e-5, PyTorch's 1e-8. Default 1e-8.
    pub adam_epsilon: f64,
    /// Momentum of `sgd` and `lars`, in [0, 1). Default 0.9.
    pub momentum: f64,
    /// Weight decay λ ≥ 0, on weight tensors only (biases and normalisation scales are skipped):
    /// L2 in the gradient for `adam` / `sgd` / `lars`, decoupled for `adamw`. Default 0.
    pub weight_decay: f64,
    /// LARS trust coefficient η > 0. Default 0.001.
    pub lars_eta: f64,
    /// Largest global L2 norm of the gradient (clipped above it); 0 = no clipping. Default 0.
    pub grad_clip_norm: f64,
    /// `constant` or `cosine` (see [`ScheduleKind`]). Default `constant`.
    pub schedule: ScheduleKind,
    /// Epochs of linear learning-rate warm-up (may be fractional). Default 0.
    pub warmup_epochs: f64,
    /// Final rate of the cosine schedule, in [0, learning_rate]. Default 0.
    pub min_learning_rate: f64,
    /// Seed of every random choice: initialisation, data order, augmentation. Default 0.
    pub seed: u64,
    /// A `metrics.jsonl` line every this many steps. Default 10.
    pub log_every: usize,
    /// Online kNN monitor (k = 20 on the current representation, up to 10 000 training and
    /// 2 000 held-out examples) every this many epochs, when the trainer is given held-out
    /// examples; 0 turns it off. Default 1.
    pub monitor_every: usize,
    /// Save the whole training state (for `whac train --resume`) every this many steps; 0 saves
    /// it at the end of every epoch. A stop (Ctrl-C) and the end of the run always save it.
    /// Default 0.
    pub checkpoint_every: usize,
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
            optimizer: OptimizerKind::Adam,
            learning_rate: 1e-3,
            adam_epsilon: 1e-8,
            momentum: 0.9,
            weight_decay: 0.0,
            lars_eta: 1e-3,
            grad_clip_norm: 0.0,
            schedule: ScheduleKind::Constant,
            warmup_epochs: 0.0,
            min_learning_rate: 0.0,
            seed: 0,
            log_every: 10,
            monitor_every: 1,
            checkpoint_every: 0,
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
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(WhacError::config(
                "train.momentum",
                self.momentum,
                "a number in [0, 1), such as 0.9",
            ));
        }
        let non_negative = |key: &str, value: f64, example: &str| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(WhacError::config(
                    key,
                    value,
                    format!("a number ≥ 0, such as {example}"),
                ))
            }
        };
        non_negative("train.weight_decay", self.weight_decay, "1e-4")?;
        non_negative("train.grad_clip_norm", self.grad_clip_norm, "1.0 (0 = off)")?;
        non_negative("train.warmup_epochs", self.warmup_epochs, "1")?;
        if !(self.lars_eta.is_finite() && self.lars_eta > 0.0) {
            return Err(WhacError::config(
                "train.lars_eta",
                self.lars_eta,
                "a positive number such as 0.001",
            ));
        }
        if !(self.min_learning_rate >= 0.0 && self.min_learning_rate <= self.learning_rate) {
            return Err(WhacError::config(
                "train.min_learning_rate",
                self.min_learning_rate,
                format!("a number in [0, learning_rate = {}]", self.learning_rate),
            ));
        }
        if self.warmup_epochs > self.epochs as f64 {
            return Err(WhacError::config(
                "train.warmup_epochs",
                self.warmup_epochs,
                format!("at most train.epochs = {}", self.epochs),
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

    /// The optimiser settings (call after [`TrainConfig::check`]).
    pub fn optimizer_settings(&self) -> OptimizerSettings {
        OptimizerSettings {
            kind: self.optimizer,
            adam_epsilon: self.adam_epsilon,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
            lars_eta: self.lars_eta,
            grad_clip_norm: self.grad_clip_norm,
        }
    }

    /// The schedule over `steps_per_epoch × epochs` steps.
    pub fn schedule(&self, steps_per_epoch: usize) -> Schedule {
        Schedule {
            kind: self.schedule,
            base: self.learning_rate,
            min: self.min_learning_rate,
            warmup_steps: (self.warmup_epochs * steps_per_epoch as f64).round() as usize,
            total_steps: steps_per_epoch * self.epochs,
        }
    }
}
