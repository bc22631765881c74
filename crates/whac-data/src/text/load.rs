//! Labelled text in TSV files: `text:FILE.tsv[.gz]` (header `label<TAB>text`).

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Tokenizer, Vocab, VocabConfig};
use crate::source::TextSource;
use crate::{DataError, SplitRule};

/// What a `text:` data set file must hold, for error messages.
const EXPECTED_FILE: &str = "a TSV file (optionally .gz) with the header `label<TAB>text`";

/// Token id sequences with class labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextSet {
    /// The documents as token ids (see [`Vocab`]), whole: truncation to a maximum length happens
    /// when a batch is drawn.
    pub docs: Vec<Vec<u32>>,
    /// Class ids, one per document, indexing [`TextSplit::classes`].
    pub labels: Vec<u32>,
}

impl TextSet {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there is no document.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The token ids of document `i`.
    pub fn doc(&self, i: usize) -> &[u32] {
        &self.docs[i]
    }
}

/// A loaded text data set: training and test documents, the class names and the vocabulary
/// (built from the training split only).
#[derive(Debug, Clone, PartialEq)]
pub struct TextSplit {
    /// Training documents.
    pub train: TextSet,
    /// Test documents.
    pub test: TextSet,
    /// Class names, sorted (byte order); a label's class id is its position here.
    pub classes: Vec<String>,
    /// The vocabulary of the training split.
    pub vocab: Vocab,
}

/// How a `text:` data set is read, tokenised and split. Defaults: lower-cased tokens with
/// punctuation, vocabulary of at most 20000 ids with `min_count = 2`, `split = "stratified:0.2"`,
/// `seed = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextLoadConfig {
    /// How text is cut into tokens.
    #[serde(default)]
    pub tokenizer: Tokenizer,
    /// Vocabulary limits.
    #[serde(default)]
    pub vocab: VocabConfig,
    /// How one file is divided when no test file is given (ignored otherwise).
    #[serde(default)]
    pub split: SplitRule,
    /// Seed of the stratified split.
    #[serde(default)]
    pub seed: u64,
}

/// Loads `text:FILE.tsv[.gz][,test=FILE][,split=RULE][,seed=N]` (see [`TextSource`] and
/// [`load_text_files`]); the spec's `split` and `seed` override `config`'s.
///
/// # Errors
/// [`DataError::Spec`] for a malformed `spec`, else as [`load_text_files`].
pub fn load_text(spec: &str, config: &TextLoadConfig) -> Result<TextSplit, DataError> {
    load_text_source(&spec.parse()?, config)
}

/// Loads a parsed `text:` source, its `split` and `seed` overriding `config`'s.
///
/// # Errors
/// As [`load_text_files`].
pub fn load_text_source(
    source: &TextSource,
    config: &TextLoadConfig,
) -> Result<TextSplit, DataError> {
    let config = TextLoadConfig {
        split: source.split.unwrap_or(config.split),
        seed: source.seed.unwrap_or(config.seed),
        ..*config
    };
    load_text_files(&source.train, source.test.as_deref(), &config)
}

/// One row of a TSV file.
struct Row {
    line: usize,
    label: String,
    text: String,
}

/// Reads the rows of a `label<TAB>text` file (the first tab separates; the text may hold more).
fn read_rows(path: &Path) -> Result<Vec<Row>, DataError> {
    let mut reader = BufReader::new(crate::read::open(path, EXPECTED_FILE)?);
    let mut rows = Vec::new();
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        let parse = |key: &str, value: &str, expected: &str| DataError::Parse {
            path: path.to_path_buf(),
            line,
            key: key.to_string(),
            value: value.chars().take(60).collect(),
            expected: expected.to_string(),
        };
        let text = std::str::from_utf8(&buf)
            .map_err(|_| parse("the line", "(invalid UTF-8)", "UTF-8 text"))?;
        let text = text.trim_end_matches(['\n', '\r']);
        if line == 1 {
            if text != "label\ttext" {
                return Err(parse("the header", text, "`label<TAB>text`"));
            }
            continue;
        }
        let Some((label, body)) = text.split_once('\t') else {
            return Err(parse("the row", text, "`label<TAB>text` (no tab found)"));
        };
        if label.trim().is_empty() {
            return Err(parse("the label", label, "a non-empty class name"));
        }
        rows.push(Row {
            line,
            label: label.to_string(),
            text: body.to_string(),
        });
    }
    if line == 0 {
        return Err(DataError::Parse {
            path: path.to_path_buf(),
            line: 1,
            key: "the header".into(),
            value: String::new(),
            expected: "`label<TAB>text`".into(),
        });
    }
    Ok(rows)
}

