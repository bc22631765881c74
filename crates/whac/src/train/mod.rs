//! The one training loop ([`fit`]) and what it needs: its config, the batch producer that
//! prepares augmented views on other threads while the model trains, the observer through which
//! progress and metrics leave the loop, and checkpoint file I/O.

mod batches;
mod checkpoint;
mod config;
mod fit;
mod momentum;
mod monitor;
mod observer;
mod optim;
mod resume;
mod schedule;
mod standardize;
mod step;

pub use batches::{Batch, BatchPlan};
pub use checkpoint::{load_model, save_model};
pub use config::TrainConfig;
pub use fit::{TrainData, TrainReport, fit, resume};
pub use momentum::MomentumModel;
pub use observer::{EpochRecord, MonitorRecord, NullObserver, Observer, StepRecord};
pub use optim::{Optimizer, OptimizerKind, OptimizerSettings, clip_global_norm};
pub use resume::{Progress, TrainState};
pub use schedule::{Schedule, ScheduleKind};
pub use standardize::Standardize;
