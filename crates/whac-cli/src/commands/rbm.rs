//! `whac rbm train | eval | sample | bench`: the classical Bernoulli RBM toolkit (crate
//! `whac-rbm`).
//!
//! A run folder holds `config.json` (data and resolved training settings), `metrics.jsonl` (one
//! line per epoch: reconstruction error, pseudo-log-likelihood, learning rate, swap acceptance
//! for PT, seconds), `model.safetensors` (`W` D×J, `b` D, `c` J, f32), `filters.png`,
//! `samples.png`, and after `eval`, `eval.json`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use whac_data::{DataSpec, ImageSet};
use whac_rbm::{
    AisConfig, Algorithm, Binarization, Ladder, LrSchedule, MAX_ENUMERATED_UNITS, Params,
    RbmTrainConfig, ais, base_rate_biases, binarize, exact_log_z, filters, load_safetensors,
    mean_log_likelihood, pseudo_log_likelihood, save_grid_png, save_safetensors, train,
};

use super::rbm_bench::{RbmBenchArgs, run_bench};
use super::rbm_progress::RbmProgress;

/// `whac rbm …`
#[derive(Args, Debug)]
pub struct RbmArgs {
    #[command(subcommand)]
    pub command: RbmCommand,
}

#[derive(Subcommand, Debug)]
pub enum RbmCommand {
    /// Train a Bernoulli RBM with CD-k or PCD-k; write a run folder.
    Train(RbmTrainArgs),
    /// Estimate log Z (exact or AIS) and the train/test log-likelihood of a run; write eval.json.
    Eval(RbmEvalArgs),
    /// Draw samples from a trained RBM by Gibbs sampling; write a PNG grid.
    Sample(RbmSampleArgs),
    /// Time the training update (default: CD-1, 784×500, batch 256) on random binary data.
    Bench(RbmBenchArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlgoArg {
    Cd,
    Pcd,
    /// Parallel tempering.
    Pt,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LadderArg {
    Geometric,
    Linear,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LrScheduleArg {
    Constant,
    Linear,
    Cosine,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BinarizeArg {
    Threshold,
    Stochastic,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum LogZArg {
    Exact,
    Ais,
}

#[derive(Args, Debug)]
pub struct RbmTrainArgs {
    /// Data set: `digits` (embedded), `mnist:DIR`, `fashion-mnist:DIR`.
    #[arg(long, value_name = "SPEC", default_value = "digits")]
    pub data: String,
    /// Hidden units J.
    #[arg(long, default_value_t = 16)]
    pub hidden: usize,
    /// Negative phase: contrastive divergence, persistent CD, or parallel tempering.
    #[arg(long, value_enum, default_value = "pcd")]
    pub algo: AlgoArg,
    /// Gibbs sweeps per update (at every temperature for PT).
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// Parallel tempering: number of temperatures K (default 10; only with --algo pt).
    #[arg(long)]
    pub temperatures: Option<usize>,
    /// Parallel tempering: spacing of the inverse temperatures from 1 down to --pt-min-beta.
    #[arg(long, value_enum, default_value = "geometric")]
    pub pt_ladder: LadderArg,
    /// Parallel tempering: the smallest inverse temperature.
    #[arg(long, default_value_t = 0.1)]
    pub pt_min_beta: f64,
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// Learning rate over the run: constant, linear decay to 0, or cosine decay to 0.
    #[arg(long, value_enum, default_value = "constant")]
    pub lr_schedule: LrScheduleArg,
    #[arg(long, default_value_t = 0.0)]
    pub momentum: f64,
    /// L2 penalty on W.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Centred gradient (Melchior et al. 2016).
    #[arg(long)]
    pub centered: bool,
    /// Binarisation of [0, 1] pixels: `x > 0.5`, or Bernoulli(x) drawn once from the seed.
    #[arg(long, value_enum, default_value = "threshold")]
    pub binarize: BinarizeArg,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Run folder (must not exist or be empty). Default: runs/<timestamp>-rbm-<data>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RbmEvalArgs {
    /// Run folder written by `whac rbm train`.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Exact (enumerating the smaller layer, ≤ 25 units) or annealed importance sampling.
    #[arg(long, value_enum, default_value = "exact")]
    pub logz: LogZArg,
    /// AIS runs R.
    #[arg(long, default_value_t = 100)]
    pub ais_runs: usize,
    /// Total AIS steps K, split like Salakhutdinov & Murray's 500/4000/10000 over
    /// [0, 0.5]/[0.5, 0.9]/[0.9, 1]. Default: their 14 500.
    #[arg(long)]
    pub ais_steps: Option<usize>,
    /// Gibbs sweeps of the model that make reverse AIS's starting states (from training images).
    #[arg(long, default_value_t = 1000)]
    pub reverse_burn_in: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct RbmSampleArgs {
    /// Run folder written by `whac rbm train`.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// PNG file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Number of samples (independent chains started at training images).
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Gibbs sweeps per chain.
    #[arg(long, default_value_t = 1000)]
    pub sweeps: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `config.json` of a run folder.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunConfig {
    data: DataSpec,
    train: RbmTrainConfig,
}

pub fn run(args: RbmArgs) -> Result<ExitCode> {
    crate::worker_pool::on_worker_pool(|| match args.command {
        RbmCommand::Train(a) => run_train(a),
        RbmCommand::Eval(a) => run_eval(a),
        RbmCommand::Sample(a) => run_sample(a),
        RbmCommand::Bench(a) => run_bench(a),
    })?
}

/// Binarised train and test sets; the test set's stochastic draws use `seed + 1`.
fn binarized(split: &whac_data::Split, config: &RbmTrainConfig) -> (Vec<f32>, Vec<f32>) {
    let d = split.train.dim();
    let bin = |s: &ImageSet, seed: u64| binarize(&s.pixels, d, config.binarization, seed);
    (
        bin(&split.train, config.seed),
        bin(&split.test, config.seed.wrapping_add(1)),
    )
}

fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("{}: cannot write", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
}

fn run_train(a: RbmTrainArgs) -> Result<ExitCode> {
    let data: DataSpec = a.data.parse().context("--data")?;
    if a.temperatures.is_some() && !matches!(a.algo, AlgoArg::Pt) {
        bail!("--temperatures: only parallel tempering has temperatures; expected --algo pt");
    }
    let config = RbmTrainConfig {
        hidden: a.hidden,
        algorithm: match a.algo {
            AlgoArg::Cd => Algorithm::Cd { k: a.k },
            AlgoArg::Pcd => Algorithm::Pcd { k: a.k },
            AlgoArg::Pt => Algorithm::Pt {
                k: a.k,
                temperatures: a.temperatures.unwrap_or(10),
            },
        },
        learning_rate: a.lr,
        lr_schedule: match a.lr_schedule {
            LrScheduleArg::Constant => LrSchedule::Constant,
            LrScheduleArg::Linear => LrSchedule::Linear,
            LrScheduleArg::Cosine => LrSchedule::Cosine,
        },
        pt_ladder: match a.pt_ladder {
            LadderArg::Geometric => Ladder::Geometric,
            LadderArg::Linear => Ladder::Linear,
        },
        pt_min_beta: a.pt_min_beta,
        momentum: a.momentum,
        weight_decay: a.weight_decay,
        batch_size: a.batch,
        epochs: a.epochs,
        seed: a.seed,
        centered: a.centered,
        binarization: match a.binarize {
            BinarizeArg::Threshold => Binarization::Threshold,
            BinarizeArg::Stochastic => Binarization::Stochastic,
        },
        ..RbmTrainConfig::default()
    };
    config.check()?;
    let split = data.load()?;
    let (h, w) = (split.train.height, split.train.width);
    let d = split.train.dim();
    let (train_x, _) = binarized(&split, &config);

    let out = a.out.unwrap_or_else(|| {
        PathBuf::from("runs").join(format!(
            "{}-rbm-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S"),
            data.name()
        ))
    });
    if out.exists()
        && out
            .read_dir()
            .map(|mut e| e.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "--out {}: folder exists and is not empty; expected a new or empty folder",
            out.display()
        );
    }
    std::fs::create_dir_all(&out)
        .with_context(|| format!("{}: cannot create the run folder", out.display()))?;
    let run_config = RunConfig {
        data: data.clone(),
        train: config.clone(),
    };
    write_atomic(
        &out.join("config.json"),
        serde_json::to_string_pretty(&run_config)?.as_bytes(),
    )?;

    eprintln!(
        "rbm: {} ({} train images, D = {d}, binarisation {}), J = {}, {}{}, batch {}, lr {} ({:?}), {} epochs",
        data,
        split.train.len(),
        config.binarization.label(),
        config.hidden,
        config.algorithm.label(),
        if config.centered { " centred" } else { "" },
        config.batch_size,
        config.learning_rate,
        config.lr_schedule,
        config.epochs
    );
    if let Algorithm::Pt { temperatures, .. } = config.algorithm {
        eprintln!(
            "parallel tempering: β = {:?} ({:?} ladder)",
            config
                .pt_ladder
                .betas(temperatures, config.pt_min_beta)
                .iter()
                .map(|b| (b * 1e4).round() / 1e4)
                .collect::<Vec<_>>(),
            config.pt_ladder
        );
    }
    let metrics_path = out.join("metrics.jsonl");
    let metrics = std::fs::File::create(&metrics_path)
        .with_context(|| format!("{}: cannot create", metrics_path.display()))?;
    let mut progress = RbmProgress::new(metrics);
    let start = Instant::now();
    let trained = train(&config, &train_x, d, &mut progress)?;
    let train_seconds = start.elapsed().as_secs_f64();
    progress
        .finish()
        .with_context(|| format!("{}: cannot write", metrics_path.display()))?;
    let params = &trained.state.params;
    save_safetensors(params, &out.join("model.safetensors"))?;
    save_grid_png(
        &out.join("filters.png"),
        &filters(params),
        config.hidden,
        h,
        w,
        16,
    )?;
    // PCD's persistent chains (PT's β = 1 chains) are samples of the model; CD has none, so
    // sample afresh.
    let samples = match &trained.chains {
        Some(c) => c.v.clone(),
        None => params.samples_from(&train_x, 100, 1000, config.seed),
    };
    let n_samples = (samples.len() / d).min(100);
    save_grid_png(
        &out.join("samples.png"),
        &samples[..n_samples * d],
        n_samples,
        h,
        w,
        10,
    )?;
    println!(
        "trained in {train_seconds:.1} s; wrote {}/{{config.json, metrics.jsonl, model.safetensors, filters.png, samples.png}}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_run(run: &Path) -> Result<(RunConfig, Params)> {
    let path = run.join("config.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let config: RunConfig = serde_json::from_str(&text)
        .with_context(|| format!("{}: not an RBM run configuration", path.display()))?;
    let params = load_safetensors(&run.join("model.safetensors"))?;
    Ok((config, params))
}

fn run_eval(a: RbmEvalArgs) -> Result<ExitCode> {
    let (run_config, params) = load_run(&a.run)?;
    let config = &run_config.train;
    let split = run_config.data.load()?;
    let d = split.train.dim();
    if d != params.visible() {
        bail!(
            "{}: the model has {} visible units, the data {d} pixels",
            a.run.display(),
            params.visible()
        );
    }
    let (train_x, test_x) = binarized(&split, config);
    let rbm = params.to_rbm();
    let start = Instant::now();
    let mut out = serde_json::Map::new();
    let (log_z, stderr, reverse) = match a.logz {
        LogZArg::Exact => {
            let units = d.min(params.hidden());
            let log_z = exact_log_z(&rbm).with_context(|| {
                format!(
                    "--logz exact: the smaller layer has {units} units, at most {MAX_ENUMERATED_UNITS} can be enumerated; use --logz ais"
                )
            })?;
            (log_z, 0.0, None)
        }
        LogZArg::Ais => {
            let schedule = match a.ais_steps {
                None => AisConfig::default().schedule,
                Some(k) => {
                    let (s1, s2) = ((k * 500).div_ceil(14_500), (k * 4000).div_ceil(14_500));
                    vec![
                        (0.5, s1.max(1)),
                        (0.9, s2.max(1)),
                        (1.0, k.saturating_sub(s1 + s2).max(1)),
                    ]
                }
            };
            let ais_config = AisConfig {
                runs: a.ais_runs,
                schedule,
                reverse: true,
                reverse_burn_in: a.reverse_burn_in,
                seed: a.seed,
            };
            let means: Vec<f64> = (0..d)
                .map(|i| {
                    train_x
                        .iter()
                        .skip(i)
                        .step_by(d)
                        .map(|&x| x as f64)
                        .sum::<f64>()
                })
                .map(|s| s / split.train.len() as f64)
                .collect();
            let report = ais(&params, &base_rate_biases(&means), &train_x, &ais_config)?;
            out.insert("ais_runs".into(), report.forward.runs.into());
            out.insert("ais_steps".into(), report.forward.steps.into());
            (report.forward.log_z, report.forward.stderr, report.reverse)
        }
    };
    let test_ll = mean_log_likelihood(&rbm, &test_x, log_z);
    let train_ll = mean_log_likelihood(&rbm, &train_x, log_z);
    let test_pl = pseudo_log_likelihood(&params, &test_x, a.seed);
    let train_pl = pseudo_log_likelihood(&params, &train_x, a.seed.wrapping_add(1));
    out.insert("log_z".into(), log_z.into());
    out.insert("log_z_stderr".into(), stderr.into());
    out.insert(
        "method".into(),
        match a.logz {
            LogZArg::Exact => "exact",
            LogZArg::Ais => "ais",
        }
        .into(),
    );
    out.insert("binarization".into(), config.binarization.label().into());
    out.insert("test_log_likelihood".into(), test_ll.into());
    out.insert("train_log_likelihood".into(), train_ll.into());
    out.insert("test_pseudo_log_likelihood".into(), test_pl.into());
    out.insert("train_pseudo_log_likelihood".into(), train_pl.into());
    out.insert(
        "pseudo_log_likelihood_method".into(),
        "scikit-learn BernoulliRBM.score_samples: D·log σ(F(ṽ) − F(v)), one random unit flipped per image".into(),
    );
    println!(
        "log Z = {log_z:.4} ± {:.4} (3 s.e., {}); binarisation {}",
        3.0 * stderr,
        match a.logz {
            LogZArg::Exact => "exact",
            LogZArg::Ais => "AIS",
        },
        config.binarization.label()
    );
    println!("test log-likelihood  {test_ll:.3} nats\ntrain log-likelihood {train_ll:.3} nats");
    println!(
        "pseudo-log-likelihood (scikit-learn's, one flipped unit): test {test_pl:.3}, train {train_pl:.3}"
    );
    if let Some(rev) = reverse {
        let test_rev = mean_log_likelihood(&rbm, &test_x, rev.log_z);
        out.insert("reverse_log_z".into(), rev.log_z.into());
        out.insert("reverse_log_z_stderr".into(), rev.stderr.into());
        out.insert(
            "reverse_start".into(),
            format!(
                "model Gibbs samples: {} sweeps from training images",
                a.reverse_burn_in
            )
            .into(),
        );
        out.insert("reverse_test_log_likelihood".into(), test_rev.into());
        println!(
            "reverse AIS: log Z = {:.4} ± {:.4} (3 s.e.), test log-likelihood {test_rev:.3} nats",
            rev.log_z,
            3.0 * rev.stderr
        );
    }
    let seconds = start.elapsed().as_secs_f64();
    out.insert("seconds".into(), seconds.into());
    let path = a.run.join("eval.json");
    write_atomic(&path, serde_json::to_string_pretty(&out)?.as_bytes())?;
    println!("({seconds:.1} s) wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn run_sample(a: RbmSampleArgs) -> Result<ExitCode> {
    let (run_config, params) = load_run(&a.run)?;
    if a.count == 0 {
        bail!("--count 0: expected at least 1 sample");
    }
    let split = run_config.data.load()?;
    let d = split.train.dim();
    if d != params.visible() {
        bail!(
            "{}: the model has {} visible units, the data {d} pixels",
            a.run.display(),
            params.visible()
        );
    }
    let (train_x, _) = binarized(&split, &run_config.train);
    let v = params.samples_from(&train_x, a.count, a.sweeps, a.seed);
    let cols = (a.count as f64).sqrt().ceil() as usize;
    save_grid_png(
        &a.out,
        &v,
        a.count,
        split.train.height,
        split.train.width,
        cols,
    )?;
    println!(
        "wrote {} ({} samples, {} Gibbs sweeps)",
        a.out.display(),
        a.count,
        a.sweeps
    );
    Ok(ExitCode::SUCCESS)
}
