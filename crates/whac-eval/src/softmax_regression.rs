//! The linear probe's objective: L2-regularised multinomial logistic regression.
//!
//! With `n` examples `x_i` (rows of X), labels `y_i`, weights W (d × c) and biases b (c):
//!
//! `L(W, b) = (1/n) Σ_i [logsumexp(x_i·W + b) − (x_i·W + b)_{y_i}] + (l2/2)·‖W‖²`
//!
//! `∂L/∂W = Xᵀ·(P − Y)/n + l2·W`, `∂L/∂b = Σ_i (P − Y)_i / n`, with P the row softmax of the
//! logits and Y the one-hot labels. The bias is not regularised. Matmuls run in f32 via gemm
//! (per block of rows); softmax, the loss, and the sums over blocks accumulate in f64.

use rayon::prelude::*;

use crate::matmul::{MatRef, matmul, matmul_serial};

/// Rows per parallel work item. Each block's logits and its share of `Xᵀ·(P − Y)` are computed
/// back to back while the block (256 × 784 f32 = 800 kB at most for MNIST) is still in cache, so
/// X streams from memory once per evaluation instead of twice.
const ROWS_PER_BLOCK: usize = 256;

/// Loss and gradient of the probe objective on one fixed (standardised) training matrix.
///
/// Parameters are one flat vector `θ = [W row-major (d × c), b (c)]` of length `(d + 1)·c`.
pub(crate) struct SoftmaxRegression<'a> {
    /// n × d, row-major.
    x: &'a [f32],
    labels: &'a [u8],
    n: usize,
    d: usize,
    c: usize,
    l2: f64,
    /// W in f32 (d × c), refreshed from θ on every call.
    w32: Vec<f32>,
}

/// One block's share of the objective.
struct BlockSums {
    /// Σ cross-entropy over the block's rows.
    loss: f64,
    /// Σ (P − Y) over the block's rows, per class.
    grad_b: Vec<f64>,
    /// X_blockᵀ·(P − Y)_block, d × c.
    grad_w: Vec<f32>,
}

impl<'a> SoftmaxRegression<'a> {
    /// # Shapes
    /// `x`: n × d row-major with `n = labels.len()`; every label `< c`.
    pub(crate) fn new(x: &'a [f32], labels: &'a [u8], d: usize, c: usize, l2: f64) -> Self {
        let n = labels.len();
        assert_eq!(x.len(), n * d, "objective matrix is not {n} × {d}");
        Self {
            x,
            labels,
            n,
            d,
            c,
            l2,
            w32: vec![0.0; d * c],
        }
    }

    /// Length of the flat parameter vector, `(d + 1)·c`.
    pub(crate) fn num_params(&self) -> usize {
        (self.d + 1) * self.c
    }

    /// Objective at `theta`; writes `∂L/∂θ` into `grad`. Blocks are summed in a fixed order,
    /// so the result does not depend on thread scheduling.
    pub(crate) fn loss_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (n, d, c) = (self.n, self.d, self.c);
        assert_eq!(theta.len(), self.num_params(), "parameter vector length");
        assert_eq!(grad.len(), self.num_params(), "gradient vector length");
        let (w, b) = theta.split_at(d * c);
        self.w32.iter_mut().zip(w).for_each(|(o, v)| *o = *v as f32);
        let w32 = &self.w32;

        let blocks: Vec<BlockSums> = self
            .x
            .par_chunks(d * ROWS_PER_BLOCK)
            .zip(self.labels.par_chunks(ROWS_PER_BLOCK))
            .map(|(xb, labels)| {
                let rows = labels.len();
                let xb = MatRef::row_major(xb, rows, d);
                // logits: rows × c = X_block (rows × d) · W (d × c)
                let mut g = vec![0.0f32; rows * c];
                matmul_serial(&mut g, xb, MatRef::row_major(w32, d, c), false);
                // g becomes P − Y, row by row.
                let mut loss = 0.0;
                let mut grad_b = vec![0.0; c];
                let mut z = vec![0.0f64; c];
                for (row, &y) in g.chunks_mut(c).zip(labels) {
                    let y = usize::from(y);
                    z.iter_mut()
                        .zip(row.iter())
                        .zip(b)
                        .for_each(|((z, &l), b)| *z = f64::from(l) + b);
                    let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                    let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                    let lse = max + sum.ln();
                    loss += lse - z[y];
                    for (k, (out, zk)) in row.iter_mut().zip(&z).enumerate() {
                        let diff = (zk - lse).exp() - if k == y { 1.0 } else { 0.0 };
                        grad_b[k] += diff;
                        *out = diff as f32;
                    }
                }
                // grad_w: d × c = X_blockᵀ (d × rows) · (P − Y)_block (rows × c)
                let mut grad_w = vec![0.0f32; d * c];
                matmul_serial(&mut grad_w, xb.t(), MatRef::row_major(&g, rows, c), false);
                BlockSums {
                    loss,
                    grad_b,
                    grad_w,
                }
            })
            .collect();

