//! Affine maps between pixel coordinates and the single bilinear resampling pass.
//!
//! Coordinates are centred: `x` to the right, `y` down, `(0, 0)` at the image centre
//! `((w - 1) / 2, (h - 1) / 2)` in pixel indices. A map here always goes from an *output* pixel to
//! the *source* point it samples (the inverse of how the content moves).

/// `source = m · output + b`, in centred coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Affine {
    /// Row-major 2×2 matrix `[[m00, m01], [m10, m11]]`.
    m: [f32; 4],
    /// Offset `(bx, by)`.
    b: [f32; 2],
}

impl Affine {
    /// The identity map.
    pub(crate) const IDENTITY: Affine = Affine {
        m: [1.0, 0.0, 0.0, 1.0],
        b: [0.0, 0.0],
    };

    /// Content turned by `radians`, counter-clockwise as displayed (y down).
    ///
    /// The content point at source `s` appears at output `R s` with `R = [[c, s], [-s, c]]`, so
    /// the output pixel `p` samples `R⁻¹ p = [[c, -s], [s, c]] p`.
    pub(crate) fn rotation(radians: f32) -> Affine {
        let (s, c) = radians.sin_cos();
        Affine {
            m: [c, -s, s, c],
            b: [0.0, 0.0],
        }
    }

    /// Content mirrored left–right (`horizontal`) and/or top–bottom (`vertical`) about the image
    /// centre; its own inverse, and exact on the pixel grid.
    pub(crate) fn flip(horizontal: bool, vertical: bool) -> Affine {
        let sign = |f: bool| if f { -1.0 } else { 1.0 };
        Affine {
            m: [sign(horizontal), 0.0, 0.0, sign(vertical)],
            b: [0.0, 0.0],
        }
    }

    /// Content shifted by `(tx, ty)` pixels: output `p` samples `p - t`.
    pub(crate) fn translation(tx: f32, ty: f32) -> Affine {
        Affine {
            m: [1.0, 0.0, 0.0, 1.0],
            b: [-tx, -ty],
        }
    }

    /// The rectangle of size `cw × ch` whose top-left corner is at `(x0, y0)` (in units of the
    /// image's continuous extent `[0, w] × [0, h]`) stretched to the whole `w × h` image.
    pub(crate) fn crop(x0: f32, y0: f32, cw: f32, ch: f32, w: f32, h: f32) -> Affine {
        Affine {
            m: [cw / w, 0.0, 0.0, ch / h],
            b: [x0 + 0.5 * cw - 0.5 * w, y0 + 0.5 * ch - 0.5 * h],
        }
    }

    /// `self ∘ inner`: first `inner`, then `self` (both output → source).
    ///
    /// If content transformations `F1` then `F2` are applied, the output samples
    /// `F1⁻¹(F2⁻¹(p))`, that is `inv1.compose(inv2)`.
    pub(crate) fn compose(self, inner: Affine) -> Affine {
        let [a, b, c, d] = self.m;
        let [e, f, g, h] = inner.m;
        Affine {
            m: [a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h],
            b: [
                a * inner.b[0] + b * inner.b[1] + self.b[0],
                c * inner.b[0] + d * inner.b[1] + self.b[1],
            ],
        }
    }
}

/// Bilinear value of `src` (`h × w`) at pixel-index coordinates `(sx, sy)`, the image being
/// surrounded by `fill`.
#[inline]
fn bilinear(src: &[f32], h: usize, w: usize, sx: f32, sy: f32, fill: f32) -> f32 {
    // Also rejects NaN.
    if !(sx > -1.0 && sx < w as f32 && sy > -1.0 && sy < h as f32) {
        return fill;
    }
    let (fx0, fy0) = (sx.floor(), sy.floor());
    let (fx, fy) = (sx - fx0, sy - fy0);
    // In [-1, w - 1] and [-1, h - 1] by the test above.
    let (x0, y0) = (fx0 as isize, fy0 as isize);
    let at = |y: isize, x: isize| -> f32 {
        if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
            src[y as usize * w + x as usize]
        } else {
            fill
        }
    };
    let top = (1.0 - fx) * at(y0, x0) + fx * at(y0, x0 + 1);
    let bottom = (1.0 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1);
    (1.0 - fy) * top + fy * bottom
}

