//! The exact log partition function, by enumerating the smaller layer.

use rayon::prelude::*;

use crate::Rbm;
use whac_eval::matmul::{MatRef, matmul};

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

/// States per block: the low `LOW_BITS` bits of a state vary inside a block, the high bits are
/// fixed. 2⁸ rows of the low-bit table (256 × 784 f64 = 1.6 MB for MNIST) stay in cache.
const LOW_BITS: usize = 8;

/// `log Z` summed exactly over the `2^u` states `x` of the smaller layer (`u = min(D, J)`), the
/// other layer summed out analytically: `log Z = log Σ_x exp(b_xᵀx + Σ_i softplus(a_i(x)))` with
/// `a(x) = b_y + M x` the other layer's input.
///
/// Batched: a state is `x = (x_hi, x_lo)` with `x_lo` its low 8 bits. One f64 gemm makes the table
/// `T = X_lo M_loᵀ` (256 × other layer) of every low-bit input, shared by all blocks; a block
/// fixes `x_hi`, adds `b_y + M_hi x_hi` to each row of `T`, and reduces its 256 terms with a
/// log-sum-exp. Blocks run in parallel (rayon) and are reduced with a log-sum-exp. The softplus
/// sum uses `Σ softplus(a) = Σ max(a, 0) + log Π (1 + e^{−|a|})`: one `exp` per unit and one `log`
/// per 512 units. Returns `None` when the smaller layer exceeds [`MAX_ENUMERATED_UNITS`].
pub fn exact_log_z(rbm: &Rbm) -> Option<f64> {
    let (d, j) = (rbm.visible(), rbm.hidden());
    let u = d.min(j);
    if u > MAX_ENUMERATED_UNITS {
        return None;
    }
    // m: the other layer's input weights as a row-major u × o matrix (row k = unit k's weights).
    let (o, m, bx, by): (usize, Vec<f64>, &[f64], &[f64]) = if j <= d {
        let mut wt = vec![0.0; j * d];
        for i in 0..d {
            for k in 0..j {
                wt[k * d + i] = rbm.w[i * j + k];
            }
        }
        (d, wt, &rbm.c, &rbm.b)
    } else {
        (j, rbm.w.clone(), &rbm.b, &rbm.c)
    };
    let low = u.min(LOW_BITS);
    let rows = 1usize << low;
    // X_lo: rows × low, row s = the bits of s.
    let x_lo: Vec<f64> = (0..rows)
        .flat_map(|s| (0..low).map(move |k| ((s >> k) & 1) as f64))
        .collect();
    let mut table = vec![0.0f64; rows * o];
    matmul(
        &mut table,
        MatRef::row_major(&x_lo, rows, low),
        MatRef::row_major(&m, low, o),
        false,
    );
    let table_dot: Vec<f64> = (0..rows)
        .map(|s| (0..low).filter(|k| (s >> k) & 1 == 1).map(|k| bx[k]).sum())
        .collect();
    let blocks = 1usize << (u - low);
    let partial: Vec<f64> = (0..blocks)
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; o], vec![0.0f64; rows]),
            |(base, terms), hi| {
                base.copy_from_slice(by);
                let mut dot = 0.0;
                for k in low..u {
                    if (hi >> (k - low)) & 1 == 1 {
                        dot += bx[k];
                        for (a, w) in base.iter_mut().zip(&m[k * o..(k + 1) * o]) {
                            *a += w;
                        }
                    }
                }
                for (s, t) in terms.iter_mut().enumerate() {
                    *t = dot + table_dot[s] + softplus_sum(&table[s * o..(s + 1) * o], base);
                }
                log_sum_exp(terms)
            },
        )
        .collect();
    Some(log_sum_exp(&partial))
}

