//! CD-k, PCD and parallel-tempering training: one update ([`update`]) and the loop over epochs
//! ([`train`]), with a learning-rate schedule.
//!
//! The update is plain gradient ascent on the log-likelihood with momentum and L2 weight decay.
//! Positive phase: the mini-batch `V` and `P(h | V)`. Negative phase: Gibbs samples `Ṽ` (chains
//! started at the data for CD-k, persistent for PCD) and `P(h | Ṽ)`.
//!
//! Centring (Melchior, Fischer & Wiskott 2016, JMLR 17, Algorithm 1) uses offsets `μ` (visible:
//! the data mean) and `λ` (hidden: a running mean of `P(h | V)`):
//!
//! ```text
//! ∇W = ⟨(v − μ)(h − λ)ᵀ⟩_data − ⟨(v − μ)(h − λ)ᵀ⟩_model,  ∇b = ⟨v⟩_d − ⟨v⟩_m,  ∇c = ⟨h⟩_d − ⟨h⟩_m
//! ```
//!
//! These are steps on the centred biases `b′ = b + Wλ`, `c′ = c + Wᵀμ`; we keep the ordinary
//! parameters `(W, b, c)` of `E = −vᵀb − cᵀh − vᵀWh`, so a step `ΔW, Δb′, Δc′` becomes
//! `W += ΔW, b += Δb′ − ΔW λ, c += Δc′ − ΔWᵀ μ`. Moving an offset changes the centred biases but
//! not the ordinary parameters, so the offsets' running means need no reparameterisation here.
//! With `μ = λ = 0` this is the plain update.

use std::time::Instant;

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::binarize::{base_rate_biases, column_means};
use crate::gibbs::{Draw, Params, conditional};
use crate::pseudo::pseudo_log_likelihood;
use crate::sparse::{Ones, Term, Tiled, scaled_products};
use crate::tempering::TemperedChains;
use crate::{Algorithm, RbmError, RbmTrainConfig};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::OnceCell;
use whac_eval::matmul::{MatRef, matmul_scaled};

/// Offsets of the centred parameterisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Offsets {
    /// Visible offset `μ` (D): the training data's mean.
    pub visible: Vec<f32>,
    /// Hidden offset `λ` (J): running mean of `P(h | data)`, starting at 0.5.
    pub hidden: Vec<f32>,
}

/// Everything an update changes: the parameters, the momentum buffers, the centring offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState {
    /// The model.
    pub params: Params,
    /// Momentum buffers (same shapes as `params`), in centred coordinates when centring.
    pub velocity: Params,
    /// Centring offsets, `None` for the plain gradient.
    pub offsets: Option<Offsets>,
}

/// Persistent Gibbs chains of PCD: visible states, `n × D`, binary. Explicit state, carried from
/// update to update by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct PersistentChains {
    /// Visible states, row-major `n × D`.
    pub v: Vec<f32>,
    /// Number of chains.
    pub n: usize,
}

/// Where the negative phase's samples come from.
pub enum Negative<'a> {
    /// CD: chains start at the mini-batch.
    FromData,
    /// PCD: these chains, advanced in place.
    Persistent(&'a mut PersistentChains),
    /// Parallel tempering: these chain sets, advanced and swapped in place; the `β = 1` chains
    /// are the samples.
    Tempered(&'a mut TemperedChains),
}

/// What one update measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Mean over pixels and examples of `(v − P(v | h))²`, `h ~ P(h | v)` for the mini-batch.
    pub reconstruction_error: f64,
}

/// One epoch's line of progress.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean of [`StepStats::reconstruction_error`] over the epoch's updates.
    pub reconstruction_error: f64,
    /// scikit-learn's pseudo-log-likelihood ([`crate::pseudo_log_likelihood`]) of the first
    /// (up to) 1000 training images at the end of the epoch.
    pub pseudo_log_likelihood: f64,
    /// The learning rate of the epoch's last update.
    pub learning_rate: f64,
    /// Parallel tempering: accepted / proposed swaps of each neighbouring pair of temperatures
    /// over the epoch (K − 1 values); empty otherwise.
    pub swap_acceptance: Vec<f64>,
    /// Wall time of the epoch.
    pub seconds: f64,
}

/// What a caller sees of a training run. `on_step` defaults to nothing; any
/// `FnMut(&EpochReport)` is an observer of epochs.
pub trait TrainObserver {
    /// After update `step` (1-based) of `total`.
    fn on_step(&mut self, _step: usize, _total: usize, _stats: &StepStats) {}
    /// After each epoch.
    fn on_epoch(&mut self, report: &EpochReport);
}

