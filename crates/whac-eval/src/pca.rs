//! Principal component analysis of a feature matrix: the leading directions of its covariance,
//! for 2-D maps of embeddings.

/// The leading principal components of `n` rows of width `d` (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// Column means, `[d]`.
    pub mean: Vec<f64>,
    /// Unit-length components, `[k, d]` row-major, by decreasing variance. The sign is fixed so
    /// that each component's largest-magnitude coordinate is positive.
    pub components: Vec<f64>,
    /// Variance of the data along each component (eigenvalue of the covariance, divisor `n`).
    pub variance: Vec<f64>,
    /// `variance` over the total variance (the trace of the covariance); 0 when that is 0.
    pub explained_ratio: Vec<f64>,
    /// Width of the rows.
    pub dim: usize,
}

impl Pca {
    /// Fits `k` components (at most `d`) to `rows` (`n × d`, row-major) by orthogonal iteration
    /// on the covariance matrix, started from a fixed basis (deterministic).
    ///
    /// # Panics
    /// If `rows.len()` is not a multiple of `d`, or `d == 0`.
    pub fn fit(rows: &[f32], d: usize, k: usize) -> Self {
        assert!(
            d > 0 && rows.len().is_multiple_of(d),
            "rows are not n × {d}"
        );
        let n = rows.len() / d;
        let k = k.min(d);
        let mut mean = vec![0.0f64; d];
        for row in rows.chunks(d) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += x as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        // Covariance, [d, d], divisor n.
        let mut cov = vec![0.0f64; d * d];
        let mut centred = vec![0.0f64; d];
        for row in rows.chunks(d) {
            for (c, (&x, m)) in centred.iter_mut().zip(row.iter().zip(&mean)) {
                *c = x as f64 - m;
            }
            for i in 0..d {
                let ci = centred[i];
                if ci != 0.0 {
                    let line = &mut cov[i * d..(i + 1) * d];
                    for (v, &cj) in line.iter_mut().zip(&centred) {
                        *v += ci * cj;
                    }
                }
            }
        }
        cov.iter_mut().for_each(|v| *v /= n.max(1) as f64);
        let total: f64 = (0..d).map(|i| cov[i * d + i]).sum();

        // Orthogonal iteration: Q ← orth(C Q) until the subspace stops moving.
        let mut q = start_basis(d, k);
        let mut next = vec![0.0f64; k * d];
        for _ in 0..1000 {
            for c in 0..k {
                let v = &q[c * d..(c + 1) * d];
                for i in 0..d {
                    next[c * d + i] = cov[i * d..(i + 1) * d]
                        .iter()
                        .zip(v)
                        .map(|(a, b)| a * b)
                        .sum();
                }
            }
            orthonormalize(&mut next, d, k);
            // How far each vector moved (up to sign): the Euclidean norm of the change.
            let moved = (0..k)
                .map(|c| {
                    let (a, b) = (&q[c * d..(c + 1) * d], &next[c * d..(c + 1) * d]);
                    let s = a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>().signum();
                    a.iter()
                        .zip(b)
                        .map(|(x, y)| (y - s * x).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(0.0f64, f64::max);
            std::mem::swap(&mut q, &mut next);
            if moved < 1e-12 {
                break;
            }
        }
        // Rayleigh quotients, then sort by decreasing variance and fix the signs.
        let mut order: Vec<(f64, Vec<f64>)> = (0..k)
            .map(|c| {
                let v = q[c * d..(c + 1) * d].to_vec();
                let lambda = (0..d)
                    .map(|i| {
                        v[i] * cov[i * d..(i + 1) * d]
                            .iter()
                            .zip(&v)
                            .map(|(a, b)| a * b)
                            .sum::<f64>()
                    })
                    .sum::<f64>();
                (lambda.max(0.0), v)
            })
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut components = Vec::with_capacity(k * d);
        let mut variance = Vec::with_capacity(k);
        for (lambda, mut v) in order {
            let biggest = v
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if biggest < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            components.extend(v);
            variance.push(lambda);
        }
        let explained_ratio = variance
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        Pca {
            mean,
            components,
            variance,
            explained_ratio,
            dim: d,
        }
    }

    /// The coordinates of `rows` (`n × d`) on the components, `[n, k]` row-major.
    pub fn transform(&self, rows: &[f32]) -> Vec<f32> {
        let d = self.dim;
        let k = self.variance.len();
        let mut out = Vec::with_capacity(rows.len() / d * k);
        for row in rows.chunks(d) {
            for c in 0..k {
                let comp = &self.components[c * d..(c + 1) * d];
                let y: f64 = row
                    .iter()
                    .zip(&self.mean)
                    .zip(comp)
                    .map(|((&x, m), w)| (x as f64 - m) * w)
                    .sum();
                out.push(y as f32);
            }
        }
        out
    }
}

/// A fixed, generic starting basis: `k` vectors that are unlikely to be orthogonal to any
/// principal direction (all coordinates non-zero, different per vector).
fn start_basis(d: usize, k: usize) -> Vec<f64> {
    let mut q: Vec<f64> = (0..k * d)
        .map(|i| {
            let x = ((i as f64 + 1.0) * 0.618_033_988_749_895).fract();
            x - 0.5 + 1e-3
        })
        .collect();
    orthonormalize(&mut q, d, k);
    q
}

/// Modified Gram–Schmidt on the `k` rows of `q` (`[k, d]`); a row that vanishes is replaced by
/// a unit vector orthogonal to the rows before it.
fn orthonormalize(q: &mut [f64], d: usize, k: usize) {
    for c in 0..k {
        for p in 0..c {
            let dot: f64 = (0..d).map(|i| q[c * d + i] * q[p * d + i]).sum();
            for i in 0..d {
                q[c * d + i] -= dot * q[p * d + i];
            }
        }
        let norm = (0..d).map(|i| q[c * d + i].powi(2)).sum::<f64>().sqrt();
        if norm > 1e-300 {
            (0..d).for_each(|i| q[c * d + i] /= norm);
        } else {
            // Degenerate (rank-deficient data): take a basis vector and orthogonalise it.
            for e in 0..d {
                let mut v = vec![0.0; d];
                v[e] = 1.0;
                for p in 0..c {
                    let dot = q[p * d + e];
                    (0..d).for_each(|i| v[i] -= dot * q[p * d + i]);
                }
                let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                if nv > 1e-6 {
                    (0..d).for_each(|i| q[c * d + i] = v[i] / nv);
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_a_line_give_the_line_and_all_the_variance() {
        // x = c + t·u, u = (1, 2, 2)/3, t = -2..=2: variance of t is 2 (divisor n).
        let u = [1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0];
        let c = [5.0, -1.0, 0.5];
        let rows: Vec<f32> = (-2..=2)
            .flat_map(|t| (0..3).map(move |i| (c[i] + t as f64 * u[i]) as f32))
            .collect();
        let pca = Pca::fit(&rows, 3, 2);
        for i in 0..3 {
            assert!(
                (pca.components[i] - u[i]).abs() < 1e-6,
                "{:?}",
                pca.components
            );
            assert!((pca.mean[i] - c[i]).abs() < 1e-6);
        }
        assert!((pca.variance[0] - 2.0).abs() < 1e-5, "{:?}", pca.variance);
        assert!((pca.explained_ratio[0] - 1.0).abs() < 1e-6);
        assert!(pca.explained_ratio[1] < 1e-6);
        // Coordinates along the line are t itself.
        let y = pca.transform(&rows);
        for (j, t) in (-2..=2).enumerate() {
            assert!((y[j * 2] - t as f32).abs() < 1e-5, "{y:?}");
        }
    }

    #[test]
    fn axis_aligned_variances_come_out_sorted_with_their_ratios() {
        // The eight corners (±3, ±2, ±1): covariance diag(9, 4, 1).
        let mut rows = Vec::new();
        for a in [-3.0f32, 3.0] {
            for b in [-2.0f32, 2.0] {
                for c in [-1.0f32, 1.0] {
                    rows.extend([c, a, b]); // the axes shuffled: variances (1, 9, 4)
                }
            }
        }
        let pca = Pca::fit(&rows, 3, 3);
        let expect = [9.0, 4.0, 1.0];
        for (v, e) in pca.variance.iter().zip(expect) {
            assert!((v - e).abs() < 1e-9, "{:?}", pca.variance);
        }
        for (r, e) in pca
            .explained_ratio
            .iter()
            .zip([9.0 / 14.0, 4.0 / 14.0, 1.0 / 14.0])
        {
            assert!((r - e).abs() < 1e-9);
        }
        let axes = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
        for (c, axis) in axes.iter().enumerate() {
            for i in 0..3 {
                assert!((pca.components[c * 3 + i] - axis[i]).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn constant_data_has_no_variance_and_unit_components() {
        let rows = vec![1.5f32; 4 * 5];
        let pca = Pca::fit(&rows, 5, 2);
        assert_eq!(pca.explained_ratio, vec![0.0, 0.0]);
        for c in 0..2 {
            let norm: f64 = pca.components[c * 5..(c + 1) * 5]
                .iter()
                .map(|x| x * x)
                .sum();
            assert!((norm - 1.0).abs() < 1e-9);
        }
        assert!(pca.transform(&rows).iter().all(|&y| y.abs() < 1e-6));
    }
}
