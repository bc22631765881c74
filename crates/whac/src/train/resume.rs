//! The complete training state, saved so that a run can continue exactly where it stopped: the
//! model and the optimiser's moments (burnpack, which keeps parameter ids, so the moments find
//! their parameters again), the objective's memory bank, key queue and momentum encoder, and the
//! loop's counters. Data order, augmentation and bank draws are functions of (seed, epoch, step),
//! so nothing else is needed for a resumed run to end with the same weights as an uninterrupted
//! one.
//!
//! A state is a folder written whole and then swapped in by renames, so a process killed while
//! writing leaves the previous state readable (see [`TrainState::save`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};

use super::step::ObjectiveState;
use super::{MonitorRecord, Optimizer};
use crate::WhacError;
use crate::compatibility::Model;

/// The loop's counters (`progress.json`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Steps taken.
    pub step: usize,
    /// Steps per epoch of the run (checked on resume).
    pub steps_per_epoch: usize,
    /// Images encoded so far.
    pub views: usize,
    /// Training seconds so far (monitor excluded).
    pub seconds: f64,
    /// Loss sum and steps of the current epoch.
    pub epoch_loss_sum: f64,
    /// Steps of the current epoch.
    pub epoch_steps: usize,
    /// Loss sum since the last logged step.
    pub log_loss_sum: f64,
    /// Steps since the last logged step.
    pub log_steps: usize,
    /// Mean loss of the first epoch, once known.
    pub first_epoch_loss: Option<f64>,
    /// Mean loss of the last finished epoch.
    pub last_epoch_loss: Option<f64>,
    /// Mean loss of the first logged steps.
    pub first_steps_loss: Option<f64>,
    /// Mean loss of the latest logged steps.
    pub last_steps_loss: Option<f64>,
    /// The online kNN monitor so far.
    pub monitor: Vec<MonitorRecord>,
    /// Row of the key queue the next push writes (MoCo).
    pub queue_head: usize,
}

/// Everything a run needs to continue.
pub struct TrainState {
    pub(crate) model: Model,
    pub(crate) optimizer: Optimizer,
    pub(crate) objective: ObjectiveState,
    pub(crate) progress: Progress,
}

const MODEL: &str = "model.bpk";
const OPTIMIZER: &str = "optimizer.bpk";
const MOMENTUM: &str = "momentum.bpk";
const TENSORS: &str = "objective.safetensors";
const PROGRESS: &str = "progress.json";

