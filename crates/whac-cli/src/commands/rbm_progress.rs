//! `whac rbm train`'s observer: a progress bar on a terminal (updates, reconstruction error,
//! pseudo-log-likelihood), plain lines per epoch otherwise, and `metrics.jsonl`.

use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use whac_rbm::{EpochReport, StepStats, TrainObserver};

/// Writes one JSON line per epoch; keeps the first write error for [`RbmProgress::finish`].
pub struct RbmProgress {
    metrics: BufWriter<File>,
    bar: Option<ProgressBar>,
    terminal: bool,
    recent_error: f64,
    pseudo: Option<f64>,
    error: Option<std::io::Error>,
}

impl RbmProgress {
    pub fn new(metrics: File) -> Self {
        Self {
            metrics: BufWriter::new(metrics),
            bar: None,
            terminal: std::io::stderr().is_terminal(),
            recent_error: f64::NAN,
            pseudo: None,
            error: None,
        }
    }

    /// Clears the bar; the first error writing `metrics.jsonl`, if any.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => self.metrics.flush(),
        }
    }

    fn message(&self) -> String {
        match self.pseudo {
            Some(pl) => format!("recon {:.4}  PL {pl:.2}", self.recent_error),
            None => format!("recon {:.4}", self.recent_error),
        }
    }
}

impl TrainObserver for RbmProgress {
    fn on_step(&mut self, step: usize, total: usize, stats: &StepStats) {
        if !self.terminal {
            return;
        }
        // An exponential moving average, so the bar's figure is steady.
        self.recent_error = if self.recent_error.is_nan() {
            stats.reconstruction_error
        } else {
            0.98 * self.recent_error + 0.02 * stats.reconstruction_error
        };
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "[{bar:30}] {pos}/{len} updates  {msg}  {elapsed}<{eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        bar.set_position(step as u64);
        if step.is_multiple_of(16) || step == total {
            let msg = self.message();
            if let Some(bar) = &self.bar {
                bar.set_message(msg);
            }
        }
    }

    fn on_epoch(&mut self, r: &EpochReport) {
        self.pseudo = Some(r.pseudo_log_likelihood);
        let swaps = if r.swap_acceptance.is_empty() {
            String::new()
        } else {
            let rates: Vec<String> = r
                .swap_acceptance
                .iter()
                .map(|a| format!("{a:.2}"))
                .collect();
            format!("  swap acceptance [{}]", rates.join(" "))
        };
        let line = format!(
            "epoch {:>4}  reconstruction error {:.5}  pseudo-log-likelihood {:.3}  lr {:.3e}{swaps}  {:.1} s",
            r.epoch, r.reconstruction_error, r.pseudo_log_likelihood, r.learning_rate, r.seconds
        );
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
        let mut record = serde_json::json!({
            "epoch": r.epoch,
            "reconstruction_error": r.reconstruction_error,
            "pseudo_log_likelihood": r.pseudo_log_likelihood,
            "learning_rate": r.learning_rate,
            "seconds": r.seconds,
        });
        if !r.swap_acceptance.is_empty() {
            record["swap_acceptance"] = serde_json::json!(r.swap_acceptance);
        }
        if let Err(e) = writeln!(self.metrics, "{record}").and_then(|_| self.metrics.flush()) {
            self.error.get_or_insert(e);
        }
    }
}
