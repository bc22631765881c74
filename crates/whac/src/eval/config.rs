//! `[eval]`: how the representation is measured.

use serde::{Deserialize, Serialize};
use whac_eval::{KnnConfig, LinearProbeConfig};

/// `[eval]` as written in a recipe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// `[eval.probe]`: multinomial logistic regression on standardised features.
    pub probe: LinearProbeConfig,
    /// `[eval.knn]`: cosine-weighted kNN (Wu et al. 2018): k = 200, weights exp(sim / 0.1).
    pub knn: KnnConfig,
    /// Further k of the weighted kNN, reported beside `knn.k` (`knn.also` in `summary.json`).
    /// Default `[20]`.
    pub knn_also_k: Vec<usize>,
    /// Alignment and uniformity (Wang & Isola 2020) of the test split's projected embeddings.
    /// Default true.
    pub geometry: bool,
    /// Also measure raw pixels the same way. Default true.
    pub baseline_pixels: bool,
    /// Images per forward pass when embedding. Default 1024.
    pub batch_size: usize,
    /// Independent draws of the M copies for the induced-RBM test log-likelihood
    /// (`induced_rbm.test_log_likelihood`); 0 skips it. Default 1.
    pub induced_rbm_draws: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            probe: LinearProbeConfig::default(),
            knn: KnnConfig::default(),
            knn_also_k: vec![20],
            geometry: true,
            baseline_pixels: true,
            batch_size: 1024,
            induced_rbm_draws: 1,
        }
    }
}