fn file_error(path: &Path, message: impl ToString) -> WhacError {
    WhacError::File {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

impl TrainState {
    /// Steps taken.
    pub fn step(&self) -> usize {
        self.progress.step
    }

    /// The model being trained.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Writes the state into `dir` (created if missing) so that at every moment `dir` holds a
    /// complete state: everything goes to `dir.tmp` first, then `dir` becomes `dir.old`, `dir.tmp`
    /// becomes `dir`, and `dir.old` is removed. [`TrainState::load`] falls back to `dir.old` when a
    /// kill fell between the two renames.
    pub fn save(&self, dir: &Path) -> Result<(), WhacError> {
        let tmp = sibling(dir, "tmp");
        let old = sibling(dir, "old");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| file_error(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| file_error(&tmp, e))?;
        self.model
            .clone()
            .save_file(tmp.join(MODEL))
            .map_err(|e| file_error(&tmp.join(MODEL), format!("{e:?}")))?;
        self.optimizer
            .save(&tmp.join(OPTIMIZER))
            .map_err(|e| file_error(&tmp.join(OPTIMIZER), format!("{e:?}")))?;
        let parts = self.objective.parts();
        if let Some(momentum) = parts.momentum {
            momentum
                .clone()
                .save_file(tmp.join(MOMENTUM))
                .map_err(|e| file_error(&tmp.join(MOMENTUM), format!("{e:?}")))?;
        }
        let mut named: Vec<(&str, Tensor<2>)> = Vec::new();
        if let Some(bank) = parts.bank {
            named.push(("bank", bank));
        }
        if let Some(queue) = parts.queue {
            named.push(("queue", queue));
        }
        write_tensors(&tmp.join(TENSORS), &named)?;
        let mut progress = self.progress.clone();
        progress.queue_head = parts.queue_head;
        let json = serde_json::to_string_pretty(&progress).expect("progress serialises");
        std::fs::write(tmp.join(PROGRESS), json).map_err(|e| file_error(&tmp.join(PROGRESS), e))?;
        sync_dir(&tmp);
        if dir.exists() {
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(|e| file_error(&old, e))?;
            }
            std::fs::rename(dir, &old).map_err(|e| file_error(dir, e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| file_error(dir, e))?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent);
        }
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| file_error(&old, e))?;
        }
        Ok(())
    }

    /// Reads a state written by [`TrainState::save`] into `template` (a model of the run's
    /// architecture on the training device) and `objective` (the run's fresh objective state),
    /// with a fresh `optimizer` of the run's settings.
    pub(crate) fn load(
        dir: &Path,
        template: Model,
        optimizer: Optimizer,
        mut objective: ObjectiveState,
        device: &Device,
    ) -> Result<Self, WhacError> {
        let dir = if dir.join(PROGRESS).is_file() {
            dir.to_path_buf()
        } else if sibling(dir, "old").join(PROGRESS).is_file() {
            sibling(dir, "old")
        } else {
            return Err(file_error(
                dir,
                "no training state here; expected a run folder's checkpoint/state written by \
                 `whac train` (progress.json, model.bpk, optimizer.bpk)",
            ));
        };
        let read = |name: &str| -> Result<String, WhacError> {
            std::fs::read_to_string(dir.join(name)).map_err(|e| file_error(&dir.join(name), e))
        };
        let progress: Progress = serde_json::from_str(&read(PROGRESS)?)
            .map_err(|e| file_error(&dir.join(PROGRESS), format!("not a training state: {e}")))?;
        let model = template
            .try_load_file(dir.join(MODEL))
            .map_err(|e| file_error(&dir.join(MODEL), format!("{e:?}")))?;
        let optimizer = optimizer
            .load(&dir.join(OPTIMIZER))
            .map_err(|e| file_error(&dir.join(OPTIMIZER), format!("{e:?}")))?;
        let tensors = read_tensors(&dir.join(TENSORS), device)?;
        let momentum = match objective.parts().momentum {
            Some(fresh) => Some(
                fresh
                    .clone()
                    .try_load_file(dir.join(MOMENTUM))
                    .map_err(|e| file_error(&dir.join(MOMENTUM), format!("{e:?}")))?,
            ),
            None => None,
        };
        objective.restore(
            tensors.get("bank").cloned(),
            tensors
                .get("queue")
                .cloned()
                .map(|keys| (keys, progress.queue_head)),
            momentum,
        );
        Ok(Self {
            model,
            optimizer,
            objective,
            progress,
        })
    }
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    dir.with_file_name(name)
}

/// fsync a folder so the renames and files in it reach the disk (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

fn write_tensors(path: &Path, named: &[(&str, Tensor<2>)]) -> Result<(), WhacError> {
    let host: Vec<(String, Vec<usize>, Vec<u8>)> = named
        .iter()
        .map(|(name, t)| {
            let values: Vec<f32> = t
                .clone()
                .into_data()
                .convert::<f32>()
                .try_to_vec()
                .expect("f32 tensor");
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.to_string(), t.dims().to_vec(), bytes)
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = host
        .iter()
        .map(|(name, shape, bytes)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("consistent view");
            (name.clone(), view)
        })
        .collect();
    safetensors::serialize_to_file(views, None, path).map_err(|e| file_error(path, e))
}

fn read_tensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor<2>>, WhacError> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| file_error(path, format!("not a safetensors file: {e}")))?;
    let mut out = HashMap::new();
    for (name, view) in file.tensors() {
        let shape = view.shape();
        if view.dtype() != Dtype::F32 || shape.len() != 2 {
            return Err(file_error(
                path,
                format!("tensor `{name}`: expected a 2-D f32 tensor"),
            ));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let t = Tensor::<2>::from_data(TensorData::new(values, [shape[0], shape[1]]), device);
        out.insert(name, t);
    }
    Ok(out)
}
