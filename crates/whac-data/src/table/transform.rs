//! The checked table transformation and how one transformed copy of a row is drawn.

use rand::seq::index;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::{TableOpConfig, TableSet, TableTransformConfig};

/// A checked stochastic transformation of standardised table rows, built by
/// [`TableTransformConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableTransform {
    /// Operations whose settings are all within range.
    ops: Vec<TableOpConfig>,
}

impl TableTransform {
    /// Only [`TableTransformConfig::check`] builds one.
    pub(crate) fn from_checked(ops: Vec<TableOpConfig>) -> TableTransform {
        TableTransform { ops }
    }

    /// The identity transformation (no operation).
    pub fn identity() -> TableTransform {
        TableTransform { ops: Vec::new() }
    }

    /// The (checked) operations, in order.
    pub fn ops(&self) -> &[TableOpConfig] {
        &self.ops
    }

    /// The configuration this transformation was built from.
    pub fn config(&self) -> TableTransformConfig {
        TableTransformConfig {
            ops: self.ops.clone(),
        }
    }

    /// Draws one transformed copy of row `index` of `set` into `out`; SCARF draws its
    /// replacement values from the other rows of `set` (the training split).
    ///
    /// Each operation, in order, draws one uniform number and is applied if it is below its `p`.
    ///
    /// # Panics
    /// If `out.len() != set.dim` or `index` is out of range (programming errors).
    pub fn apply(&self, set: &TableSet, index: usize, rng: &mut impl Rng, out: &mut [f32]) {
        let d = set.dim;
        assert_eq!(
            out.len(),
            d,
            "TableTransform::apply: out must hold {d} features"
        );
        out.copy_from_slice(set.row(index));
        let n = set.len();
        for op in &self.ops {
            if RngExt::random::<f32>(rng) >= op.p() {
                continue;
            }
            match *op {
                TableOpConfig::Scarf { fraction, .. } => {
                    let k = count(fraction, d);
                    if n < 2 {
                        continue;
                    }
                    for j in index::sample(rng, d, k) {
                        // Uniform among the n − 1 other rows.
                        let mut r = rng.random_range(0..n - 1);
                        if r >= index {
                            r += 1;
                        }
                        out[j] = set.features[r * d + j];
                    }
                }
                TableOpConfig::Mask { fraction, .. } => {
                    for j in index::sample(rng, d, count(fraction, d)) {
                        out[j] = 0.0;
                    }
                }
                TableOpConfig::Noise { strength, .. } => {
                    if strength > 0.0 {
                        for v in out.iter_mut() {
                            let z: f32 = rng.sample(StandardNormal);
                            *v += strength * z;
                        }
                    }
                }
            }
        }
    }
}

/// `round(fraction × d)`, at most `d`.
fn count(fraction: f32, d: usize) -> usize {
    ((fraction as f64 * d as f64).round() as usize).min(d)
}
