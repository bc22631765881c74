//! Weighted k-nearest-neighbour classification of frozen features (Wu, Xiong, Yu & Lin 2018,
//! "Unsupervised Feature Learning via Non-Parametric Instance Discrimination", §3.4).
//!
//! Rows are L2-normalised, so similarity is the cosine. Each test row takes the `k` most similar
//! training rows; each votes for its label with weight `exp(sim / temperature)`, and the class
//! with the largest summed weight wins.

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::{accuracy, check_labels, check_pair};
use crate::matmul::{MatRef, matmul};
use crate::{EvalError, Features};

/// Test rows whose similarities to the whole training set are held at once
/// (512 × 60000 f32 = 123 MB for MNIST).
const TEST_ROWS_PER_CHUNK: usize = 512;

/// Settings of [`knn_accuracy`] and [`knn_predict`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnnConfig {
    /// Neighbours per test row, ≥ 1; a `k` above the training set size is clamped to it.
    /// Default `200`.
    pub k: usize,
    /// Softmax temperature of the vote weights, finite and > 0. Default `0.1`.
    pub temperature: f64,
}

impl Default for KnnConfig {
    fn default() -> Self {
        Self {
            k: 200,
            temperature: 0.1,
        }
    }
}

impl KnnConfig {
    /// Rejects `k = 0` and a temperature that is not finite and positive.
    pub fn check(&self) -> Result<(), EvalError> {
        if self.k == 0 {
            return Err(EvalError::InvalidConfig {
                name: "k",
                value: "0".into(),
                reason: "need at least one neighbour",
            });
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(EvalError::InvalidConfig {
                name: "temperature",
                value: self.temperature.to_string(),
                reason: "must be finite and > 0",
            });
        }
        Ok(())
    }
}

/// Fraction of `test` rows whose weighted-kNN prediction (see [`knn_predict`]) equals their
/// label.
///
/// # Errors
/// As [`knn_predict`], plus a `test_labels` of the wrong length or with a label out of range.
pub fn knn_accuracy(
    train: Features,
    train_labels: &[u8],
    test: Features,
    test_labels: &[u8],
    num_classes: usize,
    cfg: &KnnConfig,
) -> Result<f64, EvalError> {
    Ok(knn_accuracies(
        train,
        train_labels,
        test,
        test_labels,
        num_classes,
        &[cfg.k],
        cfg,
    )?[0])
}

/// [`knn_accuracy`] for several `ks` at once (one similarity pass; `cfg.k` is ignored, its
/// temperature used), in the order of `ks`.
///
/// # Errors
/// As [`knn_accuracy`], and for an empty `ks` or a zero in it.
pub fn knn_accuracies(
    train: Features,
    train_labels: &[u8],
    test: Features,
    test_labels: &[u8],
    num_classes: usize,
    ks: &[usize],
    cfg: &KnnConfig,
) -> Result<Vec<f64>, EvalError> {
    cfg.check()?;
    if ks.is_empty() || ks.contains(&0) {
        return Err(EvalError::InvalidConfig {
            name: "k",
            value: format!("{ks:?}"),
            reason: "need at least one k, each at least one neighbour",
        });
    }
    check_pair(&train, &test, num_classes)?;
    check_labels("train", train.rows, train_labels, num_classes)?;
    check_labels("test", test.rows, test_labels, num_classes)?;
    let predicted = predict_checked(
        &train,
        train_labels,
        &test,
        num_classes,
        ks,
        cfg.temperature,
    );
    Ok(predicted.iter().map(|p| accuracy(p, test_labels)).collect())
}

/// Weighted-kNN class of every `test` row.
///
/// `k` is clamped to the number of training rows. Ties are broken deterministically: among
/// equally similar training rows the one with the lower index is the nearer, and among classes
/// with equal summed weight the lower class index wins. A zero row stays zero after
/// normalisation and so has similarity 0 to everything.
///
/// Similarities are computed for 512 test rows at a time (one gemm against
/// the whole training set), never as the full test × train matrix; the top `k` of each row are
/// found with a parallel `select_nth_unstable_by`, O(train rows) per test row.
///
/// # Shapes
/// `train`: n × d, `train_labels`: n, `test`: m × d; returns m labels.
///
/// # Errors
/// [`EvalError`] for mismatched shapes or label counts, empty or non-finite features, labels
/// out of range, `num_classes` outside 1..=256, `k = 0` or a bad temperature.
pub fn knn_predict(
    train: Features,
    train_labels: &[u8],
    test: Features,
    num_classes: usize,
    cfg: &KnnConfig,
) -> Result<Vec<u8>, EvalError> {
    cfg.check()?;
    check_pair(&train, &test, num_classes)?;
    check_labels("train", train.rows, train_labels, num_classes)?;
    Ok(predict_checked(
        &train,
        train_labels,
        &test,
        num_classes,
        &[cfg.k],
        cfg.temperature,
    )
    .remove(0))
}

