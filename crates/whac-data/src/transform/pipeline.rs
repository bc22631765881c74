//! The checked transformation and how one transformed copy of an image is drawn.

use std::cell::RefCell;

use rand::{Rng, RngExt};

use super::affine::{Affine, resample};
use super::blur::blur;
use super::colour::{Jitter, grayscale, jitter};
use super::elastic::{ElasticScratch, add_displacement};
use super::pixel::{erase, invert, noise, solarize, uniform};
use super::{OpConfig, TransformConfig};

/// A checked stochastic transformation, built by [`TransformConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Transform {
    /// Operations whose settings are all within range.
    ops: Vec<OpConfig>,
    /// Value of pixels brought in from outside the image, in [0, 1].
    fill: f32,
}

/// Per-thread buffers, so that drawing a copy allocates nothing once they have grown.
#[derive(Default)]
struct Scratch {
    /// Displacement field, `2 × h × w`.
    field: Vec<f32>,
    elastic: ElasticScratch,
    /// Blur kernel and intermediate image.
    kernel: Vec<f32>,
    blurred: Vec<f32>,
    /// The group decisions of the copy being drawn, in the order the groups are met.
    decisions: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Transform {
    /// Only [`TransformConfig::check`] builds one.
    pub(crate) fn from_checked(ops: Vec<OpConfig>, fill: f32) -> Transform {
        Transform { ops, fill }
    }

    /// The identity transformation (no operation).
    pub fn identity() -> Transform {
        Transform {
            ops: Vec::new(),
            fill: 0.0,
        }
    }

    /// The (checked) operations, in order.
    pub fn ops(&self) -> &[OpConfig] {
        &self.ops
    }

    /// The configuration this transformation was built from.
    pub fn config(&self) -> TransformConfig {
        TransformConfig {
            ops: self.ops.clone(),
            fill: self.fill,
        }
    }

    /// Draws one transformed copy of the grayscale image `src` into `out`: [`Transform::apply_image`]
    /// with one channel.
    ///
    /// # Shapes
    /// `src`: `[h, w]` row-major, values in `[0, 1]`; `out`: `[h, w]`, values in `[0, 1]`.
    ///
    /// # Panics
    /// If `src` or `out` does not hold `h * w` values (a programming error).
    pub fn apply(&self, src: &[f32], h: usize, w: usize, rng: &mut impl Rng, out: &mut [f32]) {
        self.apply_image(src, 1, h, w, rng, out);
    }

    /// Draws one transformed copy of the image `src` (`channels` planes of `h × w`) into `out`.
    ///
    /// Each operation is applied with its probability `p` (one uniform draw each, in order).
    /// The geometric operations that fire (resized crop, rotate, translate, flip, in their order) are
    /// composed into one affine map, elastic distortion adds its displacement to the sampling
    /// coordinates, and every channel is resampled once with that map, bilinearly, with 0 outside
    /// the input. If none fires, `src` is copied exactly. Then the pixel operations that fire
    /// (jitter, noise, blur, erase, solarize, invert, random_grayscale) are applied in their
    /// order; erase fills the same rectangle in every channel, and the colour operations that
    /// need RGB (saturation, hue, grayscale) do nothing unless `channels == 3`.
    ///
    /// Groups (`random_apply`, `one_of`) are decided in the first (geometric) pass, in order, as
    /// they are met: what they select takes part in both passes, as if written in their place in
    /// the sequence. So a copy is a function of the random stream alone, and the geometry of a
    /// nested group still fuses into the one resampling.
    ///
    /// # Shapes
    /// `src`: `[channels, h, w]` row-major, values in `[0, 1]`; `out`: the same.
    ///
    /// # Panics
    /// If `src` or `out` does not hold `channels * h * w` values (a programming error).
    pub fn apply_image(
        &self,
        src: &[f32],
        channels: usize,
        h: usize,
        w: usize,
        rng: &mut impl Rng,
        out: &mut [f32],
    ) {
        let n = h * w;
        assert!(
            src.len() == channels * n && out.len() == channels * n,
            "Transform::apply_image: {channels}x{h}x{w} image but src has {} values and out {}",
            src.len(),
            out.len()
        );
        SCRATCH.with_borrow_mut(|scratch| {
            // Pass 1: geometry (and every group decision), as one map from output to source
            // plus a displacement field.
            scratch.decisions.clear();
            let mut geo = Geometry {
                h,
                w,
                map: Affine::IDENTITY,
                moved: false,
                displaced: false,
            };
            geometry_pass(&self.ops, rng, &mut geo, scratch);
            if (geo.moved || geo.displaced) && n > 0 {
                let field = geo.displaced.then_some(&scratch.field[..]);
                for (s, o) in src.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
                    resample(s, h, w, &geo.map, field, self.fill, o);
                }
            } else {
                out.copy_from_slice(src);
            }

            // Pass 2: pixel operations, replaying the group decisions.
            let mut cursor = 0;
            let shape = Shape { channels, h, w };
            pixel_pass(&self.ops, rng, shape, &mut cursor, scratch, out);
            debug_assert_eq!(cursor, scratch.decisions.len());
        });
    }
}

