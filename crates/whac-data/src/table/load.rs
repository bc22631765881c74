//! Labelled numeric tables in CSV files: `csv:FILE[.gz]`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::source::CsvSource;
use crate::{DataError, SplitRule};

/// What a `csv:` data set file must hold, for error messages.
const EXPECTED_FILE: &str = "a CSV file (optionally .gz) with a header row and a `label` column";

/// Rows of numeric features with class labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableSet {
    /// Features, row-major `[len, dim]`; standardised when loaded by [`load_csv_file`].
    pub features: Vec<f32>,
    /// Class ids, one per row, indexing [`TableSplit::classes`].
    pub labels: Vec<u32>,
    /// Number of features per row.
    pub dim: usize,
}

impl TableSet {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The features of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows at `indices`, in that order.
    fn select(&self, indices: &[usize]) -> TableSet {
        TableSet {
            features: indices
                .iter()
                .flat_map(|&i| self.row(i).iter().copied())
                .collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            dim: self.dim,
        }
    }
}

/// A loaded table: standardised training and test rows, class and column names, and the training
/// statistics used to standardise.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSplit {
    /// Training rows.
    pub train: TableSet,
    /// Test rows.
    pub test: TableSet,
    /// Class names, sorted (byte order); a label's class id is its position here.
    pub classes: Vec<String>,
    /// Names of the feature columns, in file order (the label column left out).
    pub columns: Vec<String>,
    /// Per-column mean of the raw training values.
    pub mean: Vec<f32>,
    /// Per-column (population) standard deviation of the raw training values; a constant column
    /// gets 1, so it standardises to 0.
    pub std: Vec<f32>,
}

/// How a `csv:` data set is split. Defaults: `label = "label"`, `split = "stratified:0.2"`,
/// `seed = 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableLoadConfig {
    /// Name of the label column (in any position).
    #[serde(default = "default_label")]
    pub label: String,
    /// How the rows are divided (`stratified:F` or `first:N`, e.g. `first:16000` for letter
    /// recognition's standard split).
    #[serde(default)]
    pub split: SplitRule,
    /// Seed of the stratified split.
    #[serde(default)]
    pub seed: u64,
}

fn default_label() -> String {
    "label".to_string()
}

impl Default for TableLoadConfig {
    fn default() -> Self {
        TableLoadConfig {
            label: default_label(),
            split: SplitRule::default(),
            seed: 0,
        }
    }
}

/// Loads `csv:FILE[.gz][,label=COLUMN][,split=RULE][,seed=N]` (see [`CsvSource`] and
/// [`load_csv_file`]); the spec's options override `config`'s.
///
/// # Errors
/// [`DataError::Spec`] if `spec` is not such a spec, else as [`load_csv_file`].
pub fn load_csv(spec: &str, config: &TableLoadConfig) -> Result<TableSplit, DataError> {
    load_csv_source(&spec.parse()?, config)
}

/// Loads a parsed `csv:` source, its options overriding `config`'s.
///
/// # Errors
/// As [`load_csv_file`].
pub fn load_csv_source(
    source: &CsvSource,
    config: &TableLoadConfig,
) -> Result<TableSplit, DataError> {
    let config = TableLoadConfig {
        label: source.label.clone().unwrap_or_else(|| config.label.clone()),
        split: source.split.unwrap_or(config.split),
        seed: source.seed.unwrap_or(config.seed),
    };
    load_csv_file(&source.file, &config)
}

/// The line-numbered error for a CSV problem the `csv` crate reports.
fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    match e.into_kind() {
        csv::ErrorKind::Io(e) => DataError::io(path, e),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DataError::Parse {
            path: path.to_path_buf(),
            line,
            key: "the number of fields".into(),
            value: len.to_string(),
            expected: format!("{expected_len}, as in the header"),
        },
        csv::ErrorKind::Utf8 { .. } => DataError::Parse {
            path: path.to_path_buf(),
            line,
            key: "the row".into(),
            value: "(invalid UTF-8)".into(),
            expected: "UTF-8 text".into(),
        },
        other => DataError::Parse {
            path: path.to_path_buf(),
            line,
            key: "the row".into(),
            value: format!("{other:?}"),
            expected: "well-formed CSV".into(),
        },
    }
}

