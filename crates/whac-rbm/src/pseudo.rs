//! The pseudo-log-likelihood as scikit-learn's `BernoulliRBM.score_samples` computes it.
//!
//! For each example one visible unit `i` is drawn uniformly and flipped (`ṽ`), and the example
//! scores `D · log σ(F(ṽ) − F(v))`: `D` times the log-probability of unit `i`'s value given the
//! others — a one-sample stochastic estimate of the pseudo-log-likelihood `Σ_i log p(v_i | v_−i)`.
//! It needs no log Z, so it is cheap, but it is not the log-likelihood; it is reported beside it
//! only for comparison with scikit-learn.

use rand::RngExt;

use crate::gibbs::{Params, row_rng};
use crate::model::softplus;

/// Mean over the rows of `data` (`n × D`, binary) of `D · log σ(F(ṽ) − F(v))`, where row `r`
/// flips the unit drawn from a generator seeded by `(seed, r)`.
pub fn pseudo_log_likelihood(params: &Params, data: &[f32], seed: u64) -> f64 {
    let d = params.visible();
    assert!(
        d > 0 && !data.is_empty() && data.len().is_multiple_of(d),
        "data of {} values are not rows of {d}",
        data.len()
    );
    let n = data.len() / d;
    let flips: Vec<usize> = (0..n)
        .map(|r| row_rng(seed, r).random_range(0..d))
        .collect();
    pseudo_log_likelihood_at(params, data, &flips)
}

/// [`pseudo_log_likelihood`] with the flipped unit of each row given.
pub(crate) fn pseudo_log_likelihood_at(params: &Params, data: &[f32], flips: &[usize]) -> f64 {
    let d = params.visible();
    let n = flips.len();
    let mut flipped = data.to_vec();
    for (r, &i) in flips.iter().enumerate() {
        flipped[r * d + i] = 1.0 - flipped[r * d + i];
    }
    let f = free_energies(params, data, n);
    let g = free_energies(params, &flipped, n);
    // D · log σ(g − f) = −D · softplus(f − g).
    let total: f64 = f.iter().zip(&g).map(|(a, b)| -softplus(a - b)).sum();
    d as f64 * total / n as f64
}

/// `F(v) = −vᵀb − Σ_j softplus(vᵀW·j + c_j)` of each row, from one gemm.
fn free_energies(params: &Params, v: &[f32], n: usize) -> Vec<f64> {
    let (d, j) = (params.visible(), params.hidden());
    let a = params.mul_w(v, n);
    (0..n)
        .map(|r| {
            let vb: f64 = v[r * d..(r + 1) * d]
                .iter()
                .zip(&params.b)
                .map(|(&x, &b)| (x * b) as f64)
                .sum();
            let sp: f64 = a[r * j..(r + 1) * j]
                .iter()
                .zip(&params.c)
                .map(|(&x, &c)| softplus(x as f64 + c as f64))
                .sum();
            -vb - sp
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Rbm, exact_log_z, mean_log_likelihood};

    fn model(d: usize, j: usize) -> Rbm {
        Rbm::new(
            (0..d * j).map(|i| (i as f64 * 0.73).sin()).collect(),
            (0..d).map(|i| (i as f64 * 1.3).cos() * 0.5).collect(),
            (0..j).map(|i| (i as f64 * 0.4).sin()).collect(),
        )
    }

    /// With one visible unit, `p(v_1 | v_−1) = p(v)`: the pseudo-log-likelihood is the exact
    /// log-likelihood.
    #[test]
    fn one_visible_unit_gives_the_exact_log_likelihood() {
        let rbm = model(1, 4);
        let params = Params::from_rbm(&rbm);
        let rbm = params.to_rbm();
        let log_z = exact_log_z(&rbm).unwrap();
        for v in [[0.0f32], [1.0]] {
            let pl = pseudo_log_likelihood(&params, &v, 3);
            let ll = mean_log_likelihood(&rbm, &v, log_z);
            assert!((pl - ll).abs() < 1e-6, "{pl} vs {ll}");
        }
    }

    /// Against `D · log p(v_i | v_−i)` from the exact joint distribution, by enumeration.
    #[test]
    fn matches_the_conditional_of_the_exact_distribution() {
        let d = 5;
        let params = Params::from_rbm(&model(d, 3));
        let rbm = params.to_rbm();
        let log_z = exact_log_z(&rbm).unwrap();
        let log_p = |v: &[f32]| mean_log_likelihood(&rbm, v, log_z);
        let data: Vec<f32> = (0..4 * d)
            .map(|k| ((k * 7) % 3 == 0) as u8 as f32)
            .collect();
        let flips = [0, 3, 4, 2];
        let want: f64 = data
            .chunks(d)
            .zip(flips)
            .map(|(v, i)| {
                let mut other = v.to_vec();
                other[i] = 1.0 - other[i];
                let (a, b) = (log_p(v), log_p(&other));
                d as f64 * (a - (a.exp() + b.exp()).ln())
            })
            .sum::<f64>()
            / 4.0;
        let got = pseudo_log_likelihood_at(&params, &data, &flips);
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
}
