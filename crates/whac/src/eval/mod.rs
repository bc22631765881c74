//! Measuring a trained encoder: embed a split with the frozen representation, then a linear probe
//! and weighted kNN from `whac-eval`, beside the same measurements on the raw input (pixels,
//! standardised table features, tf-idf bag of words); and the
//! induced-RBM log-likelihood of the test set, and the alignment and uniformity of the embeddings.

mod baseline;
mod config;
mod embed;
mod evaluate;
mod geometry;
mod induced_rbm;

pub use baseline::{baseline_features, baseline_name, inverse_document_frequency, tf_idf};
pub use config::EvalConfig;
pub use embed::{Side, embed, embed_first, embed_values, embed_with};
pub use evaluate::{EvalReport, FeatureScores, KnnAt, KnnScore, evaluate_features, evaluate_model};
pub use geometry::{GEOMETRY_EXAMPLES, geometry};
pub use induced_rbm::{InducedRbmScore, induced_rbm_log_likelihood};
