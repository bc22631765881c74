//! A borrowed row-major feature matrix and the checks every evaluation runs on it.

use crate::EvalError;

/// Row-major feature matrix view: row `i` is `data[i * cols..(i + 1) * cols]`.
///
/// # Shapes
/// `data.len() == rows * cols`; checked (as an [`EvalError`]) by every evaluation, not here.
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    /// `rows × cols` values, row-major.
    pub data: &'a [f32],
    /// Number of examples.
    pub rows: usize,
    /// Feature dimension.
    pub cols: usize,
}

impl<'a> Features<'a> {
    /// A view of `data` as `rows × cols`; no checks until it is evaluated.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols }
    }

    /// Row `i` (panics when out of range, like slice indexing).
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Checks shape, non-emptiness and finiteness; `set` names the matrix in the error.
    pub(crate) fn check(&self, set: &'static str) -> Result<(), EvalError> {
        let (rows, cols) = (self.rows, self.cols);
        if rows.checked_mul(cols) != Some(self.data.len()) {
            return Err(EvalError::ShapeMismatch {
                set,
                len: self.data.len(),
                rows,
                cols,
            });
        }
        if rows == 0 || cols == 0 {
            return Err(EvalError::Empty { set, rows, cols });
        }
        if let Some(pos) = self.data.iter().position(|v| !v.is_finite()) {
            return Err(EvalError::NonFinite {
                set,
                row: pos / cols,
                col: pos % cols,
                value: self.data[pos],
            });
        }
        Ok(())
    }
}

/// Checks both matrices, that their widths agree, and `num_classes` (1..=256).
pub(crate) fn check_pair(
    train: &Features,
    test: &Features,
    num_classes: usize,
) -> Result<(), EvalError> {
    if num_classes == 0 || num_classes > 256 {
        return Err(EvalError::NumClasses(num_classes));
    }
    train.check("train")?;
    test.check("test")?;
    if train.cols != test.cols {
        return Err(EvalError::ColumnMismatch {
            train: train.cols,
            test: test.cols,
        });
    }
    Ok(())
}

/// Checks that `labels` has one entry per row and every entry is below `num_classes`.
pub(crate) fn check_labels(
    set: &'static str,
    rows: usize,
    labels: &[u8],
    num_classes: usize,
) -> Result<(), EvalError> {
    if labels.len() != rows {
        return Err(EvalError::LabelCount {
            set,
            rows,
            labels: labels.len(),
        });
    }
    if let Some(index) = labels.iter().position(|&l| usize::from(l) >= num_classes) {
        return Err(EvalError::LabelOutOfRange {
            set,
            index,
            label: labels[index],
            num_classes,
        });
    }
    Ok(())
}

/// Fraction of `predicted` equal to `labels` (same lengths, non-empty: checked by callers).
pub(crate) fn accuracy(predicted: &[u8], labels: &[u8]) -> f64 {
    debug_assert_eq!(predicted.len(), labels.len());
    let hits = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    hits as f64 / labels.len() as f64
}
