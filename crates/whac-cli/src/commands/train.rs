//! `whac train`: read the recipe, train, evaluate, write the run folder.

use anyhow::{Context, Result};
use std::process::ExitCode;
use std::time::Instant;
use whac::burn::module::Module;
use whac::compatibility::Model;
use whac::encoder::EncoderConfig;
use whac::eval::evaluate_model;
use whac::objective::Objective;
use whac::train::{Standardize, TrainData, fit, save_model};

use crate::args::TrainArgs;
use crate::config::{self, RunConfig};
use crate::progress::RunObserver;
use crate::run_dir::RunDir;
use crate::summary::{Summary, SummaryHead, command_line};

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    // Stage 1: the recipe, typed and checked before anything is created on disk.
    let base = match &args.config {
        Some(path) => config::load(path)?,
        None => RunConfig::default(),
    };
    let config = config::apply_overrides(base, args.data.as_deref(), &args.set)?;
    let transform = config.transform.check()?;
    let compatibility = config.compatibility.check()?;
    let objective = config.objective.check()?;
    config.train.check()?;
    let base_device = config.train.device.device()?;

    // Stage 2: the data.
    let split = config.data.source.load()?;
    config
        .encoder
        .check(split.train.height, split.train.width)?;

    let run_dir = RunDir::create(args.out.as_deref(), config.data.source.name())?;
    run_dir.write_atomic("config.toml", config::to_toml(&config)?.as_bytes())?;

    // Stage 3: train.
    let device = base_device.clone().autodiff();
    device.seed(config.train.seed);
    let model = Model::new(
        &config.encoder,
        &config.compatibility,
        split.train.height,
        split.train.width,
        &device,
    );
    let standardize = Standardize::fit(&split.train);
    let mut observer = RunObserver::new(&run_dir.file("metrics.jsonl"), config.train.log_every)
        .with_context(|| format!("{}: cannot create metrics.jsonl", run_dir.path.display()))?;
    let (model, report) = fit(
        model,
        objective,
        compatibility,
        &config.train,
        TrainData {
            train: &split.train,
            transform: &transform,
            standardize,
        },
        &device,
        &mut observer,
    )?;
    let model = model.valid();
    save_model(&model, &run_dir.file("checkpoint/model.safetensors"))?;

    // Stage 4: evaluate the frozen representation, and raw pixels the same way.
    let eval_start = Instant::now();
    let eval = &config.eval;
    let scores = evaluate_model(
        &model,
        &split,
        &transform,
        standardize,
        &compatibility,
        objective.copies(),
        config.train.seed,
        eval,
        &base_device,
    )?;
    let (representation, baseline_pixels, induced_rbm) = (
        scores.representation,
        scores.baseline_pixels,
        scores.induced_rbm,
    );
    let head = SummaryHead {
        command: command_line(),
        data: config.data.source.name(),
        data_source: config.data.source.to_string(),
        train_examples: split.train.len(),
        test_examples: split.test.len(),
        encoder: match config.encoder {
            EncoderConfig::Mlp { .. } => "mlp",
            EncoderConfig::Cnn { .. } => "cnn",
        },
        objective: objective.name(),
        negatives: objective.negatives_name(),
        variant: objective.label(),
        unbiased: matches!(objective, Objective::Rbm { unbiased: true, .. }),
        copies: objective.copies(),
        temperature: compatibility.temperature,
        learning_rate: config.train.learning_rate,
        seed: config.train.seed,
        standardize,
        baseline_pixels,
        induced_rbm,
        eval_seconds: eval_start.elapsed().as_secs_f64(),
    };
    let summary = Summary::new(head, &report, representation);
    let json = serde_json::to_string_pretty(&summary).context("internal: summary to JSON")?;
    run_dir.write_atomic("summary.json", json.as_bytes())?;
    println!("{}", summary.human(&run_dir.path));
    Ok(ExitCode::SUCCESS)
}
