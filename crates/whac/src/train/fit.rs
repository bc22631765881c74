//! The training loop.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::sync::mpsc::sync_channel;
use std::time::Instant;
use whac_data::ImageSet;
use whac_data::transform::Transform;

use super::batches::{Batch, BatchPlan, produce};
use super::{EpochRecord, Observer, Standardize, StepRecord, TrainConfig};
use crate::WhacError;
use crate::compatibility::{Compatibility, Model};
use crate::eval::{Side, embed_with};
use crate::objective::{
    MemoryBank, Objective, RbmDiagnostics, RbmLoss, RbmNegatives, debiased_contrastive,
    hard_negative, index_tensor, induced_rbm_importance, induced_rbm_loss, nt_xent,
};

/// What the loop trains on.
pub struct TrainData<'a> {
    /// The training split (clean images in [0, 1]).
    pub train: &'a ImageSet,
    /// The checked transformation generator `T`.
    pub transform: &'a Transform,
    /// Input normalisation.
    pub standardize: Standardize,
}

/// What training did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrainReport {
    /// Epochs run.
    pub epochs: usize,
    /// Optimiser steps taken.
    pub steps: usize,
    /// Examples per step actually used (the batch size, clamped to the training set).
    pub batch_size: usize,
    /// Wall time of the loop, seconds.
    pub train_seconds: f64,
    /// Images passed through the network (clean + copies).
    pub views: usize,
    /// `views / train_seconds`.
    pub views_per_second: f64,
    /// Mean loss of the last epoch.
    pub final_loss: f64,
    /// Mean loss of the first epoch.
    pub first_epoch_loss: f64,
    /// Mean loss of the first `train.log_every` steps.
    pub first_steps_loss: f64,
    /// Mean loss of the last `train.log_every` steps (or fewer, at the end).
    pub last_steps_loss: f64,
}