/// Resamples `src` (`h × w`, row-major) into `out` (same shape): output pixel `p` takes the
/// bilinear value at `map(p) + displacement(p)`, where `displacement` (if any) holds the `x`
/// offsets then the `y` offsets, `2 × h × w` values in pixels. Outside the image is `fill`.
pub(crate) fn resample(
    src: &[f32],
    h: usize,
    w: usize,
    map: &Affine,
    displacement: Option<&[f32]>,
    fill: f32,
    out: &mut [f32],
) {
    let n = h * w;
    assert!(
        src.len() == n && out.len() == n,
        "resample: {h}x{w} image but src {} / out {}",
        src.len(),
        out.len()
    );
    if let Some(d) = displacement {
        assert_eq!(
            d.len(),
            2 * n,
            "resample: displacement field of {} values for {h}x{w}",
            d.len()
        );
    }
    let (cx, cy) = ((w as f32 - 1.0) * 0.5, (h as f32 - 1.0) * 0.5);
    let [m00, m01, m10, m11] = map.m;
    for y in 0..h {
        let py = y as f32 - cy;
        // Source of the row's pixel at centred x = 0, back in index coordinates.
        let (row_x, row_y) = (m01 * py + map.b[0] + cx, m11 * py + map.b[1] + cy);
        for x in 0..w {
            let px = x as f32 - cx;
            let mut sx = m00 * px + row_x;
            let mut sy = m10 * px + row_y;
            if let Some(d) = displacement {
                sx += d[y * w + x];
                sy += d[n + y * w + x];
            }
            out[y * w + x] = bilinear(src, h, w, sx, sy, fill);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(h: usize, w: usize) -> Vec<f32> {
        (0..h * w)
            .map(|i| (i + 1) as f32 / (h * w) as f32)
            .collect()
    }

    fn apply(src: &[f32], h: usize, w: usize, map: Affine) -> Vec<f32> {
        let mut out = vec![f32::NAN; h * w];
        resample(src, h, w, &map, None, 0.0, &mut out);
        out
    }

    #[test]
    fn identity_is_exact() {
        let src = ramp(5, 7);
        assert_eq!(apply(&src, 5, 7, Affine::IDENTITY), src);
        assert_eq!(
            apply(&src, 5, 7, Affine::crop(0.0, 0.0, 7.0, 5.0, 7.0, 5.0)),
            src
        );
    }

    /// A positive quarter turn is counter-clockwise as displayed: `np.rot90(a)`, which equals
    /// transposing then flipping vertically (reversing the row order): `out[i][j] = a[j][n-1-i]`.
    #[test]
    fn quarter_turn_is_transpose_then_flip() {
        let n = 6;
        let src = ramp(n, n);
        let out = apply(&src, n, n, Affine::rotation(std::f32::consts::FRAC_PI_2));
        let mut transposed = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                transposed[i * n + j] = src[j * n + i];
            }
        }
        for i in 0..n {
            for j in 0..n {
                let expect = transposed[(n - 1 - i) * n + j];
                let got = out[i * n + j];
                assert!((got - expect).abs() < 1e-5, "({i},{j}): {got} vs {expect}");
            }
        }
        // The other direction is the inverse.
        let back = apply(&out, n, n, Affine::rotation(-std::f32::consts::FRAC_PI_2));
        for (a, b) in back.iter().zip(&src) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn flip_mirrors_exactly() {
        let (h, w) = (3, 4);
        let src = ramp(h, w);
        let out = apply(&src, h, w, Affine::flip(true, false));
        for y in 0..h {
            for x in 0..w {
                assert_eq!(out[y * w + x], src[y * w + (w - 1 - x)]);
            }
        }
        let out = apply(&src, h, w, Affine::flip(false, true));
        for y in 0..h {
            for x in 0..w {
                assert_eq!(out[y * w + x], src[(h - 1 - y) * w + x]);
            }
        }
        // Both = a half turn.
        let both = apply(&src, h, w, Affine::flip(true, true));
        let mut reversed = src.clone();
        reversed.reverse();
        assert_eq!(both, reversed);
        assert_eq!(
            Affine::flip(true, true).compose(Affine::flip(true, true)),
            Affine::IDENTITY
        );
    }

    #[test]
    fn translation_shifts_content_and_fills_zero() {
        // 1×4 row, content moved one pixel to the right.
        let out = apply(&[0.1, 0.2, 0.3, 0.4], 1, 4, Affine::translation(1.0, 0.0));
        assert_eq!(out, vec![0.0, 0.1, 0.2, 0.3]);
        // Half a pixel: bilinear average.
        let out = apply(&[0.2, 0.4, 0.6, 0.8], 1, 4, Affine::translation(0.5, 0.0));
        let expect = [0.1, 0.3, 0.5, 0.7];
        for (a, b) in out.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn crop_of_left_half_stretches_it() {
        // 1×4 row; crop [0, 2] × [0, 1] stretched to width 4: output pixel centres at continuous
        // 0.5, 1.5, 2.5, 3.5 sample continuous 0.25, 0.75, 1.25, 1.75, i.e. indices -0.25, 0.25,
        // 0.75, 1.25.
        let src = [0.4, 0.8, 0.0, 0.0];
        let out = apply(&src, 1, 4, Affine::crop(0.0, 0.0, 2.0, 1.0, 4.0, 1.0));
        let expect = [
            0.75 * 0.4,
            0.75 * 0.4 + 0.25 * 0.8,
            0.25 * 0.4 + 0.75 * 0.8,
            0.75 * 0.8,
        ];
        for (a, b) in out.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{out:?} vs {expect:?}");
        }
    }

    #[test]
    fn compose_applies_inner_first() {
        // Shift right by 1 then rotate a quarter turn: the sampled point is
        // inv_shift(inv_rot(p)) = R⁻¹p - t.
        let rot = Affine::rotation(std::f32::consts::FRAC_PI_2);
        let shift = Affine::translation(1.0, 0.0);
        let both = shift.compose(rot);
        let p = [2.0f32, 3.0];
        let r = [
            rot.m[0] * p[0] + rot.m[1] * p[1],
            rot.m[2] * p[0] + rot.m[3] * p[1],
        ];
        let expect = [r[0] - 1.0, r[1]];
        let got = [
            both.m[0] * p[0] + both.m[1] * p[1] + both.b[0],
            both.m[2] * p[0] + both.m[3] * p[1] + both.b[1],
        ];
        assert!((got[0] - expect[0]).abs() < 1e-5 && (got[1] - expect[1]).abs() < 1e-5);
    }
}
