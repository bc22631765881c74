//! Tables: `csv:` files of numeric columns and a label, standardised, and the stochastic
//! transformation of their rows (SCARF corruption, masking, noise).
//!
//! [`load_csv`] reads and standardises a table; [`TableTransformConfig`] (the `[transform]` table
//! of a recipe) is checked into a [`TableTransform`], which draws one transformed copy of a row;
//! [`augment_table_batch`] draws `[B, M, d]` features in parallel, reproducibly whatever the
//! number of threads.

mod batch;
mod config;
mod load;
mod transform;

pub use crate::source::CsvSource;
pub use batch::augment_table_batch;
pub use config::{TableOpConfig, TableTransformConfig};
pub use load::{TableLoadConfig, TableSet, TableSplit, load_csv, load_csv_file, load_csv_source};
pub use transform::TableTransform;
