//! Progress on the terminal and `metrics.jsonl` on disk: the CLI's training observer.

use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use whac::WhacError;
use whac::train::{EpochRecord, MonitorRecord, Observer, StepRecord, TrainState};

/// A progress bar with loss and rate on a terminal; plain lines (one per logged step) otherwise.
/// Writes `metrics.jsonl`, saves the training state at checkpoints, and asks the loop to stop
/// once `stop` is set (Ctrl-C).
pub struct RunObserver {
    metrics: BufWriter<File>,
    state_dir: PathBuf,
    stop: Arc<AtomicBool>,
    bar: Option<ProgressBar>,
    start: Instant,
    plain_every: usize,
    total: usize,
    rate: f64,
}

impl RunObserver {
    /// Writes metrics to `path` (created, or with `append` continued after dropping the lines
    /// of steps after `done_steps`: those the resumed run will log again) and training states to
    /// `state_dir`.
    pub fn new(
        path: &Path,
        plain_every: usize,
        state_dir: PathBuf,
        stop: Arc<AtomicBool>,
        append: Option<usize>,
    ) -> std::io::Result<Self> {
        let file = match append {
            None => File::create(path)?,
            Some(done_steps) => {
                let kept: String = std::fs::read_to_string(path)
                    .unwrap_or_default()
                    .lines()
                    .filter(|line| {
                        serde_json::from_str::<serde_json::Value>(line)
                            .ok()
                            .and_then(|v| v.get("step").and_then(|s| s.as_u64()))
                            .is_some_and(|s| s as usize <= done_steps)
                    })
                    .map(|line| format!("{line}\n"))
                    .collect();
                std::fs::write(path, kept)?;
                std::fs::OpenOptions::new().append(true).open(path)?
            }
        };
        Ok(Self {
            metrics: BufWriter::new(file),
            state_dir,
            stop,
            bar: None,
            start: Instant::now(),
            plain_every: plain_every.max(1),
            total: 0,
            rate: 0.0,
        })
    }

    fn line(&mut self, value: &impl serde::Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.metrics, value)?;
        self.metrics.write_all(b"\n")?;
        self.metrics.flush()
    }
}

impl Observer for RunObserver {
    fn on_start(&mut self, total_steps: usize, done_steps: usize) {
        self.total = total_steps;
        self.start = Instant::now();
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total_steps as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} epoch {prefix} [{bar:30}] {pos}/{len} steps  {msg}  {elapsed}<{eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_position(done_steps as u64);
            bar.reset_eta();
            self.bar = Some(bar);
        }
    }

    fn on_step(&mut self, _step: usize, epoch: usize, loss: f32) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_prefix(epoch.to_string());
            bar.set_message(format!("loss {loss:.4}  {:.0} views/s", self.rate));
        }
    }

    fn on_log(&mut self, record: &StepRecord) -> std::io::Result<()> {
        self.rate = record.views_per_second;
        if self.bar.is_none()
            && (record.step.is_multiple_of(self.plain_every) || record.step == self.total)
        {
            eprintln!(
                "step {}/{} epoch {} loss {:.4} {:.0} views/s {:.1}s",
                record.step,
                self.total,
                record.epoch,
                record.loss_avg,
                record.views_per_second,
                self.start.elapsed().as_secs_f64()
            );
        }
        self.line(record)
    }

    fn on_epoch(&mut self, record: &EpochRecord) -> std::io::Result<()> {
        self.line(record)
    }

    fn on_monitor(&mut self, record: &MonitorRecord) -> std::io::Result<()> {
        let text = format!(
            "epoch {}: online kNN (k={}) {:.4} on {} held-out examples ({:.1}s)",
            record.epoch, record.k, record.knn_accuracy, record.heldout_examples, record.seconds
        );
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
        self.line(record)
    }

    fn on_checkpoint(&mut self, state: &TrainState) -> Result<(), WhacError> {
        state.save(&self.state_dir)
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn on_end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
