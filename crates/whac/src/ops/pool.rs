//! 2 × 2 max-pooling with stride 2 on plain NCHW slices, forward and backward, one plane per
//! parallel task. Written by hand because burn-flex's max-pool (with the indices autodiff needs)
//! took ~17 % of the CNN training step on one thread; this is a single pass over the input.
//!
//! Odd sizes are floored, as burn's and PyTorch's default: the last row or column is dropped.

use rayon::prelude::*;

/// `y[p, i, j] = max(x[p, 2i..2i+2, 2j..2j+2])` for every plane `p` (batch × channels).
///
/// # Shapes
/// - `x`: `[planes, H, W]` → `[planes, H/2, W/2]`
pub fn max_pool2_forward(x: &[f32], planes: usize, height: usize, width: usize) -> Vec<f32> {
    assert_eq!(x.len(), planes * height * width, "max-pool input size");
    let (oh, ow) = (height / 2, width / 2);
    let mut y = super::zeros(planes * oh * ow);
    if oh == 0 || ow == 0 {
        return y;
    }
    y.par_chunks_mut(oh * ow)
        .zip(x.par_chunks(height * width))
        .for_each(|(out, plane)| pool_plane(plane, out, width));
    y
}

/// [`max_pool2_forward`] on the calling thread, into `out` (inside an outer parallel loop).
///
/// # Shapes
/// - `x`: `[planes, H, W]`, `out`: `[planes, H/2, W/2]`
pub fn max_pool2_into(x: &[f32], out: &mut [f32], height: usize, width: usize) {
    let (oh, ow) = (height / 2, width / 2);
    if oh == 0 || ow == 0 {
        return;
    }
    assert_eq!(
        x.len() / (height * width),
        out.len() / (oh * ow),
        "max-pool planes"
    );
    for (o, plane) in out.chunks_mut(oh * ow).zip(x.chunks(height * width)) {
        pool_plane(plane, o, width);
    }
}

/// One plane `[H, W]` pooled into `out` `[H/2, W/2]`.
fn pool_plane(plane: &[f32], out: &mut [f32], width: usize) {
    let ow = width / 2;
    for (i, row) in out.chunks_mut(ow).enumerate() {
        let top = &plane[2 * i * width..(2 * i + 1) * width];
        let bottom = &plane[(2 * i + 1) * width..(2 * i + 2) * width];
        for (j, o) in row.iter_mut().enumerate() {
            *o = top[2 * j]
                .max(top[2 * j + 1])
                .max(bottom[2 * j])
                .max(bottom[2 * j + 1]);
        }
    }
}

/// The gradient of [`max_pool2_forward`]: each window's gradient goes to the first position (in
/// row-major order) that holds the window's maximum `y`; the others get 0.
///
/// # Shapes
/// - `x`: `[planes, H, W]`, `y`, `grad`: `[planes, H/2, W/2]` → `[planes, H, W]`
pub fn max_pool2_backward(
    x: &[f32],
    y: &[f32],
    grad: &[f32],
    planes: usize,
    height: usize,
    width: usize,
) -> Vec<f32> {
    let (oh, ow) = (height / 2, width / 2);
    assert_eq!(y.len(), planes * oh * ow, "max-pool output size");
    assert_eq!(grad.len(), y.len(), "max-pool gradient size");
    let mut gx = super::zeros(planes * height * width);
    if oh == 0 || ow == 0 {
        return gx;
    }
    gx.par_chunks_mut(height * width)
        .zip(x.par_chunks(height * width))
        .zip(y.par_chunks(oh * ow).zip(grad.par_chunks(oh * ow)))
        .for_each(|((gplane, plane), (yplane, gout))| {
            for i in 0..oh {
                let rows = 2 * i * width..(2 * i + 2) * width;
                let (top, bottom) = plane[rows.clone()].split_at(width);
                let (gtop, gbottom) = gplane[rows].split_at_mut(width);
                let (ys, gs) = (&yplane[i * ow..(i + 1) * ow], &gout[i * ow..(i + 1) * ow]);
                for j in 0..ow {
                    let (m, g) = (ys[j], gs[j]);
                    let (l, r) = (2 * j, 2 * j + 1);
                    if top[l] == m {
                        gtop[l] = g;
                    } else if top[r] == m {
                        gtop[r] = g;
                    } else if bottom[l] == m {
                        gbottom[l] = g;
                    } else {
                        gbottom[r] = g;
                    }
                }
            }
        });
    gx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_routes_gradients_like_the_definition() {
        // One plane 4 × 5 (odd width: the last column is dropped), values with a tie.
        #[rustfmt::skip]
        let x = [
            1.0, 5.0, 2.0, 2.0, 9.0,
            3.0, 4.0, 2.0, 1.0, 9.0,
            0.0, -1.0, 7.0, 8.0, 9.0,
            -2.0, -3.0, 8.0, 6.0, 9.0,
        ];
        let y = max_pool2_forward(&x, 1, 4, 5);
        assert_eq!(y, vec![5.0, 2.0, 0.0, 8.0]);
        let g = max_pool2_backward(&x, &y, &[10.0, 20.0, 30.0, 40.0], 1, 4, 5);
        #[rustfmt::skip]
        let expected = vec![
            0.0, 10.0, 20.0, 0.0, 0.0,   // the tie 2, 2 goes to the first
            0.0, 0.0, 0.0, 0.0, 0.0,
            30.0, 0.0, 0.0, 40.0, 0.0,   // 8 appears twice in its window: the first wins
            0.0, 0.0, 0.0, 0.0, 0.0,
        ];
        assert_eq!(g, expected);
    }

    #[test]
    fn many_planes_match_a_per_plane_loop() {
        let (planes, h, w) = (37, 6, 8);
        let x: Vec<f32> = (0..planes * h * w)
            .map(|i| ((i * 7919) % 101) as f32)
            .collect();
        let y = max_pool2_forward(&x, planes, h, w);
        for p in 0..planes {
            for i in 0..h / 2 {
                for j in 0..w / 2 {
                    let at = |a: usize, b: usize| x[p * h * w + a * w + b];
                    let m = at(2 * i, 2 * j)
                        .max(at(2 * i, 2 * j + 1))
                        .max(at(2 * i + 1, 2 * j))
                        .max(at(2 * i + 1, 2 * j + 1));
                    assert_eq!(y[p * (h / 2) * (w / 2) + i * (w / 2) + j], m);
                }
            }
        }
    }
}
