//! The training loop.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use std::sync::mpsc::sync_channel;
use std::time::Instant;
use whac_data::ImageSet;
use whac_data::transform::Transform;

use super::batches::{Batch, BatchPlan, produce};
use super::step::{Images, ObjectiveState, StepLoss};
use super::{EpochRecord, Observer, Standardize, StepRecord, TrainConfig};
use crate::WhacError;
use crate::compatibility::{Compatibility, Model};
use crate::objective::{Objective, RbmDiagnostics};

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
    let images = Images {
        set,
        standardize: data.standardize,
    };
    let mut state = ObjectiveState::new(
        &model,
        objective,
        compatibility,
        &images,
        plan.batch_size,
        config.seed,
        device,
    );

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
                views.augmented,
                views.clean,
                data.standardize,
                tx,
            );
        });
        for batch in rx.iter() {
            let epoch = batch.epoch;
            let StepLoss {
                loss,
                rbm: rbm_out,
                views: n_views,
            } = state.loss(&model, batch, &images, device);
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
            state.after_step(&model);
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