impl<F: FnMut(&EpochReport)> TrainObserver for F {
    fn on_epoch(&mut self, report: &EpochReport) {
        self(report)
    }
}

/// A finished training run.
#[derive(Clone, Debug)]
pub struct Trained {
    /// Final parameters and optimiser state.
    pub state: TrainState,
    /// PCD's persistent chains, or parallel tempering's `β = 1` chains (samples of the model);
    /// `None` for CD.
    pub chains: Option<PersistentChains>,
}

impl TrainState {
    /// Hinton's practical-guide initialisation (2010, §8): `W ~ N(0, init_std²)`, visible biases
    /// `log(p / (1 − p))` of the data means `p` (clipped to `[10⁻³, 1 − 10⁻³]`), hidden biases 0;
    /// zero momentum; offsets `μ = p`, `λ = 0.5` when `config.centered`.
    ///
    /// # Shapes
    /// `data`: `n × d`, binary.
    pub fn init(config: &RbmTrainConfig, data: &[f32], d: usize, rng: &mut impl Rng) -> Self {
        let j = config.hidden;
        let normal = Normal::new(0.0f64, config.init_std).expect("init_std is checked ≥ 0");
        let w = (0..d * j).map(|_| normal.sample(rng) as f32).collect();
        let means = column_means(data, d);
        let b = base_rate_biases(&means).iter().map(|&x| x as f32).collect();
        let params = Params {
            w,
            b,
            c: vec![0.0; j],
        };
        let velocity = Params {
            w: vec![0.0; d * j],
            b: vec![0.0; d],
            c: vec![0.0; j],
        };
        let offsets = config.centered.then(|| Offsets {
            visible: means.iter().map(|&x| x as f32).collect(),
            hidden: vec![0.5; j],
        });
        Self {
            params,
            velocity,
            offsets,
        }
    }
}

