//! One step's loss for every objective, and the state objectives keep across steps (memory
//! bank, key queue, momentum encoder, the sampler of bank draws).

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::MomentumModel;
use super::batches::Batch;
use crate::compatibility::{Compatibility, Model};
use crate::eval::{Side, embed_with};
use crate::input::{Examples, HostValues, InputShape};
use crate::objective::{
    KeyQueue, MemoryBank, Objective, RbmLoss, RbmNegatives, debiased_contrastive, draw_candidates,
    hard_negative, index_tensor, induced_rbm_importance, induced_rbm_loss, induced_rbm_sampled,
    moco, nt_xent,
};

/// A step's loss, what diagnostics need, and how many images went through a network.
pub(crate) struct StepLoss {
    /// The loss to differentiate, `[1]`.
    pub loss: Tensor<1>,
    /// The induced-RBM quantities, for diagnostics (`rbm` only).
    pub rbm: Option<RbmLoss>,
    /// Examples encoded this step, by the trained and the momentum encoder together.
    pub views: usize,
}

/// Everything an objective carries from one step to the next. Explicit state, owned by
/// [`super::fit`].
pub(crate) struct ObjectiveState {
    objective: Objective,
    compatibility: Compatibility,
    bank: Option<MemoryBank>,
    queue: Option<KeyQueue>,
    momentum: Option<MomentumModel>,
    /// Seeds the sampler of each step: draws are a function of (seed, step), so a resumed run
    /// draws what an uninterrupted one would.
    seed: u64,
    sampler: StdRng,
    /// Queue length once clamped to the training set.
    queue_len: usize,
}

impl ObjectiveState {
    /// The state at step 0: a bank of every example under the initial model, a momentum copy of
    /// it, a queue of random unit keys, as the objective needs.
    pub fn new(
        model: &Model,
        objective: Objective,
        compatibility: Compatibility,
        examples: &Examples<'_>,
        batch_size: usize,
        seed: u64,
        device: &Device,
    ) -> Self {
        let bank = objective
            .uses_bank()
            .then(|| initial_bank(model, &compatibility, examples, objective, device));
        let momentum = objective
            .momentum_encoder()
            .map(|m| MomentumModel::new(model, m));
        let n = examples.len();
        let queue_len = match objective {
            // Keys of earlier batches only: at most N − B, and at least one batch.
            Objective::Moco { queue, .. } => {
                queue.min(n.saturating_sub(batch_size)).max(batch_size)
            }
            _ => 0,
        };
        Self {
            objective,
            compatibility,
            bank,
            queue: None,
            momentum,
            seed,
            sampler: StdRng::seed_from_u64(seed),
            queue_len,
        }
    }

