//! How progress and metrics leave the training loop.

use serde::Serialize;

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

/// Receives what the loop reports. The CLI draws a progress bar and writes `metrics.jsonl`.
pub trait Observer {
    /// Before the first step.
    fn on_start(&mut self, _total_steps: usize) {}
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
    /// After the last step.
    fn on_end(&mut self) {}
}

/// An observer that ignores everything (tests, benchmarks).
pub struct NullObserver;
impl Observer for NullObserver {}