/// One gradient step on the mini-batch `batch` (`n × D`, binary) with `config`'s learning rate,
/// momentum, weight decay, `k` and centring rate. Seeds for the Gibbs draws come from `rng`.
///
/// The step is written for speed, since it is what `whac rbm train` spends its time in: each
/// conditional is one product (sums of rows of `W` for sparse binary visible states, see
/// [`crate::sparse`], else a gemm) followed by one fused pass (bias, sigmoid, Bernoulli draws
/// and, for `P(v | h)`, the reconstruction error), and the weight step accumulates straight into
/// the momentum buffer, `v_W = m·v_W + (η/n)·Vᵀ P₀ − (η/m)·ṼᵀP̃`, with no gradient matrix and
/// no centred copies of the states on the sparse path. `cd_update_matches_naive_loops` and
/// `pcd_update_matches_naive_loops` check both paths against the definition written as loops.
pub fn update(
    state: &mut TrainState,
    config: &RbmTrainConfig,
    batch: &[f32],
    n: usize,
    negative: Negative<'_>,
    rng: &mut impl Rng,
) -> StepStats {
    let p = &state.params;
    let (d, j) = (p.visible(), p.hidden());
    assert_eq!(
        batch.len(),
        n * d,
        "batch has {} values, expected {n} × {d}",
        batch.len()
    );
    let k = config.algorithm.k();

    // Positive phase: ph0 = P(h | V) (n × J) and h ~ ph0.
    let ones0 = Ones::of(batch, d);
    let w_tiled = OnceCell::new();
    let mut ph0 = p.mul_w_ones(batch, n, ones0.as_ref(), &w_tiled);
    let mut h = vec![0.0f32; n * j];
    conditional(&mut ph0, &p.c, 1.0, draw(&mut h, rng), None);
    // P(v | h) (n × D): the reconstruction, and for CD the first step of the chains.
    let mut pv = p.mul_wt(&h, n);

    // Negative phase: vn (m × D, binary), phn = P(h | vn) (m × J), and the reconstruction's
    // squared error against the batch.
    type NegativePhase<'a> = (Cow<'a, [f32]>, Option<Ones>, Vec<f32>, usize, f64);
    let (vn, onesn, phn, m, squared_error): NegativePhase<'_> = match negative {
        Negative::FromData => {
            let mut vn = vec![0.0f32; n * d];
            let error = conditional(&mut pv, &p.b, 1.0, draw(&mut vn, rng), Some(batch));
            let mut ones = Ones::of(&vn, d);
            let mut phn = p.mul_w_ones(&vn, n, ones.as_ref(), &w_tiled);
            for _ in 1..k {
                conditional(&mut phn, &p.c, 1.0, draw(&mut h, rng), None);
                pv = p.mul_wt(&h, n);
                conditional(&mut pv, &p.b, 1.0, draw(&mut vn, rng), None);
                ones = Ones::of(&vn, d);
                phn = p.mul_w_ones(&vn, n, ones.as_ref(), &w_tiled);
            }
            conditional(&mut phn, &p.c, 1.0, None, None);
            (Cow::Owned(vn), ones, phn, n, error)
        }
        Negative::Persistent(chains) => {
            let error = conditional(&mut pv, &p.b, 1.0, None, Some(batch));
            let m = chains.n;
            assert_eq!(chains.v.len(), m * d, "chains are not {m} × {d}");
            p.gibbs(&mut chains.v, m, k, rng);
            let chains: &PersistentChains = chains;
            let ones = Ones::of(&chains.v, d);
            let mut phn = p.mul_w_ones(&chains.v, m, ones.as_ref(), &w_tiled);
            conditional(&mut phn, &p.c, 1.0, None, None);
            (Cow::Borrowed(&chains.v[..]), ones, phn, m, error)
        }
        Negative::Tempered(chains) => {
            let error = conditional(&mut pv, &p.b, 1.0, None, Some(batch));
            let m = chains.n;
            chains.advance(p, k, rng);
            let chains: &TemperedChains = chains;
            let v = chains.model_chains();
            let ones = Ones::of(v, d);
            let mut phn = p.mul_w_ones(v, m, ones.as_ref(), &w_tiled);
            conditional(&mut phn, &p.c, 1.0, None, None);
            (Cow::Borrowed(v), ones, phn, m, error)
        }
    };
    let reconstruction_error = squared_error / (n * d) as f64;

    // Centring: the hidden offset follows the data-driven hidden means.
    let mean_ph0 = mean_rows(&ph0, j);
    if let Some(off) = &mut state.offsets {
        let rate = config.hidden_offset_rate as f32;
        for (l, mh) in off.hidden.iter_mut().zip(&mean_ph0) {
            *l = (1.0 - rate) * *l + rate * mh;
        }
    }
    let mean_phn = mean_rows(&phn, j);
    let grad_b: Vec<f32> = mean_rows(batch, d)
        .iter()
        .zip(mean_rows(&vn, d))
        .map(|(a, b)| a - b)
        .collect();
    let grad_c: Vec<f32> = mean_ph0.iter().zip(&mean_phn).map(|(a, b)| a - b).collect();

    let (lr, mom, wd) = (
        config.learning_rate as f32,
        config.momentum as f32,
        config.weight_decay as f32,
    );
    let TrainState {
        params,
        velocity,
        offsets,
    } = state;
    let offsets = offsets.as_ref().map(|o| (&o.visible[..], &o.hidden[..]));

    // v_W = m·v_W + η((V − μ)ᵀ(P₀ − λ)/n − (Ṽ − μ)ᵀ(P̃ − λ)/m − wd·W), D × J: sums of rows of
    // P₀ and P̃ when both state matrices are sparse and binary, else two gemms, into the
    // momentum buffer; then one pass for the decay and W += v_W.
    let alpha = (mom != 0.0).then_some(mom);
    if let (Some(ones0), Some(onesn)) = (&ones0, &onesn) {
        let (t0, tn) = (ones0.transpose(), onesn.transpose());
        let (ph0, phn) = (Tiled::new(&ph0, j), Tiled::new(&phn, j));
        let terms = [
            Term {
                ones_t: &t0,
                p: &ph0,
                beta: lr / n as f32,
            },
            Term {
                ones_t: &tn,
                p: &phn,
                beta: -lr / m as f32,
            },
        ];
        scaled_products(&mut velocity.w, j, alpha, &terms, offsets);
    } else {
        dense_products(
            &mut velocity.w,
            (d, j),
            alpha,
            [(batch, &ph0, n), (&vn, &phn, m)],
            lr,
            offsets,
        );
    }
    let step = lr * wd;
    params
        .w
        .par_chunks_mut(4096)
        .zip(velocity.w.par_chunks_mut(4096))
        .for_each(|(w, vw)| {
            for (w, vw) in w.iter_mut().zip(vw.iter_mut()) {
                *vw -= step * *w;
                *w += *vw;
            }
        });
    for ((pb, vb), g) in params.b.iter_mut().zip(&mut velocity.b).zip(&grad_b) {
        *vb = mom * *vb + lr * g;
        *pb += *vb;
    }
    for ((pc, vc), g) in params.c.iter_mut().zip(&mut velocity.c).zip(&grad_c) {
        *vc = mom * *vc + lr * g;
        *pc += *vc;
    }
    if let Some((mu, lambda)) = offsets {
        // b −= ΔW λ, c −= ΔWᵀ μ.
        for i in 0..d {
            let row = &velocity.w[i * j..(i + 1) * j];
            params.b[i] -= row.iter().zip(lambda).map(|(a, l)| a * l).sum::<f32>();
            for (pc, a) in params.c.iter_mut().zip(row) {
                *pc -= a * mu[i];
            }
        }
    }
    StepStats {
        reconstruction_error,
    }
}

