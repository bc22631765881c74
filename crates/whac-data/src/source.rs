//! The file-based data set specifications `text:` and `csv:` as typed on the command line:
//! `KIND:FILE` followed by comma-separated `key=value` options.
//!
//! ```text
//! text:FILE.tsv[.gz][,test=FILE.tsv[.gz]][,split=RULE][,seed=N]
//! csv:FILE[.gz][,label=COLUMN][,split=RULE][,seed=N]
//! ```
//!
//! `RULE` is a [`SplitRule`] (`stratified:F` or `first:N`); without `test=` the one file is
//! split by it (default `stratified:0.2`, seed 0, or what the loader configuration says). A file
//! name may not contain a comma.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::{DataError, SplitRule};

/// One `key=value` option after the file.
struct KeyValue<'a> {
    key: &'a str,
    value: &'a str,
}

/// `KIND:FILE,opt,...` split into the file and its options; `Err(())` if `s` does not start
/// with `kind:`, the file is empty, or an option is empty.
fn split_spec<'a>(s: &'a str, kind: &str) -> Result<(&'a str, Vec<&'a str>), ()> {
    let rest = s
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or(())?;
    let mut parts = rest.split(',');
    let file = parts.next().unwrap_or_default();
    let options: Vec<&str> = parts.collect();
    if file.is_empty() || options.iter().any(|o| o.is_empty()) {
        return Err(());
    }
    Ok((file, options))
}

fn option(text: &str) -> Option<KeyValue<'_>> {
    let (key, value) = text.split_once('=')?;
    (!value.is_empty()).then_some(KeyValue { key, value })
}

/// Parses the shared `split=` and `seed=` options; `Ok(false)` if `o` is neither.
fn split_or_seed(
    o: &KeyValue<'_>,
    split: &mut Option<SplitRule>,
    seed: &mut Option<u64>,
) -> Result<bool, String> {
    match o.key {
        "split" => {
            *split = Some(
                o.value
                    .parse()
                    .map_err(|_| format!("`split={}`: {}", o.value, SPLIT_EXPECTED))?,
            );
            Ok(true)
        }
        "seed" => {
            *seed = Some(
                o.value
                    .parse()
                    .map_err(|_| format!("`seed={}`: a non-negative integer", o.value))?,
            );
            Ok(true)
        }
        _ => Ok(false),
    }
}

const SPLIT_EXPECTED: &str = "`stratified:F` with 0 < F < 1 or `first:N` with N >= 1";
const TEXT_EXPECTED: &str =
    "`text:FILE.tsv[.gz]` with options `,test=FILE`, `,split=stratified:F|first:N`, `,seed=N`";
const CSV_EXPECTED: &str =
    "`csv:FILE[.gz]` with options `,label=COLUMN`, `,split=stratified:F|first:N`, `,seed=N`";

/// A `text:` data set: a training file and either a test file or a seeded split of it.
///
/// Written `text:TRAIN.tsv[.gz][,test=TEST.tsv[.gz]][,split=RULE][,seed=N]`; the older form
/// `text:TRAIN,TEST` (a bare second file) means `test=TEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSource {
    /// The training file (or the only file, to be split).
    pub train: PathBuf,
    /// The test file, if any (no split then).
    pub test: Option<PathBuf>,
    /// The split of the one file, overriding the loader configuration's.
    pub split: Option<SplitRule>,
    /// The seed of the split, overriding the loader configuration's.
    pub seed: Option<u64>,
}

impl FromStr for TextSource {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: Option<String>| DataError::Spec {
            value: s.to_string(),
            expected: match why {
                Some(why) => format!("{why} in {TEXT_EXPECTED}"),
                None => TEXT_EXPECTED.to_string(),
            },
        };
        let (file, options) = split_spec(s, "text").map_err(|_| err(None))?;
        let mut source = TextSource {
            train: PathBuf::from(file),
            test: None,
            split: None,
            seed: None,
        };
        for (k, text) in options.iter().enumerate() {
            let Some(o) = option(text) else {
                if k == 0 && !text.contains('=') {
                    source.test = Some(PathBuf::from(text));
                    continue;
                }
                return Err(err(Some(format!("`{text}`: expected key=value"))));
            };
            if split_or_seed(&o, &mut source.split, &mut source.seed).map_err(|e| err(Some(e)))? {
                continue;
            }
            match o.key {
                "test" => source.test = Some(PathBuf::from(o.value)),
                _ => return Err(err(Some(format!("unknown option `{}`", o.key)))),
            }
        }
        if source.test.is_some() && source.split.is_some() {
            return Err(err(Some("a test file or a split, not both,".into())));
        }
        Ok(source)
    }
}

impl fmt::Display for TextSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "text:{}", self.train.display())?;
        if let Some(test) = &self.test {
            write!(f, ",test={}", test.display())?;
        }
        write_split_seed(f, self.split, self.seed)
    }
}

/// A `csv:` data set: one file, split by a seeded rule.
///
/// Written `csv:FILE[.gz][,label=COLUMN][,split=RULE][,seed=N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvSource {
    /// The CSV file.
    pub file: PathBuf,
    /// The label column, overriding the loader configuration's (default `label`).
    pub label: Option<String>,
    /// The split, overriding the loader configuration's.
    pub split: Option<SplitRule>,
    /// The seed of the split, overriding the loader configuration's.
    pub seed: Option<u64>,
}

impl FromStr for CsvSource {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: Option<String>| DataError::Spec {
            value: s.to_string(),
            expected: match why {
                Some(why) => format!("{why} in {CSV_EXPECTED}"),
                None => CSV_EXPECTED.to_string(),
            },
        };
        let (file, options) = split_spec(s, "csv").map_err(|_| err(None))?;
        let mut source = CsvSource {
            file: PathBuf::from(file),
            label: None,
            split: None,
            seed: None,
        };
        for text in options {
            let Some(o) = option(text) else {
                return Err(err(Some(format!("`{text}`: expected key=value"))));
            };
            if split_or_seed(&o, &mut source.split, &mut source.seed).map_err(|e| err(Some(e)))? {
                continue;
            }
            match o.key {
                "label" => source.label = Some(o.value.to_string()),
                _ => return Err(err(Some(format!("unknown option `{}`", o.key)))),
            }
        }
        Ok(source)
    }
}

impl fmt::Display for CsvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "csv:{}", self.file.display())?;
        if let Some(label) = &self.label {
            write!(f, ",label={label}")?;
        }
        write_split_seed(f, self.split, self.seed)
    }
}

fn write_split_seed(
    f: &mut fmt::Formatter<'_>,
    split: Option<SplitRule>,
    seed: Option<u64>,
) -> fmt::Result {
    if let Some(split) = split {
        write!(f, ",split={split}")?;
    }
    if let Some(seed) = seed {
        write!(f, ",seed={seed}")?;
    }
    Ok(())
}