/// Lanes of the softplus reduction (independent accumulators, so the loop vectorises).
const LANES: usize = 8;
/// Units per `log`: each factor `1 + e^{−|a|}` is at most 2, so a lane's product of 512 / 8
/// factors stays below 2⁶⁴ and the product of the lanes below 2⁵¹².
const UNITS_PER_LOG: usize = 512;

/// `Σ_i softplus(t_i + base_i)`.
fn softplus_sum(t: &[f64], base: &[f64]) -> f64 {
    let mut total = 0.0;
    for (tc, bc) in t.chunks(UNITS_PER_LOG).zip(base.chunks(UNITS_PER_LOG)) {
        let mut pos = [0.0f64; LANES];
        let mut prod = [1.0f64; LANES];
        let split = tc.len() - tc.len() % LANES;
        for (tl, bl) in tc[..split]
            .chunks_exact(LANES)
            .zip(bc[..split].chunks_exact(LANES))
        {
            for l in 0..LANES {
                let a = tl[l] + bl[l];
                pos[l] += if a > 0.0 { a } else { 0.0 };
                prod[l] *= 1.0 + exp_nonpositive(-a.abs());
            }
        }
        for (a, b) in tc[split..].iter().zip(&bc[split..]) {
            let a = a + b;
            pos[0] += a.max(0.0);
            prod[0] *= 1.0 + exp_nonpositive(-a.abs());
        }
        total += pos.iter().sum::<f64>() + prod.iter().product::<f64>().ln();
    }
    total
}

/// `eˣ` for `x ≤ 0`, branch-free so that it vectorises, accurate to a few ulp. Below −40 it
/// returns `e^{−40}`, which is harmless here: `1 + eˣ` rounds to 1 in f64 for any `x < −37`.
fn exp_nonpositive(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2⁵²: adding it rounds to an integer
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = if x < -40.0 { -40.0 } else { x };
    let shifted = x * std::f64::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC; // round(x / ln 2), in [−58, 0]
    let r = (x - n * LN2_HI) - n * LN2_LO; // |r| ≤ ln 2 / 2
    // Taylor series of eʳ to r¹³ (remainder < 10⁻¹⁷ for |r| ≤ 0.35).
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2ⁿ from the integer in the low bits of `shifted`.
    let n_int = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    p * f64::from_bits(n_int.wrapping_add(1023) << 52)
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

    /// The batched enumeration against one free energy per state, on layers larger than a block
    /// (so several blocks and the high bits are exercised), both ways round.
    #[test]
    fn batched_enumeration_matches_a_free_energy_loop() {
        for (d, j, seed) in [(40, 11, 5), (11, 40, 6), (600, 10, 7)] {
            let mut rbm = tiny(d, j, seed);
            rbm.w.iter_mut().for_each(|w| *w *= 3.0);
            let units = d.min(j);
            let terms: Vec<f64> = (0..1u32 << units)
                .map(|s| {
                    let x: Vec<f64> = (0..units).map(|k| ((s >> k) & 1) as f64).collect();
                    if j <= d {
                        -rbm.hidden_free_energy(&x)
                    } else {
                        -rbm.free_energy(&x)
                    }
                })
                .collect();
            let want = log_sum_exp(&terms);
            let got = exact_log_z(&rbm).unwrap();
            assert!(
                (got - want).abs() < 1e-9 * want.abs(),
                "{d}×{j}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn exp_nonpositive_matches_std() {
        let mut worst = 0.0f64;
        for i in 0..=400_000 {
            let x = -37.0 * i as f64 / 400_000.0;
            worst = worst.max((exp_nonpositive(x) / x.exp() - 1.0).abs());
        }
        assert!(worst < 1e-15, "relative error {worst}");
        assert_eq!(1.0 + exp_nonpositive(-1000.0), 1.0);
    }

    #[test]
    fn too_many_units_is_refused() {
        let rbm = Rbm::new(vec![0.0; 26 * 26], vec![0.0; 26], vec![0.0; 26]);
        assert!(exact_log_z(&rbm).is_none());
    }
}