/// The dense form of [`scaled_products`]: `dst = α·dst + η((V − μ)ᵀ(P₀ − λ)/n − (Ṽ − μ)ᵀ(P̃ − λ)/m)`
/// as two gemms, with centred copies of the four matrices when `offsets` is `Some((μ, λ))`.
///
/// # Shapes
/// `dst`: `D × J`; `states[t] = (X, P, rows)` with `X`: `rows × D`, `P`: `rows × J`.
fn dense_products(
    dst: &mut [f32],
    (d, j): (usize, usize),
    alpha: Option<f32>,
    states: [(&[f32], &[f32], usize); 2],
    lr: f32,
    offsets: Option<(&[f32], &[f32])>,
) {
    let centred = |x: &[f32], off: &[f32]| -> Vec<f32> {
        let mut out = Vec::with_capacity(x.len());
        for row in x.chunks(off.len()) {
            out.extend(row.iter().zip(off).map(|(a, o)| a - o));
        }
        out
    };
    for (t, (x, p, rows)) in states.into_iter().enumerate() {
        let (x, p): (Cow<'_, [f32]>, Cow<'_, [f32]>) = match offsets {
            None => (Cow::Borrowed(x), Cow::Borrowed(p)),
            Some((mu, lambda)) => (Cow::Owned(centred(x, mu)), Cow::Owned(centred(p, lambda))),
        };
        let (alpha, sign) = if t == 0 {
            (alpha, 1.0)
        } else {
            (Some(1.0), -1.0)
        };
        matmul_scaled(
            dst,
            MatRef::row_major(&x, rows, d).t(),
            MatRef::row_major(&p, rows, j),
            alpha,
            sign * lr / rows as f32,
        );
    }
}

/// Bernoulli draws into `out` from the next seed of `rng` (see [`conditional`]).
fn draw<'a>(out: &'a mut [f32], rng: &mut impl Rng) -> Option<Draw<'a>> {
    Some(Draw {
        out,
        seed: rng.next_u64(),
    })
}

/// Column means of row-major `x` with rows of `cols`, as f32. Blocks of columns run in
/// parallel; each column is summed over the rows in order, so the result does not depend on the
/// number of threads.
fn mean_rows(x: &[f32], cols: usize) -> Vec<f32> {
    const COLS_PER_TASK: usize = 64;
    let n = x.len() / cols.max(1);
    let first_col = |t: usize| t * COLS_PER_TASK;
    let mut m = vec![0.0f32; cols];
    m.par_chunks_mut(COLS_PER_TASK)
        .enumerate()
        .for_each(|(t, out)| {
            let cols_here = first_col(t)..first_col(t) + out.len();
            for row in x.chunks(cols) {
                for (a, &b) in out.iter_mut().zip(&row[cols_here.clone()]) {
                    *a += b;
                }
            }
            out.iter_mut().for_each(|a| *a /= n.max(1) as f32);
        });
    m
}

