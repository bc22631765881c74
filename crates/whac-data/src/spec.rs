//! Which data set to use, as typed on the command line: `digits`, `mnist:DIR`,
//! `fashion-mnist:DIR`, `cifar10:DIR` (images), `text:FILE.tsv[.gz][,...]` (text), `csv:FILE[.gz][,...]` (table).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::source::{CsvSource, TextSource};
use crate::table::{TableLoadConfig, load_csv_source};
use crate::text::{TextLoadConfig, load_text_source};
use crate::{DataError, Dataset, Split, digits, load_cifar10_dir, load_idx_dir};

/// What [`DataSpec::from_str`] accepts, for error messages.
const ACCEPTED: &str = "one of `digits`, `mnist:DIR`, `fashion-mnist:DIR`, `cifar10:DIR`, `text:FILE.tsv[.gz]`, `csv:FILE[.gz]`";

/// The image data sets, for the error of [`DataSpec::load`] on another kind.
const IMAGES: &str =
    "an image data set (`digits`, `mnist:DIR`, `fashion-mnist:DIR`, `cifar10:DIR`) here";

/// A data set: the embedded digits, MNIST / Fashion-MNIST IDX files in a folder, labelled text in
/// a TSV file, or a labelled numeric table in a CSV file.
///
/// Parsed from and displayed as `digits`, `mnist:DIR`, `fashion-mnist:DIR`,
/// `text:FILE.tsv[.gz][,test=FILE][,split=RULE][,seed=N]` or
/// `csv:FILE[.gz][,label=COLUMN][,split=RULE][,seed=N]` (see [`TextSource`], [`CsvSource`]);
/// serialised (serde) as that same string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSpec {
    /// The embedded UCI optical digits, 8×8 (see [`digits()`]).
    Digits,
    /// MNIST IDX files in this folder (see [`load_idx_dir`]).
    Mnist(PathBuf),
    /// Fashion-MNIST IDX files in this folder (see [`load_idx_dir`]).
    FashionMnist(PathBuf),
    /// CIFAR-10 binary batches in this folder (see [`load_cifar10_dir`]).
    Cifar10(PathBuf),
    /// Labelled text (see [`crate::load_text`]).
    Text(TextSource),
    /// A labelled numeric table (see [`crate::load_csv`]).
    Csv(CsvSource),
}

impl DataSpec {
    /// Short name: `"digits"`, `"mnist"`, `"fashion-mnist"`, `"cifar10"`, `"text"` or `"csv"`.
    pub fn name(&self) -> &'static str {
        match self {
            DataSpec::Digits => "digits",
            DataSpec::Mnist(_) => "mnist",
            DataSpec::FashionMnist(_) => "fashion-mnist",
            DataSpec::Cifar10(_) => "cifar10",
            DataSpec::Text(_) => "text",
            DataSpec::Csv(_) => "csv",
        }
    }

    /// Whether this is an image data set (what [`DataSpec::load`] loads).
    pub fn is_images(&self) -> bool {
        matches!(
            self,
            DataSpec::Digits
                | DataSpec::Mnist(_)
                | DataSpec::FashionMnist(_)
                | DataSpec::Cifar10(_)
        )
    }

    /// Loads the training and test images.
    ///
    /// # Errors
    /// See [`digits()`], [`load_idx_dir`] and [`load_cifar10_dir`]; [`DataError::Spec`] for a text or table data set
    /// (load those with [`DataSpec::load_dataset`]).
    pub fn load(&self) -> Result<Split, DataError> {
        match self {
            DataSpec::Digits => digits(),
            DataSpec::Mnist(dir) | DataSpec::FashionMnist(dir) => load_idx_dir(dir),
            DataSpec::Cifar10(dir) => load_cifar10_dir(dir),
            DataSpec::Text(_) | DataSpec::Csv(_) => Err(DataError::Spec {
                value: self.to_string(),
                expected: IMAGES.to_string(),
            }),
        }
    }

    /// Loads any kind of data set: images as [`DataSpec::load`]; text with `text` (its
    /// tokeniser, vocabulary limits, and split and seed unless the spec gives them); a table
    /// with `table` (its label column, split and seed unless the spec gives them).
    ///
    /// # Errors
    /// As [`DataSpec::load`], [`crate::load_text_files`] or [`crate::load_csv_file`].
    pub fn load_dataset(
        &self,
        text: &TextLoadConfig,
        table: &TableLoadConfig,
    ) -> Result<Dataset, DataError> {
        Ok(match self {
            DataSpec::Text(source) => Dataset::Text(load_text_source(source, text)?),
            DataSpec::Csv(source) => Dataset::Table(load_csv_source(source, table)?),
            _ => Dataset::Images(self.load()?),
        })
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
                "`{kind}:DIR` with the folder of its data files"
            ))),
        };
        match kind {
            "digits" if dir.is_none() => Ok(DataSpec::Digits),
            "digits" => Err(err("`digits` without a folder (it is embedded)".into())),
            "mnist" => Ok(DataSpec::Mnist(need_dir(dir)?)),
            "fashion-mnist" => Ok(DataSpec::FashionMnist(need_dir(dir)?)),
            "cifar10" => Ok(DataSpec::Cifar10(need_dir(dir)?)),
            "text" => Ok(DataSpec::Text(s.parse()?)),
            "csv" => Ok(DataSpec::Csv(s.parse()?)),
            _ => Err(err(ACCEPTED.into())),
        }
    }
}

impl fmt::Display for DataSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSpec::Digits => f.write_str("digits"),
            DataSpec::Mnist(dir) | DataSpec::FashionMnist(dir) | DataSpec::Cifar10(dir) => {
                write!(f, "{}:{}", self.name(), dir.display())
            }
            DataSpec::Text(source) => source.fmt(f),
            DataSpec::Csv(source) => source.fmt(f),
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
