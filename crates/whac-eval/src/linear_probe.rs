//! Linear probe: multinomial logistic regression on frozen, standardised features, trained to
//! convergence with full-batch L-BFGS (the protocol of e.g. SimCLR, Chen et al. 2020, and of
//! scikit-learn's `LogisticRegression(solver="lbfgs")`).

use serde::{Deserialize, Serialize};

use crate::features::{accuracy, check_labels, check_pair};
use crate::lbfgs::{LbfgsSettings, minimize};
use crate::softmax_regression::{SoftmaxRegression, predict};
use crate::standardize::Standardizer;
use crate::{EvalError, Features};

/// `(s, y)` pairs kept by L-BFGS.
const LBFGS_HISTORY: usize = 10;

/// Settings of [`linear_probe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinearProbeConfig {
    /// Weight of `½‖W‖²` added to the example-mean cross-entropy (the bias is not penalised);
    /// finite and ≥ 0. Default `1e-4`.
    pub l2: f64,
    /// Most L-BFGS iterations. Default `500`.
    pub max_iters: usize,
    /// Converged when the gradient's largest entry is below `tol · max(1, |loss|)`; finite and
    /// ≥ 0. Default `1e-6`.
    pub tol: f64,
}

impl Default for LinearProbeConfig {
    fn default() -> Self {
        Self {
            l2: 1e-4,
            max_iters: 500,
            tol: 1e-6,
        }
    }
}

impl LinearProbeConfig {
    /// Rejects a negative or non-finite `l2` or `tol`.
    pub fn check(&self) -> Result<(), EvalError> {
        for (name, value) in [("l2", self.l2), ("tol", self.tol)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(EvalError::InvalidConfig {
                    name,
                    value: value.to_string(),
                    reason: "must be finite and >= 0",
                });
            }
        }
        Ok(())
    }
}

/// Outcome of [`linear_probe`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    /// Fraction of training rows classified correctly.
    pub train_accuracy: f64,
    /// Fraction of test rows classified correctly.
    pub test_accuracy: f64,
    /// L-BFGS iterations (accepted steps) taken.
    pub iterations: usize,
    /// Loss-and-gradient evaluations over the whole training set, line-search trials included
    /// (each is two `n × d × classes` matrix products).
    pub evaluations: usize,
    /// Whether the gradient or relative-loss-change criterion was met (false when `max_iters`
    /// ran out or the line search stalled first).
    pub converged: bool,
    /// Final training objective: mean cross-entropy plus `l2/2 · ‖W‖²`.
    pub train_loss: f64,
}

/// Trains a softmax classifier with bias on `train` and reports train and test accuracy.
///
/// Each column is standardised with the mean and standard deviation of the TRAIN set (a
/// column with standard deviation 0 is only centred); the same transform is applied to `test`.
/// Weights start at zero, so the result is deterministic up to floating-point reduction order.
/// Predictions break ties towards the lower class index.
///
/// # Shapes
/// `train`: n × d, `train_labels`: n; `test`: m × d, `test_labels`: m; labels `< num_classes`.
///
/// # Errors
/// [`EvalError`] for mismatched shapes or label counts, empty or non-finite features, labels
/// out of range, `num_classes` outside 1..=256, or an invalid config.
pub fn linear_probe(
    train: Features,
    train_labels: &[u8],
    test: Features,
    test_labels: &[u8],
    num_classes: usize,
    cfg: &LinearProbeConfig,
) -> Result<ProbeReport, EvalError> {
    cfg.check()?;
    check_pair(&train, &test, num_classes)?;
    check_labels("train", train.rows, train_labels, num_classes)?;
    check_labels("test", test.rows, test_labels, num_classes)?;
    let d = train.cols;

    let standardizer = Standardizer::fit(&train);
    let x_train = standardizer.apply(&train);
    let x_test = standardizer.apply(&test);

    let mut objective = SoftmaxRegression::new(&x_train, train_labels, d, num_classes, cfg.l2);
    let settings = LbfgsSettings {
        max_iters: cfg.max_iters,
        tol: cfg.tol,
        history: LBFGS_HISTORY,
    };
    let theta0 = vec![0.0; objective.num_params()];
    let outcome = minimize(
        theta0,
        |theta, grad| objective.loss_grad(theta, grad),
        &settings,
    );

    let train_pred = predict(&x_train, train.rows, d, num_classes, &outcome.x);
    let test_pred = predict(&x_test, test.rows, d, num_classes, &outcome.x);
    Ok(ProbeReport {
        train_accuracy: accuracy(&train_pred, train_labels),
        test_accuracy: accuracy(&test_pred, test_labels),
        iterations: outcome.iterations,
        evaluations: outcome.evaluations,
        converged: outcome.converged,
        train_loss: outcome.loss,
    })
}
