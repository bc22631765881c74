//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong with user input or data files.
///
/// Each message is a single line naming the file, key or value and what was expected, so that a
/// command-line tool can print it as is and exit with status 2. The underlying I/O error of
/// [`DataError::Io`] is part of that line rather than a separate `source`, so that printing the
/// error chain does not repeat it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read or decompressed.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system or the decompressor said.
        error: io::Error,
    },

    /// A required file does not exist.
    #[error("{}: not found; expected {expected}", path.display())]
    Missing {
        /// The path that was looked for.
        path: PathBuf,
        /// What was looked for, in words.
        expected: String,
    },

    /// A file holds fewer bytes than its header announces.
    #[error(
        "{}: truncated: expected {expected} bytes (from its header), found {actual}",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The length the header implies (after decompression).
        expected: u64,
        /// The actual length (after decompression).
        actual: u64,
    },

    /// A field of a binary file has a value that is not allowed.
    #[error("{}: {key} is {value}, expected {expected}", path.display())]
    BadField {
        /// The file.
        path: PathBuf,
        /// The field (`magic number`, `label 17`, …).
        key: String,
        /// The value found.
        value: String,
        /// What was expected.
        expected: String,
    },

    /// A line of a text file cannot be parsed.
    #[error("{}:{line}: {key} is {value:?}, expected {expected}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// The field (`column 3`, …).
        key: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: String,
    },

    /// Two files that belong together disagree on the number of examples or on image size.
    #[error("{}: {key} is {value}, but {} has {expected}", path.display(), other.display())]
    Mismatch {
        /// The file whose value disagrees.
        path: PathBuf,
        /// The file it is compared with.
        other: PathBuf,
        /// What disagrees (`number of labels`, …).
        key: String,
        /// The value in `path`.
        value: String,
        /// The value in `other`.
        expected: String,
    },

    /// A data set specification (as typed on the command line) is not understood.
    #[error("invalid data set {value:?}: expected {expected}")]
    Spec {
        /// The text given.
        value: String,
        /// What is accepted.
        expected: String,
    },

    /// A configuration value is out of its allowed range.
    #[error("{key} = {value} is out of range: expected {expected}")]
    Config {
        /// The full key, e.g. `transform.ops[1].degrees`.
        key: String,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        expected: String,
    },
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, error: io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            error,
        }
    }

    pub(crate) fn bad_field(
        path: impl Into<PathBuf>,
        key: impl Into<String>,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        DataError::BadField {
            path: path.into(),
            key: key.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
