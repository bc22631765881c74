//! Per-column standardisation with statistics taken from the training set only.

use rayon::prelude::*;

use crate::Features;

/// Rows per parallel work item when summing columns.
const ROWS_PER_TASK: usize = 512;

/// Column means and inverse standard deviations of a training matrix.
///
/// A column with standard deviation 0 is only centred (its scale is 1), so a constant pixel
/// becomes a zero column instead of a division by zero.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Standardizer {
    mean: Vec<f64>,
    inv_std: Vec<f64>,
}

impl Standardizer {
    /// Mean and population standard deviation (two passes, f64) of every column of `x`.
    pub(crate) fn fit(x: &Features) -> Self {
        let (n, d) = (x.rows as f64, x.cols);
        let sum = column_sums(x, |_, v| v);
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let sq = column_sums(x, |j, v| (v - mean[j]).powi(2));
        let inv_std = sq
            .iter()
            .map(|s| {
                let std = (s / n).sqrt();
                if std > 0.0 { 1.0 / std } else { 1.0 }
            })
            .collect();
        debug_assert_eq!(mean.len(), d);
        Self { mean, inv_std }
    }

    /// `(x − mean) / std` per column, as a new row-major f32 matrix of the shape of `x`.
    pub(crate) fn apply(&self, x: &Features) -> Vec<f32> {
        assert_eq!(
            x.cols,
            self.mean.len(),
            "standardiser fitted on other widths"
        );
        let mut out = x.data.to_vec();
        out.par_chunks_mut(x.cols * ROWS_PER_TASK)
            .for_each(|block| {
                for row in block.chunks_mut(x.cols) {
                    for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.inv_std) {
                        *v = ((f64::from(*v) - m) * s) as f32;
                    }
                }
            });
        out
    }
}

/// Per-column sums of `f(column, value)` in f64, summed block by block in a fixed order so the
/// result does not depend on thread scheduling.
fn column_sums(x: &Features, f: impl Fn(usize, f64) -> f64 + Sync) -> Vec<f64> {
    let d = x.cols;
    let partial: Vec<Vec<f64>> = x
        .data
        .par_chunks(d * ROWS_PER_TASK)
        .map(|block| {
            let mut acc = vec![0.0; d];
            for row in block.chunks(d) {
                for (j, (a, &v)) in acc.iter_mut().zip(row).enumerate() {
                    *a += f(j, f64::from(v));
                }
            }
            acc
        })
        .collect();
    partial.into_iter().fold(vec![0.0; d], |mut acc, p| {
        acc.iter_mut().zip(p).for_each(|(a, v)| *a += v);
        acc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_columns_get_mean_zero_std_one_and_constant_columns_are_centred() {
        // 4 rows × 3 columns; column 2 is constant.
        let data = [
            1.0, 10.0, 5.0, 2.0, 20.0, 5.0, 3.0, 30.0, 5.0, 4.0, 40.0, 5.0,
        ];
        let x = Features::new(&data, 4, 3);
        let out = Standardizer::fit(&x).apply(&x);
        // Column 0: mean 2.5, population std sqrt(1.25).
        let s = 1.25f64.sqrt();
        let want0 = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s];
        for i in 0..4 {
            assert!((f64::from(out[i * 3]) - want0[i]).abs() < 1e-6);
            // Column 1 is column 0 times 10: same standardised values.
            assert!((f64::from(out[i * 3 + 1]) - want0[i]).abs() < 1e-6);
            assert_eq!(out[i * 3 + 2], 0.0);
        }
    }

    #[test]
    fn other_sets_use_the_fitted_statistics() {
        let train = [0.0, 2.0];
        let test = [4.0, 5.0, 9.0];
        let st = Standardizer::fit(&Features::new(&train, 2, 1));
        // Train mean 1, std 1.
        assert_eq!(st.apply(&Features::new(&test, 3, 1)), vec![3.0, 4.0, 8.0]);
    }
}
