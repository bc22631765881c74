//! Gaussian blur with repeated edges, as a pixel operation after resampling.

use super::elastic::gaussian_kernel;

/// Blurs the `h × w` image `img` in place with a separable, normalised Gaussian of standard
/// deviation `sigma` pixels, truncated at `3 sigma` (at least 1 tap either side, at most
/// `max(h, w)`), repeating the edge pixels outside the image; the result is clamped to `[0, 1]`.
/// `sigma <= 0` leaves `img` unchanged.
///
/// `kernel` and `tmp` are scratch buffers, resized here.
pub(crate) fn blur(
    img: &mut [f32],
    h: usize,
    w: usize,
    sigma: f32,
    kernel: &mut Vec<f32>,
    tmp: &mut Vec<f32>,
) {
    let n = h * w;
    assert_eq!(img.len(), n, "blur: {h}x{w} image but {} values", img.len());
    if sigma.is_nan() || sigma <= 0.0 || n == 0 {
        return;
    }
    let radius = ((3.0 * sigma).ceil() as usize).clamp(1, h.max(w));
    gaussian_kernel(sigma, radius, kernel);
    tmp.clear();
    tmp.resize(n, 0.0);
    let clamp = |i: usize, k: usize, len: usize| (i + k).saturating_sub(radius).min(len - 1);
    // Along rows: tmp[y][x] = Σ_k kernel[k] · img[y][clamp(x + k - radius)].
    for y in 0..h {
        let row = &img[y * w..(y + 1) * w];
        for x in 0..w {
            tmp[y * w + x] = kernel
                .iter()
                .enumerate()
                .map(|(k, g)| g * row[clamp(x, k, w)])
                .sum();
        }
    }
    // Along columns: img[y][x] = Σ_k kernel[k] · tmp[clamp(y + k - radius)][x].
    for y in 0..h {
        let out_row = &mut img[y * w..(y + 1) * w];
        out_row.fill(0.0);
        for (k, g) in kernel.iter().enumerate() {
            let yy = clamp(y, k, h);
            for (o, v) in out_row.iter_mut().zip(&tmp[yy * w..(yy + 1) * w]) {
                *o += g * v;
            }
        }
        for o in out_row.iter_mut() {
            *o = o.clamp(0.0, 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 2-D convolution written out, with the same kernel and edge rule.
    fn naive(src: &[f32], h: usize, w: usize, sigma: f32) -> Vec<f32> {
        let r = ((3.0 * sigma).ceil() as usize).clamp(1, h.max(w)) as isize;
        let g = |d: isize| (-0.5 * (d as f32 / sigma).powi(2)).exp();
        let norm: f32 = (-r..=r).map(g).sum();
        let mut out = vec![0.0; h * w];
        for y in 0..h as isize {
            for x in 0..w as isize {
                let mut acc = 0.0;
                for dy in -r..=r {
                    for dx in -r..=r {
                        let yy = (y + dy).clamp(0, h as isize - 1) as usize;
                        let xx = (x + dx).clamp(0, w as isize - 1) as usize;
                        acc += g(dy) * g(dx) * src[yy * w + xx];
                    }
                }
                out[y as usize * w + x as usize] = acc / (norm * norm);
            }
        }
        out
    }

    #[test]
    fn matches_naive_convolution() {
        let (h, w) = (5, 7);
        let src: Vec<f32> = (0..h * w).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
        for sigma in [0.4, 1.0, 2.5] {
            let mut img = src.clone();
            blur(&mut img, h, w, sigma, &mut Vec::new(), &mut Vec::new());
            let expect = naive(&src, h, w, sigma);
            for (a, b) in img.iter().zip(&expect) {
                assert!((a - b).abs() < 1e-5, "sigma {sigma}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn tiny_or_zero_sigma_is_identity() {
        let src: Vec<f32> = (0..12).map(|i| i as f32 / 11.0).collect();
        for sigma in [0.0, 1e-3, 0.05] {
            let mut img = src.clone();
            blur(&mut img, 3, 4, sigma, &mut Vec::new(), &mut Vec::new());
            assert_eq!(img, src, "sigma {sigma}");
        }
    }
}
