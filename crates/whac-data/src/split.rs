//! How labelled rows are divided into a training and a test split, shared by the text and table
//! loaders.

use std::fmt;
use std::str::FromStr;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

use crate::DataError;

/// What [`SplitRule::from_str`] accepts, for error messages.
const ACCEPTED: &str = "`stratified:F` with 0 < F < 1 (the test fraction) or `first:N` with N >= 1";

/// A rule dividing the rows of one file into a training and a test split.
///
/// Written `stratified:F` or `first:N` (serialised as that string).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SplitRule {
    /// Within each class, independently, a seeded uniformly random subset of
    /// `round(test_fraction × n_class)` rows is the test split and the rest is the training split;
    /// both keep file order. The default is `stratified:0.2`.
    Stratified {
        /// Fraction of each class that goes to the test split, in `(0, 1)`.
        test_fraction: f64,
    },
    /// The first `N` rows (in file order) are the training split, the rest the test split: the
    /// standard split of some UCI sets (letter recognition: `first:16000`).
    First {
        /// Number of training rows.
        train: usize,
    },
}

/// `test_fraction` is never NaN (see [`SplitRule::from_str`]), so equality is an equivalence.
impl Eq for SplitRule {}

impl Default for SplitRule {
    fn default() -> Self {
        SplitRule::Stratified { test_fraction: 0.2 }
    }
}

impl FromStr for SplitRule {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DataError::Spec {
            value: s.to_string(),
            expected: ACCEPTED.to_string(),
        };
        match s.split_once(':') {
            Some(("stratified", f)) => match f.parse::<f64>() {
                Ok(test_fraction) if test_fraction > 0.0 && test_fraction < 1.0 => {
                    Ok(SplitRule::Stratified { test_fraction })
                }
                _ => Err(err()),
            },
            Some(("first", n)) => match n.parse::<usize>() {
                Ok(train) if train >= 1 => Ok(SplitRule::First { train }),
                _ => Err(err()),
            },
            _ => Err(err()),
        }
    }
}

impl fmt::Display for SplitRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitRule::Stratified { test_fraction } => write!(f, "stratified:{test_fraction}"),
            SplitRule::First { train } => write!(f, "first:{train}"),
        }
    }
}

impl serde::Serialize for SplitRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SplitRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl SplitRule {
    /// Divides rows with these class ids into `(train, test)` row indices, each in increasing
    /// order. `seed` only matters for [`SplitRule::Stratified`]: classes are visited in increasing
    /// id order and each class's rows are shuffled (Fisher–Yates, `Xoshiro256PlusPlus` seeded with
    /// `seed`) before its first `round(test_fraction × n_class)` are taken for the test split.
    ///
    /// # Errors
    /// [`DataError::Spec`] if `first:N` asks for at least as many training rows as there are rows
    /// (the test split would be empty).
    pub fn split(&self, labels: &[u32], seed: u64) -> Result<(Vec<usize>, Vec<usize>), DataError> {
        match *self {
            SplitRule::First { train } => {
                if train >= labels.len() {
                    return Err(DataError::Spec {
                        value: self.to_string(),
                        expected: format!(
                            "`first:N` with N < the number of rows ({})",
                            labels.len()
                        ),
                    });
                }
                Ok(((0..train).collect(), (train..labels.len()).collect()))
            }
            SplitRule::Stratified { test_fraction } => {
                let classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
                let mut by_class = vec![Vec::new(); classes];
                for (i, &l) in labels.iter().enumerate() {
                    by_class[l as usize].push(i);
                }
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut is_test = vec![false; labels.len()];
                for rows in &mut by_class {
                    rows.shuffle(&mut rng);
                    let k = (test_fraction * rows.len() as f64).round() as usize;
                    for &i in &rows[..k] {
                        is_test[i] = true;
                    }
                }
                let train = (0..labels.len()).filter(|&i| !is_test[i]).collect();
                let test = (0..labels.len()).filter(|&i| is_test[i]).collect();
                Ok((train, test))
            }
        }
    }
}
