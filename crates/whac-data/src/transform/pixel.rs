//! Pixel operations, applied after resampling: brightness / contrast jitter and Gaussian noise.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// `lo + (hi - lo) · U[0, 1)`: no panic on an empty range, exact `lo` when `lo == hi`.
#[inline]
pub(crate) fn uniform(rng: &mut impl Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.random::<f32>()
}

/// Brightness then contrast jitter on a grayscale image, clamped to `[0, 1]`.
pub(crate) fn jitter(img: &mut [f32], brightness: f32, contrast: f32, rng: &mut impl Rng) {
    let fb = uniform(rng, (1.0 - brightness).max(0.0), 1.0 + brightness);
    let fc = uniform(rng, (1.0 - contrast).max(0.0), 1.0 + contrast);
    if fb != 1.0 {
        for v in img.iter_mut() {
            *v = (*v * fb).clamp(0.0, 1.0);
        }
    }
    if fc != 1.0 && !img.is_empty() {
        let mean = img.iter().sum::<f32>() / img.len() as f32;
        for v in img.iter_mut() {
            *v = (mean + fc * (*v - mean)).clamp(0.0, 1.0);
        }
    }
}

/// Adds `N(0, std²)` to every pixel, then clamps to `[0, 1]`.
pub(crate) fn noise(img: &mut [f32], std: f32, rng: &mut impl Rng) {
    for v in img.iter_mut() {
        let z: f32 = rng.sample(StandardNormal);
        *v = (*v + std * z).clamp(0.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn zero_strength_is_identity() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let src: Vec<f32> = (0..10).map(|i| i as f32 / 9.0).collect();
        let mut img = src.clone();
        jitter(&mut img, 0.0, 0.0, &mut rng);
        noise(&mut img, 0.0, &mut rng);
        assert_eq!(img, src);
    }

    #[test]
    fn noise_has_the_requested_spread() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let mut img = vec![0.5f32; 20_000];
        noise(&mut img, 0.1, &mut rng);
        let n = img.len() as f32;
        let mean = img.iter().sum::<f32>() / n;
        let sd = (img.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
        assert!(
            (mean - 0.5).abs() < 0.005 && (sd - 0.1).abs() < 0.005,
            "{mean} {sd}"
        );
    }

    #[test]
    fn contrast_keeps_the_mean_when_unclamped() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let src = [0.4f32, 0.5, 0.6, 0.5];
        let mut img = src;
        jitter(&mut img, 0.0, 0.5, &mut rng);
        assert!((img.iter().sum::<f32>() - 2.0).abs() < 1e-5);
        assert!(img[0] < img[1] && img[1] < img[2]);
        assert_ne!(img, src);
    }
}
