//! `whac rbm bench`: steps per second of the training update on random binary data, printed as
//! one JSON line with the same fields as `bench/rbm_cd1_torch.py`, so the two can be compared.

use anyhow::{Result, bail};
use clap::Args;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use std::process::ExitCode;
use std::time::Instant;
use whac_rbm::{Algorithm, Negative, RbmTrainConfig, TrainState, update};

#[derive(Args, Debug)]
pub struct RbmBenchArgs {
    /// Visible units D.
    #[arg(long, default_value_t = 784)]
    pub visible: usize,
    /// Hidden units J.
    #[arg(long, default_value_t = 500)]
    pub hidden: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Gibbs sweeps (CD-k).
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// Timed updates per repeat.
    #[arg(long, default_value_t = 200)]
    pub steps: usize,
    /// Repeats; the median rate is reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Fraction of ones in the random binary images: 0.13 is thresholded MNIST's. Below 0.25
    /// whac's step takes sparse binary products, above it dense gemms.
    #[arg(long, default_value_t = 0.13)]
    pub density: f64,
}

pub fn run_bench(a: RbmBenchArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&a.density) {
        bail!("--density {}: expected a fraction in [0, 1]", a.density);
    }
    if a.visible == 0 || a.batch == 0 || a.steps == 0 || a.repeats == 0 {
        bail!(
            "--visible {} --batch {} --steps {} --repeats {}: expected each at least 1",
            a.visible,
            a.batch,
            a.steps,
            a.repeats
        );
    }
    let config = RbmTrainConfig {
        hidden: a.hidden,
        algorithm: Algorithm::Cd { k: a.k },
        batch_size: a.batch,
        ..RbmTrainConfig::default()
    };
    config.check()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    // Eight batches of random binary images of the given density.
    let density = a.density as f32;
    let data: Vec<f32> = (0..8 * a.batch * a.visible)
        .map(|_| f32::from(rng.random::<f32>() < density))
        .collect();
    let mut state = TrainState::init(&config, &data, a.visible, &mut rng);
    let batches: Vec<&[f32]> = data.chunks(a.batch * a.visible).collect();
    let mut step = |i: usize, rng: &mut Xoshiro256PlusPlus| {
        update(
            &mut state,
            &config,
            batches[i % batches.len()],
            a.batch,
            Negative::FromData,
            rng,
        )
    };
    for i in 0..10 {
        step(i, &mut rng);
    }
    let mut rates = Vec::with_capacity(a.repeats);
    for _ in 0..a.repeats {
        let start = Instant::now();
        for i in 0..a.steps {
            std::hint::black_box(step(i, &mut rng));
        }
        rates.push(a.steps as f64 / start.elapsed().as_secs_f64());
    }
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    let median = if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        0.5 * (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2])
    };
    println!(
        "{}",
        serde_json::json!({
            "impl": concat!("whac ", env!("CARGO_PKG_VERSION")),
            "device": "cpu",
            "threads": rayon::current_num_threads(),
            "algorithm": config.algorithm.label(),
            "visible": a.visible,
            "hidden": a.hidden,
            "batch": a.batch,
            "density": a.density,
            "steps": a.steps,
            "repeats": a.repeats,
            "steps_per_second": median,
            "all_steps_per_second": rates,
        })
    );
    Ok(ExitCode::SUCCESS)
}