/// The shape of the image the pixel operations work on.
#[derive(Debug, Clone, Copy)]
struct Shape {
    channels: usize,
    h: usize,
    w: usize,
}

/// `U[0, 1) < p`.
#[inline]
fn fires(rng: &mut impl Rng, p: f32) -> bool {
    RngExt::random::<f32>(rng) < p
}

/// What a group decided, recorded in pass 1 and replayed in pass 2: [`SKIP`] or the index of
/// the chosen member of a `one_of` (0 for a `random_apply` that fires).
const SKIP: u32 = u32::MAX;

/// Draws whether a group applies and which member: [`SKIP`], or the index of the member to use
/// (always 0 for `random_apply`, whose members all apply).
fn decide(op: &OpConfig, rng: &mut impl Rng) -> u32 {
    match op {
        OpConfig::RandomApply { p, .. } => {
            if fires(rng, *p) {
                0
            } else {
                SKIP
            }
        }
        OpConfig::OneOf { ops, weights, p } => {
            if !fires(rng, *p) {
                return SKIP;
            }
            pick(rng, ops.len(), weights.as_deref()) as u32
        }
        _ => unreachable!("decide is only called on groups"),
    }
}

/// Index `k < n` with probability `weights[k] / sum` (uniform without weights); one uniform
/// draw. A zero weight is never picked.
fn pick(rng: &mut impl Rng, n: usize, weights: Option<&[f32]>) -> usize {
    let u: f32 = RngExt::random(rng);
    match weights {
        None => ((u * n as f32) as usize).min(n - 1),
        Some(weights) => {
            let total: f32 = weights.iter().sum();
            let target = u * total;
            let mut cum = 0.0;
            for (k, &wk) in weights.iter().enumerate() {
                cum += wk;
                if target < cum {
                    return k;
                }
            }
            // Rounding at the top end: the last alternative with a positive weight.
            weights.iter().rposition(|&wk| wk > 0.0).unwrap_or(0)
        }
    }
}

/// The members of a group that take part, given its decision.
fn selected(op: &OpConfig, decision: u32) -> &[OpConfig] {
    match op {
        _ if decision == SKIP => &[],
        OpConfig::RandomApply { ops, .. } => ops,
        OpConfig::OneOf { ops, .. } => {
            let k = decision as usize;
            &ops[k..=k]
        }
        _ => unreachable!("selected is only called on groups"),
    }
}

/// The geometry accumulated in pass 1.
struct Geometry {
    h: usize,
    w: usize,
    map: Affine,
    moved: bool,
    displaced: bool,
}

