//! The training loop.

use burn::optim::GradientsParams;
use burn::prelude::*;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use super::batches::{Batch, BatchPlan, produce};
use super::monitor::knn_monitor;
use super::step::{ObjectiveState, StepLoss};
use super::{EpochRecord, MonitorRecord, Observer, Optimizer, StepRecord, TrainConfig};
use super::{Progress, TrainState};
use crate::WhacError;
use crate::compatibility::{Compatibility, Model};
use crate::input::Examples;
use crate::objective::{Objective, RbmDiagnostics};

/// What the loop trains on.
#[derive(Clone, Copy)]
pub struct TrainData<'a> {
    /// The training split with its transformation generator `T` (images, text or table rows).
    pub train: Examples<'a>,
    /// Held-out examples for the online kNN monitor (`train.monitor_every`), if any.
    pub heldout: Option<Examples<'a>>,
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
    /// Examples passed through the network (clean + copies).
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
    /// The online kNN monitor of each monitored epoch.
    pub monitor: Vec<MonitorRecord>,
}

/// Trains `model` (on an autodiff `device`) and returns it with a report.
///
/// Batches are prepared by a producer thread `train.prefetch` batches ahead (augmentation itself
/// runs in parallel over the batch), so augmenting the next batch overlaps with this step. The
/// observer receives the whole [`TrainState`] at every checkpoint (`train.checkpoint_every`, the
/// end, a stop); when it asks to stop, the loop checkpoints and returns
/// [`WhacError::Interrupted`].
pub fn fit(
    model: Model,
    objective: Objective,
    compatibility: Compatibility,
    config: &TrainConfig,
    data: TrainData<'_>,
    device: &Device,
    observer: &mut dyn Observer,
) -> Result<(Model, TrainReport), WhacError> {
    let setup = Setup::new(objective, compatibility, config, &data)?;
    let state = TrainState {
        objective: setup.objective_state(&model, device),
        optimizer: Optimizer::new(config.optimizer_settings()),
        progress: Progress {
            steps_per_epoch: setup.plan.steps_per_epoch(),
            ..Progress::default()
        },
        model,
    };
    run(state, setup, device, observer)
}

/// Continues a run from the training state saved in `dir` (see [`TrainState::save`]), with the
/// run's own recipe: `template` is a model of its architecture on the autodiff `device`. Ends
/// with the same weights as the uninterrupted run.
#[allow(clippy::too_many_arguments)]
pub fn resume(
    dir: &std::path::Path,
    template: Model,
    objective: Objective,
    compatibility: Compatibility,
    config: &TrainConfig,
    data: TrainData<'_>,
    device: &Device,
    observer: &mut dyn Observer,
) -> Result<(Model, TrainReport), WhacError> {
    let setup = Setup::new(objective, compatibility, config, &data)?;
    let fresh = setup.objective_state(&template, device);
    let state = TrainState::load(
        dir,
        template,
        Optimizer::new(config.optimizer_settings()),
        fresh,
        device,
    )?;
    let per_epoch = setup.plan.steps_per_epoch();
    if state.progress.steps_per_epoch != per_epoch {
        return Err(WhacError::File {
            path: dir.display().to_string(),
            message: format!(
                "saved with {} steps per epoch, this recipe makes {per_epoch}; expected the run's own recipe",
                state.progress.steps_per_epoch
            ),
        });
    }
    run(state, setup, device, observer)
}

/// The checked parts of a run that do not change while it trains.
struct Setup<'a> {
    objective: Objective,
    compatibility: Compatibility,
    config: &'a TrainConfig,
    data: TrainData<'a>,
    plan: BatchPlan,
}

impl<'a> Setup<'a> {
    fn new(
        objective: Objective,
        compatibility: Compatibility,
        config: &'a TrainConfig,
        data: &TrainData<'a>,
    ) -> Result<Self, WhacError> {
        config.check()?;
        let set = &data.train;
        let plan = BatchPlan {
            examples: set.len(),
            batch_size: config.batch_size.min(set.len()),
            drop_last: config.drop_last,
            seed: config.seed,
        };
        if plan.steps_per_epoch() == 0 || plan.batch_size < 2 {
            return Err(WhacError::config(
                "train.batch_size",
                config.batch_size,
                format!(
                    "a batch of at least 2 from the {} training examples",
                    set.len()
                ),
            ));
        }
        Ok(Self {
            objective,
            compatibility,
            config,
            data: *data,
            plan,
        })
    }

    fn objective_state(&self, model: &Model, device: &Device) -> ObjectiveState {
        ObjectiveState::new(
            model,
            self.objective,
            self.compatibility.clone(),
            &self.data.train,
            self.plan.batch_size,
            self.config.seed,
            device,
        )
    }
}

fn metrics_error(e: std::io::Error) -> WhacError {
    WhacError::File {
        path: "metrics.jsonl".into(),
        message: e.to_string(),
    }
}