/// Loads a labelled numeric table and standardises it.
///
/// The file is CSV (comma-separated, `"` quotes), optionally gzip-compressed (`.gz`): a header
/// row naming the columns, one of them `config.label` (any position); every other cell must parse
/// as a finite number. Class names are the distinct labels, sorted (byte order). The rows are
/// split by `config.split` (seeded with `config.seed`), then every feature column is standardised
/// with the training rows' mean and population standard deviation (1 for a constant column).
///
/// # Errors
/// [`DataError::Missing`] / [`DataError::Io`] for a missing or unreadable file;
/// [`DataError::Parse`] naming the file and line (and column) for a header without the label
/// column, a row with the wrong number of fields, an empty label, a non-numeric cell, or no rows;
/// [`DataError::Spec`] for a split that leaves a side empty.
pub fn load_csv_file(path: &Path, config: &TableLoadConfig) -> Result<TableSplit, DataError> {
    let reader = crate::read::open(path, EXPECTED_FILE)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let parse = |line: usize, key: String, value: &str, expected: &str| DataError::Parse {
        path: path.to_path_buf(),
        line,
        key,
        value: value.chars().take(60).collect(),
        expected: expected.to_string(),
    };
    let Some(label_col) = header.iter().position(|h| *h == config.label) else {
        return Err(parse(
            1,
            "the header".into(),
            &header.join(","),
            &format!("a column named `{}`", config.label),
        ));
    };
    let columns: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != label_col)
        .map(|(_, h)| h.clone())
        .collect();
    let dim = columns.len();

    let mut features = Vec::new();
    let mut names = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        for (j, cell) in record.iter().enumerate() {
            if j == label_col {
                if cell.trim().is_empty() {
                    return Err(parse(
                        line,
                        format!("column {:?}", header[j]),
                        cell,
                        "a non-empty class name",
                    ));
                }
                names.push(cell.trim().to_string());
            } else {
                match cell.trim().parse::<f32>() {
                    Ok(v) if v.is_finite() => features.push(v),
                    _ => {
                        return Err(parse(
                            line,
                            format!("column {:?}", header[j]),
                            cell,
                            "a finite number",
                        ));
                    }
                }
            }
        }
    }
    if names.is_empty() {
        return Err(parse(
            2,
            "the first row".into(),
            "",
            "at least one data row",
        ));
    }

    let classes: Vec<String> = names
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let class_of: HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let all = TableSet {
        labels: names.iter().map(|n| class_of[n.as_str()]).collect(),
        features,
        dim,
    };
    let (tr, te) = config.split.split(&all.labels, config.seed)?;
    let mut train = all.select(&tr);
    let mut test = all.select(&te);
    drop(all);

    // Training statistics, in f64.
    let n = train.len() as f64;
    let mut sum = vec![0f64; dim];
    let mut sq = vec![0f64; dim];
    for row in train.features.chunks_exact(dim.max(1)) {
        for j in 0..dim {
            sum[j] += row[j] as f64;
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    for row in train.features.chunks_exact(dim.max(1)) {
        for j in 0..dim {
            sq[j] += (row[j] as f64 - mean[j]).powi(2);
        }
    }
    let std: Vec<f64> = sq
        .iter()
        .map(|s| {
            let sd = (s / n).sqrt();
            if sd > 0.0 { sd } else { 1.0 }
        })
        .collect();
    for set in [&mut train, &mut test] {
        for row in set.features.chunks_exact_mut(dim.max(1)) {
            for j in 0..dim {
                row[j] = ((row[j] as f64 - mean[j]) / std[j]) as f32;
            }
        }
    }
    Ok(TableSplit {
        train,
        test,
        classes,
        columns,
        mean: mean.into_iter().map(|m| m as f32).collect(),
        std: std.into_iter().map(|s| s as f32).collect(),
    })
}
