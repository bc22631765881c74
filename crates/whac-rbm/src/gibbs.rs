//! Batched conditionals and Gibbs sampling on f32 parameters.
//!
//! States are row-major matrices: visible `n × D`, hidden `n × J`, one chain or example per row.
//! Every Bernoulli draw of row `r` comes from a counter-based stream keyed by `(seed, r)`
//! (`rows.rs`), so results do not depend on the number of threads.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::Rbm;
pub(crate) use crate::rows::sigmoid;
use crate::rows::{bernoulli_row, row_key, sigmoid_row, squared_error};
use crate::sparse::{Ones, Tiled};
use std::cell::OnceCell;
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

    /// `v · W` (no bias); sparse binary `v` (see [`crate::sparse`]) as sums of rows of `W`.
    ///
    /// # Shapes
    /// `v`: `n × D` → `n × J`.
    pub fn mul_w(&self, v: &[f32], n: usize) -> Vec<f32> {
        let ones = Ones::of(v, self.visible());
        self.mul_w_ones(v, n, ones.as_ref(), &OnceCell::new())
    }

    /// [`Params::mul_w`] with the ones of `v` already found (`None`: a dense gemm) and a cell
    /// for `W` in tiles, filled on first use, so that several products share one tiling.
    pub(crate) fn mul_w_ones(
        &self,
        v: &[f32],
        n: usize,
        ones: Option<&Ones>,
        w_tiled: &OnceCell<Tiled>,
    ) -> Vec<f32> {
        let (d, j) = (self.visible(), self.hidden());
        if let Some(ones) = ones {
            assert_eq!(
                ones.rows(),
                n,
                "ones of {} rows for {n} states",
                ones.rows()
            );
            return ones.mul(w_tiled.get_or_init(|| Tiled::new(&self.w, j)));
        }
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
        // Probabilities and draws in one pass each ([`conditional`]); the draws are those of
        // `sample_in_place` on the probabilities, and the visible ones land straight in `v`.
        let mut h = vec![0.0f32; n * self.hidden()];
        for _ in 0..sweeps {
            let mut ph = self.mul_w(v, n);
            let seed = rng.next_u64();
            conditional(
                &mut ph,
                &self.c,
                beta,
                Some(Draw { out: &mut h, seed }),
                None,
            );
            let mut pv = self.mul_wt(&h, n);
            let seed = rng.next_u64();
            conditional(&mut pv, &self.b, beta, Some(Draw { out: v, seed }), None);
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

/// `a[r, j] = σ(β (a[r, j] + bias[j]))` for every row `r`.
pub(crate) fn add_bias_sigmoid(a: &mut [f32], bias: &[f32], beta: f32) {
    conditional(a, bias, beta, None, None);
}

/// Where [`conditional`] writes its Bernoulli draws: `out` (the shape of the probabilities),
/// row `r` from the counter-based stream `row_key(seed, r)` — the draws [`sample_in_place`]
/// makes.
pub(crate) struct Draw<'a> {
    pub out: &'a mut [f32],
    pub seed: u64,
}

/// Rows per parallel task of [`conditional`]: a few thousand values, so rayon's per-task cost
/// stays small next to the work.
const ROWS_PER_TASK: usize = 8;

/// One pass over a conditional's pre-activations, fusing what the CD step needs of them:
/// `acts[r, j] ← p = σ(β (acts[r, j] + bias[j]))`; with `draw`, `out[r, j] ~ Bernoulli(p)`;
/// with `target` (same shape), the returned value is `Σ (target − p)²` (else 0), summed row by
/// row in order, so it does not depend on the number of threads.
///
/// # Shapes
/// `acts`, `draw.out`, `target`: `n × bias.len()`.
pub(crate) fn conditional(
    acts: &mut [f32],
    bias: &[f32],
    beta: f32,
    draw: Option<Draw<'_>>,
    target: Option<&[f32]>,
) -> f64 {
    let cols = bias.len();
    if cols == 0 {
        return 0.0;
    }
    let block = cols * ROWS_PER_TASK;
    // The rows of block `b`: probabilities, then draws and squared error.
    let rows = |b: usize, acts: &mut [f32], out: Option<(&mut [f32], u64)>| -> Vec<f64> {
        let first = b * ROWS_PER_TASK;
        let mut out = out;
        acts.chunks_mut(cols)
            .enumerate()
            .map(|(i, row)| {
                let r = first + i;
                sigmoid_row(row, bias, beta);
                if let Some((o, seed)) = out.as_mut() {
                    bernoulli_row(&mut o[i * cols..(i + 1) * cols], row, row_key(*seed, r));
                }
                target.map_or(0.0, |t| squared_error(&t[r * cols..(r + 1) * cols], row))
            })
            .collect()
    };
    if let Some(t) = target {
        assert_eq!(
            t.len(),
            acts.len(),
            "target and probabilities differ in shape"
        );
    }
    let errors: Vec<Vec<f64>> = match draw {
        Some(Draw { out, seed }) => {
            assert_eq!(
                out.len(),
                acts.len(),
                "draws and probabilities differ in shape"
            );
            acts.par_chunks_mut(block)
                .zip(out.par_chunks_mut(block))
                .enumerate()
                .map(|(b, (a, o))| rows(b, a, Some((o, seed))))
                .collect()
        }
        None => acts
            .par_chunks_mut(block)
            .enumerate()
            .map(|(b, a)| rows(b, a, None))
            .collect(),
    };
    errors.iter().flatten().sum()
}

/// Replaces every probability `p` in the row-major matrix `probs` (rows of `row_len`) by a
/// Bernoulli(`p`) draw, 1.0 or 0.0. Row `r` draws from its own counter-based stream keyed by
/// `(seed, r)`, so the result does not depend on the number of threads.
pub fn sample_in_place(probs: &mut [f32], row_len: usize, seed: u64) {
    if row_len == 0 {
        return;
    }
    probs
        .par_chunks_mut(row_len * ROWS_PER_TASK)
        .enumerate()
        .for_each(|(b, block)| {
            let mut draws = vec![0.0f32; row_len];
            for (i, row) in block.chunks_mut(row_len).enumerate() {
                bernoulli_row(&mut draws, row, row_key(seed, b * ROWS_PER_TASK + i));
                row.copy_from_slice(&draws);
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
    use rand::RngExt;

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
