//! The one training loop ([`fit`]) and what it needs: its config, the batch producer that
//! prepares augmented views on other threads while the model trains, the observer through which
//! progress and metrics leave the loop, and checkpoint file I/O.

mod batches;
mod checkpoint;
mod config;
mod fit;
mod momentum;
mod observer;
mod standardize;
mod step;

pub use batches::{Batch, BatchPlan};
pub use checkpoint::{load_model, save_model};
pub use config::TrainConfig;
pub use fit::{TrainData, TrainReport, fit};
pub use momentum::MomentumModel;
pub use observer::{EpochRecord, NullObserver, Observer, StepRecord};
pub use standardize::Standardize;
