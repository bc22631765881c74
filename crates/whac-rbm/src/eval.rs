//! Mean log-likelihood of binary data under an RBM given log Z.

use rayon::prelude::*;

use crate::Rbm;

/// `mean_n(−F(v_n)) − log Z` over the rows of `data` (`n × D`, binary), in nats.
///
/// # Shapes
/// `data`: `n × D` with `D = rbm.visible()`.
pub fn mean_log_likelihood(rbm: &Rbm, data: &[f32], log_z: f64) -> f64 {
    let d = rbm.visible();
    assert!(
        d > 0 && data.len().is_multiple_of(d) && !data.is_empty(),
        "data of {} values are not rows of {d}",
        data.len()
    );
    let n = data.len() / d;
    let total: f64 = data
        .par_chunks(d)
        .map(|row| {
            let v: Vec<f64> = row.iter().map(|&x| x as f64).collect();
            -rbm.free_energy(&v)
        })
        .sum();
    total / n as f64 - log_z
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact_log_z;

    /// Over all 2^D states, Σ p(v) = 1, so the log-likelihoods exponentiate and sum to 1.
    #[test]
    fn probabilities_of_all_states_sum_to_one() {
        let d = 5;
        let rbm = Rbm::new(
            (0..d * 3).map(|i| (i as f64 * 0.37).sin()).collect(),
            (0..d).map(|i| (i as f64 * 0.9).cos()).collect(),
            vec![0.3, -0.2, 0.1],
        );
        let log_z = exact_log_z(&rbm).unwrap();
        let total: f64 = (0..1u32 << d)
            .map(|s| {
                let v: Vec<f32> = (0..d).map(|i| ((s >> i) & 1) as f32).collect();
                mean_log_likelihood(&rbm, &v, log_z).exp()
            })
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}
