//! The momentum encoder of He, Fan, Wu, Xie & Girshick, "Momentum Contrast for Unsupervised
//! Visual Representation Learning", CVPR 2020, eq. 2: a copy of the model whose parameters follow
//! the trained ones as an exponential moving average, `θ_k ← m θ_k + (1 − m) θ_q`.
//!
//! Embeddings that are kept across steps (a memory bank, a queue of keys) drift less, and stay
//! comparable with the fresh ones, when this slow copy produces them.

use std::collections::HashMap;

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;

use crate::compatibility::Model;

/// A slowly moving copy of the model, on the plain (non-autodiff) device. Explicit state: the
/// trainer owns it and calls [`MomentumModel::update`] after each optimiser step.
#[derive(Clone, Debug)]
pub struct MomentumModel {
    model: Model,
    momentum: f64,
}

impl MomentumModel {
    /// Starts as a copy of `online` (on the plain device) with momentum `m ∈ [0, 1)`.
    pub fn new(online: &Model, momentum: f64) -> Self {
        Self {
            model: online.valid(),
            momentum,
        }
    }

    /// A momentum model in a saved state (`model` on the plain device, with the trained model's
    /// parameter ids).
    pub fn restore(model: Model, momentum: f64) -> Self {
        Self { model, momentum }
    }

    /// The momentum `m`.
    pub fn momentum(&self) -> f64 {
        self.momentum
    }

    /// The slow model (no autodiff), for embedding keys.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// `θ_k ← m θ_k + (1 − m) θ_q` for every float parameter, matched by parameter id (a model
    /// and its [`Module::valid`] copy share ids).
    pub fn update(&mut self, online: &Model) {
        let mut collect = Collect::default();
        online.valid().visit(&mut collect);
        let mut blend = Blend {
            online: collect.params,
            momentum: self.momentum,
        };
        self.model = self.model.clone().map(&mut blend);
        debug_assert!(
            blend.online.is_empty(),
            "momentum model and online model have different parameters"
        );
    }
}

/// Gathers every float parameter, flattened, by id.
#[derive(Default)]
struct Collect {
    params: HashMap<ParamId, Tensor<1>>,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let n = value.shape().num_elements();
        self.params.insert(param.id, value.reshape([n]));
    }
}

/// Blends each parameter with the online one of the same id.
struct Blend {
    online: HashMap<ParamId, Tensor<1>>,
    momentum: f64,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(online) = self.online.remove(&param.id) else {
            return param;
        };
        let m = self.momentum;
        param.map(|slow| {
            let shape = slow.shape();
            slow.mul_scalar(m) + online.reshape(shape).mul_scalar(1.0 - m)
        })
    }
}
