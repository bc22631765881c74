//! Linear probe and kNN on one pair of feature matrices.

use serde::Serialize;
use whac_eval::{Features, Geometry, ProbeReport, knn_accuracies, linear_probe};

use burn::prelude::*;

use super::{
    EvalConfig, InducedRbmScore, baseline_features, embed, geometry, induced_rbm_log_likelihood,
};
use crate::WhacError;
use crate::compatibility::{Compatibility, Model};
use crate::input::Examples;

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
    /// The same vote at the other k of `eval.knn_also_k`.
    pub also: Vec<KnnAt>,
}

/// kNN test accuracy at one k.
#[derive(Serialize, Clone, Debug)]
pub struct KnnAt {
    /// Neighbours.
    pub k: usize,
    /// Test accuracy.
    pub test_accuracy: f64,
}

/// The representation's scores and, if asked, the raw input's scores and the induced-RBM test
/// log-likelihood.
#[derive(Serialize, Clone, Debug)]
pub struct EvalReport {
    /// Scores of the learned representation.
    pub representation: FeatureScores,
    /// Scores of the raw input (see [`baseline_features`]): pixels, standardised table features
    /// or tf-idf bag of words. Named for the images it was first measured on.
    pub baseline_pixels: Option<FeatureScores>,
    /// Induced-RBM log-likelihood of the test split.
    pub induced_rbm: Option<InducedRbmScore>,
    /// Alignment and uniformity of the test split's projected embeddings.
    pub geometry: Option<Geometry>,
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
    let ks: Vec<usize> = std::iter::once(config.knn.k)
        .chain(config.knn_also_k.iter().copied())
        .collect();
    let knn = knn_accuracies(
        train_f,
        train_labels,
        test_f,
        test_labels,
        num_classes,
        &ks,
        &config.knn,
    )?;
    Ok(FeatureScores {
        linear_probe: probe,
        knn: KnnScore {
            test_accuracy: knn[0],
            k: config.knn.k,
            temperature: config.knn.temperature,
            also: ks[1..]
                .iter()
                .zip(&knn[1..])
                .map(|(&k, &test_accuracy)| KnnAt { k, test_accuracy })
                .collect(),
        },
        dim,
    })
}

/// Everything `[eval]` asks of a trained model: the frozen representation of the `train` and
/// `test` examples scored by linear probe and kNN, the raw input scored the same way (if
/// `baseline_pixels`), the induced-RBM test log-likelihood with `copies` copies from the test
/// examples' transformation (if `induced_rbm_draws > 0`), and the geometry of the test
/// embeddings. `device` has no autodiff and matches `model`.
pub fn evaluate_model(
    model: &Model,
    train: &Examples<'_>,
    test: &Examples<'_>,
    compatibility: &Compatibility,
    copies: usize,
    seed: u64,
    config: &EvalConfig,
    device: &Device,
) -> Result<EvalReport, WhacError> {
    let (train_h, dim) = embed(model, train, config.batch_size, device);
    let (test_h, _) = embed(model, test, config.batch_size, device);
    let classes = train.num_classes();
    let (train_labels, test_labels) = (train.labels(), test.labels());
    let representation = evaluate_features(
        &train_h,
        &train_labels,
        &test_h,
        &test_labels,
        dim,
        classes,
        config,
    )?;
    drop((train_h, test_h));
    let baseline_pixels = if config.baseline_pixels {
        let (train_x, test_x, d) = baseline_features(train, test);
        Some(evaluate_features(
            &train_x,
            &train_labels,
            &test_x,
            &test_labels,
            d,
            classes,
            config,
        )?)
    } else {
        None
    };
    let induced_rbm = (config.induced_rbm_draws > 0).then(|| {
        induced_rbm_log_likelihood(
            model,
            test,
            compatibility,
            copies,
            config.induced_rbm_draws,
            seed,
            device,
        )
    });
    let geometry = config
        .geometry
        .then(|| geometry(model, test, compatibility, seed, device));
    Ok(EvalReport {
        representation,
        baseline_pixels,
        induced_rbm,
        geometry,
    })
}
