//! `whac bench probe`: the linear-probe fit (standardise, full-batch L-BFGS, predict) on a data
//! set's raw pixels, printed as one JSON line with the same fields as
//! `bench/linear_probe_torch.py`, so the two can be compared.
//!
//! Both sides run a fixed number of L-BFGS iterations (no early stop), but their line searches
//! differ (whac backtracks under Armijo, PyTorch's `strong_wolfe` may extrapolate), so they call
//! the objective a different number of times: compare `evaluations_per_second` (one evaluation
//! is the loss and gradient over the whole training set) for speed, and `fit_seconds` and
//! `test_accuracy` for what a user waits for and gets.

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;
use whac_data::DataSpec;
use whac_eval::{Features, LinearProbeConfig, ProbeReport, linear_probe};

#[derive(Args, Debug)]
pub struct ProbeBenchArgs {
    /// Data set whose raw pixels are the features: `mnist:DIR`, `fashion-mnist:DIR`, `digits`.
    #[arg(long, value_name = "SPEC")]
    pub data: String,
    /// L-BFGS iterations per fit (the tolerance is 0, so every fit runs them all).
    #[arg(long, default_value_t = 100)]
    pub iters: usize,
    /// Weight of `½‖W‖²` (the bias is not penalised).
    #[arg(long, default_value_t = 1e-4)]
    pub l2: f64,
    /// Fits; the median time is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
}

/// The printed line.
#[derive(Serialize)]
struct Line {
    #[serde(rename = "impl")]
    implementation: &'static str,
    workload: &'static str,
    threads: usize,
    rows: usize,
    dim: usize,
    classes: usize,
    /// Median over the repeats of one whole `linear_probe` call.
    fit_seconds: f64,
    evaluations_per_second: f64,
    iterations: usize,
    evaluations: usize,
    train_loss: f64,
    test_accuracy: f64,
}

pub fn run_probe_bench(a: ProbeBenchArgs) -> Result<ExitCode> {
    if a.iters == 0 || a.repeats == 0 {
        bail!(
            "--iters {} --repeats {}: expected each at least 1",
            a.iters,
            a.repeats
        );
    }
    let spec: DataSpec = a
        .data
        .parse()
        .map_err(|e| anyhow::anyhow!("--data {}: {e}", a.data))?;
    let split = spec.load()?;
    let (train, test) = (&split.train, &split.test);
    let dim = train.channels * train.height * train.width;
    let cfg = LinearProbeConfig {
        l2: a.l2,
        max_iters: a.iters,
        tol: 0.0,
    };
    cfg.check()
        .map_err(|e| anyhow::anyhow!("--l2 {}: {e}", a.l2))?;

    let mut times = Vec::with_capacity(a.repeats);
    let mut report: Option<ProbeReport> = None;
    for _ in 0..a.repeats {
        let start = Instant::now();
        let r = linear_probe(
            Features::new(&train.pixels, train.len(), dim),
            &train.labels,
            Features::new(&test.pixels, test.len(), dim),
            &test.labels,
            train.num_classes,
            &cfg,
        )?;
        times.push(start.elapsed().as_secs_f64());
        report = Some(r);
    }
    let report = report.context("internal: no fit ran")?;
    times.sort_by(f64::total_cmp);
    let fit_seconds = times[times.len() / 2];
    let line = Line {
        implementation: concat!("whac ", env!("CARGO_PKG_VERSION")),
        workload: "linear_probe",
        threads: rayon::current_num_threads(),
        rows: train.len(),
        dim,
        classes: train.num_classes,
        fit_seconds,
        evaluations_per_second: report.evaluations as f64 / fit_seconds,
        iterations: report.iterations,
        evaluations: report.evaluations,
        train_loss: report.train_loss,
        test_accuracy: report.test_accuracy,
    };
    println!(
        "{}",
        serde_json::to_string(&line).context("internal: benchmark to JSON")?
    );
    Ok(ExitCode::SUCCESS)
}
