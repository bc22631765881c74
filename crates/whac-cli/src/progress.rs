//! Progress on the terminal and `metrics.jsonl` on disk: the CLI's training observer.

use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;
use whac::train::{EpochRecord, Observer, StepRecord};

/// A progress bar with loss and rate on a terminal; plain lines (one per logged step) otherwise.
pub struct RunObserver {
    metrics: BufWriter<File>,
    bar: Option<ProgressBar>,
    start: Instant,
    plain_every: usize,
    total: usize,
    rate: f64,
}

impl RunObserver {
    /// Writes metrics to `path` (created).
    pub fn new(path: &Path, plain_every: usize) -> std::io::Result<Self> {
        Ok(Self {
            metrics: BufWriter::new(File::create(path)?),
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
    fn on_start(&mut self, total_steps: usize) {
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

    fn on_end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
