//! `whac bench ...`: one JSON line per measurement, each with a PyTorch script beside it doing the
//! same work (`bench/compare.sh` runs them interleaved and writes the table of
//! docs/performance.md):
//! - `augment`: images per second of the MNIST augmentation pipeline (`bench/augment_torchvision.py`);
//! - `train-step`: steps per second of the CNN + NT-Xent + Adam step (`bench/train_step_torch.py`);
//! - `cd-step`: steps per second of the RBM CD-1 update (`bench/rbm_cd1_torch.py`);
//! - `probe`: the linear-probe fit on raw pixels, L-BFGS (`bench/linear_probe_torch.py`).

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::process::ExitCode;
use whac::bench::{TrainStepBench, bench_train_step};
use whac::burn::prelude::Device;
use whac_data::DataSpec;
use whac_data::bench::{AugmentBench, bench_augment, mnist_pipeline};

use super::probe_bench::{ProbeBenchArgs, run_probe_bench};
use super::rbm_bench::{RbmBenchArgs, run_bench};

/// `whac bench ...`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Images per second of the MNIST pipeline (crop, affine, elastic p=0.3, jitter p=0.8), one
    /// copy per image, every copy materialised; prints one JSON line.
    Augment(AugmentBenchArgs),
    /// Steps per second of one training step of the MNIST recipe's CNN (two views per example,
    /// NT-Xent, Adam) on random images; prints one JSON line.
    TrainStep(TrainStepArgs),
    /// Steps per second of the RBM CD-k update on random binary data (the same as `whac rbm
    /// bench`); prints one JSON line.
    CdStep(RbmBenchArgs),
    /// Time of the linear-probe fit (standardise, a fixed number of full-batch L-BFGS
    /// iterations, predict) on a data set's raw pixels; prints one JSON line.
    Probe(ProbeBenchArgs),
}

#[derive(Args, Debug)]
pub struct TrainStepArgs {
    /// Examples per step (the network sees twice as many views).
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Timed steps per repeat.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Repeats; the median rate is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
}

#[derive(Args, Debug)]
pub struct AugmentBenchArgs {
    /// Data set whose training images are transformed: `mnist:DIR`, `fashion-mnist:DIR`, `digits`.
    #[arg(long, value_name = "SPEC")]
    pub data: String,
    /// Number of images to transform (the training images in order, cycling).
    #[arg(long, value_name = "N", default_value_t = 60_000)]
    pub images: usize,
    /// Worker threads. Default: rayon's (the number of cores, or RAYON_NUM_THREADS).
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Images per parallel batch.
    #[arg(long, value_name = "B", default_value_t = 256)]
    pub batch: usize,
}

/// The printed line: the measurement and the data set.
#[derive(Serialize)]
struct Line<'a> {
    data: &'a str,
    #[serde(flatten)]
    bench: AugmentBench,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    match args.command {
        BenchCommand::Augment(a) => augment(a),
        BenchCommand::TrainStep(a) => train_step(a),
        BenchCommand::CdStep(a) => crate::worker_pool::on_worker_pool(|| run_bench(a))?,
        BenchCommand::Probe(a) => crate::worker_pool::on_worker_pool(|| run_probe_bench(a))?,
    }
}

fn augment(args: AugmentBenchArgs) -> Result<ExitCode> {
    let spec: DataSpec = args
        .data
        .parse()
        .map_err(|e| anyhow::anyhow!("--data {}: {e}", args.data))?;
    let transform = mnist_pipeline().check()?;
    let split = spec.load()?;
    let bench = bench_augment(
        &transform,
        &split.train,
        args.images,
        args.batch,
        args.threads,
    )
    .map_err(|e| anyhow::anyhow!("--{e}"))?;
    let line = Line {
        data: &args.data,
        bench,
    };
    println!(
        "{}",
        serde_json::to_string(&line).context("internal: benchmark to JSON")?
    );
    Ok(ExitCode::SUCCESS)
}

fn train_step(a: TrainStepArgs) -> Result<ExitCode> {
    if a.batch < 2 || a.steps == 0 || a.repeats == 0 {
        anyhow::bail!(
            "--batch {} --steps {} --repeats {}: expected a batch of at least 2 and at least one step and repeat",
            a.batch,
            a.steps,
            a.repeats
        );
    }
    let settings = TrainStepBench {
        batch: a.batch,
        steps: a.steps,
        warmup: a.warmup,
        repeats: a.repeats,
    };
    let result = bench_train_step(settings, &Device::flex().autodiff());
    let mut line = serde_json::to_value(&result).context("internal: benchmark to JSON")?;
    line["impl"] = concat!("whac ", env!("CARGO_PKG_VERSION")).into();
    line["workload"] = "train_step".into();
    line["threads"] = rayon::current_num_threads().into();
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
