//! Colour operations: brightness / contrast / saturation / hue jitter and conversion to
//! grayscale, on planar images of `channels` planes of `n` pixels each.
//!
//! Saturation, hue and grayscale conversion need the three planes of an RGB image; on any other
//! number of channels (in particular grayscale) they do nothing and draw nothing.

use rand::Rng;

use super::pixel::uniform;

/// The ITU-R BT.601 luma weights of R, G and B (as PIL's `convert("L")` and torchvision's
/// `rgb_to_grayscale`).
pub(crate) const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// The jitter strengths of one `jitter` operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Jitter {
    pub(crate) brightness: f32,
    pub(crate) contrast: f32,
    pub(crate) saturation: f32,
    pub(crate) hue: f32,
}

/// Colour jitter (as torchvision's `ColorJitter`, in a fixed order), clamped to `[0, 1]` after
/// each step: brightness (multiply by `U(max(0, 1 - b), 1 + b)`), contrast (move away from or
/// towards the mean luma by `U(max(0, 1 - c), 1 + c)`; the mean value on non-RGB images), then,
/// on RGB images only, saturation (blend with the luma image by `U(max(0, 1 - s), 1 + s)`) and
/// hue (turn the HSV hue by `U(-h, h)` of a full turn).
///
/// Draws 2 uniforms, plus 2 more on RGB images. `img` is `[channels, n]`.
pub(crate) fn jitter(img: &mut [f32], channels: usize, j: Jitter, rng: &mut impl Rng) {
    let fb = uniform(rng, (1.0 - j.brightness).max(0.0), 1.0 + j.brightness);
    let fc = uniform(rng, (1.0 - j.contrast).max(0.0), 1.0 + j.contrast);
    let rgb = channels == 3;
    let (fs, fh) = if rgb {
        (
            uniform(rng, (1.0 - j.saturation).max(0.0), 1.0 + j.saturation),
            uniform(rng, -j.hue, j.hue),
        )
    } else {
        (1.0, 0.0)
    };
    if fb != 1.0 {
        for v in img.iter_mut() {
            *v = (*v * fb).clamp(0.0, 1.0);
        }
    }
    if fc != 1.0 && !img.is_empty() {
        let mean = if rgb {
            let n = img.len() / 3;
            let (r, rest) = img.split_at(n);
            let (g, b) = rest.split_at(n);
            let sum: f32 = (0..n)
                .map(|i| LUMA[0] * r[i] + LUMA[1] * g[i] + LUMA[2] * b[i])
                .sum();
            sum / n as f32
        } else {
            img.iter().sum::<f32>() / img.len() as f32
        };
        for v in img.iter_mut() {
            *v = (mean + fc * (*v - mean)).clamp(0.0, 1.0);
        }
    }
    if rgb {
        saturate(img, fs);
        shift_hue(img, fh);
    }
}

/// Blends an RGB image (`[3, n]`) with its luma image: `luma + factor · (v - luma)`, clamped to
/// `[0, 1]`. `factor = 1` leaves it unchanged (exactly), 0 makes it gray.
pub(crate) fn saturate(img: &mut [f32], factor: f32) {
    if factor == 1.0 {
        return;
    }
    let n = img.len() / 3;
    let (r, rest) = img.split_at_mut(n);
    let (g, b) = rest.split_at_mut(n);
    for i in 0..n {
        let y = LUMA[0] * r[i] + LUMA[1] * g[i] + LUMA[2] * b[i];
        r[i] = (y + factor * (r[i] - y)).clamp(0.0, 1.0);
        g[i] = (y + factor * (g[i] - y)).clamp(0.0, 1.0);
        b[i] = (y + factor * (b[i] - y)).clamp(0.0, 1.0);
    }
}

/// Replaces every plane of an RGB image (`[3, n]`) by its luma `0.299 R + 0.587 G + 0.114 B`;
/// does nothing to other channel counts.
pub(crate) fn grayscale(img: &mut [f32], channels: usize) {
    if channels != 3 {
        return;
    }
    let n = img.len() / 3;
    let (r, rest) = img.split_at_mut(n);
    let (g, b) = rest.split_at_mut(n);
    for i in 0..n {
        let y = (LUMA[0] * r[i] + LUMA[1] * g[i] + LUMA[2] * b[i]).clamp(0.0, 1.0);
        (r[i], g[i], b[i]) = (y, y, y);
    }
}

/// Turns the HSV hue of every pixel of an RGB image (`[3, n]`) by `shift` of a full turn
/// (torchvision's `adjust_hue`); `shift = 0` leaves it unchanged (exactly).
pub(crate) fn shift_hue(img: &mut [f32], shift: f32) {
    if shift == 0.0 {
        return;
    }
    let n = img.len() / 3;
    let (r, rest) = img.split_at_mut(n);
    let (g, b) = rest.split_at_mut(n);
    for i in 0..n {
        let [h, s, v] = rgb_to_hsv([r[i], g[i], b[i]]);
        let h = (h + shift).rem_euclid(1.0);
        [r[i], g[i], b[i]] = hsv_to_rgb([h, s, v]).map(|x| x.clamp(0.0, 1.0));
    }
}

/// RGB in `[0, 1]` to HSV, each in `[0, 1]` (hue as a fraction of a turn; red is 0, green 1/3,
/// blue 2/3). Gray pixels get hue 0 and saturation 0.
pub(crate) fn rgb_to_hsv([r, g, b]: [f32; 3]) -> [f32; 3] {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let range = max - min;
    let s = if max > 0.0 { range / max } else { 0.0 };
    if range <= 0.0 {
        return [0.0, s, max];
    }
    let h = if max == r {
        (g - b) / range
    } else if max == g {
        2.0 + (b - r) / range
    } else {
        4.0 + (r - g) / range
    };
    [(h / 6.0).rem_euclid(1.0), s, max]
}

