//! `whac train`: read the recipe, train, evaluate, write the run folder.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use whac::WhacError;
use whac::burn::module::Module;
use whac::compatibility::Model;
use whac::eval::evaluate_model;
use whac::objective::Objective;
use whac::train::{Progress, TrainData, fit, resume, save_model};

use crate::args::TrainArgs;
use crate::config::{self, RunConfig};
use crate::progress::RunObserver;
use crate::run_data::{CheckedTransform, RunData};
use crate::run_dir::RunDir;
use crate::summary::{Summary, SummaryHead, command_line};

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    // Stage 1: the recipe, typed and checked before anything is created on disk. A resumed run
    // takes its own resolved recipe, unchanged.
    let config = match &args.resume {
        Some(dir) => {
            if args.config.is_some()
                || args.data.is_some()
                || !args.set.is_empty()
                || args.out.is_some()
            {
                bail!(
                    "--resume {}: continues the run with its own config.toml; expected no --config, --data, --set or --out beside it",
                    dir.display()
                );
            }
            config::load(&dir.join("config.toml"))?
        }
        None => {
            let base = match &args.config {
                Some(path) => config::load(path)?,
                None => RunConfig::default(),
            };
            config::apply_overrides(base, args.data.as_deref(), &args.set)?
        }
    };
    let transform = CheckedTransform::check(&config.transform)?;
    let compatibility = config.compatibility.check()?;
    let objective = config.objective.check()?;
    config.train.check()?;
    let base_device = config.train.device.device()?;

    // Stage 2: the data.
    let data = RunData::load(&config.data.source, &config.data, transform, None)?;
    let (train_set, test_set) = (data.train()?, data.test()?);
    let shape = data.shape();
    config.encoder.check(&shape)?;

    let run_dir = match &args.resume {
        Some(dir) => RunDir::existing(dir)?,
        None => {
            let run_dir = RunDir::create(args.out.as_deref(), config.data.source.name())?;
            run_dir.write_atomic("config.toml", config::to_toml(&config)?.as_bytes())?;
            run_dir
        }
    };
    let state_dir = run_dir.file("checkpoint/state");

    // Stage 3: train.
    let device = base_device.clone().autodiff();
    device.seed(config.train.seed);
    let model = Model::new(&config.encoder, &config.compatibility, &shape, &device);
    let standardize = data.standardize;
    let stop = ctrl_c_flag()?;
    let done_steps = match &args.resume {
        Some(_) => Some(saved_step(&state_dir)?),
        None => None,
    };
    let mut observer = RunObserver::new(
        &run_dir.file("metrics.jsonl"),
        config.train.log_every,
        state_dir.clone(),
        stop,
        done_steps,
    )
    .with_context(|| format!("{}: cannot write metrics.jsonl", run_dir.path.display()))?;
    let train_data = TrainData {
        train: train_set,
        heldout: Some(test_set),
    };
    let trained = match &args.resume {
        Some(_) => resume(
            &state_dir,
            model,
            objective,
            compatibility.clone(),
            &config.train,
            train_data,
            &device,
            &mut observer,
        ),
        None => fit(
            model,
            objective,
            compatibility.clone(),
            &config.train,
            train_data,
            &device,
            &mut observer,
        ),
    };
    let (model, report) = match trained {
        Err(WhacError::Interrupted { step }) => {
            eprintln!(
                "whac: interrupted after step {step}; the training state is in {}; continue with: whac train --resume {}",
                state_dir.display(),
                run_dir.path.display()
            );
            return Ok(ExitCode::from(130));
        }
        other => other?,
    };
    let model = model.valid();
    save_model(&model, &run_dir.file("checkpoint/model.safetensors"))?;

    // Stage 4: evaluate the frozen representation, and the raw input the same way.
    let eval_start = Instant::now();
    let eval = &config.eval;
    let scores = evaluate_model(
        &model,
        &train_set,
        &test_set,
        &compatibility,
        objective.copies(),
        config.train.seed,
        eval,
        &base_device,
    )?;
    let (representation, baseline_pixels, induced_rbm, geometry) = (
        scores.representation,
        scores.baseline_pixels,
        scores.induced_rbm,
        scores.geometry,
    );
    let head = SummaryHead {
        command: command_line(),
        data: config.data.source.name(),
        data_source: config.data.source.to_string(),
        train_examples: train_set.len(),
        test_examples: test_set.len(),
        encoder: config.encoder.name(),
        objective: objective.name(),
        negatives: objective.negatives_name(),
        variant: objective.label(),
        unbiased: matches!(objective, Objective::Rbm { unbiased: true, .. }),
        copies: objective.copies(),
        temperature: compatibility.with_model(&model).current_temperature(),
        learning_rate: config.train.learning_rate,
        seed: config.train.seed,
        standardize,
        baseline: whac::eval::baseline_name(&train_set),
        baseline_pixels,
        induced_rbm,
        geometry,
        eval_seconds: eval_start.elapsed().as_secs_f64(),
    };
    let summary = Summary::new(head, &report, representation);
    let json = serde_json::to_string_pretty(&summary).context("internal: summary to JSON")?;
    run_dir.write_atomic("summary.json", json.as_bytes())?;
    println!("{}", summary.human(&run_dir.path));
    // The run is complete without its report: a failure here is said, not fatal.
    if let Err(e) = crate::report::write(&run_dir.path) {
        eprintln!(
            "whac: warning: report.html not written: {e:#}; retry with: whac report --run {}",
            run_dir.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A flag set by the first Ctrl-C (the loop then checkpoints and stops); a second Ctrl-C exits at
/// once with code 130.
fn ctrl_c_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "\nwhac: stopping after this step (checkpointing); press Ctrl-C again to quit at once"
        );
    })
    .context("cannot install the Ctrl-C handler")?;
    Ok(stop)
}

/// The step a saved training state reached (its `progress.json`).
fn saved_step(state_dir: &Path) -> Result<usize> {
    let candidates = [
        state_dir.to_path_buf(),
        state_dir.with_file_name("state.old"),
    ];
    for dir in candidates {
        let path = dir.join("progress.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let progress: Progress = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a training state", path.display()))?;
            return Ok(progress.step);
        }
    }
    bail!(
        "{}: no training state; expected the checkpoint/state folder of a run started by `whac train`",
        state_dir.display()
    )
}
