//! The exact log partition function, by enumerating the smaller layer.

use rayon::prelude::*;

use crate::Rbm;

/// `log Σ exp(xs)`, stable; `−∞` for an empty slice.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// Largest layer size [`exact_log_z`] enumerates (2²⁵ ≈ 3.4·10⁷ states).
pub const MAX_ENUMERATED_UNITS: usize = 25;

/// `log Z` summed exactly over the `2^min(D, J)` states of the smaller layer, the other layer
/// summed out analytically (free energy). Chunks of states run in parallel; each chunk is reduced
/// with a log-sum-exp, then the chunks are. Returns `None` when the smaller layer exceeds
/// [`MAX_ENUMERATED_UNITS`].
pub fn exact_log_z(rbm: &Rbm) -> Option<f64> {
    let (d, j) = (rbm.visible(), rbm.hidden());
    let units = d.min(j);
    if units > MAX_ENUMERATED_UNITS {
        return None;
    }
    let states: u64 = 1 << units;
    let chunk: u64 = 1 << units.min(12);
    let partial: Vec<f64> = (0..states.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut state = vec![0.0f64; units];
            let terms: Vec<f64> = (c * chunk..((c + 1) * chunk).min(states))
                .map(|s| {
                    for (k, x) in state.iter_mut().enumerate() {
                        *x = ((s >> k) & 1) as f64;
                    }
                    if j <= d {
                        -rbm.hidden_free_energy(&state)
                    } else {
                        -rbm.free_energy(&state)
                    }
                })
                .collect();
            log_sum_exp(&terms)
        })
        .collect();
    Some(log_sum_exp(&partial))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(d: usize, j: usize, seed: u64) -> Rbm {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0
        };
        let w = (0..d * j).map(|_| next()).collect();
        let b = (0..d).map(|_| next()).collect();
        let c = (0..j).map(|_| next()).collect();
        Rbm::new(w, b, c)
    }

    /// log Z by brute force over every joint (v, h) state.
    fn brute_force_log_z(rbm: &Rbm) -> f64 {
        let (d, j) = (rbm.visible(), rbm.hidden());
        let mut terms = Vec::new();
        for vs in 0..(1u32 << d) {
            let v: Vec<u8> = (0..d).map(|i| ((vs >> i) & 1) as u8).collect();
            for hs in 0..(1u32 << j) {
                let h: Vec<u8> = (0..j).map(|k| ((hs >> k) & 1) as u8).collect();
                terms.push(-rbm.energy(&v, &h));
            }
        }
        log_sum_exp(&terms)
    }

    #[test]
    fn exact_log_z_matches_brute_force_both_ways_round() {
        for (d, j, seed) in [(6, 5, 1), (5, 6, 2), (4, 4, 3), (1, 7, 4)] {
            let rbm = tiny(d, j, seed);
            let exact = exact_log_z(&rbm).unwrap();
            let brute = brute_force_log_z(&rbm);
            assert!((exact - brute).abs() < 1e-9, "{d}×{j}: {exact} vs {brute}");
        }
    }

    #[test]
    fn free_energy_sums_out_the_hidden_layer() {
        let rbm = tiny(4, 3, 9);
        for vs in 0..16u32 {
            let v8: Vec<u8> = (0..4).map(|i| ((vs >> i) & 1) as u8).collect();
            let v: Vec<f64> = v8.iter().map(|&x| x as f64).collect();
            let terms: Vec<f64> = (0..8u32)
                .map(|hs| {
                    let h: Vec<u8> = (0..3).map(|k| ((hs >> k) & 1) as u8).collect();
                    -rbm.energy(&v8, &h)
                })
                .collect();
            assert!((-rbm.free_energy(&v) - log_sum_exp(&terms)).abs() < 1e-12);
        }
    }

    #[test]
    fn zero_rbm_has_log_z_of_d_plus_j_ln_2() {
        let rbm = Rbm::new(vec![0.0; 20], vec![0.0; 4], vec![0.0; 5]);
        let expected = 9.0 * std::f64::consts::LN_2;
        assert!((exact_log_z(&rbm).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn too_many_units_is_refused() {
        let rbm = Rbm::new(vec![0.0; 26 * 26], vec![0.0; 26], vec![0.0; 26]);
        assert!(exact_log_z(&rbm).is_none());
    }
}
