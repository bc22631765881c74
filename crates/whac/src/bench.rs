//! The training-step benchmark of issue 7: one optimiser step of the MNIST recipe's CNN with
//! NT-Xent and Adam on a fixed batch of random images, exactly the work of
//! `bench/train_step_torch.py`, so the two can be set side by side (`bench/compare.sh`).
//!
//! Augmentation is left out on purpose (it is measured by `whac bench augment`): this is the
//! compute a GPU-less user waits for once the views exist.

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::time::Instant;

use crate::compatibility::{CompatibilityConfig, Model};
use crate::encoder::EncoderConfig;
use crate::input::{Input, InputShape};
use crate::objective::nt_xent;
use crate::train::{Optimizer, OptimizerKind, OptimizerSettings};

/// What to time.
#[derive(Clone, Copy, Debug)]
pub struct TrainStepBench {
    /// Examples per step (each gives two views, so the network sees `2 × batch` images).
    pub batch: usize,
    /// Timed steps per repeat.
    pub steps: usize,
    /// Untimed steps first (burn initialises parameters lazily; allocators warm up).
    pub warmup: usize,
    /// Repeats; the median rate is reported.
    pub repeats: usize,
}

/// The measurement, one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct TrainStepResult {
    /// Examples per step.
    pub batch: usize,
    /// Images through the network per step (`2 × batch`).
    pub views: usize,
    /// Timed steps per repeat.
    pub steps: usize,
    /// Median over repeats of steps per second.
    pub steps_per_second: f64,
    /// Every repeat's rate.
    pub all_steps_per_second: Vec<f64>,
    /// Floating-point operations of one step ([`cnn_step_flops`]), in units of 10⁹.
    pub gflop_per_step: f64,
    /// `gflop_per_step × steps_per_second`.
    pub gflop_per_second: f64,
    /// The loss of the first step (same seed, same data: comparable across implementations only
    /// in distribution, since initial weights differ).
    pub first_loss: f32,
}

/// Image side of the benchmark (MNIST).
pub const SIDE: usize = 28;

/// The recipe's network: CNN channels `[32, 64]`, representation 256, head `[256, 128]`.
fn recipe() -> (EncoderConfig, CompatibilityConfig) {
    let encoder = EncoderConfig::Cnn {
        channels: [32, 64],
        hidden: 256,
    };
    let compatibility = CompatibilityConfig {
        temperature: 0.2,
        projection: vec![256, 128],
        ..CompatibilityConfig::default()
    };
    (encoder, compatibility)
}

/// Multiply-adds × 2 of one training step of the recipe's CNN on `views` images of 28 × 28:
/// forward, plus a backward of twice the forward except the first convolution's input gradient
/// (the images need none). Elementwise work (ReLU, pooling, Adam) is left out; it is < 1 %.
pub fn cnn_step_flops(views: usize) -> f64 {
    let conv = |side: usize, cin: usize, cout: usize| 2.0 * (side * side * cin * cout * 9) as f64;
    let linear = |i: usize, o: usize| 2.0 * (i * o) as f64;
    let conv1 = conv(28, 1, 32);
    let rest = conv(14, 32, 64) + linear(64 * 7 * 7, 256) + linear(256, 256) + linear(256, 128);
    let per_view = (conv1 + rest) + 2.0 * rest + conv1; // forward + backward
    per_view * views as f64
}

/// Runs the benchmark on `device` (an autodiff device).
pub fn bench_train_step(settings: TrainStepBench, device: &Device) -> TrainStepResult {
    let (encoder, compatibility_config) = recipe();
    let compatibility = compatibility_config
        .check()
        .expect("the benchmark recipe is valid");
    let shape = InputShape::Images {
        channels: 1,
        height: SIDE,
        width: SIDE,
    };
    let mut model = Model::new(&encoder, &compatibility_config, &shape, device);
    let mut optimizer = Optimizer::new(OptimizerSettings {
        kind: OptimizerKind::Adam,
        adam_epsilon: 1e-8,
        momentum: 0.9,
        weight_decay: 0.0,
        lars_eta: 0.001,
        grad_clip_norm: 0.0,
    });
    let views = 2 * settings.batch;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let pixels: Vec<f32> = (0..views * SIDE * SIDE)
        .map(|_| rng.random::<f32>())
        .collect();
    let images = Tensor::<4>::from_data(TensorData::new(pixels, [views, 1, SIDE, SIDE]), device);
    let mut step = |model: Model| -> (Model, f32) {
        let z = compatibility.embed(model.project(Input::Images(images.clone())));
        let a = z.clone().narrow(0, 0, settings.batch);
        let b = z.narrow(0, settings.batch, settings.batch);
        let loss = nt_xent(a, b, &compatibility);
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        (optimizer.step(1e-3, model, grads), value)
    };
    let mut first_loss = f32::NAN;
    for i in 0..settings.warmup.max(1) {
        let (next, loss) = step(model);
        model = next;
        if i == 0 {
            first_loss = loss;
        }
    }
    let mut rates = Vec::with_capacity(settings.repeats);
    for _ in 0..settings.repeats.max(1) {
        let start = Instant::now();
        for _ in 0..settings.steps {
            model = step(model).0;
        }
        rates.push(settings.steps as f64 / start.elapsed().as_secs_f64());
    }
    let steps_per_second = median(&rates);
    let gflop_per_step = cnn_step_flops(views) / 1e9;
    TrainStepResult {
        batch: settings.batch,
        views,
        steps: settings.steps,
        steps_per_second,
        all_steps_per_second: rates,
        gflop_per_step,
        gflop_per_second: gflop_per_step * steps_per_second,
        first_loss,
    }
}

/// The median of `values` (mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_match_a_hand_count() {
        // conv1 451,584; conv2 7,225,344; linear 1,605,632; head 131,072 + 65,536 (per view,
        // forward). Backward doubles all but conv1, whose weight gradient alone is one more.
        let forward = 451_584.0 + 7_225_344.0 + 1_605_632.0 + 131_072.0 + 65_536.0;
        let rest = forward - 451_584.0;
        assert_eq!(cnn_step_flops(1), forward + 2.0 * rest + 451_584.0);
        assert!((cnn_step_flops(512) / 1e9 - 14.3).abs() < 0.1);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
