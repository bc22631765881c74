//! `whac eval --run DIR [--data SPEC]`: measure a trained run again (linear probe, kNN, raw-pixel
//! baselines, induced-RBM log-likelihood) and write `eval.json` beside its `summary.json`, which
//! is never touched.

use anyhow::{Context, Result, ensure};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use whac::burn::store::ModuleSnapshot;
use whac::compatibility::Model;
use whac::eval::{FeatureScores, InducedRbmScore, evaluate_model};
use whac::train::Standardize;

use crate::summary::score_lines;

use super::run_loader::{LoadedRun, write_atomic};

/// `whac eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Run folder written by `whac train`.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Data set to measure on instead of the run's own (same image size, or a table of the same
    /// columns): `digits`, `mnist:DIR`, `fashion-mnist:DIR`, `csv:FILE`. The result then goes to
    /// `eval-<data>.json`.
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
}

/// `eval.json`.
#[derive(Serialize, Debug)]
pub struct EvalFile {
    pub data: &'static str,
    pub data_source: String,
    pub run_data_source: String,
    pub train_examples: usize,
    pub test_examples: usize,
    pub representation_dim: usize,
    pub standardize: Standardize,
    pub standardize_source: &'static str,
    pub baseline: &'static str,
    pub linear_probe: whac_eval::ProbeReport,
    pub knn: whac::eval::KnnScore,
    pub baseline_pixels: Option<FeatureScores>,
    pub induced_rbm: Option<InducedRbmScore>,
    pub geometry: Option<whac_eval::Geometry>,
    /// Always `true` in a written file: evaluation is refused otherwise.
    pub encoder_weights_unchanged: bool,
    pub eval_seconds: f64,
    pub whac_version: &'static str,
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let run = LoadedRun::open(&args.run, args.data.as_deref())?;
    let config = &run.config;
    let compatibility = config.compatibility.check()?;
    let objective = config.objective.check()?;
    let eval = &config.eval;
    let (train, test) = (run.run_data.train()?, run.run_data.test()?);

    let start = Instant::now();
    let before = weights(&run.model)?;
    let scores = evaluate_model(
        &run.model,
        &train,
        &test,
        &compatibility,
        objective.copies(),
        config.train.seed,
        eval,
        &run.device,
    )?;
    let (representation, baseline_pixels, induced_rbm, geometry) = (
        scores.representation,
        scores.baseline_pixels,
        scores.induced_rbm,
        scores.geometry,
    );
    let dim = representation.dim;
    // Measuring must not train: every parameter is byte-for-byte what it was before.
    let after = weights(&run.model)?;
    ensure!(
        before == after,
        "internal: evaluation changed the model's weights (tensors {:?})",
        changed(&before, &after)
    );

    let file = EvalFile {
        data: run.data.name(),
        data_source: run.data.to_string(),
        run_data_source: config.data.source.to_string(),
        train_examples: train.len(),
        test_examples: test.len(),
        representation_dim: dim,
        standardize: run.standardize,
        standardize_source: run.standardize_source,
        baseline: whac::eval::baseline_name(&train),
        linear_probe: representation.linear_probe,
        knn: representation.knn,
        baseline_pixels,
        induced_rbm,
        geometry,
        encoder_weights_unchanged: true,
        eval_seconds: start.elapsed().as_secs_f64(),
        whac_version: env!("CARGO_PKG_VERSION"),
    };
    let name = if run.data_differs {
        format!("eval-{}.json", run.data.name())
    } else {
        "eval.json".to_string()
    };
    let path = run.dir.join(&name);
    let json = serde_json::to_string_pretty(&file).context("internal: eval to JSON")?;
    write_atomic(&path, json.as_bytes())?;
    println!("{}", human(&file, &path));
    Ok(ExitCode::SUCCESS)
}

/// Every parameter of `model` by name, as raw little-endian bytes.
fn weights(model: &Model) -> Result<Vec<(String, Vec<u8>)>> {
    model
        .collect(None, None, false)
        .into_iter()
        .map(|t| {
            let bytes = t
                .to_bytes()
                .map_err(|e| anyhow::anyhow!("internal: cannot read tensor {}: {e}", t.name))?;
            Ok((t.name.clone(), bytes.to_vec()))
        })
        .collect()
}

fn changed(before: &[(String, Vec<u8>)], after: &[(String, Vec<u8>)]) -> Vec<String> {
    before
        .iter()
        .filter(|b| !after.contains(b))
        .map(|(name, _)| name.clone())
        .collect()
}

fn human(f: &EvalFile, path: &std::path::Path) -> String {
    let mut s = format!(
        "whac eval: {} ({} train / {} test), representation dim {}\n\n",
        f.data_source, f.train_examples, f.test_examples, f.representation_dim
    );
    s.push_str(&score_lines(
        &f.linear_probe,
        &f.knn,
        f.baseline,
        f.baseline_pixels.as_ref(),
        f.induced_rbm.as_ref(),
        f.geometry.as_ref(),
    ));
    s.push_str("\nencoder weights unchanged by evaluation (checked)\n");
    s.push_str(&format!("written: {}", path.display()));
    s
}
