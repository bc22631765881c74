//! Annealed importance sampling of log Z (Salakhutdinov & Murray 2008, "On the quantitative
//! analysis of deep belief networks", ICML), and its reverse (Burda, Grosse & Salakhutdinov 2015,
//! "Accurate and conservative estimates of MRF log-likelihood using reverse annealing", AISTATS).
//!
//! The path runs from a base-rate model A (`W = 0`, `c = 0`, visible biases `b_A` from the data)
//! to the RBM B through the unnormalised marginals
//!
//! ```text
//! log p*_β(v) = (1 − β) b_Aᵀv + β bᵀv + Σ_j softplus(β (vᵀW·j + c_j)),
//! ```
//!
//! so `Z_0 = 2^J Π_i (1 + e^{b_A,i})` and `Z_1 = Z`. Each transition is one Gibbs sweep that
//! leaves `p_β` invariant: `h ~ σ(β(vᵀW + c))`, `v ~ σ((1 − β) b_A + β(b + Wh))`.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::gibbs::{Params, sample_in_place, sigmoid};
use crate::model::softplus;
use crate::{RbmError, log_sum_exp};

/// AIS settings. Defaults: Salakhutdinov & Murray's schedule (500 steps of β over [0, 0.5], 4000
/// over [0.5, 0.9], 10 000 over [0.9, 1]), 100 runs, reverse AIS from 1000 Gibbs sweeps of the
/// model started at training images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AisConfig {
    /// Independent runs R.
    pub runs: usize,
    /// Segments `(end β, steps)`: β goes from the previous end (0 at first) to `end` in `steps`
    /// equal steps. The last end must be 1.
    pub schedule: Vec<(f64, usize)>,
    /// Also run reverse AIS.
    pub reverse: bool,
    /// Gibbs sweeps of the model (β = 1) that produce reverse AIS's starting states.
    pub reverse_burn_in: usize,
    /// Seed of every draw.
    pub seed: u64,
}

impl Default for AisConfig {
    fn default() -> Self {
        Self {
            runs: 100,
            schedule: vec![(0.5, 500), (0.9, 4000), (1.0, 10_000)],
            reverse: true,
            reverse_burn_in: 1000,
            seed: 0,
        }
    }
}

impl AisConfig {
    /// The inverse temperatures `β_0 = 0 < β_1 < … < β_K = 1`.
    ///
    /// # Errors
    /// [`RbmError::Config`] when `runs` is 0 or the schedule is empty, not increasing, has a
    /// segment of 0 steps, or does not end at 1.
    pub fn betas(&self) -> Result<Vec<f64>, RbmError> {
        if self.runs == 0 {
            return Err(RbmError::config("ais_runs", 0, "at least 1"));
        }
        let expected =
            "segments (end, steps) with increasing ends in (0, 1], steps ≥ 1, last end 1";
        let bad = || RbmError::config("ais_schedule", format!("{:?}", self.schedule), expected);
        let mut betas = vec![0.0];
        let mut from = 0.0;
        for &(end, steps) in &self.schedule {
            if !(end > from && end <= 1.0) || steps == 0 {
                return Err(bad());
            }
            for s in 1..=steps {
                betas.push(from + (end - from) * s as f64 / steps as f64);
            }
            from = end;
        }
        if from != 1.0 {
            return Err(bad());
        }
        Ok(betas)
    }
}

/// An estimate of log Z from R importance weights.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogZEstimate {
    /// The estimate of log Z.
    pub log_z: f64,
    /// Its standard error (delta method: `sd(w) / (mean(w) √R)`).
    pub stderr: f64,
    /// Runs R.
    pub runs: usize,
    /// Intermediate distributions K.
    pub steps: usize,
}

/// Forward AIS and, when configured, reverse AIS.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AisReport {
    /// Forward AIS from the base-rate model: in expectation a lower bound on log Z (so the
    /// log-likelihood it gives tends to be optimistic).
    pub forward: LogZEstimate,
    /// Reverse AIS from the model's Gibbs samples: in expectation an upper bound when the start
    /// states are exact samples (a conservative log-likelihood).
    pub reverse: Option<LogZEstimate>,
}