    /// The loss of `batch` under `model`, with every forward pass it needs; refreshes the bank
    /// rows and queue keys of the batch.
    pub fn loss(
        &mut self,
        model: &Model,
        batch: Batch,
        step: usize,
        examples: &Examples<'_>,
        device: &Device,
    ) -> StepLoss {
        self.sampler = StdRng::seed_from_u64(
            self.seed ^ 0x6261_6e6b ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let b = batch.size;
        let shape = examples.shape();
        let compatibility = self.compatibility.with_model(model);
        let online =
            |values: HostValues| compatibility.embed(model.project(values.to_input(shape, device)));
        match self.objective {
            Objective::Rbm {
                copies: m,
                negatives,
                unbiased,
                augment_visible,
                ..
            } => {
                let plan = self.objective.view_plan();
                let a = plan.augmented;
                let clean = batch.clean;
                // With a momentum encoder, the bank and the visible sides compared with it are
                // its embeddings; `sampled` still draws fresh visible sides from the trained one.
                let keys = self.momentum.as_ref().map(|slow| {
                    let values = clean
                        .clone()
                        .expect("bank strategies have a clean visible side");
                    momentum_embed(slow, &compatibility, values, shape, device)
                });
                let online_visible =
                    keys.is_none() || matches!(negatives, RbmNegatives::Sampled { .. });
                let mut views = b * a + keys.as_ref().map_or(0, |_| b);
                let (anchors, augmented) = match clean.filter(|_| online_visible) {
                    Some(mut values) => {
                        values.append(&batch.copies);
                        let z = online(values); // [B (1 + A), P]
                        let p = z.dims()[1];
                        views += b;
                        (
                            Some(z.clone().slice([0..b, 0..p])),
                            z.slice([b..b * (a + 1), 0..p]).reshape([b, a, p]),
                        )
                    }
                    None => {
                        let z = online(batch.copies); // [B A, P]
                        let p = z.dims()[1];
                        (None, z.reshape([b, a, p]))
                    }
                };
                let p = augmented.dims()[2];
                let first = usize::from(augment_visible);
                let visible = anchors
                    .or_else(|| keys.clone())
                    .unwrap_or_else(|| augmented.clone().slice([0..b, 0..1, 0..p]).reshape([b, p]));
                let hidden = augmented.clone().slice([0..b, first..first + m, 0..p]);
                let second = unbiased.then(|| {
                    augmented
                        .clone()
                        .slice([0..b, first + m..first + 2 * m, 0..p])
                });
                let bank_rows = keys.unwrap_or_else(|| visible.clone().detach());
                let (out, drawn_views) = self.rbm(
                    &compatibility,
                    visible,
                    hidden,
                    second,
                    negatives,
                    &batch.indices,
                    examples,
                    &online,
                    device,
                );
                if let Some(bank) = self.bank.as_mut() {
                    bank.update(index_tensor(&batch.indices, device), bank_rows);
                }
                StepLoss {
                    loss: out.loss.clone(),
                    rbm: Some(out),
                    views: views + drawn_views,
                }
            }
            Objective::Moco { .. } => {
                // Views are stored example after example: [B, 2, len].
                let mut views = batch.copies.deinterleave(2, shape.example_len());
                let view_b = views.pop().expect("two views");
                let view_a = views.pop().expect("two views");
                let queries = online(view_a);
                let slow = self
                    .momentum
                    .as_ref()
                    .expect("moco keeps a momentum encoder");
                let keys = momentum_embed(slow, &compatibility, view_b, shape, device);
                let p = keys.dims()[1];
                let queue_len = self.queue_len;
                let sampler = &mut self.sampler;
                let queue = self.queue.get_or_insert_with(|| {
                    KeyQueue::new(random_keys(queue_len, p, &compatibility, sampler, device))
                });
                let loss = moco(queries, keys.clone(), queue.keys(), &compatibility);
                queue.push(keys);
                StepLoss {
                    loss,
                    rbm: None,
                    views: 2 * b,
                }
            }
            Objective::NtXent | Objective::Dcl { .. } | Objective::Hcl { .. } => {
                let z = online(batch.copies); // [2B, P]
                let p = z.dims()[1];
                let z = z.reshape([b, 2, p]);
                let va = z.clone().slice([0..b, 0..1, 0..p]).reshape([b, p]);
                let vb = z.slice([0..b, 1..2, 0..p]).reshape([b, p]);
                let loss = match self.objective {
                    Objective::Dcl { tau_plus } => {
                        debiased_contrastive(va, vb, &compatibility, tau_plus)
                    }
                    Objective::Hcl { tau_plus, beta } => {
                        hard_negative(va, vb, &compatibility, tau_plus, beta)
                    }
                    _ => nt_xent(va, vb, &compatibility),
                };
                StepLoss {
                    loss,
                    rbm: None,
                    views: 2 * b,
                }
            }
        }
    }

    /// The views each example contributes to a step.
    pub fn view_plan(&self) -> crate::objective::ViewPlan {
        self.objective.view_plan()
    }

    /// What a saved training state holds of this one.
    pub fn parts(&self) -> StateParts<'_> {
        StateParts {
            bank: self.bank.as_ref().map(MemoryBank::rows),
            queue: self.queue.as_ref().map(KeyQueue::keys),
            queue_head: self.queue.as_ref().map_or(0, KeyQueue::head),
            momentum: self.momentum.as_ref().map(MomentumModel::model),
        }
    }

    /// Puts back what [`ObjectiveState::parts`] gave (each part the objective keeps).
    pub fn restore(
        &mut self,
        bank: Option<Tensor<2>>,
        queue: Option<(Tensor<2>, usize)>,
        momentum: Option<Model>,
    ) {
        if let (Some(old), Some(rows)) = (self.bank.as_mut(), bank) {
            *old = MemoryBank::new(rows, old.momentum());
        }
        if let Some((keys, head)) = queue {
            self.queue = Some(KeyQueue::restore(keys, head));
        }
        if let (Some(old), Some(model)) = (self.momentum.as_mut(), momentum) {
            *old = MomentumModel::restore(model, old.momentum());
        }
    }

    /// After the optimiser step: the momentum encoder follows the trained model.
    pub fn after_step(&mut self, model: &Model) {
        if let Some(slow) = self.momentum.as_mut() {
            slow.update(model);
        }
    }

