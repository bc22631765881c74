//! The optimiser of `[train]`: Adam, AdamW, SGD with momentum or LARS, with weight decay that
//! skips biases and normalisation scales, and global gradient-norm clipping.
//!
//! burn's optimisers decay every parameter alike and clip per parameter; the parts that must see
//! the whole model (which parameters are weights, the global gradient norm, LARS's per-layer trust
//! ratio) are gradient transforms here, and burn's Adam / SGD do the rest.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::{
    AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig, momentum::MomentumConfig,
};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compatibility::Model;

/// `train.optimizer`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba 2015) with `adam_epsilon`; `weight_decay` is added to the gradient (L2),
    /// as PyTorch's `Adam(weight_decay=…)`.
    #[default]
    Adam,
    /// AdamW (Loshchilov & Hutter 2019): decoupled decay `θ ← θ − lr·λ·θ` beside the Adam step.
    Adamw,
    /// SGD with heavy-ball momentum `train.momentum` (dampening 0, as PyTorch; burn's default
    /// dampening is 0.1) and L2 `weight_decay`.
    Sgd,
    /// LARS (You, Gitman & Ginsburg 2017), SimCLR's optimiser for large batches: per weight
    /// tensor, `g ← (g + λθ) · η‖θ‖ / ‖g + λθ‖` (η = `lars_eta`), then SGD with momentum.
    /// Biases and normalisation scales get neither decay nor adaptation, as in SimCLR.
    Lars,
}

/// The optimiser settings of `[train]`, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerSettings {
    /// Which optimiser.
    pub kind: OptimizerKind,
    /// Adam's ε.
    pub adam_epsilon: f64,
    /// SGD / LARS momentum.
    pub momentum: f64,
    /// λ, applied to weight tensors only (rank ≥ 2); 0 turns it off.
    pub weight_decay: f64,
    /// LARS trust coefficient η.
    pub lars_eta: f64,
    /// Largest global L2 norm of the gradient; 0 turns clipping off.
    pub grad_clip_norm: f64,
}

/// The optimiser and its state. Explicit state, owned by [`super::fit`].
pub struct Optimizer {
    settings: OptimizerSettings,
    inner: ModuleOptimizer,
}

impl Optimizer {
    /// A fresh optimiser (no moments yet).
    pub fn new(settings: OptimizerSettings) -> Self {
        let sgd = || {
            SgdConfig::new()
                .with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(settings.momentum)
                        .with_dampening(0.0),
                ))
                .init()
        };
        let inner = match settings.kind {
            OptimizerKind::Adam | OptimizerKind::Adamw => AdamConfig::new()
                .with_epsilon(settings.adam_epsilon as f32)
                .init(),
            OptimizerKind::Sgd | OptimizerKind::Lars => sgd(),
        };
        Self { settings, inner }
    }

    /// Writes the moments (burnpack, keyed by parameter id).
    pub fn save(&self, path: &std::path::Path) -> Result<(), burn::store::RecordError> {
        self.inner.save(path)
    }

    /// Reads moments written by [`Optimizer::save`] into this optimiser.
    pub fn load(mut self, path: &std::path::Path) -> Result<Self, burn::store::RecordError> {
        self.inner = self.inner.load(path)?;
        Ok(self)
    }

    /// One update of `model` with `grads` at learning rate `lr`.
    pub fn step(&mut self, lr: f64, model: Model, mut grads: GradientsParams) -> Model {
        let s = self.settings;
        if s.grad_clip_norm > 0.0 {
            clip_global_norm(&model, &mut grads, s.grad_clip_norm);
        }
        let model = match s.kind {
            OptimizerKind::Adam | OptimizerKind::Sgd => {
                if s.weight_decay > 0.0 {
                    transform(&model, &mut grads, GradOp::AddDecay(s.weight_decay));
                }
                model
            }
            OptimizerKind::Lars => {
                transform(
                    &model,
                    &mut grads,
                    GradOp::Lars {
                        weight_decay: s.weight_decay,
                        eta: s.lars_eta,
                    },
                );
                model
            }
            OptimizerKind::Adamw if s.weight_decay > 0.0 => model.map(&mut ShrinkWeights {
                factor: 1.0 - lr * s.weight_decay,
            }),
            OptimizerKind::Adamw => model,
        };
        self.inner.step(lr, model, grads)
    }
}

/// Whether weight decay and LARS apply to a parameter of rank `d`: weights of linear layers
/// (`[in, out]`) and convolutions (`[out, in, kh, kw]`), not biases or normalisation scales.
fn is_weight(rank: usize) -> bool {
    rank >= 2
}

/// A per-parameter gradient transform.
#[derive(Clone, Copy)]
enum GradOp {
    /// `g ← g + λθ` on weights.
    AddDecay(f64),
    /// LARS on weights.
    Lars { weight_decay: f64, eta: f64 },
    /// `g ← g · factor` on everything.
    Scale(f64),
}

struct Transform<'a> {
    grads: &'a mut GradientsParams,
    op: GradOp,
}

impl ModuleVisitor for Transform<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(grad) = self.grads.remove::<D>(param.id) else {
            return;
        };
        let theta = || param.val().inner();
        let new = match self.op {
            GradOp::Scale(factor) => grad.mul_scalar(factor),
            GradOp::AddDecay(lambda) if is_weight(D) => grad + theta().mul_scalar(lambda),
            GradOp::Lars { weight_decay, eta } if is_weight(D) => {
                let g = grad + theta().mul_scalar(weight_decay);
                let w_norm = l2_norm(theta());
                let g_norm = l2_norm(g.clone());
                let trust = if w_norm > 0.0 && g_norm > 0.0 {
                    eta * w_norm / g_norm
                } else {
                    1.0
                };
                g.mul_scalar(trust)
            }
            _ => grad,
        };
        self.grads.register::<D>(param.id, new);
    }
}

fn transform(model: &Model, grads: &mut GradientsParams, op: GradOp) {
    model.visit(&mut Transform { grads, op });
}

fn l2_norm<const D: usize>(t: Tensor<D>) -> f64 {
    f64::from(t.powi_scalar(2).sum().into_scalar::<f32>()).sqrt()
}

/// Scales every gradient by `max_norm / ‖g‖` when the global norm `‖g‖` (over all parameters
/// together, as PyTorch's `clip_grad_norm_`) exceeds `max_norm`. Returns `‖g‖` before clipping.
pub fn clip_global_norm(model: &Model, grads: &mut GradientsParams, max_norm: f64) -> f64 {
    struct SquaredNorm<'a> {
        grads: &'a GradientsParams,
        total: f64,
    }
    impl ModuleVisitor for SquaredNorm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                self.total += f64::from(g.powi_scalar(2).sum().into_scalar::<f32>());
            }
        }
    }
    let mut norm = SquaredNorm { grads, total: 0.0 };
    model.visit(&mut norm);
    let total = norm.total.sqrt();
    if total > max_norm {
        transform(model, grads, GradOp::Scale(max_norm / total));
    }
    total
}

/// `θ ← θ · factor` on weights (AdamW's decoupled decay).
struct ShrinkWeights {
    factor: f64,
}

impl ModuleMapper for ShrinkWeights {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if !is_weight(D) {
            return param;
        }
        let factor = self.factor;
        param.map(|t| {
            let requires = t.is_require_grad();
            let shrunk = t.inner().mul_scalar(factor).autodiff();
            if requires {
                shrunk.require_grad()
            } else {
                shrunk
            }
        })
    }
}
