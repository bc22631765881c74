//! The crate's one error type: bad settings, bad files.

use std::path::PathBuf;

/// What can go wrong with user input: a setting out of range, data of the wrong shape, a model
/// file that is missing, unreadable or not an RBM.
#[derive(Debug, thiserror::Error)]
pub enum RbmError {
    /// A setting is out of range.
    #[error("{key} = {value}: expected {expected}")]
    Config {
        /// The setting, e.g. `learning_rate`.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The data do not fit the model or are empty.
    #[error("data: {0}")]
    Data(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is not a whac RBM (`W` D×J, `b` D, `c` J, f32).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl RbmError {
    pub(crate) fn config(key: &'static str, value: impl ToString, expected: &str) -> Self {
        RbmError::Config {
            key,
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }
}