/// The one training loop, from whatever step `state` is at.
fn run(
    mut state: TrainState,
    setup: Setup<'_>,
    device: &Device,
    observer: &mut dyn Observer,
) -> Result<(Model, TrainReport), WhacError> {
    let Setup {
        objective: _,
        compatibility,
        config,
        data,
        plan,
    } = setup;
    let examples = data.train;
    let steps_per_epoch = plan.steps_per_epoch();
    let total_steps = steps_per_epoch * config.epochs;
    let schedule = config.schedule(steps_per_epoch);
    let views = state.objective.view_plan();
    let start_step = state.progress.step;
    let (first_epoch, skip) = (start_step / steps_per_epoch, start_step % steps_per_epoch);

    observer.on_start(total_steps, start_step);
    let start = Instant::now();
    // Training seconds before this process, and monitor seconds of this process (left out).
    let seconds_before = state.progress.seconds;
    let mut monitor_seconds = 0.0f64;
    let elapsed =
        |monitor_seconds: f64| seconds_before + start.elapsed().as_secs_f64() - monitor_seconds;

    let result: Result<(), WhacError> = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Batch>(config.prefetch);
        let producer_plan = plan.clone();
        scope.spawn(move || {
            produce(
                &producer_plan,
                first_epoch..config.epochs,
                skip,
                examples,
                views.augmented,
                views.clean,
                tx,
            );
        });
        for batch in rx.iter() {
            let epoch = batch.epoch;
            let step = state.progress.step;
            let StepLoss {
                loss,
                rbm: rbm_out,
                views: n_views,
            } = state
                .objective
                .loss(&state.model, batch, step, &examples, device);
            let loss_value = loss.clone().into_scalar::<f32>();
            let learning_rate = schedule.rate(step);
            if !loss_value.is_finite() {
                return Err(WhacError::NonFiniteLoss {
                    loss: loss_value,
                    step: step + 1,
                    epoch: epoch + 1,
                    learning_rate,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &state.model);
            let model = state.model.clone();
            state.model = state.optimizer.step(learning_rate, model, grads);
            state.objective.after_step(&state.model);
            let p = &mut state.progress;
            p.step += 1;
            let step = p.step;
            p.views += n_views;
            p.epoch_loss_sum += f64::from(loss_value);
            p.epoch_steps += 1;
            p.log_loss_sum += f64::from(loss_value);
            p.log_steps += 1;
            observer.on_step(step, epoch + 1, loss_value);

            let seconds = elapsed(monitor_seconds);
            if step.is_multiple_of(config.log_every) || step == total_steps {
                let record = StepRecord {
                    kind: "step",
                    step,
                    epoch: epoch + 1,
                    loss: loss_value,
                    loss_avg: (p.log_loss_sum / p.log_steps as f64) as f32,
                    learning_rate,
                    views_per_second: p.views as f64 / seconds.max(1e-9),
                    rbm: rbm_out.as_ref().map(|o| {
                        let t = compatibility.with_model(&state.model).current_temperature();
                        RbmDiagnostics::of(o, t)
                    }),
                };
                p.first_steps_loss.get_or_insert(f64::from(record.loss_avg));
                p.last_steps_loss = Some(f64::from(record.loss_avg));
                p.log_loss_sum = 0.0;
                p.log_steps = 0;
                observer.on_log(&record).map_err(metrics_error)?;
            }
            let end_of_epoch = p.epoch_steps == steps_per_epoch;
            if end_of_epoch {
                let mean = p.epoch_loss_sum / p.epoch_steps as f64;
                p.first_epoch_loss.get_or_insert(mean);
                p.last_epoch_loss = Some(mean);
                p.epoch_loss_sum = 0.0;
                p.epoch_steps = 0;
                observer
                    .on_epoch(&EpochRecord {
                        kind: "epoch",
                        epoch: epoch + 1,
                        step,
                        loss_mean: mean,
                        elapsed_seconds: seconds,
                    })
                    .map_err(metrics_error)?;
                let every = config.monitor_every;
                if let Some(heldout) = data
                    .heldout
                    .filter(|_| every > 0 && (epoch + 1) % every == 0)
                {
                    let record = knn_monitor(
                        &state.model.valid(),
                        &examples,
                        &heldout,
                        &device.clone().inner(),
                        epoch + 1,
                        step,
                    );
                    monitor_seconds += record.seconds;
                    observer.on_monitor(&record).map_err(metrics_error)?;
                    state.progress.monitor.push(record);
                }
            }
            let stop = observer.should_stop();
            let due = match config.checkpoint_every {
                0 => end_of_epoch,
                n => step.is_multiple_of(n),
            };
            if stop || due || step == total_steps {
                state.progress.seconds = elapsed(monitor_seconds);
                observer.on_checkpoint(&state)?;
            }
            if stop && step < total_steps {
                return Err(WhacError::Interrupted { step });
            }
        }
        Ok(())
    });
    observer.on_end();
    result?;
    let p = &state.progress;
    let train_seconds = elapsed(monitor_seconds);
    let report = TrainReport {
        epochs: config.epochs,
        steps: p.step,
        batch_size: plan.batch_size,
        train_seconds,
        views: p.views,
        views_per_second: p.views as f64 / train_seconds.max(1e-9),
        final_loss: p.last_epoch_loss.unwrap_or(f64::NAN),
        first_epoch_loss: p.first_epoch_loss.unwrap_or(f64::NAN),
        first_steps_loss: p.first_steps_loss.unwrap_or(f64::NAN),
        last_steps_loss: p.last_steps_loss.unwrap_or(f64::NAN),
        monitor: p.monitor.clone(),
    };
    Ok((state.model, report))
}