        let inv_n = 1.0 / n as f64;
        let (grad_w, grad_b) = grad.split_at_mut(d * c);
        grad_w.fill(0.0);
        grad_b.fill(0.0);
        let mut loss = 0.0;
        for block in blocks {
            loss += block.loss;
            grad_b
                .iter_mut()
                .zip(&block.grad_b)
                .for_each(|(a, v)| *a += v);
            grad_w
                .iter_mut()
                .zip(&block.grad_w)
                .for_each(|(a, &v)| *a += f64::from(v));
        }
        grad_b.iter_mut().for_each(|g| *g *= inv_n);
        let mut w_sq = 0.0;
        for (g, &wv) in grad_w.iter_mut().zip(w) {
            *g = *g * inv_n + self.l2 * wv;
            w_sq += wv * wv;
        }
        loss * inv_n + 0.5 * self.l2 * w_sq
    }
}

/// Class with the largest logit for every row of `x` (lowest index on ties).
///
/// # Shapes
/// `x`: rows × d row-major; `theta`: `(d + 1)·c` as in [`SoftmaxRegression`]; returns `rows`.
pub(crate) fn predict(x: &[f32], rows: usize, d: usize, c: usize, theta: &[f64]) -> Vec<u8> {
    assert_eq!(theta.len(), (d + 1) * c, "parameter vector length");
    let (w, b) = theta.split_at(d * c);
    let w32: Vec<f32> = w.iter().map(|&v| v as f32).collect();
    let mut logits = vec![0.0; rows * c];
    // logits: rows × c = X (rows × d) · W (d × c)
    matmul(
        &mut logits,
        MatRef::row_major(x, rows, d),
        MatRef::row_major(&w32, d, c),
        false,
    );
    logits
        .par_chunks(c)
        .map(|row| {
            let mut best = 0;
            let mut best_v = f64::NEG_INFINITY;
            for (k, (&l, bk)) in row.iter().zip(b).enumerate() {
                let v = f64::from(l) + bk;
                if v > best_v {
                    (best, best_v) = (k, v);
                }
            }
            best as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic pseudo-random values in [-1, 1).
    fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    /// The objective written as plain loops in f64.
    fn naive_loss(x: &[f32], labels: &[u8], d: usize, c: usize, l2: f64, theta: &[f64]) -> f64 {
        let n = labels.len();
        let mut total = 0.0;
        for i in 0..n {
            let z: Vec<f64> = (0..c)
                .map(|k| {
                    theta[d * c + k]
                        + (0..d)
                            .map(|j| f64::from(x[i * d + j]) * theta[j * c + k])
                            .sum::<f64>()
                })
                .collect();
            let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
            total += lse - z[usize::from(labels[i])];
        }
        total / n as f64 + 0.5 * l2 * theta[..d * c].iter().map(|w| w * w).sum::<f64>()
    }

    #[test]
    fn loss_matches_naive_loops_and_gradient_matches_finite_differences() {
        let (n, d, c, l2) = (7, 3, 4, 0.3);
        let x: Vec<f32> = values(n * d, 1).iter().map(|&v| (2.0 * v) as f32).collect();
        let labels = [0u8, 1, 2, 3, 1, 1, 0];
        let theta = values((d + 1) * c, 2);
        let mut obj = SoftmaxRegression::new(&x, &labels, d, c, l2);
        let mut grad = vec![0.0; obj.num_params()];
        let loss = obj.loss_grad(&theta, &mut grad);
        let want = naive_loss(&x, &labels, d, c, l2, &theta);
        assert!((loss - want).abs() < 1e-5, "loss {loss} vs naive {want}");

        // Central differences of the naive f64 loss (step 1e-5, error O(h²) ≈ 1e-10).
        let h = 1e-5;
        for p in 0..theta.len() {
            let mut plus = theta.clone();
            let mut minus = theta.clone();
            plus[p] += h;
            minus[p] -= h;
            let fd = (naive_loss(&x, &labels, d, c, l2, &plus)
                - naive_loss(&x, &labels, d, c, l2, &minus))
                / (2.0 * h);
            assert!(
                (grad[p] - fd).abs() < 1e-5,
                "param {p}: analytic {} vs fd {fd}",
                grad[p]
            );
        }
    }

    #[test]
    fn predict_takes_the_largest_logit() {
        // d = 1, c = 3: logits = [x, -x, 0] + b with b = [0, 0, 0.5].
        let theta = [1.0, -1.0, 0.0, 0.0, 0.0, 0.5];
        assert_eq!(predict(&[2.0, -2.0, 0.1], 3, 1, 3, &theta), vec![0, 1, 2]);
    }
}
