//! Linear probe and kNN on one pair of feature matrices.

use serde::Serialize;
use whac_eval::{Features, ProbeReport, knn_accuracy, linear_probe};

use super::EvalConfig;
use crate::WhacError;

/// Scores of one feature space.
#[derive(Serialize, Clone, Debug)]
pub struct FeatureScores {
    /// Linear probe (train and test accuracy, iterations, convergence).
    pub linear_probe: ProbeReport,
    /// Weighted kNN on the test split.
    pub knn: KnnScore,
    /// Feature dimension.
    pub dim: usize,
}

/// kNN accuracy with its settings.
#[derive(Serialize, Clone, Debug)]
pub struct KnnScore {
    /// Test accuracy.
    pub test_accuracy: f64,
    /// Neighbours.
    pub k: usize,
    /// Temperature of the weights exp(sim / t).
    pub temperature: f64,
}

/// The representation's scores and, if asked, raw pixels' scores.
#[derive(Serialize, Clone, Debug)]
pub struct EvalReport {
    /// Scores of the learned representation.
    pub representation: FeatureScores,
    /// Scores of raw pixels.
    pub baseline_pixels: Option<FeatureScores>,
}

/// Linear probe and kNN of features `[n, dim]` (train) and `[m, dim]` (test).
pub fn evaluate_features(
    train: &[f32],
    train_labels: &[u8],
    test: &[f32],
    test_labels: &[u8],
    dim: usize,
    num_classes: usize,
    config: &EvalConfig,
) -> Result<FeatureScores, WhacError> {
    let train_f = Features::new(train, train_labels.len(), dim);
    let test_f = Features::new(test, test_labels.len(), dim);
    let probe = linear_probe(
        train_f,
        train_labels,
        test_f,
        test_labels,
        num_classes,
        &config.probe,
    )?;
    let knn = knn_accuracy(
        train_f,
        train_labels,
        test_f,
        test_labels,
        num_classes,
        &config.knn,
    )?;
    Ok(FeatureScores {
        linear_probe: probe,
        knn: KnnScore {
            test_accuracy: knn,
            k: config.knn.k,
            temperature: config.knn.temperature,
        },
        dim,
    })
}
