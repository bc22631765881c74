//! Pixel operations, applied after resampling: Gaussian noise, random erasing, solarisation and
//! inversion (blur and the colour operations have their own files).

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// `lo + (hi - lo) · U[0, 1)`: no panic on an empty range, exact `lo` when `lo == hi`.
#[inline]
pub(crate) fn uniform(rng: &mut impl Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.random::<f32>()
}

/// Adds `N(0, std²)` to every pixel, then clamps to `[0, 1]`.
pub(crate) fn noise(img: &mut [f32], std: f32, rng: &mut impl Rng) {
    for v in img.iter_mut() {
        let z: f32 = rng.sample(StandardNormal);
        *v = (*v + std * z).clamp(0.0, 1.0);
    }
}

/// Sets a random rectangle of the `h × w` image to `value` in every one of its planes (`img` is
/// `[planes, h, w]`; see `OpConfig::Erase`): area `U(scale) · h · w`, aspect ratio (width /
/// height) log-uniform in `ratio`, sides rounded and clamped to the image, position uniform.
/// Returns the rectangle `(x0, y0, width, height)`.
pub(crate) fn erase(
    img: &mut [f32],
    h: usize,
    w: usize,
    scale: [f32; 2],
    ratio: [f32; 2],
    value: f32,
    rng: &mut impl Rng,
) -> (usize, usize, usize, usize) {
    let area = uniform(rng, scale[0], scale[1]) * (h * w) as f32;
    let aspect = uniform(rng, ratio[0].ln(), ratio[1].ln()).exp();
    let ew = ((area * aspect).sqrt().round() as usize).min(w);
    let eh = ((area / aspect).sqrt().round() as usize).min(h);
    // Uniform over the `w - ew + 1` (`h - eh + 1`) positions inside the image.
    let x0 = ((uniform(rng, 0.0, (w - ew + 1) as f32)) as usize).min(w - ew);
    let y0 = ((uniform(rng, 0.0, (h - eh + 1) as f32)) as usize).min(h - eh);
    for plane in img.chunks_exact_mut((h * w).max(1)) {
        for y in y0..y0 + eh {
            plane[y * w + x0..y * w + x0 + ew].fill(value);
        }
    }
    (x0, y0, ew, eh)
}

/// Every pixel `v >= threshold` becomes `1 - v`.
pub(crate) fn solarize(img: &mut [f32], threshold: f32) {
    for v in img.iter_mut() {
        if *v >= threshold {
            *v = 1.0 - *v;
        }
    }
}

/// Every pixel `v` becomes `1 - v`.
pub(crate) fn invert(img: &mut [f32]) {
    for v in img.iter_mut() {
        *v = 1.0 - *v;
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
    fn erase_fills_the_rectangle_it_reports() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
        for _ in 0..200 {
            let mut img = vec![1.0f32; 7 * 9];
            let (x0, y0, ew, eh) = erase(&mut img, 7, 9, [0.05, 0.5], [0.3, 3.3], 0.25, &mut rng);
            assert!(x0 + ew <= 9 && y0 + eh <= 7);
            for y in 0..7 {
                for x in 0..9 {
                    let inside = (x0..x0 + ew).contains(&x) && (y0..y0 + eh).contains(&y);
                    assert_eq!(img[y * 9 + x], if inside { 0.25 } else { 1.0 });
                }
            }
        }
        // Every plane gets the same rectangle.
        let mut img = vec![1.0f32; 3 * 7 * 9];
        let (x0, y0, ew, eh) = erase(&mut img, 7, 9, [0.1, 0.5], [0.3, 3.3], 0.5, &mut rng);
        assert!(ew * eh > 0);
        let planes: Vec<&[f32]> = img.chunks(63).collect();
        assert!(planes[0] == planes[1] && planes[1] == planes[2]);
        assert_eq!(planes[2][y0 * 9 + x0], 0.5);
        // Zero area: nothing changes.
        let mut img = vec![1.0f32; 16];
        erase(&mut img, 4, 4, [0.0, 0.0], [1.0, 1.0], 0.0, &mut rng);
        assert!(img.iter().all(|&v| v == 1.0));
    }

    #[test]
    fn solarize_and_invert_exact_values() {
        let mut img = [0.0f32, 0.25, 0.5, 0.75, 1.0];
        solarize(&mut img, 0.5);
        assert_eq!(img, [0.0, 0.25, 0.5, 0.25, 0.0]);
        invert(&mut img);
        assert_eq!(img, [1.0, 0.75, 0.5, 0.75, 1.0]);
    }
}
