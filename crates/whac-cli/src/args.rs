//! Command-line arguments as typed by the user.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub use crate::commands::rbm::RbmArgs;

/// whac: contrastive learning as maximum-likelihood training of one RBM per example.
#[derive(Parser, Debug)]
#[command(name = "whac", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train an encoder, evaluate it (linear probe, kNN, raw-pixel baselines), write a run folder.
    Train(TrainArgs),
    /// The classical Bernoulli RBM: train (CD-k, PCD), evaluate (exact log Z, AIS), sample.
    Rbm(RbmArgs),
    /// Look at a recipe's transformation: `whac augment preview --out grid.png`.
    Augment(crate::commands::augment::AugmentArgs),
    /// Measure a trained run again (linear probe, kNN, baselines); writes DIR/eval.json.
    Eval(crate::commands::eval::EvalArgs),
    /// Write a run's frozen representation of a split as .npy (embeddings and labels).
    Embed(crate::commands::embed::EmbedArgs),
    /// Measure throughput: `whac bench augment --data mnist:DIR` (one JSON line).
    Bench(crate::commands::bench::BenchArgs),
    /// Tabulate run folders as Markdown: mean ± std over seeds per variant, and each run's command.
    Table(crate::commands::table::TableArgs),
    /// Write a run's report.html (config, scores, curves, similarity histograms, embedding maps,
    /// augmentation preview); `whac train` writes it at the end of every run.
    Report(crate::commands::report::ReportArgs),
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Recipe (TOML). Without it: the embedded default, equal to configs/digits.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data set: `digits` (embedded), `mnist:DIR`, `fashion-mnist:DIR`, `cifar10:DIR`,
    /// `text:FILE.tsv[.gz][,...]`, `csv:FILE[.gz][,...]`. Overrides data.source.
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Override one config value, e.g. `--set train.epochs=1` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run folder (must not exist or be empty). Default: runs/<timestamp>-<data>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue a stopped run (Ctrl-C, a kill, a crash) from its last checkpoint, with its own
    /// recipe; it ends with the same weights as an uninterrupted run.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
}