/// Pass 1 over `ops`: draws the geometric operations and the group decisions, in order.
fn geometry_pass(ops: &[OpConfig], rng: &mut impl Rng, geo: &mut Geometry, scratch: &mut Scratch) {
    let (wf, hf) = (geo.w as f32, geo.h as f32);
    for op in ops {
        match *op {
            OpConfig::ResizedCrop { scale, ratio, p } => {
                if !fires(rng, p) {
                    continue;
                }
                let area = uniform(rng, scale[0], scale[1]) * wf * hf;
                let aspect = uniform(rng, ratio[0].ln(), ratio[1].ln()).exp();
                let cw = (area * aspect).sqrt().min(wf);
                let ch = (area / aspect).sqrt().min(hf);
                let x0 = uniform(rng, 0.0, wf - cw);
                let y0 = uniform(rng, 0.0, hf - ch);
                geo.map = geo.map.compose(Affine::crop(x0, y0, cw, ch, wf, hf));
                geo.moved = true;
            }
            OpConfig::Rotate { degrees, p } => {
                if !fires(rng, p) {
                    continue;
                }
                let angle = uniform(rng, -degrees, degrees).to_radians();
                geo.map = geo.map.compose(Affine::rotation(angle));
                geo.moved = true;
            }
            OpConfig::Translate { fraction, p } => {
                if !fires(rng, p) {
                    continue;
                }
                let tx = uniform(rng, -fraction, fraction) * wf;
                let ty = uniform(rng, -fraction, fraction) * hf;
                geo.map = geo.map.compose(Affine::translation(tx, ty));
                geo.moved = true;
            }
            OpConfig::Elastic { alpha, sigma, p } => {
                if !fires(rng, p) {
                    continue;
                }
                let n = geo.h * geo.w;
                if !geo.displaced {
                    scratch.field.clear();
                    scratch.field.resize(2 * n, 0.0);
                    geo.displaced = true;
                }
                add_displacement(
                    geo.h,
                    geo.w,
                    alpha,
                    sigma,
                    rng,
                    &mut scratch.field,
                    &mut scratch.elastic,
                );
            }
            OpConfig::Flip {
                horizontal,
                vertical,
                p,
            } => {
                if !fires(rng, p) {
                    continue;
                }
                geo.map = geo.map.compose(Affine::flip(horizontal, vertical));
                geo.moved = true;
            }
            OpConfig::RandomApply { .. } | OpConfig::OneOf { .. } => {
                let decision = decide(op, rng);
                scratch.decisions.push(decision);
                geometry_pass(selected(op, decision), rng, geo, scratch);
            }
            OpConfig::Jitter { .. }
            | OpConfig::Noise { .. }
            | OpConfig::Blur { .. }
            | OpConfig::Erase { .. }
            | OpConfig::Solarize { .. }
            | OpConfig::Invert { .. }
            | OpConfig::RandomGrayscale { .. } => {}
        }
    }
}

/// Pass 2 over `ops`: draws and applies the pixel operations, in order, following the group
/// decisions of pass 1 (`scratch.decisions[*cursor..]`, in the same order).
fn pixel_pass(
    ops: &[OpConfig],
    rng: &mut impl Rng,
    shape: Shape,
    cursor: &mut usize,
    scratch: &mut Scratch,
    out: &mut [f32],
) {
    let Shape { channels, h, w } = shape;
    for op in ops {
        match *op {
            OpConfig::Jitter {
                brightness,
                contrast,
                saturation,
                hue,
                p,
            } => {
                if fires(rng, p) {
                    let strengths = Jitter {
                        brightness,
                        contrast,
                        saturation,
                        hue,
                    };
                    jitter(out, channels, strengths, rng);
                }
            }
            OpConfig::Noise { std, p } => {
                if fires(rng, p) {
                    noise(out, std, rng);
                }
            }
            OpConfig::Blur { sigma, p } => {
                if fires(rng, p) {
                    let s = uniform(rng, sigma[0], sigma[1]);
                    for plane in out.chunks_exact_mut((h * w).max(1)) {
                        blur(plane, h, w, s, &mut scratch.kernel, &mut scratch.blurred);
                    }
                }
            }
            OpConfig::Erase {
                scale,
                ratio,
                value,
                p,
            } => {
                if fires(rng, p) {
                    erase(out, h, w, scale, ratio, value, rng);
                }
            }
            OpConfig::Solarize { threshold, p } => {
                if fires(rng, p) {
                    solarize(out, threshold);
                }
            }
            OpConfig::Invert { p } => {
                if fires(rng, p) {
                    invert(out);
                }
            }
            OpConfig::RandomGrayscale { p } => {
                if fires(rng, p) {
                    grayscale(out, channels);
                }
            }
            OpConfig::RandomApply { .. } | OpConfig::OneOf { .. } => {
                let decision = scratch.decisions[*cursor];
                *cursor += 1;
                pixel_pass(selected(op, decision), rng, shape, cursor, scratch, out);
            }
            OpConfig::ResizedCrop { .. }
            | OpConfig::Rotate { .. }
            | OpConfig::Translate { .. }
            | OpConfig::Elastic { .. }
            | OpConfig::Flip { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn pick_follows_the_weights_and_skips_zeros() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut counts = [0usize; 4];
        let n = 40_000;
        for _ in 0..n {
            counts[pick(&mut rng, 4, Some(&[1.0, 0.0, 2.0, 1.0]))] += 1;
        }
        assert_eq!(counts[1], 0);
        // Expected n/4, 0, n/2, n/4; binomial sd <= 100, allow 5 sd.
        for (k, expect) in [(0, n / 4), (2, n / 2), (3, n / 4)] {
            assert!(counts[k].abs_diff(expect) < 500, "{counts:?}");
        }
        for _ in 0..1000 {
            assert!(pick(&mut rng, 3, None) < 3);
        }
    }
}
