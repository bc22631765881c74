//! The "same" convolution with bias and ReLU on plain NCHW slices: forward, and the backward pass
//! (input, weight and bias gradients) in one sweep over the batch.
//!
//! Written by hand because burn-flex computes the weight gradient through a generic convolution
//! whose kernel is the whole feature map, converts layouts serially in the forward pass and runs
//! ReLU on one thread (DESIGN.md §2, "burn 0.22.1: facts"). Here each image is one im2col + gemm
//! (`whac_eval::matmul_serial`), images are spread over the rayon pool, and bias, ReLU and its
//! mask are folded into the passes that already touch the data.
//!
//! Stride 1, odd square kernel `K`, zero padding `K / 2` (so the output has the input's size).

use rayon::prelude::*;
use whac_eval::matmul::{MatRef, matmul_serial};

/// The sizes of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Images B.
    pub batch: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Height H (input = output).
    pub height: usize,
    /// Width W (input = output).
    pub width: usize,
    /// Kernel side K (odd).
    pub kernel: usize,
}

impl ConvShape {
    fn plane(&self) -> usize {
        self.height * self.width
    }
    /// Rows of the im2col matrix: `c_in · K²`.
    fn patch(&self) -> usize {
        self.c_in * self.kernel * self.kernel
    }
    /// Values of one input image.
    pub fn image_in(&self) -> usize {
        self.c_in * self.plane()
    }
    /// Values of one output image.
    pub fn image_out(&self) -> usize {
        self.c_out * self.plane()
    }
}

/// Images per parallel task: enough tasks for the pool to balance, few enough that each task's
/// gemms stay large.
fn images_per_task(batch: usize) -> usize {
    batch.div_ceil(4 * rayon::current_num_threads()).max(1)
}

