//! The random displacement field of elastic distortion (Simard, Steinkraus & Platt, ICDAR 2003).

use rand::{Rng, RngExt};

/// Adds `alpha · (G_sigma * U)` to `field` (`2 × h × w`: the `x` offsets then the `y` offsets),
/// where `U` is uniform in `(-1, 1)` per pixel and coordinate and `G_sigma *` is a convolution
/// with a normalised Gaussian of standard deviation `sigma` pixels, truncated at 4 `sigma` (at
/// most the image size), with zeros outside the image (scipy's `gaussian_filter(...,
/// mode="constant")`, as in the usual implementation of Simard's method).
///
/// `noise`, `tmp` and `kernel` are scratch buffers, resized here (no allocation once they have
/// grown to size).
pub(crate) fn add_displacement(
    h: usize,
    w: usize,
    alpha: f32,
    sigma: f32,
    rng: &mut impl Rng,
    field: &mut [f32],
    scratch: &mut ElasticScratch,
) {
    let n = h * w;
    assert_eq!(
        field.len(),
        2 * n,
        "elastic: field of {} values for {h}x{w}",
        field.len()
    );
    let ElasticScratch { noise, tmp, kernel } = scratch;
    let radius = ((4.0 * sigma).ceil() as usize).min(h.max(w));
    gaussian_kernel(sigma, radius, kernel);
    noise.resize(n, 0.0);
    tmp.resize(n, 0.0);
    for axis in 0..2 {
        for v in noise.iter_mut() {
            *v = rng.random::<f32>() * 2.0 - 1.0;
        }
        // Rows, then columns.
        // Along rows: tmp[y][x] = Σ_k kernel[k] · noise[y][x + k - radius], zero outside.
        for y in 0..h {
            let row = &noise[y * w..(y + 1) * w];
            for x in 0..w {
                let (k0, k1) = taps(x, w, radius);
                let start = x + k0 - radius;
                tmp[y * w + x] = kernel[k0..k1]
                    .iter()
                    .zip(&row[start..start + (k1 - k0)])
                    .map(|(g, v)| g * v)
                    .sum();
            }
        }
        // Along columns: out[y][x] += alpha · Σ_k kernel[k] · tmp[y + k - radius][x].
        let out = &mut field[axis * n..(axis + 1) * n];
        for y in 0..h {
            let (k0, k1) = taps(y, h, radius);
            let out_row = &mut out[y * w..(y + 1) * w];
            for k in k0..k1 {
                let g = alpha * kernel[k];
                let yy = y + k - radius;
                for (o, v) in out_row.iter_mut().zip(&tmp[yy * w..(yy + 1) * w]) {
                    *o += g * v;
                }
            }
        }
    }
}

/// Scratch buffers of [`add_displacement`].
#[derive(Debug, Default)]
pub(crate) struct ElasticScratch {
    noise: Vec<f32>,
    tmp: Vec<f32>,
    kernel: Vec<f32>,
}

/// The kernel taps `k0..k1` whose source `i + k - radius` lies in `0..len`.
#[inline]
pub(crate) fn taps(i: usize, len: usize, radius: usize) -> (usize, usize) {
    let k0 = radius.saturating_sub(i);
    let k1 = (2 * radius + 1).min(len + radius - i);
    (k0, k1)
}

/// Normalised Gaussian weights at offsets `-radius..=radius`.
pub(crate) fn gaussian_kernel(sigma: f32, radius: usize, kernel: &mut Vec<f32>) {
    kernel.clear();
    let r = radius as isize;
    kernel.extend((-r..=r).map(|i| (-0.5 * (i as f32 / sigma).powi(2)).exp()));
    let sum: f32 = kernel.iter().sum();
    for g in kernel.iter_mut() {
        *g /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn kernel_is_normalised_and_symmetric() {
        let mut k = Vec::new();
        gaussian_kernel(1.5, 6, &mut k);
        assert_eq!(k.len(), 13);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((k[0] - k[12]).abs() < 1e-9 && k[6] > k[5]);
    }

    /// Against a naive 2-D convolution of the same uniform draws (separable Gaussian, zero
    /// outside), on a non-square image whose kernel is wider than one side.
    #[test]
    fn matches_naive_convolution() {
        use rand::RngExt;
        let (h, w, alpha, sigma) = (5usize, 9usize, 3.0f32, 1.3f32);
        let mut field = vec![0.5; 2 * h * w];
        add_displacement(
            h,
            w,
            alpha,
            sigma,
            &mut Xoshiro256PlusPlus::seed_from_u64(9),
            &mut field,
            &mut ElasticScratch::default(),
        );
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let r = ((4.0 * sigma).ceil() as isize).min(h.max(w) as isize);
        let g = |d: isize| (-0.5 * (d as f64 / sigma as f64).powi(2)).exp();
        let norm: f64 = (-r..=r).map(g).sum();
        for axis in 0..2 {
            let u: Vec<f64> = (0..h * w)
                .map(|_| rng.random::<f32>() as f64 * 2.0 - 1.0)
                .collect();
            for y in 0..h as isize {
                for x in 0..w as isize {
                    let mut acc = 0.0;
                    for yy in 0..h as isize {
                        for xx in 0..w as isize {
                            if (yy - y).abs() <= r && (xx - x).abs() <= r {
                                acc += g(yy - y) * g(xx - x) / (norm * norm)
                                    * u[(yy * w as isize + xx) as usize];
                            }
                        }
                    }
                    let got = field[axis * h * w + (y * w as isize + x) as usize];
                    let expect = 0.5 + alpha as f64 * acc;
                    assert!((got as f64 - expect).abs() < 1e-5, "{got} vs {expect}");
                }
            }
        }
    }

    #[test]
    fn field_scale_and_smoothness() {
        let (h, w) = (28, 28);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut scratch = ElasticScratch::default();
        let mut zero = vec![0.0; 2 * h * w];
        add_displacement(h, w, 0.0, 4.0, &mut rng, &mut zero, &mut scratch);
        assert!(zero.iter().all(|&v| v == 0.0));

        let mut field = vec![0.0; 2 * h * w];
        add_displacement(h, w, 10.0, 2.0, &mut rng, &mut field, &mut scratch);
        assert!(field.iter().all(|v| v.is_finite()));
        // Smoothed: neighbouring displacements are much closer than independent ones would be.
        let mut diff = 0.0;
        let mut var = 0.0;
        for y in 0..h {
            for x in 0..w - 1 {
                diff += (field[y * w + x + 1] - field[y * w + x]).powi(2);
                var += field[y * w + x].powi(2);
            }
        }
        assert!(var > 0.0 && diff < 0.3 * var, "diff {diff} var {var}");
    }
}
