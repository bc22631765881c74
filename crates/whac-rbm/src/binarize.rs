//! Pixels in `[0, 1]` to binary visible units.

use rand::RngExt;
use rayon::prelude::*;

use crate::Binarization;
use crate::gibbs::row_rng;

/// Binarises images (rows of `d` pixels in `[0, 1]`) as 0.0/1.0: `x > 0.5` for
/// [`Binarization::Threshold`], Bernoulli(`x`) for [`Binarization::Stochastic`], where image `r`
/// draws from a generator seeded by `(seed, r)` — the same seed gives the same binary set.
pub fn binarize(pixels: &[f32], d: usize, mode: Binarization, seed: u64) -> Vec<f32> {
    let mut out = pixels.to_vec();
    match mode {
        Binarization::Threshold => out
            .par_iter_mut()
            .for_each(|x| *x = if *x > 0.5 { 1.0 } else { 0.0 }),
        Binarization::Stochastic => {
            out.par_chunks_mut(d.max(1))
                .enumerate()
                .for_each(|(r, row)| {
                    let mut rng = row_rng(seed, r);
                    for x in row.iter_mut() {
                        *x = if rng.random::<f32>() < *x { 1.0 } else { 0.0 };
                    }
                })
        }
    }
    out
}

/// Mean of each of the `d` columns of row-major `data` (`n × d`).
pub(crate) fn column_means(data: &[f32], d: usize) -> Vec<f64> {
    let n = data.len() / d.max(1);
    let mut m = vec![0.0f64; d];
    for row in data.chunks(d) {
        for (mi, &x) in m.iter_mut().zip(row) {
            *mi += x as f64;
        }
    }
    m.iter_mut().for_each(|x| *x /= n.max(1) as f64);
    m
}

/// `log(p / (1 − p))` with `p` clipped to `[10⁻³, 1 − 10⁻³]`: the visible biases of Hinton's
/// initialisation and of AIS's base-rate model.
pub fn base_rate_biases(means: &[f64]) -> Vec<f64> {
    means
        .iter()
        .map(|&p| {
            let p = p.clamp(1e-3, 1.0 - 1e-3);
            (p / (1.0 - p)).ln()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_and_stochastic() {
        let px = [0.0, 0.5, 0.51, 1.0];
        assert_eq!(
            binarize(&px, 4, Binarization::Threshold, 0),
            [0.0, 0.0, 1.0, 1.0]
        );
        let many = vec![0.3f32; 20_000];
        let s = binarize(&many, 100, Binarization::Stochastic, 5);
        let mean = s.iter().sum::<f32>() / s.len() as f32;
        assert!((mean - 0.3).abs() < 0.015, "{mean}");
        assert_eq!(s, binarize(&many, 100, Binarization::Stochastic, 5));
        assert_ne!(s, binarize(&many, 100, Binarization::Stochastic, 6));
    }

    #[test]
    fn base_rate_is_the_logit_clipped() {
        let b = base_rate_biases(&[0.5, 0.0, 1.0, 0.25]);
        assert!(b[0].abs() < 1e-12);
        assert!((b[1] - (1e-3f64 / (1.0 - 1e-3)).ln()).abs() < 1e-12);
        assert!((b[2] + b[1]).abs() < 1e-9);
        assert!((b[3] - (1.0f64 / 3.0).ln()).abs() < 1e-12);
    }
}
