//! Batched conditionals and Gibbs sampling on f32 parameters.
//!
//! States are row-major matrices: visible `n × D`, hidden `n × J`, one chain or example per row.
//! Every Bernoulli draw of row `r` comes from a generator seeded by `(seed, r)`, so results do not
//! depend on the number of threads.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};
use rayon::prelude::*;

use crate::Rbm;
use whac_eval::matmul::{MatRef, matmul};

/// RBM parameters in f32, the precision of training and sampling. [`Rbm`] (f64) is the model
/// that exact evaluation works on; conversions both ways are exact for values that came from f32.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Weights, row-major `D × J`.
    pub w: Vec<f32>,
    /// Visible biases, `D`.
    pub b: Vec<f32>,
    /// Hidden biases, `J`.
    pub c: Vec<f32>,
}

impl Params {
    /// Visible units D.
    pub fn visible(&self) -> usize {
        self.b.len()
    }

    /// Hidden units J.
    pub fn hidden(&self) -> usize {
        self.c.len()
    }

    /// Rounds an [`Rbm`] to f32.
    pub fn from_rbm(rbm: &Rbm) -> Self {
        let f = |x: &Vec<f64>| x.iter().map(|&v| v as f32).collect();
        Self {
            w: f(&rbm.w),
            b: f(&rbm.b),
            c: f(&rbm.c),
        }
    }

    /// The same model in f64.
    pub fn to_rbm(&self) -> Rbm {
        let f = |x: &Vec<f32>| x.iter().map(|&v| v as f64).collect();
        Rbm::new(f(&self.w), f(&self.b), f(&self.c))
    }

    /// `v · W` (no bias).
    ///
    /// # Shapes
    /// `v`: `n × D` → `n × J`.
    pub fn mul_w(&self, v: &[f32], n: usize) -> Vec<f32> {
        let (d, j) = (self.visible(), self.hidden());
        let mut out = vec![0.0; n * j];
        matmul(
            &mut out,
            MatRef::row_major(v, n, d),
            MatRef::row_major(&self.w, d, j),
            false,
        );
        out
    }

    /// `h · Wᵀ` (no bias).
    ///
    /// # Shapes
    /// `h`: `n × J` → `n × D`.
    pub fn mul_wt(&self, h: &[f32], n: usize) -> Vec<f32> {
        let (d, j) = (self.visible(), self.hidden());
        let mut out = vec![0.0; n * d];
        matmul(
            &mut out,
            MatRef::row_major(h, n, j),
            MatRef::row_major(&self.w, d, j).t(),
            false,
        );
        out
    }

    /// `p(h = 1 | v) = σ(vW + c)`.
    ///
    /// # Shapes
    /// `v`: `n × D` → `n × J`.
    pub fn hidden_probs(&self, v: &[f32], n: usize) -> Vec<f32> {
        self.hidden_probs_tempered(v, n, 1.0)
    }

    /// `p_β(h = 1 | v) = σ(β(vW + c))`, the conditional of `p_β(v, h) ∝ exp(−β E(v, h))`.
    ///
    /// # Shapes
    /// `v`: `n × D` → `n × J`.
    pub fn hidden_probs_tempered(&self, v: &[f32], n: usize, beta: f32) -> Vec<f32> {
        let mut a = self.mul_w(v, n);
        add_bias_sigmoid(&mut a, &self.c, beta);
        a
    }

    /// `p(v = 1 | h) = σ(hWᵀ + b)`.
    ///
    /// # Shapes
    /// `h`: `n × J` → `n × D`.
    pub fn visible_probs(&self, h: &[f32], n: usize) -> Vec<f32> {
        self.visible_probs_tempered(h, n, 1.0)
    }

    /// `p_β(v = 1 | h) = σ(β(hWᵀ + b))`.
    ///
    /// # Shapes
    /// `h`: `n × J` → `n × D`.
    pub fn visible_probs_tempered(&self, h: &[f32], n: usize, beta: f32) -> Vec<f32> {
        let mut a = self.mul_wt(h, n);
        add_bias_sigmoid(&mut a, &self.b, beta);
        a
    }

    /// `sweeps` full Gibbs sweeps (`h ~ p(h|v)`, then `v ~ p(v|h)`) of the `n` chains in `v`, in
    /// place; each sweep takes one seed from `rng`.
    ///
    /// # Shapes
    /// `v`: `n × D`, binary.
    pub fn gibbs(&self, v: &mut [f32], n: usize, sweeps: usize, rng: &mut impl Rng) {
        self.gibbs_tempered(v, n, sweeps, 1.0, rng);
    }

    /// [`Params::gibbs`] for `p_β(v, h) ∝ exp(−β E(v, h))`; `β = 1` is the model itself (and
    /// draws exactly what [`Params::gibbs`] draws).
    pub fn gibbs_tempered(
        &self,
        v: &mut [f32],
        n: usize,
        sweeps: usize,
        beta: f32,
        rng: &mut impl Rng,
    ) {
        for _ in 0..sweeps {
            let mut h = self.hidden_probs_tempered(v, n, beta);
            sample_in_place(&mut h, self.hidden(), rng.next_u64());
            let mut pv = self.visible_probs_tempered(&h, n, beta);
            sample_in_place(&mut pv, self.visible(), rng.next_u64());
            v.copy_from_slice(&pv);
        }
    }
}

