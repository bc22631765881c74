//! Measuring a trained encoder: embed a split with the frozen representation, then a linear probe
//! and weighted kNN from `whac-eval`, beside the same measurements on raw pixels.

mod config;
mod embed;
mod evaluate;

pub use config::EvalConfig;
pub use embed::embed;
pub use evaluate::{EvalReport, FeatureScores, KnnScore, evaluate_features};