/// [`knn_predict`] on inputs that have passed every check, for each of `ks`: `[ks.len()][m]`.
fn predict_checked(
    train: &Features,
    train_labels: &[u8],
    test: &Features,
    num_classes: usize,
    ks: &[usize],
    temperature: f64,
) -> Vec<Vec<u8>> {
    let (n, d) = (train.rows, train.cols);
    let ks: Vec<usize> = ks.iter().map(|&k| k.min(n)).collect();
    let train_unit = unit_rows(train);
    let test_unit = unit_rows(test);

    // Row-major [m][ks.len()] while voting, transposed at the end.
    let mut predicted = vec![0u8; test.rows * ks.len()];
    let mut sims = vec![0.0f32; TEST_ROWS_PER_CHUNK.min(test.rows) * n];
    for (chunk, (pred, queries)) in predicted
        .chunks_mut(TEST_ROWS_PER_CHUNK * ks.len())
        .zip(test_unit.chunks(TEST_ROWS_PER_CHUNK * d))
        .enumerate()
    {
        let rows = pred.len() / ks.len();
        let sims = &mut sims[..rows * n];
        // sims: rows × n = queries (rows × d) · train_unitᵀ (d × n)
        matmul(
            sims,
            MatRef::row_major(queries, rows, d),
            MatRef::row_major(&train_unit, n, d).t(),
            false,
        );
        debug_assert!(chunk * TEST_ROWS_PER_CHUNK + rows <= test.rows);
        sims.par_chunks(n)
            .zip(pred.par_chunks_mut(ks.len()))
            .for_each_init(
                || Vec::with_capacity(n),
                |candidates, (row, out)| {
                    vote(
                        row,
                        train_labels,
                        &ks,
                        temperature,
                        num_classes,
                        candidates,
                        out,
                    );
                },
            );
    }
    (0..ks.len())
        .map(|j| {
            predicted
                .iter()
                .skip(j)
                .step_by(ks.len())
                .copied()
                .collect()
        })
        .collect()
}

/// Nearer-first order: higher similarity, then lower training index.
fn nearer_first(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Weighted votes of the `k` most similar entries of `sims` (one test row against all train
/// rows), for each `k` of `ks` (each ≤ `sims.len()`), into `out`. `candidates` is scratch space
/// reused across rows.
fn vote(
    sims: &[f32],
    labels: &[u8],
    ks: &[usize],
    temperature: f64,
    num_classes: usize,
    candidates: &mut Vec<(f32, u32)>,
    out: &mut [u8],
) {
    let k_max = ks.iter().copied().max().unwrap_or(1);
    candidates.clear();
    candidates.extend(sims.iter().enumerate().map(|(j, &s)| (s, j as u32)));
    if k_max < candidates.len() {
        candidates.select_nth_unstable_by(k_max - 1, nearer_first);
    }
    let top = &mut candidates[..k_max];
    top.sort_unstable_by(nearer_first);
    // exp((s − s_max)/T) ∝ exp(s/T): same argmax, no overflow for small temperatures.
    let s_max = top.first().map_or(0.0, |c| c.0);
    let mut weight = vec![0.0f64; num_classes];
    for (&k, slot) in ks.iter().zip(out.iter_mut()) {
        weight.iter_mut().for_each(|w| *w = 0.0);
        for &(s, j) in &top[..k] {
            weight[usize::from(labels[j as usize])] +=
                ((f64::from(s) - f64::from(s_max)) / temperature).exp();
        }
        let mut best = 0;
        for (class, &w) in weight.iter().enumerate() {
            if w > weight[best] {
                best = class;
            }
        }
        *slot = best as u8;
    }
}

/// Rows of `x` divided by their L2 norm (zero rows stay zero).
fn unit_rows(x: &Features) -> Vec<f32> {
    let mut out = x.data.to_vec();
    out.par_chunks_mut(x.cols).for_each(|row| {
        let norm = row
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            row.iter_mut()
                .for_each(|v| *v = (f64::from(*v) / norm) as f32);
        }
    });
    out
}