    /// The induced-RBM loss with the candidates of `negatives`, and the examples the `sampled`
    /// draws added.
    #[allow(clippy::too_many_arguments)]
    fn rbm(
        &mut self,
        compatibility: &Compatibility,
        visible: Tensor<2>,
        hidden: Tensor<3>,
        second: Option<Tensor<3>>,
        negatives: RbmNegatives,
        indices: &[usize],
        examples: &Examples<'_>,
        online: &dyn Fn(HostValues) -> Tensor<2>,
        device: &Device,
    ) -> (RbmLoss, usize) {
        let b = indices.len();
        let support = examples.len();
        let own = index_tensor(&(0..b).collect::<Vec<_>>(), device);
        let batch_idx = index_tensor(indices, device);
        match (negatives, self.bank.as_ref()) {
            (RbmNegatives::All, Some(bank)) => {
                let candidates = bank.with_fresh(batch_idx.clone(), visible); // [N, P]
                let out =
                    induced_rbm_loss(candidates, hidden, second, batch_idx, compatibility, 0.0);
                (out, 0)
            }
            (RbmNegatives::BankImportance { k }, Some(bank)) => {
                let draws: Vec<usize> = (0..k)
                    .map(|_| self.sampler.random_range(0..support))
                    .collect();
                let extra = bank.select(index_tensor(&draws, device)); // [K, P]
                let candidates = Tensor::cat(vec![visible, extra], 0); // [B + K, P]
                let log_ratio = (support.max(b + k) as f64 / (b + k) as f64).ln();
                let out =
                    induced_rbm_loss(candidates, hidden, second, own, compatibility, log_ratio);
                (out, 0)
            }
            (RbmNegatives::Sampled { k }, Some(bank)) => {
                // Score every example against the (detached) copies: p(·|T(x_b)) over the bank,
                // the batch's own rows fresh. The unbiased variant scores with the second copies.
                let scoring = second.clone().unwrap_or_else(|| hidden.clone()).detach();
                let candidates = bank.with_fresh(batch_idx.clone(), visible.clone().detach());
                let scored =
                    induced_rbm_loss(candidates, scoring, None, batch_idx, compatibility, 0.0);
                let log_w: Vec<f32> = scored
                    .log_weights
                    .clone()
                    .into_data()
                    .try_into_vec::<f32>()
                    .expect("f32 log-weights");
                let drawn = draw_candidates(&log_w, support, k, &mut self.sampler);
                // Encode each drawn example once, fresh, with gradient.
                let mut unique = drawn.clone();
                unique.sort_unstable();
                unique.dedup();
                let position: Vec<usize> = drawn
                    .iter()
                    .map(|i| unique.binary_search(i).expect("drawn index is in unique"))
                    .collect();
                let z = online(examples.clean(&unique)); // [U, P]
                let p = z.dims()[1];
                let samples = z
                    .select(0, index_tensor(&position, device))
                    .reshape([b, k, p]);
                let loss = induced_rbm_sampled(
                    visible,
                    hidden,
                    samples,
                    scored.loss.clone().detach(),
                    compatibility,
                );
                (RbmLoss { loss, ..scored }, unique.len())
            }
            _ if second.is_none() => (
                induced_rbm_importance(visible, hidden, compatibility, support),
                0,
            ),
            _ => {
                let log_ratio = (support.max(b) as f64 / b as f64).ln();
                let out = induced_rbm_loss(visible, hidden, second, own, compatibility, log_ratio);
                (out, 0)
            }
        }
    }
}

/// The parts of an [`ObjectiveState`] a saved training state holds.
pub(crate) struct StateParts<'a> {
    pub bank: Option<Tensor<2>>,
    pub queue: Option<Tensor<2>>,
    pub queue_head: usize,
    pub momentum: Option<&'a Model>,
}

/// Embeds `[n, example_len]` prepared examples with the momentum encoder; the result lives on
/// the training device, without gradient.
fn momentum_embed(
    slow: &MomentumModel,
    compatibility: &Compatibility,
    values: HostValues,
    shape: InputShape,
    device: &Device,
) -> Tensor<2> {
    let inner = device.clone().inner();
    let x = values.to_input(shape, &inner);
    Tensor::from_inner(compatibility.embed(slow.model().project(x)))
}

/// `[k, p]` random keys, unit rows for cosine similarity (MoCo's initial queue).
fn random_keys(
    k: usize,
    p: usize,
    compatibility: &Compatibility,
    rng: &mut StdRng,
    device: &Device,
) -> Tensor<2> {
    let values: Vec<f32> = (0..k * p)
        .map(|_| StandardNormal.sample(&mut *rng))
        .collect();
    compatibility.embed(Tensor::<2>::from_data(
        TensorData::new(values, [k, p]),
        device,
    ))
}

/// A bank of every training example's projected embedding under the initial model.
fn initial_bank(
    model: &Model,
    compatibility: &Compatibility,
    examples: &Examples<'_>,
    objective: Objective,
    device: &Device,
) -> MemoryBank {
    let inner = device.clone().inner();
    let (rows, dim) = embed_with(
        &model.valid(),
        examples,
        1024,
        &inner,
        Side::Projection(compatibility),
    );
    let momentum = match objective {
        Objective::Rbm { bank_momentum, .. } => bank_momentum,
        _ => 0.0,
    };
    let rows = Tensor::<2>::from_data(TensorData::new(rows, [examples.len(), dim]), device);
    MemoryBank::new(rows, momentum)
}
