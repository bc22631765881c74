//! The checked transformation and how one transformed copy of an image is drawn.

use std::cell::RefCell;

use rand::{Rng, RngExt};

use super::affine::{Affine, resample};
use super::blur::blur;
use super::elastic::{ElasticScratch, add_displacement};
use super::pixel::{erase, invert, jitter, noise, solarize, uniform};
use super::{OpConfig, TransformConfig};

/// A checked stochastic transformation, built by [`TransformConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Transform {
    /// Operations whose settings are all within range.
    ops: Vec<OpConfig>,
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
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Transform {
    /// Only [`TransformConfig::check`] builds one.
    pub(crate) fn from_checked(ops: Vec<OpConfig>) -> Transform {
        Transform { ops }
    }

    /// The identity transformation (no operation).
    pub fn identity() -> Transform {
        Transform { ops: Vec::new() }
    }

    /// The (checked) operations, in order.
    pub fn ops(&self) -> &[OpConfig] {
        &self.ops
    }

    /// The configuration this transformation was built from.
    pub fn config(&self) -> TransformConfig {
        TransformConfig {
            ops: self.ops.clone(),
        }
    }

    /// Draws one transformed copy of the grayscale image `src` into `out`.
    ///
    /// Each operation is applied with its probability `p` (one uniform draw each, in order).
    /// The geometric operations that fire (resized crop, rotate, translate, flip, in their order) are
    /// composed into one affine map, elastic distortion adds its displacement to the sampling
    /// coordinates, and the image is resampled once, bilinearly, with 0 outside the input. If none
    /// fires, `src` is copied exactly. Then the pixel operations that fire (jitter, noise, blur,
    /// erase, solarize, invert) are applied in their order.
    ///
    /// # Shapes
    /// `src`: `[h, w]` row-major, values in `[0, 1]`; `out`: `[h, w]`, values in `[0, 1]`.
    ///
    /// # Panics
    /// If `src` or `out` does not hold `h * w` values (a programming error).
    pub fn apply(&self, src: &[f32], h: usize, w: usize, rng: &mut impl Rng, out: &mut [f32]) {
        let n = h * w;
        assert!(
            src.len() == n && out.len() == n,
            "Transform::apply: {h}x{w} image but src has {} values and out {}",
            src.len(),
            out.len()
        );
        let fires = |rng: &mut _, p: f32| RngExt::random::<f32>(rng) < p;
        let (wf, hf) = (w as f32, h as f32);

        SCRATCH.with_borrow_mut(|scratch| {
            // Pass 1: geometry, as one map from output to source (plus displacement).
            let mut map = Affine::IDENTITY;
            let mut moved = false;
            let mut displaced = false;
            for op in &self.ops {
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
                        map = map.compose(Affine::crop(x0, y0, cw, ch, wf, hf));
                        moved = true;
                    }
                    OpConfig::Rotate { degrees, p } => {
                        if !fires(rng, p) {
                            continue;
                        }
                        let angle = uniform(rng, -degrees, degrees).to_radians();
                        map = map.compose(Affine::rotation(angle));
                        moved = true;
                    }
                    OpConfig::Translate { fraction, p } => {
                        if !fires(rng, p) {
                            continue;
                        }
                        let tx = uniform(rng, -fraction, fraction) * wf;
                        let ty = uniform(rng, -fraction, fraction) * hf;
                        map = map.compose(Affine::translation(tx, ty));
                        moved = true;
                    }
                    OpConfig::Elastic { alpha, sigma, p } => {
                        if !fires(rng, p) {
                            continue;
                        }
                        if !displaced {
                            scratch.field.clear();
                            scratch.field.resize(2 * n, 0.0);
                            displaced = true;
                        }
                        add_displacement(
                            h,
                            w,
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
                        map = map.compose(Affine::flip(horizontal, vertical));
                        moved = true;
                    }
                    OpConfig::Jitter { .. }
                    | OpConfig::Noise { .. }
                    | OpConfig::Blur { .. }
                    | OpConfig::Erase { .. }
                    | OpConfig::Solarize { .. }
                    | OpConfig::Invert { .. } => {}
                }
            }
            if moved || displaced {
                let field = displaced.then_some(&scratch.field[..]);
                resample(src, h, w, &map, field, out);
            } else {
                out.copy_from_slice(src);
            }

            // Pass 2: pixel operations.
            for op in &self.ops {
                match *op {
                    OpConfig::Jitter {
                        brightness,
                        contrast,
                        p,
                    } => {
                        if fires(rng, p) {
                            jitter(out, brightness, contrast, rng);
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
                            blur(out, h, w, s, &mut scratch.kernel, &mut scratch.blurred);
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
                    OpConfig::ResizedCrop { .. }
                    | OpConfig::Rotate { .. }
                    | OpConfig::Translate { .. }
                    | OpConfig::Elastic { .. }
                    | OpConfig::Flip { .. } => {}
                }
            }
        });
    }
}
