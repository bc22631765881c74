//! The optimisers' gradient transforms against updates written out by hand: LARS's trust ratio,
//! AdamW's decoupled decay that skips biases, and global-norm clipping.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use whac::compatibility::{CompatibilityConfig, Model};
use whac::encoder::EncoderConfig;
use whac::input::InputShape;
use whac::train::{Optimizer, OptimizerKind, OptimizerSettings, clip_global_norm};

/// The embedded digits: 8×8 grayscale.
const DIGITS: InputShape = InputShape::Images {
    channels: 1,
    height: 8,
    width: 8,
};

/// Every float parameter: id, rank, values.
fn parameters(model: &Model) -> Vec<(ParamId, usize, Vec<f32>)> {
    struct All(Vec<(ParamId, usize, Vec<f32>)>);
    impl ModuleVisitor for All {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let v: Vec<f32> = param.val().into_data().try_to_vec().unwrap();
            self.0.push((param.id, D, v));
        }
    }
    let mut all = All(Vec::new());
    model.visit(&mut all);
    all.0
}

/// Gradients for every parameter from `f(parameter index, element index)`.
fn gradients(model: &Model, f: impl Fn(usize, usize) -> f32) -> GradientsParams {
    struct Fill<'a, F> {
        grads: GradientsParams,
        f: &'a F,
        index: usize,
    }
    impl<F: Fn(usize, usize) -> f32> ModuleVisitor for Fill<'_, F> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val();
            let shape = value.shape();
            let n = shape.num_elements();
            let data: Vec<f32> = (0..n).map(|e| (self.f)(self.index, e)).collect();
            let grad = Tensor::<1>::from_data(TensorData::new(data, [n]), &value.device().inner())
                .reshape(shape);
            self.grads.register::<D>(param.id, grad);
            self.index += 1;
        }
    }
    let mut fill = Fill {
        grads: GradientsParams::new(),
        f: &f,
        index: 0,
    };
    model.visit(&mut fill);
    fill.grads
}

fn model() -> Model {
    let device = Device::flex().autodiff();
    device.seed(3);
    Model::new(
        &EncoderConfig::default(),
        &CompatibilityConfig::default(),
        &DIGITS,
        &device,
    )
}

fn settings(kind: OptimizerKind, weight_decay: f64) -> OptimizerSettings {
    OptimizerSettings {
        kind,
        adam_epsilon: 1e-8,
        momentum: 0.9,
        weight_decay,
        lars_eta: 0.001,
        grad_clip_norm: 0.0,
    }
}

fn pseudo(i: usize, e: usize) -> f32 {
    (((i * 7919 + e * 104729) % 1000) as f32 / 1000.0 - 0.5) * 0.2
}

#[test]
fn lars_first_step_scales_each_weight_gradient_by_its_trust_ratio() {
    let (lr, wd, eta) = (0.5, 1e-2, 0.001);
    let model = model();
    let before = parameters(&model);
    let grads = gradients(&model, pseudo);
    let mut opt = Optimizer::new(settings(OptimizerKind::Lars, wd));
    let after = parameters(&opt.step(lr, model, grads));
    assert!(before.iter().any(|(_, r, _)| *r == 1) && before.iter().any(|(_, r, _)| *r >= 2));
    for (i, ((_, rank, theta), (_, _, new))) in before.iter().zip(&after).enumerate() {
        let g: Vec<f64> = (0..theta.len()).map(|e| f64::from(pseudo(i, e))).collect();
        // First step of SGD with momentum (dampening 0): the velocity is the gradient itself.
        let expected: Vec<f64> = if *rank >= 2 {
            let d: Vec<f64> = g
                .iter()
                .zip(theta)
                .map(|(g, t)| g + wd * f64::from(*t))
                .collect();
            let w_norm = theta
                .iter()
                .map(|t| f64::from(*t).powi(2))
                .sum::<f64>()
                .sqrt();
            let d_norm = d.iter().map(|x| x * x).sum::<f64>().sqrt();
            let trust = eta * w_norm / d_norm;
            theta
                .iter()
                .zip(&d)
                .map(|(t, d)| f64::from(*t) - lr * trust * d)
                .collect()
        } else {
            theta
                .iter()
                .zip(&g)
                .map(|(t, g)| f64::from(*t) - lr * g)
                .collect()
        };
        for (k, (n, e)) in new.iter().zip(&expected).enumerate() {
            assert!(
                (f64::from(*n) - e).abs() < 1e-5,
                "parameter {i} (rank {rank}) [{k}]: {n} vs {e}"
            );
        }
    }
}

#[test]
fn adamw_decays_weights_by_lr_times_lambda_and_leaves_biases() {
    let (lr, wd) = (0.1, 0.5);
    let model = model();
    let before = parameters(&model);
    // Zero gradients: Adam's own update is 0, so only the decoupled decay moves anything.
    let grads = gradients(&model, |_, _| 0.0);
    let mut opt = Optimizer::new(settings(OptimizerKind::Adamw, wd));
    let after = parameters(&opt.step(lr, model, grads));
    for ((_, rank, theta), (_, _, new)) in before.iter().zip(&after) {
        let factor = if *rank >= 2 { 1.0 - lr * wd } else { 1.0 };
        for (t, n) in theta.iter().zip(new) {
            assert!(
                (f64::from(*n) - f64::from(*t) * factor).abs() < 1e-6,
                "rank {rank}: {t} → {n}, expected × {factor}"
            );
        }
    }
}

#[test]
fn clipping_scales_the_global_norm_down_to_the_limit_and_only_above_it() {
    let model = model();
    let count: usize = parameters(&model).iter().map(|(_, _, v)| v.len()).sum();
    let mut grads = gradients(&model, |_, _| 1.0);
    let norm = clip_global_norm(&model, &mut grads, 1.0);
    assert!((norm - (count as f64).sqrt()).abs() < 1e-3 * norm);
    let mut again = grads;
    let clipped = clip_global_norm(&model, &mut again, 1.0);
    assert!(
        (clipped - 1.0).abs() < 1e-4,
        "after clipping the norm is {clipped}"
    );
    let mut small = gradients(&model, |_, _| 1e-4);
    let before = clip_global_norm(&model, &mut small, 1.0);
    let after = clip_global_norm(&model, &mut small, 1.0);
    assert!(
        (before - after).abs() < 1e-9,
        "below the limit nothing changes"
    );
}
