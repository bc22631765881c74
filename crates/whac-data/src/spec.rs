//! Which data set to use, as typed on the command line: `digits`, `mnist:DIR`,
//! `fashion-mnist:DIR`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{DataError, Split, digits, load_idx_dir};

/// What [`DataSpec::from_str`] accepts, for error messages.
const ACCEPTED: &str = "one of `digits`, `mnist:DIR`, `fashion-mnist:DIR`";

/// A data set: the embedded digits, or MNIST / Fashion-MNIST IDX files in a folder.
///
/// Parsed from and displayed as `digits`, `mnist:DIR` or `fashion-mnist:DIR`; serialised (serde)
/// as that same string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSpec {
    /// The embedded UCI optical digits, 8×8 (see [`digits()`]).
    Digits,
    /// MNIST IDX files in this folder (see [`load_idx_dir`]).
    Mnist(PathBuf),
    /// Fashion-MNIST IDX files in this folder (see [`load_idx_dir`]).
    FashionMnist(PathBuf),
}

impl DataSpec {
    /// Short name: `"digits"`, `"mnist"` or `"fashion-mnist"`.
    pub fn name(&self) -> &'static str {
        match self {
            DataSpec::Digits => "digits",
            DataSpec::Mnist(_) => "mnist",
            DataSpec::FashionMnist(_) => "fashion-mnist",
        }
    }

    /// Loads the training and test sets.
    ///
    /// # Errors
    /// See [`digits()`] and [`load_idx_dir`].
    pub fn load(&self) -> Result<Split, DataError> {
        match self {
            DataSpec::Digits => digits(),
            DataSpec::Mnist(dir) | DataSpec::FashionMnist(dir) => load_idx_dir(dir),
        }
    }
}

impl FromStr for DataSpec {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |expected: String| DataError::Spec {
            value: s.to_string(),
            expected,
        };
        let (kind, dir) = match s.split_once(':') {
            Some((kind, dir)) => (kind, Some(dir)),
            None => (s, None),
        };
        let need_dir = |dir: Option<&str>| match dir {
            Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
            _ => Err(err(format!(
                "`{kind}:DIR` with the folder of its IDX files"
            ))),
        };
        match kind {
            "digits" if dir.is_none() => Ok(DataSpec::Digits),
            "digits" => Err(err("`digits` without a folder (it is embedded)".into())),
            "mnist" => Ok(DataSpec::Mnist(need_dir(dir)?)),
            "fashion-mnist" => Ok(DataSpec::FashionMnist(need_dir(dir)?)),
            _ => Err(err(ACCEPTED.into())),
        }
    }
}

impl fmt::Display for DataSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSpec::Digits => f.write_str("digits"),
            DataSpec::Mnist(dir) | DataSpec::FashionMnist(dir) => {
                write!(f, "{}:{}", self.name(), dir.display())
            }
        }
    }
}

impl Serialize for DataSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DataSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