/// Loads labelled text: a training file and either a test file or a [`SplitRule`] applied to the
/// training file (seeded with `config.seed`).
///
/// Each file is UTF-8 TSV, optionally gzip-compressed (`.gz`): the header `label<TAB>text`, then
/// one document per line, the label before the first tab. Class names are the distinct labels of
/// the training file, sorted (byte order), a label's class id its position. Documents are
/// tokenised with `config.tokenizer`; the vocabulary is built from the training documents only
/// (after the split), and test tokens outside it become `<unk>`.
///
/// # Errors
/// [`DataError::Missing`] / [`DataError::Io`] for a missing or unreadable file;
/// [`DataError::Parse`] naming the file and line for a wrong header, a row without a tab, an empty
/// label, invalid UTF-8, or a test label that is not a training class; [`DataError::Config`] for
/// bad vocabulary limits; [`DataError::Spec`] for a split that leaves a side empty.
pub fn load_text_files(
    train: &Path,
    test: Option<&Path>,
    config: &TextLoadConfig,
) -> Result<TextSplit, DataError> {
    config.vocab.check()?;
    let train_rows = read_rows(train)?;
    let classes: Vec<String> = train_rows
        .iter()
        .map(|r| r.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let class_of: HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let train_labels: Vec<u32> = train_rows
        .iter()
        .map(|r| class_of[r.label.as_str()])
        .collect();

    let (train_rows, train_labels, test_rows, test_labels) = match test {
        Some(test) => {
            let rows = read_rows(test)?;
            let labels = rows
                .iter()
                .map(|r| {
                    class_of
                        .get(r.label.as_str())
                        .copied()
                        .ok_or_else(|| DataError::Parse {
                            path: test.to_path_buf(),
                            line: r.line,
                            key: "the label".into(),
                            value: r.label.clone(),
                            expected: format!(
                                "one of the classes of {}: {}",
                                train.display(),
                                classes.join(", ")
                            ),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            (train_rows, train_labels, rows, labels)
        }
        None => {
            let (tr, te) = config.split.split(&train_labels, config.seed)?;
            let mut rows: Vec<Option<Row>> = train_rows.into_iter().map(Some).collect();
            let mut take = |idx: &[usize]| -> (Vec<Row>, Vec<u32>) {
                idx.iter()
                    .map(|&i| {
                        (
                            rows[i].take().expect("split indices are distinct"),
                            train_labels[i],
                        )
                    })
                    .unzip()
            };
            let (a, b) = take(&tr);
            let (c, d) = take(&te);
            (a, b, c, d)
        }
    };

    let tokenizer = config.tokenizer;
    let tokenize = |rows: &[Row]| -> Vec<Vec<String>> {
        rows.par_iter()
            .map(|r| tokenizer.tokenize(&r.text))
            .collect()
    };
    let train_tokens = tokenize(&train_rows);
    let vocab = Vocab::build(train_tokens.iter().map(Vec::as_slice), &config.vocab);
    let train_docs = train_tokens.par_iter().map(|t| vocab.encode(t)).collect();
    drop(train_tokens);
    let test_docs = tokenize(&test_rows)
        .par_iter()
        .map(|t| vocab.encode(t))
        .collect();
    Ok(TextSplit {
        train: TextSet {
            docs: train_docs,
            labels: train_labels,
        },
        test: TextSet {
            docs: test_docs,
            labels: test_labels,
        },
        classes,
        vocab,
    })
}
