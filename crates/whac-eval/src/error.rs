//! The one error type of this crate.

/// Why an evaluation could not run. Every variant is a problem with the caller's data or
/// settings; the message is one line and names the offending set, index or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A feature matrix whose `data` does not hold `rows × cols` values.
    #[error("{set} features: data has {len} values but rows × cols = {rows} × {cols}")]
    ShapeMismatch {
        /// Which set (`"train"` or `"test"`).
        set: &'static str,
        /// `data.len()`.
        len: usize,
        /// Declared rows.
        rows: usize,
        /// Declared columns.
        cols: usize,
    },
    /// A feature matrix with no rows or no columns.
    #[error("{set} features are empty ({rows} rows × {cols} columns)")]
    Empty {
        /// Which set.
        set: &'static str,
        /// Declared rows.
        rows: usize,
        /// Declared columns.
        cols: usize,
    },
    /// A NaN or infinite feature value.
    #[error("{set} features: non-finite value {value} at row {row}, column {col}")]
    NonFinite {
        /// Which set.
        set: &'static str,
        /// Row of the first offending value.
        row: usize,
        /// Column of the first offending value.
        col: usize,
        /// The value itself.
        value: f32,
    },
    /// Train and test features of different widths.
    #[error("train features have {train} columns but test features have {test}")]
    ColumnMismatch {
        /// Train columns.
        train: usize,
        /// Test columns.
        test: usize,
    },
    /// A label slice whose length differs from the number of feature rows.
    #[error("{set} has {rows} feature rows but {labels} labels")]
    LabelCount {
        /// Which set.
        set: &'static str,
        /// Feature rows.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// A label not below `num_classes`.
    #[error("{set} label {label} at index {index} is not below num_classes = {num_classes}")]
    LabelOutOfRange {
        /// Which set.
        set: &'static str,
        /// Position of the first offending label.
        index: usize,
        /// The label.
        label: u8,
        /// The declared number of classes.
        num_classes: usize,
    },
    /// `num_classes` of 0, or more than a `u8` label can name (256).
    #[error("num_classes = {0} must be between 1 and 256")]
    NumClasses(usize),
    /// An invalid setting in a config; `name` is its field, `reason` says what is allowed.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidConfig {
        /// Field name, e.g. `"k"`.
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// What would be accepted.
        reason: &'static str,
    },
}