/// Trains `model` (on an autodiff `device`) with Adam and returns it with a report.
///
/// Batches are prepared by a producer thread `train.prefetch` batches ahead (augmentation itself
/// runs in parallel over the batch), so augmenting the next batch overlaps with this step.
pub fn fit(
    model: Model,
    objective: Objective,
    compatibility: Compatibility,
    config: &TrainConfig,
    data: TrainData<'_>,
    device: &Device,
    observer: &mut dyn Observer,
) -> Result<(Model, TrainReport), WhacError> {
    config.check()?;
    let set = data.train;
    let (height, width) = (set.height, set.width);
    let plan = BatchPlan {
        examples: set.len(),
        batch_size: config.batch_size.min(set.len()),
        drop_last: config.drop_last,
        seed: config.seed,
    };
    let steps_per_epoch = plan.steps_per_epoch();
    if steps_per_epoch == 0 || plan.batch_size < 2 {
        return Err(WhacError::config(
            "train.batch_size",
            config.batch_size,
            format!(
                "a batch of at least 2 from the {} training examples",
                set.len()
            ),
        ));
    }
    let total_steps = steps_per_epoch * config.epochs;
    let mut optimizer = AdamConfig::new()
        .with_epsilon(config.adam_epsilon as f32)
        .init();
    let views = objective.view_plan();
    let copies = views.augmented;
    let needs_clean = views.clean;
    let views_per_example = views.per_example();
    let mut bank = if objective.uses_bank() {
        Some(initial_bank(
            &model,
            &compatibility,
            &data,
            objective,
            device,
        ))
    } else {
        None
    };
    let mut sampler = StdRng::seed_from_u64(config.seed ^ 0x6261_6e6b);

    observer.on_start(total_steps);
    let start = Instant::now();
    let mut step = 0usize;
    let mut views_seen = 0usize;
    let mut epoch_loss_sum = 0.0f64;
    let mut epoch_steps = 0usize;
    let mut log_loss_sum = 0.0f64;
    let mut log_steps = 0usize;
    let mut first_epoch_loss = f64::NAN;
    let mut last_epoch_loss = f64::NAN;
    let mut first_steps_loss = f64::NAN;
    let mut last_steps_loss = f64::NAN;

    let result: Result<Model, WhacError> = std::thread::scope(|scope| {
        let mut model = model;
        let (tx, rx) = sync_channel::<Batch>(config.prefetch);
        let producer_plan = plan.clone();
        scope.spawn(move || {
            produce(
                &producer_plan,
                0..config.epochs,
                set,
                data.transform,
                copies,
                needs_clean,
                data.standardize,
                tx,
            );
        });
        for batch in rx.iter() {
            let b = batch.size;
            let epoch = batch.epoch;
            // One forward pass over every view of the batch: [clean B | copies B×M].
            let mut pixels = batch.clean.unwrap_or_default();
            pixels.extend_from_slice(&batch.copies);
            let n_views = b * views_per_example;
            let images =
                Tensor::<3>::from_data(TensorData::new(pixels, [n_views, height, width]), device);
            let z = compatibility.embed(model.project(images)); // [n_views, P]
            let p = z.dims()[1];
            let (anchors, augmented) = if needs_clean {
                let anchors = z.clone().slice([0..b, 0..p]);
                (
                    Some(anchors),
                    z.slice([b..n_views, 0..p]).reshape([b, copies, p]),
                )
            } else {
                (None, z.reshape([b, copies, p]))
            };
            let (loss, rbm_out) = match objective {
                Objective::Rbm {
                    copies: m,
                    negatives,
                    unbiased,
                    augment_visible,
                    ..
                } => {
                    let first = usize::from(augment_visible);
                    let anchors = anchors.unwrap_or_else(|| {
                        augmented.clone().slice([0..b, 0..1, 0..p]).reshape([b, p])
                    });
                    let hidden = augmented.clone().slice([0..b, first..first + m, 0..p]);
                    let second = unbiased.then(|| {
                        augmented
                            .clone()
                            .slice([0..b, first + m..first + 2 * m, 0..p])
                    });
                    let out = rbm_step(
                        anchors,
                        hidden,
                        second,
                        negatives,
                        bank.as_mut(),
                        &batch.indices,
                        &compatibility,
                        set.len(),
                        &mut sampler,
                        device,
                    );
                    (out.loss.clone(), Some(out))
                }
                Objective::NtXent | Objective::Dcl { .. } | Objective::Hcl { .. } => {
                    let a = augmented.clone().slice([0..b, 0..1, 0..p]).reshape([b, p]);
                    let c = augmented.slice([0..b, 1..2, 0..p]).reshape([b, p]);
                    let loss = match objective {
                        Objective::Dcl { tau_plus } => {
                            debiased_contrastive(a, c, &compatibility, tau_plus)
                        }
                        Objective::Hcl { tau_plus, beta } => {
                            hard_negative(a, c, &compatibility, tau_plus, beta)
                        }
                        _ => nt_xent(a, c, &compatibility),
                    };
                    (loss, None)
                }
            };
            let loss_value = loss.clone().into_scalar::<f32>();
            step += 1;
            if !loss_value.is_finite() {
                return Err(WhacError::NonFiniteLoss {
                    loss: loss_value,
                    step,
                    epoch: epoch + 1,
                    learning_rate: config.learning_rate,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(config.learning_rate, model, grads);
            views_seen += n_views;
            epoch_loss_sum += f64::from(loss_value);
            epoch_steps += 1;
            log_loss_sum += f64::from(loss_value);
            log_steps += 1;
            observer.on_step(step, epoch + 1, loss_value);

            let elapsed = start.elapsed().as_secs_f64();
            if step.is_multiple_of(config.log_every) || step == total_steps {
                let record = StepRecord {
                    kind: "step",
                    step,
                    epoch: epoch + 1,
                    loss: loss_value,
                    loss_avg: (log_loss_sum / log_steps as f64) as f32,
                    learning_rate: config.learning_rate,
                    views_per_second: views_seen as f64 / elapsed.max(1e-9),
                    rbm: rbm_out
                        .as_ref()
                        .map(|o| RbmDiagnostics::of(o, compatibility.temperature)),
                };
                if first_steps_loss.is_nan() {
                    first_steps_loss = f64::from(record.loss_avg);
                }
                last_steps_loss = f64::from(record.loss_avg);
                log_loss_sum = 0.0;
                log_steps = 0;
                observer.on_log(&record).map_err(|e| WhacError::File {
                    path: "metrics.jsonl".into(),
                    message: e.to_string(),
                })?;
            }
            if epoch_steps == steps_per_epoch {
                let mean = epoch_loss_sum / epoch_steps as f64;
                if epoch == 0 {
                    first_epoch_loss = mean;
                }
                last_epoch_loss = mean;
                observer
                    .on_epoch(&EpochRecord {
                        kind: "epoch",
                        epoch: epoch + 1,
                        step,
                        loss_mean: mean,
                        elapsed_seconds: elapsed,
                    })
                    .map_err(|e| WhacError::File {
                        path: "metrics.jsonl".into(),
                        message: e.to_string(),
                    })?;
                epoch_loss_sum = 0.0;
                epoch_steps = 0;
            }
        }
        Ok(model)
    });
    observer.on_end();
    let model = result?;
    let train_seconds = start.elapsed().as_secs_f64();
    let report = TrainReport {
        epochs: config.epochs,
        steps: step,
        batch_size: plan.batch_size,
        train_seconds,
        views: views_seen,
        views_per_second: views_seen as f64 / train_seconds.max(1e-9),
        final_loss: last_epoch_loss,
        first_epoch_loss,
        first_steps_loss,
        last_steps_loss,
    };
    Ok((model, report))
}

/// One induced-RBM loss with the candidates of `negatives`; refreshes the bank's rows of the
/// batch afterwards.
fn rbm_step(
    anchors: Tensor<2>,
    hidden: Tensor<3>,
    second: Option<Tensor<3>>,
    negatives: RbmNegatives,
    bank: Option<&mut MemoryBank>,
    indices: &[usize],
    compatibility: &Compatibility,
    support: usize,
    sampler: &mut StdRng,
    device: &Device,
) -> RbmLoss {
    let b = indices.len();
    let own = index_tensor(&(0..b).collect::<Vec<_>>(), device);
    let batch_idx = index_tensor(indices, device);
    let out = match (negatives, bank.as_deref()) {
        (RbmNegatives::All, Some(bank)) => {
            let candidates = bank.with_fresh(batch_idx.clone(), anchors.clone()); // [N, P]
            induced_rbm_loss(
                candidates,
                hidden,
                second,
                batch_idx.clone(),
                compatibility,
                0.0,
            )
        }
        (RbmNegatives::BankImportance { k }, Some(bank)) => {
            let draws: Vec<usize> = (0..k).map(|_| sampler.random_range(0..support)).collect();
            let extra = bank.select(index_tensor(&draws, device)); // [K, P]
            let candidates = Tensor::cat(vec![anchors.clone(), extra], 0); // [B + K, P]
            let log_ratio = (support.max(b + k) as f64 / (b + k) as f64).ln();
            induced_rbm_loss(candidates, hidden, second, own, compatibility, log_ratio)
        }
        _ if second.is_none() => {
            induced_rbm_importance(anchors.clone(), hidden, compatibility, support)
        }
        _ => {
            let log_ratio = (support.max(b) as f64 / b as f64).ln();
            induced_rbm_loss(
                anchors.clone(),
                hidden,
                second,
                own,
                compatibility,
                log_ratio,
            )
        }
    };
    if let Some(bank) = bank {
        bank.update(batch_idx, anchors);
    }
    out
}

/// A bank of every training example's projected embedding under the initial model.
fn initial_bank(
    model: &Model,
    compatibility: &Compatibility,
    data: &TrainData<'_>,
    objective: Objective,
    device: &Device,
) -> MemoryBank {
    let inner = device.clone().inner();
    let (rows, dim) = embed_with(
        &model.valid(),
        data.train,
        data.standardize,
        1024,
        &inner,
        Side::Projection(compatibility),
    );
    let momentum = match objective {
        Objective::Rbm { bank_momentum, .. } => bank_momentum,
        _ => 0.0,
    };
    let rows = Tensor::<2>::from_data(TensorData::new(rows, [data.train.len(), dim]), device);
    MemoryBank::new(rows, momentum)
}