/// `cols[(c, ky, kx), (y, x)] = image[c, y + ky − K/2, x + kx − K/2]` (0 outside).
///
/// # Shapes
/// - `image`: `[c_in, H, W]`, `cols`: `[c_in · K², H · W]`
fn im2col(image: &[f32], s: &ConvShape, cols: &mut [f32]) {
    let (h, w, k) = (s.height, s.width, s.kernel);
    let pad = k / 2;
    for c in 0..s.c_in {
        let plane = &image[c * h * w..(c + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let out = &mut cols[row * h * w..(row + 1) * h * w];
                for y in 0..h {
                    let dst = &mut out[y * w..(y + 1) * w];
                    let sy = y as isize + ky as isize - pad as isize;
                    if sy < 0 || sy >= h as isize {
                        dst.fill(0.0);
                        continue;
                    }
                    let src = &plane[sy as usize * w..(sy as usize + 1) * w];
                    // x + kx − pad in [0, w): x in [pad − kx, w + pad − kx).
                    let lo = pad.saturating_sub(kx);
                    let hi = (w + pad).saturating_sub(kx).min(w);
                    dst[..lo].fill(0.0);
                    dst[hi..].fill(0.0);
                    if lo < hi {
                        dst[lo..hi].copy_from_slice(&src[lo + kx - pad..hi + kx - pad]);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `image[c, y', x'] += Σ cols[(c, ky, kx), (y, x)]` over the
/// positions that read `(y', x')`.
///
/// # Shapes
/// - `cols`: `[c_in · K², H · W]`, `image`: `[c_in, H, W]` (overwritten)
fn col2im(cols: &[f32], s: &ConvShape, image: &mut [f32]) {
    let (h, w, k) = (s.height, s.width, s.kernel);
    let pad = k / 2;
    image.fill(0.0);
    for c in 0..s.c_in {
        let plane = &mut image[c * h * w..(c + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let row = (c * k + ky) * k + kx;
                let src_rows = &cols[row * h * w..(row + 1) * h * w];
                for y in 0..h {
                    let sy = y as isize + ky as isize - pad as isize;
                    if sy < 0 || sy >= h as isize {
                        continue;
                    }
                    let lo = pad.saturating_sub(kx);
                    let hi = (w + pad).saturating_sub(kx).min(w);
                    if lo >= hi {
                        continue;
                    }
                    let dst = &mut plane
                        [sy as usize * w + lo + kx - pad..sy as usize * w + hi + kx - pad];
                    for (d, v) in dst.iter_mut().zip(&src_rows[y * w + lo..y * w + hi]) {
                        *d += v;
                    }
                }
            }
        }
    }
}

/// `y = relu(conv(x, weight) + bias)`.
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]`, `weight`: `[c_out, c_in, K, K]`, `bias`: `[c_out]` → `[B, c_out, H, W]`
pub fn conv_relu_forward(x: &[f32], weight: &[f32], bias: &[f32], s: &ConvShape) -> Vec<f32> {
    assert_eq!(x.len(), s.batch * s.image_in(), "conv input size");
    assert_eq!(weight.len(), s.c_out * s.patch(), "conv weight size");
    assert_eq!(bias.len(), s.c_out, "conv bias size");
    let mut y = super::zeros(s.batch * s.image_out());
    let per_task = images_per_task(s.batch);
    let w_mat = MatRef::row_major(weight, s.c_out, s.patch());
    y.par_chunks_mut(per_task * s.image_out())
        .zip(x.par_chunks(per_task * s.image_in()))
        .for_each_init(
            || vec![0.0f32; s.patch() * s.plane()],
            |cols, (y_task, x_task)| {
                for (y_img, x_img) in y_task
                    .chunks_mut(s.image_out())
                    .zip(x_task.chunks(s.image_in()))
                {
                    im2col(x_img, s, cols);
                    matmul_serial(
                        y_img,
                        w_mat,
                        MatRef::row_major(cols, s.patch(), s.plane()),
                        false,
                    );
                    for (plane, b) in y_img.chunks_mut(s.plane()).zip(bias) {
                        for v in plane {
                            *v = (*v + b).max(0.0);
                        }
                    }
                }
            },
        );
    y
}

/// Gradients of [`conv_relu_forward`].
pub struct ConvGrads {
    /// `[B, c_in, H, W]`, when asked for.
    pub x: Option<Vec<f32>>,
    /// `[c_out, c_in, K, K]`.
    pub weight: Vec<f32>,
    /// `[c_out]`.
    pub bias: Vec<f32>,
}

/// The backward pass of [`conv_relu_forward`] given its output `y` (for the ReLU mask) and the
/// gradient `grad` of the loss with respect to `y`. The input gradient is computed only when
/// `want_x` (the first layer's images need none).
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]`, `weight`: `[c_out, c_in, K, K]`, `y`, `grad`: `[B, c_out, H, W]`
pub fn conv_relu_backward(
    x: &[f32],
    weight: &[f32],
    y: &[f32],
    grad: &[f32],
    s: &ConvShape,
    want_x: bool,
) -> ConvGrads {
    assert_eq!(y.len(), s.batch * s.image_out(), "conv output size");
    assert_eq!(grad.len(), y.len(), "conv output gradient size");
    let n_out = s.image_out();
    backward_from(x, weight, s, want_x, |n, pre| {
        let (y_img, g_img) = (
            &y[n * n_out..(n + 1) * n_out],
            &grad[n * n_out..(n + 1) * n_out],
        );
        for ((p, &yv), &gv) in pre.iter_mut().zip(y_img).zip(g_img) {
            *p = if yv > 0.0 { gv } else { 0.0 };
        }
    })
}

/// `max_pool2(relu(conv(x, weight) + bias))` in one pass: the full-size activation lives only
/// in a per-thread buffer unless `keep` asks for it (autodiff needs it for the backward pass).
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]`, `weight`: `[c_out, c_in, K, K]`, `bias`: `[c_out]`
/// - returns the pooled `[B, c_out, H/2, W/2]` and, with `keep`, the activation `[B, c_out, H, W]`
pub fn conv_relu_pool_forward(
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    s: &ConvShape,
    keep: bool,
) -> (Vec<f32>, Option<Vec<f32>>) {
    let (oh, ow) = (s.height / 2, s.width / 2);
    let pooled_img = s.c_out * oh * ow;
    if keep {
        let y = conv_relu_forward(x, weight, bias, s);
        let pooled = super::pool::max_pool2_forward(&y, s.batch * s.c_out, s.height, s.width);
        return (pooled, Some(y));
    }
    assert_eq!(x.len(), s.batch * s.image_in(), "conv input size");
    let mut pooled = super::zeros(s.batch * pooled_img);
    if pooled_img == 0 {
        return (pooled, None);
    }
    let per_task = images_per_task(s.batch);
    let w_mat = MatRef::row_major(weight, s.c_out, s.patch());
    pooled
        .par_chunks_mut(per_task * pooled_img)
        .zip(x.par_chunks(per_task * s.image_in()))
        .for_each_init(
            || {
                (
                    vec![0.0f32; s.patch() * s.plane()],
                    vec![0.0f32; s.image_out()],
                )
            },
            |(cols, y_img), (p_task, x_task)| {
                for (p_img, x_img) in p_task
                    .chunks_mut(pooled_img)
                    .zip(x_task.chunks(s.image_in()))
                {
                    im2col(x_img, s, cols);
                    let cols = MatRef::row_major(cols, s.patch(), s.plane());
                    matmul_serial(y_img, w_mat, cols, false);
                    for (plane, b) in y_img.chunks_mut(s.plane()).zip(bias) {
                        for v in plane {
                            *v = (*v + b).max(0.0);
                        }
                    }
                    super::pool::max_pool2_into(y_img, p_img, s.height, s.width);
                }
            },
        );
    (pooled, None)
}

/// The backward pass of [`conv_relu_pool_forward`]: each pooled gradient goes to the first
/// position of its window holding the maximum, if that maximum is positive (else ReLU stops it).
///
/// # Shapes
/// - `x`: `[B, c_in, H, W]`, `weight`: `[c_out, c_in, K, K]`, `y`: `[B, c_out, H, W]`,
///   `pooled`, `grad`: `[B, c_out, H/2, W/2]`
pub fn conv_relu_pool_backward(
    x: &[f32],
    weight: &[f32],
    y: &[f32],
    pooled: &[f32],
    grad: &[f32],
    s: &ConvShape,
    want_x: bool,
) -> ConvGrads {
    let (h, w) = (s.height, s.width);
    let (oh, ow) = (h / 2, w / 2);
    let pooled_img = s.c_out * oh * ow;
    assert_eq!(y.len(), s.batch * s.image_out(), "conv output size");
    assert_eq!(pooled.len(), s.batch * pooled_img, "pooled size");
    assert_eq!(grad.len(), pooled.len(), "pooled gradient size");
    backward_from(x, weight, s, want_x, |n, pre| {
        if h % 2 == 1 || w % 2 == 1 {
            // The dropped last row or column gets no gradient; the windows write the rest.
            pre.fill(0.0);
        }
        for c in 0..s.c_out {
            let plane = &y[(n * s.c_out + c) * h * w..(n * s.c_out + c + 1) * h * w];
            let gplane = &mut pre[c * h * w..(c + 1) * h * w];
            let at = (n * s.c_out + c) * oh * ow;
            let (ys, gs) = (&pooled[at..at + oh * ow], &grad[at..at + oh * ow]);
            for ((rows, grows), (ys, gs)) in plane
                .chunks_exact(2 * w)
                .zip(gplane.chunks_exact_mut(2 * w))
                .zip(ys.chunks_exact(ow).zip(gs.chunks_exact(ow)))
            {
                let (top, bottom) = rows.split_at(w);
                let (gtop, gbottom) = grows.split_at_mut(w);
                route_pool_row(top, bottom, ys, gs, gtop, gbottom);
            }
        }
    })
}

/// One row of 2 × 2 windows of [`conv_relu_pool_backward`]: window `j`'s gradient `gs[j]` goes to
/// the first of its four positions (row-major) equal to its maximum `ys[j]`, and nowhere when
/// the maximum is not positive (ReLU's gradient is 0 there); every position is written.
/// Branch-free: which position holds the maximum is data-dependent and unpredictable, and the
/// branchy version was a fifth of the backward pass.
///
/// # Shapes
/// `top`, `bottom`, `gtop`, `gbottom`: the window rows, `W` (≥ 2 · `ys.len()`); `ys`, `gs`: `W/2`.
fn route_pool_row(
    top: &[f32],
    bottom: &[f32],
    ys: &[f32],
    gs: &[f32],
    gtop: &mut [f32],
    gbottom: &mut [f32],
) {
    for (((t, b), (gt, gb)), (&m, &g)) in top
        .chunks_exact(2)
        .zip(bottom.chunks_exact(2))
        .zip(gtop.chunks_exact_mut(2).zip(gbottom.chunks_exact_mut(2)))
        .zip(ys.iter().zip(gs))
    {
        let g = if m > 0.0 { g } else { 0.0 };
        let e0 = t[0] == m;
        let e1 = !e0 && t[1] == m;
        let e2 = !(e0 || e1) && b[0] == m;
        let e3 = !(e0 || e1 || e2);
        gt[0] = if e0 { g } else { 0.0 };
        gt[1] = if e1 { g } else { 0.0 };
        gb[0] = if e2 { g } else { 0.0 };
        gb[1] = if e3 { g } else { 0.0 };
    }
}

/// `Σ v` in 16 interleaved partial sums, so that the compiler keeps them in one vector register
/// (a plain `iter().sum()` is one serial chain of scalar adds, which it may not reorder).
fn lane_sum(v: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let chunks = v.chunks_exact(16);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, x)| *a += x);
    }
    acc.iter().sum::<f32>() + tail
}

/// The shared backward pass: `pre_grad(n, pre)` writes image `n`'s gradient with respect to the
/// pre-activation (`[c_out, H · W]`, ReLU mask applied); from it come the bias gradient (its
/// sum per channel), the weight gradient (`pre · colsᵀ`) and, with `want_x`, the input gradient
/// (`col2im(Wᵀ · pre)`).
fn backward_from(
    x: &[f32],
    weight: &[f32],
    s: &ConvShape,
    want_x: bool,
    pre_grad: impl Fn(usize, &mut [f32]) + Sync,
) -> ConvGrads {
    assert_eq!(x.len(), s.batch * s.image_in(), "conv input size");
    assert_eq!(weight.len(), s.c_out * s.patch(), "conv weight size");
    let per_task = images_per_task(s.batch);
    let (patch, plane) = (s.patch(), s.plane());
    let w_t = MatRef::row_major(weight, s.c_out, patch).t();
    let mut gx = if want_x {
        super::zeros(s.batch * s.image_in())
    } else {
        Vec::new()
    };
    // One task per chunk of images; each returns its partial weight and bias gradients.
    let task = |t: usize, x_task: &[f32], mut gx_task: Option<&mut [f32]>| {
        let mut gw = vec![0.0f32; s.c_out * patch];
        let mut gb = vec![0.0f32; s.c_out];
        let mut cols = vec![0.0f32; patch * plane];
        let mut pre = vec![0.0f32; s.image_out()];
        for (i, x_img) in x_task.chunks(s.image_in()).enumerate() {
            pre_grad(t * per_task + i, &mut pre);
            for (p, gb) in pre.chunks(plane).zip(gb.iter_mut()) {
                *gb += lane_sum(p);
            }
            let g_mat = MatRef::row_major(&pre, s.c_out, plane);
            im2col(x_img, s, &mut cols);
            // gw += g · colsᵀ: [c_out, HW] × [HW, patch].
            matmul_serial(
                &mut gw,
                g_mat,
                MatRef::row_major(&cols, patch, plane).t(),
                true,
            );
            if let Some(gx_task) = gx_task.as_deref_mut() {
                // dcols = Wᵀ · g: [patch, c_out] × [c_out, HW], then scattered back.
                matmul_serial(&mut cols, w_t, g_mat, false);
                col2im(
                    &cols,
                    s,
                    &mut gx_task[i * s.image_in()..(i + 1) * s.image_in()],
                );
            }
        }
        (gw, gb)
    };
    // Partial sums are collected in task order and added in that order, so the result does not
    // depend on how rayon split the work (training runs are reproducible bit for bit).
    let inputs = x.par_chunks(per_task * s.image_in()).enumerate();
    let partials: Vec<(Vec<f32>, Vec<f32>)> = if want_x {
        inputs
            .zip(gx.par_chunks_mut(per_task * s.image_in()))
            .map(|((t, xt), gxt)| task(t, xt, Some(gxt)))
            .collect()
    } else {
        inputs.map(|(t, xt)| task(t, xt, None)).collect()
    };
    let mut weight_grad = vec![0.0f32; s.c_out * patch];
    let mut bias_grad = vec![0.0f32; s.c_out];
    for (gw, gb) in &partials {
        weight_grad.iter_mut().zip(gw).for_each(|(a, b)| *a += b);
        bias_grad.iter_mut().zip(gb).for_each(|(a, b)| *a += b);
    }
    ConvGrads {
        x: want_x.then_some(gx),
        weight: weight_grad,
        bias: bias_grad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect()
    }

    /// Every multiply-add of the convolution's definition, as `(output, input, weight)` indices
    /// into the NCHW output, the NCHW input and the `[c_out, c_in, K, K]` weight.
    fn taps(s: &ConvShape) -> Vec<(usize, usize, usize)> {
        let (h, wd, k) = (s.height as isize, s.width as isize, s.kernel as isize);
        let pad = k / 2;
        let mut taps = Vec::new();
        for n in 0..s.batch as isize {
            for o in 0..s.c_out as isize {
                for y in 0..h {
                    for xx in 0..wd {
                        let oi = ((n * s.c_out as isize + o) * h + y) * wd + xx;
                        for c in 0..s.c_in as isize {
                            for ky in 0..k {
                                for kx in 0..k {
                                    let (sy, sx) = (y + ky - pad, xx + kx - pad);
                                    if sy < 0 || sy >= h || sx < 0 || sx >= wd {
                                        continue;
                                    }
                                    let xi = ((n * s.c_in as isize + c) * h + sy) * wd + sx;
                                    let wi = ((o * s.c_in as isize + c) * k + ky) * k + kx;
                                    taps.push((oi as usize, xi as usize, wi as usize));
                                }
                            }
                        }
                    }
                }
            }
        }
        taps
    }

    /// The convolution (before ReLU) written as the definition.
    fn naive_pre(x: &[f32], w: &[f32], b: &[f32], s: &ConvShape) -> Vec<f32> {
        let plane = s.height * s.width;
        let mut out: Vec<f32> = (0..s.batch * s.image_out())
            .map(|i| b[(i / plane) % s.c_out])
            .collect();
        for (oi, xi, wi) in taps(s) {
            out[oi] += x[xi] * w[wi];
        }
        out
    }

    const SHAPES: [ConvShape; 3] = [
        ConvShape {
            batch: 3,
            c_in: 2,
            c_out: 4,
            height: 5,
            width: 6,
            kernel: 3,
        },
        ConvShape {
            batch: 9,
            c_in: 1,
            c_out: 3,
            height: 4,
            width: 4,
            kernel: 3,
        },
        ConvShape {
            batch: 2,
            c_in: 3,
            c_out: 2,
            height: 7,
            width: 5,
            kernel: 5,
        },
    ];

    #[test]
    fn forward_matches_the_definition() {
        for s in SHAPES {
            let x = values(s.batch * s.image_in(), 1);
            let w = values(s.c_out * s.patch(), 2);
            let b = values(s.c_out, 3);
            let fast = conv_relu_forward(&x, &w, &b, &s);
            let slow: Vec<f32> = naive_pre(&x, &w, &b, &s)
                .iter()
                .map(|v| v.max(0.0))
                .collect();
            for (a, e) in fast.iter().zip(&slow) {
                assert!((a - e).abs() < 1e-5, "{s:?}: {a} vs {e}");
            }
            assert!(fast.contains(&0.0) && fast.iter().any(|&v| v > 0.0));
        }
    }

    /// The gradients of `L = Σ r ⊙ relu(conv(x))` written as the definition: every
    /// multiply-add of the forward pass sends `r · [pre > 0]` back to its two factors.
    fn naive_grads(
        x: &[f32],
        w: &[f32],
        b: &[f32],
        r: &[f32],
        s: &ConvShape,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let plane = s.height * s.width;
        let g: Vec<f32> = naive_pre(x, w, b, s)
            .iter()
            .zip(r)
            .map(|(&p, &r)| if p > 0.0 { r } else { 0.0 })
            .collect();
        let (mut gx, mut gw, mut gb) = (
            vec![0.0f32; x.len()],
            vec![0.0f32; w.len()],
            vec![0.0f32; b.len()],
        );
        for (i, &gi) in g.iter().enumerate() {
            gb[(i / plane) % s.c_out] += gi;
        }
        for (oi, xi, wi) in taps(s) {
            gx[xi] += g[oi] * w[wi];
            gw[wi] += g[oi] * x[xi];
        }
        (gx, gw, gb)
    }

    #[test]
    fn backward_matches_the_definition() {
        for s in SHAPES {
            let x = values(s.batch * s.image_in(), 4);
            let w = values(s.c_out * s.patch(), 5);
            let b = values(s.c_out, 6);
            let r = values(s.batch * s.image_out(), 7);
            let y = conv_relu_forward(&x, &w, &b, &s);
            let g = conv_relu_backward(&x, &w, &y, &r, &s, true);
            let (gx, gw, gb) = naive_grads(&x, &w, &b, &r, &s);
            for (name, fast, slow) in [
                ("x", g.x.as_ref().unwrap(), &gx),
                ("weight", &g.weight, &gw),
                ("bias", &g.bias, &gb),
            ] {
                for (i, (a, e)) in fast.iter().zip(slow).enumerate() {
                    assert!((a - e).abs() < 1e-4, "{s:?} {name}[{i}]: {a} vs {e}");
                }
            }
            // The fused conv + ReLU + pool against conv + ReLU followed by the pool.
            let (pooled, kept) = conv_relu_pool_forward(&x, &w, &b, &s, true);
            let (pooled_only, none) = conv_relu_pool_forward(&x, &w, &b, &s, false);
            assert!(none.is_none());
            assert_eq!(pooled, pooled_only);
            assert_eq!(kept.as_deref(), Some(&y[..]));
            let planes = s.batch * s.c_out;
            assert_eq!(
                pooled,
                super::super::pool::max_pool2_forward(&y, planes, s.height, s.width)
            );
            let r2 = values(pooled.len(), 8);
            let fused = conv_relu_pool_backward(&x, &w, &y, &pooled, &r2, &s, true);
            let dense =
                super::super::pool::max_pool2_backward(&y, &pooled, &r2, planes, s.height, s.width);
            let composed = conv_relu_backward(&x, &w, &y, &dense, &s, true);
            for (name, a, e) in [
                ("x", fused.x.as_ref().unwrap(), composed.x.as_ref().unwrap()),
                ("weight", &fused.weight, &composed.weight),
                ("bias", &fused.bias, &composed.bias),
            ] {
                for (i, (a, e)) in a.iter().zip(e).enumerate() {
                    assert!((a - e).abs() < 1e-5, "{s:?} fused {name}[{i}]: {a} vs {e}");
                }
            }
            let without = conv_relu_backward(&x, &w, &y, &r, &s, false);
            assert!(without.x.is_none());
            assert_eq!(without.weight, g.weight);
        }
    }
    /// Ties: with zero weights every output is ReLU(bias), so all four positions of every window
    /// hold its maximum. The gradient must go to exactly one of them, the first (as burn's and
    /// the unfused pool's backward do), and nowhere in a channel whose maximum is 0.
    #[test]
    fn pool_backward_routes_ties_to_the_first_position() {
        for s in SHAPES {
            let x = values(s.batch * s.image_in(), 9);
            let w = vec![0.0f32; s.c_out * s.patch()];
            let b: Vec<f32> = (0..s.c_out)
                .map(|c| if c % 2 == 0 { 0.5 } else { -0.5 })
                .collect();
            let (pooled, kept) = conv_relu_pool_forward(&x, &w, &b, &s, true);
            let y = kept.unwrap();
            let r = values(pooled.len(), 10);
            let fused = conv_relu_pool_backward(&x, &w, &y, &pooled, &r, &s, true);
            let planes = s.batch * s.c_out;
            let dense =
                super::super::pool::max_pool2_backward(&y, &pooled, &r, planes, s.height, s.width);
            let composed = conv_relu_backward(&x, &w, &y, &dense, &s, true);
            let windows = pooled.len() / planes;
            for c in 0..s.c_out {
                let expected: f32 = if c % 2 == 0 {
                    (0..s.batch)
                        .flat_map(|n| &r[(n * s.c_out + c) * windows..][..windows])
                        .sum()
                } else {
                    0.0
                };
                let got = fused.bias[c];
                assert!(
                    (got - expected).abs() < 1e-4,
                    "{s:?} bias[{c}]: {got} vs {expected}"
                );
            }
            for (name, a, e) in [
                ("x", fused.x.as_ref().unwrap(), composed.x.as_ref().unwrap()),
                ("weight", &fused.weight, &composed.weight),
            ] {
                for (i, (a, e)) in a.iter().zip(e).enumerate() {
                    assert!((a - e).abs() < 1e-5, "{s:?} ties {name}[{i}]: {a} vs {e}");
                }
            }
        }
    }
}