/// Trains an RBM on binary `data` (`n × d`) for `config.epochs` passes over shuffled
/// mini-batches, telling `observer` after each update and epoch. PCD's `config.batch_size`
/// chains (and parallel tempering's, at every temperature) start at the first mini-batch of the
/// first shuffle. Update `t` of `T` uses the learning rate `η · schedule(t, T)`. Same config and
/// data give the same model.
///
/// # Errors
/// [`RbmError::Config`] from [`RbmTrainConfig::check`]; [`RbmError::Data`] for empty data, data
/// that are not whole rows of `d`, or values that are not finite.
pub fn train(
    config: &RbmTrainConfig,
    data: &[f32],
    d: usize,
    observer: &mut dyn TrainObserver,
) -> Result<Trained, RbmError> {
    config.check()?;
    if d == 0 || data.is_empty() || !data.len().is_multiple_of(d) {
        return Err(RbmError::Data(format!(
            "{} values are not a positive whole number of images of {d} pixels",
            data.len()
        )));
    }
    if let Some(x) = data.iter().find(|x| !x.is_finite()) {
        return Err(RbmError::Data(format!("pixel value {x} is not finite")));
    }
    let n = data.len() / d;
    let batch = config.batch_size.min(n);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let mut state = TrainState::init(config, data, d, &mut rng);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let first = gather(data, d, &order[..batch]);
    let mut chains = match config.algorithm {
        Algorithm::Cd { .. } => Chains::None,
        Algorithm::Pcd { .. } => Chains::Persistent(PersistentChains { v: first, n: batch }),
        Algorithm::Pt { temperatures, .. } => Chains::Tempered(TemperedChains::new(
            config.pt_ladder.betas(temperatures, config.pt_min_beta),
            &first,
            batch,
        )),
    };
    let monitor = &data[..n.min(1000) * d];
    let per_epoch = n.div_ceil(batch);
    let total = per_epoch * config.epochs;
    let mut step = 0usize;
    let mut step_config = config.clone();
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        order.shuffle(&mut rng);
        let mut err = 0.0;
        for idx in order.chunks(batch) {
            let x = gather(data, d, idx);
            let negative = match &mut chains {
                Chains::None => Negative::FromData,
                Chains::Persistent(c) => Negative::Persistent(c),
                Chains::Tempered(c) => Negative::Tempered(c),
            };
            step_config.learning_rate =
                config.learning_rate * config.lr_schedule.factor(step, total);
            let stats = update(&mut state, &step_config, &x, idx.len(), negative, &mut rng);
            err += stats.reconstruction_error;
            step += 1;
            observer.on_step(step, total, &stats);
        }
        let swap_acceptance = match &mut chains {
            Chains::Tempered(c) => {
                let rates = c.acceptance_rates();
                c.reset_statistics();
                rates
            }
            _ => Vec::new(),
        };
        let pseudo = pseudo_log_likelihood(&state.params, monitor, config.seed ^ epoch as u64);
        observer.on_epoch(&EpochReport {
            epoch,
            reconstruction_error: err / per_epoch as f64,
            pseudo_log_likelihood: pseudo,
            learning_rate: step_config.learning_rate,
            swap_acceptance,
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    let chains = match chains {
        Chains::None => None,
        Chains::Persistent(c) => Some(c),
        Chains::Tempered(c) => Some(PersistentChains {
            v: c.model_chains().to_vec(),
            n: c.n,
        }),
    };
    Ok(Trained { state, chains })
}

/// The negative phase's state across updates.
enum Chains {
    None,
    Persistent(PersistentChains),
    Tempered(TemperedChains),
}

/// Rows `idx` of row-major `data` (rows of `d`).
fn gather(data: &[f32], d: usize, idx: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(idx.len() * d);
    for &i in idx {
        out.extend_from_slice(&data[i * d..(i + 1) * d]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gibbs::sample_in_place;
    use rand::RngExt;

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// Bernoulli draws through the same seeded primitive as the library, so both see the same
    /// samples; everything else below is loops.
    fn draw(p: &[Vec<f64>], seed: u64) -> Vec<Vec<f64>> {
        let cols = p[0].len();
        let mut flat: Vec<f32> = p.iter().flatten().map(|&x| x as f32).collect();
        sample_in_place(&mut flat, cols, seed);
        flat.chunks(cols)
            .map(|r| r.iter().map(|&x| x as f64).collect())
            .collect()
    }

    struct Naive {
        w: Vec<Vec<f64>>, // D × J
        b: Vec<f64>,
        c: Vec<f64>,
        vw: Vec<Vec<f64>>,
        vb: Vec<f64>,
        vc: Vec<f64>,
        mu: Vec<f64>,
        lambda: Vec<f64>,
    }

    impl Naive {
        fn ph(&self, v: &[Vec<f64>]) -> Vec<Vec<f64>> {
            v.iter()
                .map(|row| {
                    (0..self.c.len())
                        .map(|j| {
                            sig(self.c[j]
                                + (0..row.len()).map(|i| row[i] * self.w[i][j]).sum::<f64>())
                        })
                        .collect()
                })
                .collect()
        }

        fn pv(&self, h: &[Vec<f64>]) -> Vec<Vec<f64>> {
            h.iter()
                .map(|row| {
                    (0..self.b.len())
                        .map(|i| {
                            sig(self.b[i]
                                + (0..row.len()).map(|j| row[j] * self.w[i][j]).sum::<f64>())
                        })
                        .collect()
                })
                .collect()
        }

        fn step(
            &mut self,
            cfg: &RbmTrainConfig,
            v: &[Vec<f64>],
            chains: Option<&mut Vec<Vec<f64>>>,
            rng: &mut impl Rng,
        ) {
            let (d, j, k) = (self.b.len(), self.c.len(), cfg.algorithm.k());
            let ph0 = self.ph(v);
            let h0 = draw(&ph0, rng.next_u64());
            let _pv0 = self.pv(&h0);
            let vn = match chains {
                None => {
                    let mut h = h0;
                    let mut vn = Vec::new();
                    for t in 0..k {
                        vn = draw(&self.pv(&h), rng.next_u64());
                        if t + 1 < k {
                            h = draw(&self.ph(&vn), rng.next_u64());
                        }
                    }
                    vn
                }
                Some(ch) => {
                    for _ in 0..k {
                        let h = draw(&self.ph(ch), rng.next_u64());
                        *ch = draw(&self.pv(&h), rng.next_u64());
                    }
                    ch.clone()
                }
            };
            let phn = self.ph(&vn);
            if cfg.centered {
                for jj in 0..j {
                    let m = ph0.iter().map(|r| r[jj]).sum::<f64>() / v.len() as f64;
                    self.lambda[jj] = (1.0 - cfg.hidden_offset_rate) * self.lambda[jj]
                        + cfg.hidden_offset_rate * m;
                }
            }
            let (n, m) = (v.len() as f64, vn.len() as f64);
            let (lr, mom, wd) = (cfg.learning_rate, cfg.momentum, cfg.weight_decay);
            for i in 0..d {
                for jj in 0..j {
                    let mut g = 0.0;
                    for r in 0..v.len() {
                        g += (v[r][i] - self.mu[i]) * (ph0[r][jj] - self.lambda[jj]) / n;
                    }
                    for r in 0..vn.len() {
                        g -= (vn[r][i] - self.mu[i]) * (phn[r][jj] - self.lambda[jj]) / m;
                    }
                    self.vw[i][jj] = mom * self.vw[i][jj] + lr * (g - wd * self.w[i][jj]);
                }
            }
            for i in 0..d {
                let g = v.iter().map(|r| r[i]).sum::<f64>() / n
                    - vn.iter().map(|r| r[i]).sum::<f64>() / m;
                self.vb[i] = mom * self.vb[i] + lr * g;
            }
            for jj in 0..j {
                let g = ph0.iter().map(|r| r[jj]).sum::<f64>() / n
                    - phn.iter().map(|r| r[jj]).sum::<f64>() / m;
                self.vc[jj] = mom * self.vc[jj] + lr * g;
            }
            for i in 0..d {
                for jj in 0..j {
                    self.w[i][jj] += self.vw[i][jj];
                }
                self.b[i] += self.vb[i]
                    - (0..j)
                        .map(|jj| self.vw[i][jj] * self.lambda[jj])
                        .sum::<f64>();
            }
            for jj in 0..j {
                self.c[jj] +=
                    self.vc[jj] - (0..d).map(|i| self.vw[i][jj] * self.mu[i]).sum::<f64>();
            }
        }
    }

    /// [`check_path_against_naive`] on the dense and on the sparse path.
    fn check_against_naive(cfg: &RbmTrainConfig) {
        for sparse in [false, true] {
            check_path_against_naive(cfg, sparse);
        }
    }

    /// Two updates of `cfg` against [`Naive`]; `sparse` takes 40 visible units at density 0.05
    /// and weights in ±0.3, so that data and samples take the sparse-binary products
    /// ([`crate::sparse`]), else 5 units at density 0.4 and weights in ±1 (dense gemms).
    fn check_path_against_naive(cfg: &RbmTrainConfig, sparse: bool) {
        let (d, density, scale) = if sparse {
            (40, 0.05, 0.3)
        } else {
            (5, 0.4, 1.0)
        };
        let (j, n) = (3, 4);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let data: Vec<f32> = (0..2 * n * d)
            .map(|_| {
                if rng.random::<f32>() < density {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        assert_eq!(Ones::of(&data, d).is_some(), sparse);
        let mut state = TrainState::init(cfg, &data, d, &mut rng);
        // Large weights so that samples and updates are far from trivial.
        state
            .params
            .w
            .iter_mut()
            .for_each(|w| *w = (rng.random::<f32>() * 2.0 - 1.0) * scale);
        state
            .params
            .c
            .iter_mut()
            .for_each(|c| *c = rng.random::<f32>() - 0.5);
        let rows = |x: &[f32]| -> Vec<Vec<f64>> {
            x.chunks(d)
                .map(|r| r.iter().map(|&v| v as f64).collect())
                .collect()
        };
        let p = &state.params;
        let off = state.offsets.clone();
        let mut naive = Naive {
            w: (0..d)
                .map(|i| (0..j).map(|jj| p.w[i * j + jj] as f64).collect())
                .collect(),
            b: p.b.iter().map(|&x| x as f64).collect(),
            c: p.c.iter().map(|&x| x as f64).collect(),
            vw: vec![vec![0.0; j]; d],
            vb: vec![0.0; d],
            vc: vec![0.0; j],
            mu: off.as_ref().map_or(vec![0.0; d], |o| {
                o.visible.iter().map(|&x| x as f64).collect()
            }),
            lambda: off.as_ref().map_or(vec![0.0; j], |o| {
                o.hidden.iter().map(|&x| x as f64).collect()
            }),
        };
        let pcd = matches!(cfg.algorithm, Algorithm::Pcd { .. });
        let mut chains = PersistentChains {
            v: data[..3 * d].to_vec(),
            n: 3,
        };
        let mut naive_chains = rows(&chains.v);
        let (mut r1, mut r2) = (
            Xoshiro256PlusPlus::seed_from_u64(9),
            Xoshiro256PlusPlus::seed_from_u64(9),
        );
        // Two updates on two mini-batches, so momentum matters.
        for batch in data.chunks(n * d) {
            let negative = if pcd {
                Negative::Persistent(&mut chains)
            } else {
                Negative::FromData
            };
            update(&mut state, cfg, batch, n, negative, &mut r1);
            naive.step(cfg, &rows(batch), pcd.then_some(&mut naive_chains), &mut r2);
        }
        let close = |a: f32, b: f64, what: &str| {
            assert!((a as f64 - b).abs() < 1e-5, "{what}: {a} vs naive {b}");
        };
        for i in 0..d {
            for jj in 0..j {
                close(state.params.w[i * j + jj], naive.w[i][jj], "W");
            }
            close(state.params.b[i], naive.b[i], "b");
        }
        for jj in 0..j {
            close(state.params.c[jj], naive.c[jj], "c");
        }
        if pcd {
            assert_eq!(rows(&chains.v), naive_chains);
            assert_eq!(Ones::of(&chains.v, d).is_some(), sparse);
        }
        // The update moved the parameters (the comparison is not vacuous).
        let moved = (state.params.b[0] as f64 - naive.b[0]).abs() < 1e-5
            && state.velocity.w.iter().any(|&v| v.abs() > 1e-4);
        assert!(moved);
    }

    #[test]
    fn cd_update_matches_naive_loops() {
        check_against_naive(&RbmTrainConfig {
            hidden: 3,
            algorithm: Algorithm::Cd { k: 2 },
            learning_rate: 0.1,
            momentum: 0.5,
            weight_decay: 0.01,
            ..Default::default()
        });
        check_against_naive(&RbmTrainConfig {
            hidden: 3,
            algorithm: Algorithm::Cd { k: 1 },
            learning_rate: 0.1,
            centered: true,
            hidden_offset_rate: 0.3,
            ..Default::default()
        });
    }

    #[test]
    fn pcd_update_matches_naive_loops() {
        check_against_naive(&RbmTrainConfig {
            hidden: 3,
            algorithm: Algorithm::Pcd { k: 2 },
            learning_rate: 0.1,
            momentum: 0.9,
            ..Default::default()
        });
        check_against_naive(&RbmTrainConfig {
            hidden: 3,
            algorithm: Algorithm::Pcd { k: 1 },
            learning_rate: 0.1,
            centered: true,
            hidden_offset_rate: 0.3,
            ..Default::default()
        });
    }

    /// Training on the embedded digits raises the exact test log-likelihood above the
    /// initialisation's by more than 3 nats (measured: −24.30 → −20.38 CD-1, −20.35 centred
    /// PCD-1), for CD-1 and centred PCD-1, and the same seed gives the same model.
    #[test]
    fn training_improves_the_log_likelihood_and_is_reproducible() {
        let split = whac_data::digits().unwrap();
        let d = split.train.dim();
        let bin = |s: &whac_data::ImageSet| {
            crate::binarize(&s.pixels, d, crate::Binarization::Threshold, 0)
        };
        let (train_x, test_x) = (bin(&split.train), bin(&split.test));
        for algorithm in [Algorithm::Cd { k: 1 }, Algorithm::Pcd { k: 1 }] {
            let cfg = RbmTrainConfig {
                hidden: 8,
                algorithm,
                learning_rate: 0.05,
                batch_size: 20,
                epochs: 30,
                centered: matches!(algorithm, Algorithm::Pcd { .. }),
                ..Default::default()
            };
            let ll = |p: &Params| {
                let rbm = p.to_rbm();
                crate::mean_log_likelihood(&rbm, &test_x, crate::exact_log_z(&rbm).unwrap())
            };
            let init =
                TrainState::init(&cfg, &train_x, d, &mut Xoshiro256PlusPlus::seed_from_u64(0));
            let mut errors = Vec::new();
            let trained = train(&cfg, &train_x, d, &mut |r: &EpochReport| {
                errors.push(r.reconstruction_error)
            })
            .unwrap();
            let (before, after) = (ll(&init.params), ll(&trained.state.params));
            assert!(
                after > before + 3.0,
                "{}: {before} → {after}",
                algorithm.label()
            );
            assert!(errors.last() < errors.first(), "{errors:?}");
            let again = train(&cfg, &train_x, d, &mut |_: &EpochReport| {}).unwrap();
            assert_eq!(again.state, trained.state);
        }
    }

    fn digits_binary() -> (Vec<f32>, usize) {
        let split = whac_data::digits().unwrap();
        let d = split.train.dim();
        let x = crate::binarize(&split.train.pixels, d, crate::Binarization::Threshold, 0);
        (x[..300 * d].to_vec(), d)
    }

    #[test]
    fn parallel_tempering_with_one_temperature_is_pcd() {
        let (x, d) = digits_binary();
        let base = RbmTrainConfig {
            hidden: 6,
            algorithm: Algorithm::Pcd { k: 2 },
            learning_rate: 0.05,
            momentum: 0.5,
            batch_size: 32,
            epochs: 2,
            ..Default::default()
        };
        let pt = RbmTrainConfig {
            algorithm: Algorithm::Pt {
                k: 2,
                temperatures: 1,
            },
            ..base.clone()
        };
        let mut reports = Vec::new();
        let a = train(&base, &x, d, &mut |_: &EpochReport| {}).unwrap();
        let b = train(&pt, &x, d, &mut |r: &EpochReport| reports.push(r.clone())).unwrap();
        assert_eq!(a.state, b.state);
        assert_eq!(a.chains, b.chains);
        assert!(reports.iter().all(|r| r.swap_acceptance.is_empty()));
        // More temperatures change the run and report K − 1 acceptance rates in [0, 1].
        let pt4 = RbmTrainConfig {
            algorithm: Algorithm::Pt {
                k: 2,
                temperatures: 4,
            },
            ..base.clone()
        };
        let mut rates = Vec::new();
        let c = train(&pt4, &x, d, &mut |r: &EpochReport| {
            rates.push(r.swap_acceptance.clone())
        })
        .unwrap();
        assert_ne!(c.state, a.state);
        for r in &rates {
            assert_eq!(r.len(), 3);
            assert!(r.iter().all(|a| (0.0..=1.0).contains(a)), "{r:?}");
        }
        assert!(rates.iter().flatten().any(|&a| a > 0.0), "{rates:?}");
    }

    /// The schedule reaches the updates: the last update's rate is `η (1 − (T − 1)/T)` for the
    /// linear schedule, and a different schedule gives a different model.
    #[test]
    fn learning_rate_schedule_reaches_the_updates() {
        let (x, d) = digits_binary();
        let cfg = |lr_schedule| RbmTrainConfig {
            hidden: 4,
            algorithm: Algorithm::Cd { k: 1 },
            learning_rate: 0.1,
            lr_schedule,
            batch_size: 100,
            epochs: 2,
            ..Default::default()
        };
        let mut last = Vec::new();
        let lin = train(
            &cfg(crate::LrSchedule::Linear),
            &x,
            d,
            &mut |r: &EpochReport| last.push(r.learning_rate),
        )
        .unwrap();
        // 300 images in batches of 100: T = 6 updates.
        assert!(
            (last[1] - 0.1 * (1.0 - 5.0 / 6.0)).abs() < 1e-12,
            "{last:?}"
        );
        assert!(
            (last[0] - 0.1 * (1.0 - 2.0 / 6.0)).abs() < 1e-12,
            "{last:?}"
        );
        let constant = train(
            &cfg(crate::LrSchedule::Constant),
            &x,
            d,
            &mut |_: &EpochReport| {},
        )
        .unwrap();
        assert_ne!(lin.state.params, constant.state.params);
    }
}
