//! Evaluation of frozen features on plain `f32` matrices: a linear probe (softmax regression
//! trained to convergence with L-BFGS) and weighted k-nearest-neighbour accuracy.
#![warn(missing_docs)]

mod error;
mod features;
mod knn;
mod lbfgs;
mod linear_probe;
pub mod matmul;
mod softmax_regression;
mod standardize;

pub use error::EvalError;
pub use features::Features;
pub use knn::{KnnConfig, knn_accuracy, knn_predict};
pub use linear_probe::{LinearProbeConfig, ProbeReport, linear_probe};