/// HSV (each in `[0, 1]`, hue as a fraction of a turn) to RGB.
pub(crate) fn hsv_to_rgb([h, s, v]: [f32; 3]) -> [f32; 3] {
    let h6 = h.rem_euclid(1.0) * 6.0;
    let sector = h6.floor();
    let f = h6 - sector;
    let p = v * (1.0 - s);
    let q = v * (1.0 - s * f);
    let t = v * (1.0 - s * (1.0 - f));
    match sector as u32 % 6 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hsv_round_trip() {
        for k in 0..1000 {
            let c = [
                (k % 10) as f32 / 9.0,
                ((k / 10) % 10) as f32 / 9.0,
                (k / 100) as f32 / 9.0,
            ];
            let back = hsv_to_rgb(rgb_to_hsv(c));
            for (a, b) in back.iter().zip(&c) {
                assert!((a - b).abs() < 1e-6, "{c:?} -> {back:?}");
            }
        }
        assert_eq!(rgb_to_hsv([1.0, 0.0, 0.0]), [0.0, 1.0, 1.0]);
        assert!((rgb_to_hsv([0.0, 1.0, 0.0])[0] - 1.0 / 3.0).abs() < 1e-7);
        assert!((rgb_to_hsv([0.0, 0.0, 0.5])[0] - 2.0 / 3.0).abs() < 1e-7);
        assert_eq!(rgb_to_hsv([0.3, 0.3, 0.3]), [0.0, 0.0, 0.3]);
    }

    fn rgb(n: usize) -> Vec<f32> {
        (0..3 * n)
            .map(|i| ((i * 37 + 11) % 101) as f32 / 100.0)
            .collect()
    }

    #[test]
    fn unit_factors_are_exact_identities() {
        let src = rgb(50);
        let mut img = src.clone();
        saturate(&mut img, 1.0);
        shift_hue(&mut img, 0.0);
        assert_eq!(img, src);
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
        let zero = Jitter {
            brightness: 0.0,
            contrast: 0.0,
            saturation: 0.0,
            hue: 0.0,
        };
        jitter(&mut img, 3, zero, &mut rng);
        assert_eq!(img, src);
        // Grayscale conversion and saturation leave other channel counts alone.
        grayscale(&mut img[..100], 1);
        assert_eq!(img, src);
    }

    #[test]
    fn a_third_of_a_turn_sends_red_to_green_to_blue() {
        // Pure colours: R -> G, G -> B, B -> R.
        let mut img = vec![
            1.0, 0.0, 0.0, // R plane
            0.0, 1.0, 0.0, // G plane
            0.0, 0.0, 1.0, // B plane
        ];
        shift_hue(&mut img, 1.0 / 3.0);
        let expect = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        for (a, b) in img.iter().zip(&expect) {
            assert!((a - b).abs() < 1e-5, "{img:?}");
        }
        // Any colour: (r, g, b) becomes (b, r, g); two thirds the other way round.
        let n = 40;
        let src = rgb(n);
        let mut img = src.clone();
        shift_hue(&mut img, 1.0 / 3.0);
        let mut back = src.clone();
        shift_hue(&mut back, -2.0 / 3.0);
        for i in 0..n {
            let (r, g, b) = (src[i], src[n + i], src[2 * n + i]);
            for out in [&img, &back] {
                let got = [out[i], out[n + i], out[2 * n + i]];
                for (a, e) in got.iter().zip([b, r, g]) {
                    assert!((a - e).abs() < 1e-5, "{:?} -> {got:?}", (r, g, b));
                }
            }
        }
    }

    #[test]
    fn saturation_zero_and_grayscale_give_the_luma() {
        let n = 30;
        let src = rgb(n);
        let mut gray = src.clone();
        grayscale(&mut gray, 3);
        let mut desat = src.clone();
        saturate(&mut desat, 0.0);
        for i in 0..n {
            let y = 0.299 * src[i] + 0.587 * src[n + i] + 0.114 * src[2 * n + i];
            for img in [&gray, &desat] {
                for c in 0..3 {
                    assert!((img[c * n + i] - y).abs() < 1e-6);
                }
            }
            assert_eq!(gray[i], gray[n + i]);
            assert_eq!(gray[i], gray[2 * n + i]);
        }
    }

    #[test]
    fn contrast_keeps_the_mean_when_unclamped() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
        let src = [0.4f32, 0.5, 0.6, 0.5];
        let mut img = src;
        let j = Jitter {
            brightness: 0.0,
            contrast: 0.5,
            saturation: 0.0,
            hue: 0.0,
        };
        jitter(&mut img, 1, j, &mut rng);
        assert!((img.iter().sum::<f32>() - 2.0).abs() < 1e-5);
        assert!(img[0] < img[1] && img[1] < img[2]);
        assert_ne!(img, src);
        // On RGB, the mean luma is kept.
        let n = 20;
        let src: Vec<f32> = rgb(n).iter().map(|v| 0.3 + 0.4 * v).collect();
        let luma = |img: &[f32]| -> f32 {
            (0..n)
                .map(|i| LUMA[0] * img[i] + LUMA[1] * img[n + i] + LUMA[2] * img[2 * n + i])
                .sum::<f32>()
                / n as f32
        };
        let mut img = src.clone();
        jitter(&mut img, 3, j, &mut rng);
        assert!((luma(&img) - luma(&src)).abs() < 1e-5);
        assert_ne!(img, src);
    }
}
