//! The one error type of the learning crate.

/// Everything that can go wrong in training or evaluation because of the user's input or data.
/// Each message is one line naming the key, file or value and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum WhacError {
    /// A configuration value out of its allowed range, or a combination that cannot work.
    #[error("{key} = {value}: expected {expected}")]
    Config {
        /// Dotted config key, e.g. `train.batch_size`.
        key: String,
        /// The offending value as the user wrote it.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// The loss stopped being a finite number.
    #[error(
        "training diverged: loss = {loss} at step {step} (epoch {epoch}); expected a finite loss: lower train.learning_rate (now {learning_rate}) or raise compatibility.temperature"
    )]
    NonFiniteLoss {
        /// The loss value (NaN or infinite).
        loss: f32,
        /// Global step (1-based).
        step: usize,
        /// Epoch (1-based).
        epoch: usize,
        /// The learning rate in use.
        learning_rate: f64,
    },
    /// The run was asked to stop (Ctrl-C); its state was checkpointed after `step`.
    #[error("interrupted after step {step}; the training state was checkpointed")]
    Interrupted {
        /// Steps taken.
        step: usize,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
    /// A data set problem.
    #[error(transparent)]
    Data(#[from] whac_data::DataError),
    /// An evaluation problem.
    #[error(transparent)]
    Eval(#[from] whac_eval::EvalError),
}

impl WhacError {
    /// Shorthand for a [`WhacError::Config`].
    pub fn config(key: &str, value: impl ToString, expected: impl ToString) -> Self {
        WhacError::Config {
            key: key.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }
}
