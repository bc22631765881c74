//! How progress and metrics leave the training loop.

use serde::{Deserialize, Serialize};

use super::TrainState;

fn monitor_kind() -> &'static str {
    "monitor"
}

/// One logged step (a line of `metrics.jsonl`).
#[derive(Serialize, Clone, Debug)]
pub struct StepRecord {
    /// Always `"step"`.
    pub kind: &'static str,
    /// Global step, 1-based.
    pub step: usize,
    /// Epoch, 1-based.
    pub epoch: usize,
    /// Loss of this step.
    pub loss: f32,
    /// Mean loss since the previous logged step.
    pub loss_avg: f32,
    /// Learning rate.
    pub learning_rate: f64,
    /// Views encoded per second since training started.
    pub views_per_second: f64,
    /// Diagnostics of the induced RBM's negatives (induced RBM only).
    #[serde(flatten)]
    pub rbm: Option<crate::objective::RbmDiagnostics>,
}

/// The end of an epoch (a line of `metrics.jsonl`).
#[derive(Serialize, Clone, Debug)]
pub struct EpochRecord {
    /// Always `"epoch"`.
    pub kind: &'static str,
    /// Epoch, 1-based.
    pub epoch: usize,
    /// Global step at the end of the epoch.
    pub step: usize,
    /// Mean loss over the epoch's steps.
    pub loss_mean: f64,
    /// Seconds since training started.
    pub elapsed_seconds: f64,
}

/// The online kNN monitor at the end of an epoch (a line of `metrics.jsonl`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MonitorRecord {
    /// Always `"monitor"`.
    #[serde(skip_deserializing, default = "monitor_kind")]
    pub kind: &'static str,
    /// Epoch, 1-based.
    pub epoch: usize,
    /// Global step at the end of the epoch.
    pub step: usize,
    /// Weighted-kNN accuracy of the held-out examples against the training examples, on the
    /// current representation.
    pub knn_accuracy: f64,
    /// Neighbours.
    pub k: usize,
    /// Training examples voted with (the first ones of the split).
    pub train_examples: usize,
    /// Held-out examples classified (the first ones of the split).
    pub heldout_examples: usize,
    /// Seconds the monitor took (not counted in the training time).
    pub seconds: f64,
}

/// Receives what the loop reports. The CLI draws a progress bar and writes `metrics.jsonl`.
pub trait Observer {
    /// Before the first step of this process: the run's total steps and those already done
    /// (non-zero when resumed).
    fn on_start(&mut self, _total_steps: usize, _done_steps: usize) {}
    /// After every step (1-based step and epoch), with its loss (cheap: no I/O expected).
    fn on_step(&mut self, _step: usize, _epoch: usize, _loss: f32) {}
    /// Every `train.log_every` steps.
    fn on_log(&mut self, _record: &StepRecord) -> std::io::Result<()> {
        Ok(())
    }
    /// At the end of each epoch.
    fn on_epoch(&mut self, _record: &EpochRecord) -> std::io::Result<()> {
        Ok(())
    }
    /// After an epoch's online kNN monitor.
    fn on_monitor(&mut self, _record: &MonitorRecord) -> std::io::Result<()> {
        Ok(())
    }
    /// At every checkpoint (`train.checkpoint_every`, the end of the run, a stop): the whole
    /// state, for [`TrainState::save`].
    fn on_checkpoint(&mut self, _state: &TrainState) -> Result<(), crate::WhacError> {
        Ok(())
    }
    /// Asked after every step: `true` makes the loop checkpoint and stop with
    /// [`crate::WhacError::Interrupted`] (the CLI answers Ctrl-C this way).
    fn should_stop(&self) -> bool {
        false
    }
    /// After the last step.
    fn on_end(&mut self) {}
}

/// An observer that ignores everything (tests, benchmarks).
pub struct NullObserver;
impl Observer for NullObserver {}
