//! Alignment and uniformity of embeddings on the unit hypersphere (Wang & Isola, "Understanding
//! Contrastive Representation Learning through Alignment and Uniformity on the Hypersphere",
//! ICML 2020, eqs. 4–5 with α = 2, t = 2). Rows are L2-normalised first.

use rayon::prelude::*;
use serde::Serialize;

use crate::matmul::{MatRef, matmul};

/// Rows whose similarities to all rows are held at once.
const ROWS_PER_CHUNK: usize = 512;

/// Both measures, as written to `summary.json`.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Geometry {
    /// `E ‖f(x) − f(y)‖²` over positive pairs (lower: views of one example closer).
    pub alignment: f64,
    /// `log E exp(−2 ‖f(x) − f(y)‖²)` over pairs of distinct examples (lower: more uniform).
    pub uniformity: f64,
    /// Positive pairs averaged over.
    pub pairs: usize,
    /// Examples the uniformity is taken over.
    pub examples: usize,
}

fn unit(rows: &[f32], d: usize) -> Vec<f32> {
    let mut out = rows.to_vec();
    out.par_chunks_mut(d).for_each(|r| {
        let norm = r.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
        if norm > 0.0 {
            r.iter_mut()
                .for_each(|v| *v = (f64::from(*v) / norm) as f32);
        }
    });
    out
}

/// Mean `‖a_i − b_i‖²` of the normalised rows of `a` and `b` (`[n, d]` each, row i of both from
/// the same example).
///
/// # Panics
/// If the lengths differ or are not a multiple of `d`.
pub fn alignment(a: &[f32], b: &[f32], d: usize) -> f64 {
    assert!(
        a.len() == b.len() && d > 0 && a.len().is_multiple_of(d),
        "alignment: shapes"
    );
    let (a, b) = (unit(a, d), unit(b, d));
    let n = a.len() / d;
    let total: f64 = a
        .par_chunks(d)
        .zip(b.par_chunks(d))
        .map(|(x, y)| {
            x.iter()
                .zip(y)
                .map(|(p, q)| (f64::from(*p) - f64::from(*q)).powi(2))
                .sum::<f64>()
        })
        .sum();
    total / n.max(1) as f64
}

/// `log` of the mean of `exp(−t ‖z_i − z_j‖²)` over ordered pairs `i ≠ j` of the normalised rows
/// of `z` (`[n, d]`, n ≥ 2), computed stably (log-sum-exp) from one gemm per chunk of rows.
///
/// # Panics
/// If `z.len()` is not a multiple of `d` or there are fewer than two rows.
pub fn uniformity(z: &[f32], d: usize, t: f64) -> f64 {
    assert!(d > 0 && z.len().is_multiple_of(d), "uniformity: shapes");
    let n = z.len() / d;
    assert!(n >= 2, "uniformity needs two rows, got {n}");
    let z = unit(z, d);
    // ‖z_i − z_j‖² = 2 − 2 z_i·z_j for unit rows; the exponent −t(2 − 2s) is at most 0.
    let mut sims = vec![0.0f32; ROWS_PER_CHUNK.min(n) * n];
    let mut sum = 0.0f64;
    for (chunk, block) in z.chunks(ROWS_PER_CHUNK * d).enumerate() {
        let rows = block.len() / d;
        let sims = &mut sims[..rows * n];
        matmul(
            sims,
            MatRef::row_major(block, rows, d),
            MatRef::row_major(&z, n, d).t(),
            false,
        );
        sum += sims
            .par_chunks(n)
            .enumerate()
            .map(|(r, row)| {
                let i = chunk * ROWS_PER_CHUNK + r;
                row.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, s)| (-t * (2.0 - 2.0 * f64::from(*s)).max(0.0)).exp())
                    .sum::<f64>()
            })
            .sum::<f64>();
    }
    (sum / (n * (n - 1)) as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms_on_simple_configurations() {
        // Identical pairs are perfectly aligned; antipodal pairs have ‖a − b‖² = 4.
        let a = [1.0f32, 0.0, 0.0, 2.0];
        assert_eq!(alignment(&a, &a, 2), 0.0);
        let b = [-3.0f32, 0.0, 0.0, -1.0];
        assert!((alignment(&a, &b, 2) - 4.0).abs() < 1e-12);
        // Two antipodal points: the only pair distance is 4 → log e^{−2·4} = −8.
        assert!((uniformity(&[1.0, 0.0, -1.0, 0.0], 2, 2.0) + 8.0).abs() < 1e-9);
        // Collapsed embeddings: distance 0 → log 1 = 0, the worst uniformity.
        assert!(uniformity(&[0.3, 0.4, 0.6, 0.8, 3.0, 4.0], 2, 2.0).abs() < 1e-6);
    }

    #[test]
    fn uniformity_matches_a_naive_double_loop_across_chunks() {
        let (n, d) = (600, 3); // two chunks of rows
        let z: Vec<f32> = (0..n * d)
            .map(|i| ((i * 2654435761usize) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let u = unit(&z, d);
        let mut total = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    let dist: f64 = (0..d)
                        .map(|k| (f64::from(u[i * d + k]) - f64::from(u[j * d + k])).powi(2))
                        .sum();
                    total += (-2.0 * dist).exp();
                }
            }
        }
        let naive = (total / (n * (n - 1)) as f64).ln();
        let got = uniformity(&z, d, 2.0);
        assert!((got - naive).abs() < 1e-5, "{got} vs naive {naive}");
    }
}
