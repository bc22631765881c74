//! `summary.json`: the final figures of a run, and the short human summary printed at the end.

use serde::Serialize;
use whac::eval::FeatureScores;
use whac::train::{Standardize, TrainReport};

/// Everything `summary.json` holds: the head (config and data), then what training measured,
/// then the scores of the representation.
#[derive(Serialize, Debug)]
pub struct Summary {
    #[serde(flatten)]
    pub head: SummaryHead,
    pub epochs: usize,
    pub steps: usize,
    pub batch_size: usize,
    pub train_seconds: f64,
    pub views_per_second: f64,
    pub first_epoch_loss: f64,
    pub final_loss: f64,
    pub loss_first_steps: f64,
    pub loss_last_steps: f64,
    pub representation_dim: usize,
    pub linear_probe: whac_eval::ProbeReport,
    pub knn: whac::eval::KnnScore,
    pub whac_version: &'static str,
}

impl Summary {
    /// Builds the summary from the training report and the scores.
    pub fn new(head: SummaryHead, train: &TrainReport, scores: FeatureScores) -> Self {
        Summary {
            head,
            epochs: train.epochs,
            steps: train.steps,
            batch_size: train.batch_size,
            train_seconds: train.train_seconds,
            views_per_second: train.views_per_second,
            first_epoch_loss: train.first_epoch_loss,
            final_loss: train.final_loss,
            loss_first_steps: train.first_steps_loss,
            loss_last_steps: train.last_steps_loss,
            representation_dim: scores.dim,
            linear_probe: scores.linear_probe,
            knn: scores.knn,
            whac_version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// A few lines for the terminal.
    pub fn human(&self, run_dir: &std::path::Path) -> String {
        let mut s = format!(
            "whac: {} ({} train / {} test), {} encoder, objective {} (negatives {}, M = {}, τ = {})\n\
             trained {} epochs, {} steps in {:.1} s ({:.0} views/s); loss {:.4} (first steps) → {:.4} (last steps)\n\n",
            self.head.data_source,
            self.head.train_examples,
            self.head.test_examples,
            self.head.encoder,
            self.head.objective,
            self.head.negatives,
            self.head.copies,
            self.head.temperature,
            self.epochs,
            self.steps,
            self.train_seconds,
            self.views_per_second,
            self.loss_first_steps,
            self.loss_last_steps,
        );
        s.push_str(&score_lines(
            &self.linear_probe,
            &self.knn,
            self.head.baseline,
            self.head.baseline_pixels.as_ref(),
            self.head.induced_rbm.as_ref(),
            self.head.geometry.as_ref(),
        ));
        s.push_str(&format!("\nrun folder: {}", run_dir.display()));
        s
    }
}

/// The parts of the summary that come from the config, the data and the baseline.
#[derive(Serialize, Debug)]
pub struct SummaryHead {
    /// The command line that made the run, shell-quoted.
    pub command: String,
    pub data: &'static str,
    pub data_source: String,
    pub train_examples: usize,
    pub test_examples: usize,
    pub encoder: &'static str,
    pub objective: &'static str,
    pub negatives: &'static str,
    /// One label for tables, such as `rbm/all` or `nt_xent` (see `Objective::label`).
    pub variant: String,
    pub unbiased: bool,
    pub copies: usize,
    pub temperature: f64,
    pub learning_rate: f64,
    pub seed: u64,
    pub standardize: Standardize,
    /// What `baseline_pixels` measured: `raw pixels`, `standardised features` or `tf-idf bag
    /// of words` (see `whac::eval::baseline_features`).
    pub baseline: &'static str,
    pub baseline_pixels: Option<FeatureScores>,
    pub induced_rbm: Option<whac::eval::InducedRbmScore>,
    pub geometry: Option<whac_eval::Geometry>,
    pub eval_seconds: f64,
}

/// The scores as a small terminal table: representation and raw input (linear probe, kNN at
/// each k), then the induced-RBM test log-likelihood and the embedding geometry when measured.
pub fn score_lines(
    linear: &whac_eval::ProbeReport,
    knn: &whac::eval::KnnScore,
    baseline_name: &str,
    baseline: Option<&FeatureScores>,
    induced_rbm: Option<&whac::eval::InducedRbmScore>,
    geometry: Option<&whac_eval::Geometry>,
) -> String {
    let ks: String = std::iter::once(knn.k)
        .chain(knn.also.iter().map(|a| a.k))
        .map(|k| format!("   kNN k={k:<4}"))
        .collect();
    let knn_cells = |k: &whac::eval::KnnScore| -> String {
        std::iter::once(k.test_accuracy)
            .chain(k.also.iter().map(|a| a.test_accuracy))
            .map(|a| format!("   {a:<10.4}"))
            .collect()
    };
    let mut s = format!("                        linear probe (train / test){ks}\n");
    s.push_str(&format!(
        "  representation        {:.4} / {:.4}           {}\n",
        linear.train_accuracy,
        linear.test_accuracy,
        knn_cells(knn)
    ));
    if let Some(b) = baseline {
        s.push_str(&format!(
            "  {baseline_name:<22}{:.4} / {:.4}           {}\n",
            b.linear_probe.train_accuracy,
            b.linear_probe.test_accuracy,
            knn_cells(&b.knn)
        ));
    }
    if let Some(r) = induced_rbm {
        s.push_str(&format!(
            "\ninduced-RBM test log-likelihood {:.4} nats (uniform {:.4}; M = {}, {} draw(s))\n",
            r.test_log_likelihood, r.uniform_log_likelihood, r.copies, r.draws
        ));
    }
    if let Some(g) = geometry {
        s.push_str(&format!(
            "alignment {:.4}, uniformity {:.4} (Wang & Isola 2020; {} test examples)\n",
            g.alignment, g.uniformity, g.examples
        ));
    }
    s
}

/// The process's command line, each argument shell-quoted where it needs to be, the program
/// shown as `whac`.
pub fn command_line() -> String {
    std::iter::once("whac".to_string())
        .chain(std::env::args().skip(1).map(|a| shell_quote(&a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `a` as one shell word: unchanged when it holds only safe characters, else in single quotes.
fn shell_quote(a: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c);
    if !a.is_empty() && a.chars().all(safe) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quoting_keeps_safe_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("train.epochs=1"), "train.epochs=1");
        assert_eq!(shell_quote("mnist:../d"), "mnist:../d");
        assert_eq!(
            shell_quote("objective.kind=\"moco\""),
            "'objective.kind=\"moco\"'"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
