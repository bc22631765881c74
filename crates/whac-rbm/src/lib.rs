//! The classical Bernoulli–Bernoulli restricted Boltzmann machine (DESIGN.md §1.1), where whac's
//! idea starts: `E(v, h) = −vᵀb − cᵀh − vᵀWh`.
//!
//! - [`Rbm`] (f64): free energy, energy, exact log Z ([`exact_log_z`]) by enumerating the smaller
//!   layer, mean log-likelihood ([`mean_log_likelihood`]);
//! - [`Params`] (f32): batched conditionals and Gibbs sampling on `gemm`, or on sums of rows
//!   when the visible states are sparse and binary (`sparse.rs`), with the elementwise work in
//!   one vectorised pass (`rows.rs`);
//! - training ([`train`], one step [`update`]): CD-k, PCD and parallel tempering
//!   ([`TemperedChains`]), learning-rate schedules, momentum, weight decay, optional centring
//!   (Melchior et al. 2016), Hinton's initialisation; settings in [`RbmTrainConfig`];
//! - scikit-learn's pseudo-log-likelihood ([`pseudo_log_likelihood`]);
//! - AIS and reverse AIS ([`ais`]) from a base-rate model (Salakhutdinov & Murray 2008);
//! - artifacts: `model.safetensors` ([`save_safetensors`]) and PNG grids ([`save_grid_png`]).
#![warn(missing_docs)]

mod ais;
mod binarize;
mod config;
mod error;
mod eval;
mod gibbs;
mod image;
mod io;
mod log_z;
mod model;
mod pseudo;
mod rows;
mod sparse;
mod tempering;
mod train;

pub use ais::{AisConfig, AisReport, LogZEstimate, ais};
pub use binarize::{base_rate_biases, binarize};
pub use config::{Algorithm, Binarization, Ladder, LrSchedule, RbmTrainConfig};
pub use error::RbmError;
pub use eval::mean_log_likelihood;
pub use gibbs::{Params, sample_in_place};
pub use image::{filters, save_grid_png};
pub use io::{load_safetensors, save_safetensors};
pub use log_z::{MAX_ENUMERATED_UNITS, exact_log_z, log_sum_exp};
pub use model::Rbm;
pub use pseudo::pseudo_log_likelihood;
pub use tempering::TemperedChains;
pub use train::{
    EpochReport, Negative, Offsets, PersistentChains, StepStats, TrainObserver, TrainState,
    Trained, train, update,
};
