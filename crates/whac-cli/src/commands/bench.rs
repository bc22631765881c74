//! `whac bench augment`: images per second of the MNIST augmentation pipeline (issue 3), one
//! JSON line, to set beside `bench/augment_torchvision.py` (see `bench/augment.sh`).

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::process::ExitCode;
use whac_data::DataSpec;
use whac_data::bench::{AugmentBench, bench_augment, mnist_pipeline};

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