impl Params {
    /// `count` chains started at the rows of `start` (cycled; rows of D, binary), each run for
    /// `sweeps` Gibbs sweeps from a generator seeded by `seed`: samples of the model.
    ///
    /// # Shapes
    /// `start`: `m × D` → `count × D`.
    pub fn samples_from(&self, start: &[f32], count: usize, sweeps: usize, seed: u64) -> Vec<f32> {
        let d = self.visible();
        assert!(
            !start.is_empty() && start.len().is_multiple_of(d),
            "start states of {} values are not rows of {d}",
            start.len()
        );
        let mut v: Vec<f32> = start.iter().copied().cycle().take(count * d).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        self.gibbs(&mut v, count, sweeps, &mut rng);
        v
    }
}

/// Logistic sigmoid.
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `a[r, j] = σ(β (a[r, j] + bias[j]))` for every row `r`.
pub(crate) fn add_bias_sigmoid(a: &mut [f32], bias: &[f32], beta: f32) {
    let cols = bias.len();
    a.par_chunks_mut(cols.max(1) * 64).for_each(|block| {
        for row in block.chunks_mut(cols) {
            for (x, &c) in row.iter_mut().zip(bias) {
                *x = sigmoid(beta * (*x + c));
            }
        }
    });
}

/// Replaces every probability `p` in the row-major matrix `probs` (rows of `row_len`) by a
/// Bernoulli(`p`) draw, 1.0 or 0.0. Row `r` draws from a generator seeded by `(seed, r)`.
pub fn sample_in_place(probs: &mut [f32], row_len: usize, seed: u64) {
    if row_len == 0 {
        return;
    }
    probs
        .par_chunks_mut(row_len)
        .enumerate()
        .for_each(|(r, row)| {
            let mut rng = row_rng(seed, r);
            for p in row.iter_mut() {
                *p = if rng.random::<f32>() < *p { 1.0 } else { 0.0 };
            }
        });
}

/// The generator of row `r` under `seed`.
pub(crate) fn row_rng(seed: u64, r: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact_log_z;

    fn small_rbm(d: usize, j: usize, scale: f64, seed: u64) -> Rbm {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut next = || (rng.random::<f64>() - 0.5) * 2.0 * scale;
        let w = (0..d * j).map(|_| next()).collect();
        let b = (0..d).map(|_| next()).collect();
        let c = (0..j).map(|_| next()).collect();
        Rbm::new(w, b, c)
    }

    /// Exact `p(v)` of every visible state `s` (bit `i` of `s` is `v_i`).
    fn exact_distribution(rbm: &Rbm) -> Vec<f64> {
        let d = rbm.visible();
        let log_z = exact_log_z(rbm).unwrap();
        (0..1usize << d)
            .map(|s| {
                let v: Vec<f64> = (0..d).map(|i| ((s >> i) & 1) as f64).collect();
                (-rbm.free_energy(&v) - log_z).exp()
            })
            .collect()
    }

    fn kl(p: &[f64], q: &[f64]) -> f64 {
        p.iter()
            .zip(q)
            .filter(|(pi, _)| **pi > 0.0)
            .map(|(pi, qi)| pi * (pi / qi).ln())
            .sum()
    }

    /// Gibbs sampling of a 4-visible-unit RBM reproduces its exact distribution.
    ///
    /// 1000 chains × 200 recorded sweeps (after 50 sweeps of burn-in) give N = 200 000 samples;
    /// for independent draws the expected KL(empirical ‖ exact) is about (16 − 1)/(2N) ≈ 4·10⁻⁵.
    /// The bound is 2·10⁻³ (50× that, allowing for correlated sweeps). The same samples are
    /// checked to be far (KL > 2·10⁻²) from the distribution of a different RBM, so the bound
    /// can fail.
    #[test]
    fn gibbs_reproduces_the_exact_distribution_of_a_4_unit_rbm() {
        let rbm = small_rbm(4, 3, 1.5, 7);
        let exact = exact_distribution(&rbm);
        let params = Params::from_rbm(&rbm);
        let chains = 1000;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut v: Vec<f32> = (0..chains * 4)
            .map(|_| if rng.random::<bool>() { 1.0 } else { 0.0 })
            .collect();
        params.gibbs(&mut v, chains, 50, &mut rng);
        let mut counts = [0u64; 16];
        for _ in 0..200 {
            params.gibbs(&mut v, chains, 1, &mut rng);
            for row in v.chunks(4) {
                let s: usize = row
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| (x as usize) << i)
                    .sum();
                counts[s] += 1;
            }
        }
        let total = counts.iter().sum::<u64>() as f64;
        let empirical: Vec<f64> = counts.iter().map(|&c| c as f64 / total).collect();
        let divergence = kl(&empirical, &exact);
        assert!(divergence < 2e-3, "KL(empirical ‖ exact) = {divergence}");
        let other = exact_distribution(&small_rbm(4, 3, 1.5, 8));
        let wrong = kl(&empirical, &other);
        assert!(wrong > 2e-2, "a different RBM is too close: KL = {wrong}");
    }

    #[test]
    fn sampling_is_bernoulli_and_does_not_depend_on_threads() {
        let mut a = vec![0.25f32; 40_000];
        sample_in_place(&mut a, 100, 3);
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        assert!((mean - 0.25).abs() < 0.01, "{mean}");
        assert!(a.iter().all(|&x| x == 0.0 || x == 1.0));
        let mut b = vec![0.25f32; 40_000];
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| sample_in_place(&mut b, 100, 3));
        assert_eq!(a, b);
    }
}