/// Runs AIS for `params` with base-rate visible biases `base_b` (D), e.g.
/// [`crate::base_rate_biases`] of the training data's means. Reverse AIS starts its chains at
/// `start` (rows of D: training images, chosen by the caller) and runs `reverse_burn_in` Gibbs
/// sweeps of the model first.
///
/// # Errors
/// [`RbmError::Config`] for a bad schedule or run count; [`RbmError::Data`] when `base_b` or
/// `start` do not have D columns or `start` is empty while reverse AIS is asked for.
pub fn ais(
    params: &Params,
    base_b: &[f64],
    start: &[f32],
    config: &AisConfig,
) -> Result<AisReport, RbmError> {
    let betas = config.betas()?;
    let d = params.visible();
    if base_b.len() != d {
        return Err(RbmError::Data(format!(
            "base-rate biases have {} values, the model {d} visible units",
            base_b.len()
        )));
    }
    let r = config.runs;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let path = Path::new(params, base_b);

    // Forward: v ~ base model, then transitions T_1 … T_{K−1}.
    let mut v: Vec<f32> = base_b
        .iter()
        .map(|&b| sigmoid(b as f32))
        .cycle()
        .take(r * d)
        .collect();
    sample_in_place(&mut v, d, rng.next_u64());
    let mut log_w = vec![0.0f64; r];
    let k_last = betas.len() - 1;
    for k in 1..=k_last {
        let pre = params.mul_w(&v, r); // r × J
        path.add_log_ratio(&mut log_w, &v, &pre, betas[k], betas[k - 1]);
        if k < k_last {
            path.transition(&mut v, pre, betas[k], rng.next_u64());
        }
    }
    let forward = estimate(path.log_z0, &log_w, k_last, 1.0);

    let reverse = if config.reverse {
        if start.is_empty() || !start.len().is_multiple_of(d) {
            return Err(RbmError::Data(
                "reverse AIS needs starting images with the model's visible units".into(),
            ));
        }
        // Start states: R rows of `start` (cycled), then burn-in sweeps of the model.
        let mut v: Vec<f32> = start.iter().copied().cycle().take(r * d).collect();
        params.gibbs(&mut v, r, config.reverse_burn_in, &mut rng);
        let mut log_w = vec![0.0f64; r];
        for k in (1..=k_last).rev() {
            let pre = params.mul_w(&v, r);
            path.add_log_ratio(&mut log_w, &v, &pre, betas[k - 1], betas[k]);
            if k > 1 {
                path.transition(&mut v, pre, betas[k - 1], rng.next_u64());
            }
        }
        // E[w] = Z_0 / Z_K, so log Z = log Z_0 − log mean w.
        Some(estimate(path.log_z0, &log_w, k_last, -1.0))
    } else {
        None
    };
    Ok(AisReport { forward, reverse })
}

/// The annealing path between the base-rate model and the RBM.
struct Path<'a> {
    params: &'a Params,
    base_b: Vec<f32>,
    log_z0: f64,
}

impl<'a> Path<'a> {
    fn new(params: &'a Params, base_b: &[f64]) -> Self {
        let log_z0 = params.hidden() as f64 * std::f64::consts::LN_2
            + base_b.iter().map(|&b| softplus(b)).sum::<f64>();
        Self {
            params,
            base_b: base_b.iter().map(|&b| b as f32).collect(),
            log_z0,
        }
    }

    /// `log_w[r] += log p*_{to}(v_r) − log p*_{from}(v_r)`, with `pre = vW` (R × J).
    fn add_log_ratio(&self, log_w: &mut [f64], v: &[f32], pre: &[f32], to: f64, from: f64) {
        let (d, j) = (self.params.visible(), self.params.hidden());
        let c = &self.params.c;
        log_w.par_iter_mut().enumerate().for_each(|(r, lw)| {
            let row = &v[r * d..(r + 1) * d];
            let (mut ba, mut bb) = (0.0f64, 0.0f64);
            for ((&x, &a), &b) in row.iter().zip(&self.base_b).zip(&self.params.b) {
                ba += (x * a) as f64;
                bb += (x * b) as f64;
            }
            let mut hid = 0.0;
            for (&p, &cj) in pre[r * j..(r + 1) * j].iter().zip(c) {
                let a = (p + cj) as f64;
                hid += softplus(to * a) - softplus(from * a);
            }
            *lw += (from - to) * ba + (to - from) * bb + hid;
        });
    }

    /// One Gibbs sweep at inverse temperature `beta`; `pre = vW` (R × J) is consumed.
    fn transition(&self, v: &mut [f32], mut pre: Vec<f32>, beta: f64, seed: u64) {
        let (d, j) = (self.params.visible(), self.params.hidden());
        let n = v.len() / d;
        let beta = beta as f32;
        for row in pre.chunks_mut(j) {
            for (x, &cj) in row.iter_mut().zip(&self.params.c) {
                *x = sigmoid(beta * (*x + cj));
            }
        }
        let mut seeds = Xoshiro256PlusPlus::seed_from_u64(seed);
        sample_in_place(&mut pre, j, seeds.next_u64());
        let mut pv = self.params.mul_wt(&pre, n); // R × D
        for row in pv.chunks_mut(d) {
            for ((x, &a), &b) in row.iter_mut().zip(&self.base_b).zip(&self.params.b) {
                *x = sigmoid((1.0 - beta) * a + beta * (b + *x));
            }
        }
        sample_in_place(&mut pv, d, seeds.next_u64());
        v.copy_from_slice(&pv);
    }
}

