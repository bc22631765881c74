//! Evaluation of frozen features on plain `f32` matrices: a linear probe (softmax regression
//! trained to convergence with L-BFGS), weighted k-nearest-neighbour accuracy, and the alignment
//! and uniformity of embeddings on the hypersphere; PCA and similarity histograms for reports.
#![warn(missing_docs)]

mod error;
mod features;
mod geometry;
mod knn;
mod lbfgs;
mod linear_probe;
pub mod matmul;
mod pca;
mod similarity;
mod softmax_regression;
mod standardize;

pub use error::EvalError;
pub use features::Features;
pub use geometry::{Geometry, alignment, uniformity};
pub use knn::{KnnConfig, knn_accuracies, knn_accuracy, knn_predict};
pub use linear_probe::{LinearProbeConfig, ProbeReport, linear_probe};
pub use pca::Pca;
pub use similarity::{histogram, pair_similarities};
