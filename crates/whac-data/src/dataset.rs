//! A loaded data set of any domain: images, text or a table.

use crate::Split;
use crate::table::TableSplit;
use crate::text::TextSplit;

/// What [`crate::DataSpec::load_dataset`] returns: the training and test splits of one domain.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    /// Images (`digits`, `mnist:DIR`, `fashion-mnist:DIR`).
    Images(Split),
    /// Token id sequences with their vocabulary and class names (`text:`).
    Text(TextSplit),
    /// Standardised numeric rows with column and class names (`csv:`).
    Table(TableSplit),
}

impl Dataset {
    /// `"images"`, `"text"` or `"table"`.
    pub fn domain(&self) -> &'static str {
        match self {
            Dataset::Images(_) => "images",
            Dataset::Text(_) => "text",
            Dataset::Table(_) => "table",
        }
    }

    /// Number of training and test examples.
    pub fn sizes(&self) -> (usize, usize) {
        match self {
            Dataset::Images(s) => (s.train.len(), s.test.len()),
            Dataset::Text(s) => (s.train.len(), s.test.len()),
            Dataset::Table(s) => (s.train.len(), s.test.len()),
        }
    }
}