/// `log Z_0 + sign · log mean exp(log_w)`, with the delta-method standard error.
fn estimate(log_z0: f64, log_w: &[f64], steps: usize, sign: f64) -> LogZEstimate {
    let r = log_w.len() as f64;
    let log_mean = log_sum_exp(log_w) - r.ln();
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|x| (x - max).exp()).collect();
    let mean = w.iter().sum::<f64>() / r;
    let var = if w.len() > 1 {
        w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1.0)
    } else {
        0.0
    };
    LogZEstimate {
        log_z: log_z0 + sign * log_mean,
        stderr: var.sqrt() / (mean * r.sqrt()),
        runs: log_w.len(),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Rbm, exact_log_z};
    use rand::RngExt;

    fn random_rbm(d: usize, j: usize, scale: f64, seed: u64) -> Rbm {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut next = |s: f64| (rng.random::<f64>() - 0.5) * 2.0 * s;
        let w = (0..d * j).map(|_| next(scale)).collect();
        let b = (0..d).map(|_| next(1.0)).collect();
        let c = (0..j).map(|_| next(1.0)).collect();
        Rbm::new(w, b, c)
    }

    /// A schedule with `k` steps, quick enough for a test.
    fn short(runs: usize, k: usize, seed: u64) -> AisConfig {
        AisConfig {
            runs,
            schedule: vec![(0.5, k / 10), (1.0, k - k / 10)],
            reverse: true,
            reverse_burn_in: 200,
            seed,
        }
    }

    #[test]
    fn default_schedule_is_salakhutdinov_and_murrays() {
        let b = AisConfig::default().betas().unwrap();
        assert_eq!(b.len(), 14_501);
        assert_eq!(b[0], 0.0);
        assert!((b[500] - 0.5).abs() < 1e-12 && (b[4500] - 0.9).abs() < 1e-12);
        assert_eq!(*b.last().unwrap(), 1.0);
        assert!(b.windows(2).all(|w| w[1] > w[0]));
        let bad = AisConfig {
            schedule: vec![(0.5, 10), (0.9, 10)],
            ..Default::default()
        };
        assert!(bad.betas().is_err());
    }

    /// With a zero RBM the base-rate path is exact: every weight is 1 when b_A = b.
    #[test]
    fn base_rate_model_gives_exact_log_z() {
        let d = 10;
        let b: Vec<f64> = (0..d).map(|i| i as f64 / 5.0 - 1.0).collect();
        let rbm = Rbm::new(vec![0.0; d * 6], b.clone(), vec![0.0; 6]);
        let report = ais(&Params::from_rbm(&rbm), &b, &[0.0; 10], &short(10, 50, 1)).unwrap();
        let exact = exact_log_z(&rbm).unwrap();
        assert!(
            (report.forward.log_z - exact).abs() < 1e-4,
            "{report:?} vs {exact}"
        );
        assert!(report.forward.stderr < 1e-6);
    }

    /// AIS and reverse AIS land within 3 standard errors of exact log Z for a random RBM with
    /// J = 14 hidden units (D = 24), 200 runs × 1000 intermediate distributions.
    #[test]
    fn ais_is_within_three_standard_errors_of_exact_log_z() {
        let rbm = random_rbm(24, 14, 0.6, 3);
        let exact = exact_log_z(&rbm).unwrap();
        let params = Params::from_rbm(&rbm);
        // Base rate from the model's own samples, as the data would give for a trained model.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let mut v = vec![0.0f32; 500 * 24];
        params.gibbs(&mut v, 500, 200, &mut rng);
        let means = crate::binarize::column_means(&v, 24);
        let base = crate::base_rate_biases(&means);
        let report = ais(&params, &base, &v, &short(200, 1000, 5)).unwrap();
        let f = &report.forward;
        assert!(
            (f.log_z - exact).abs() < 3.0 * f.stderr + 1e-3,
            "AIS {} ± {} vs exact {exact}",
            f.log_z,
            f.stderr
        );
        assert!(
            f.stderr < 0.1,
            "stderr {} too large to mean anything",
            f.stderr
        );
        let rev = report.reverse.unwrap();
        assert!(
            (rev.log_z - exact).abs() < 3.0 * rev.stderr + 1e-3,
            "reverse AIS {} ± {} vs exact {exact}",
            rev.log_z,
            rev.stderr
        );
        // A wrong log Z_0 (base hidden units forgotten) is caught by the same check.
        let wrong = f.log_z - 14.0 * std::f64::consts::LN_2;
        assert!((wrong - exact).abs() > 3.0 * f.stderr + 1e-3);
    }
}
