//! The configuration of the stochastic transformation, as written in a recipe, and its check.

use serde::{Deserialize, Serialize};

use super::Transform;
use crate::DataError;
use crate::check::Checker;

/// The stochastic transformation: a list of operations, each applied with its probability `p`.
///
/// In a recipe (TOML):
///
/// ```toml
/// [[transform.ops]]
/// op = "rotate"
/// degrees = 15
/// p = 0.5
/// ```
///
/// An empty list is the identity. [`TransformConfig::default`] is a mild augmentation suited to
/// small grayscale digits (8×8 or 28×28):
///
/// | op | settings |
/// |---|---|
/// | `resized_crop` | `scale = [0.6, 1.0]`, `ratio = [0.8, 1.25]`, `p = 1` |
/// | `rotate` | `degrees = 15`, `p = 1` |
/// | `translate` | `fraction = 0.1`, `p = 1` |
/// | `noise` | `std = 0.05`, `p = 1` |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformConfig {
    /// The operations, in order. Geometric ones (crop, rotate, translate, flip, elastic) compose
    /// into one resampling; pixel ones (jitter, noise, blur, erase, solarize, invert) are applied
    /// after it, in this order, to every channel. Groups (`random_apply`, `one_of`) are decided first and what they
    /// select takes part as if written in their place.
    #[serde(default)]
    pub ops: Vec<OpConfig>,
    /// The value of every pixel the geometric operations bring in from outside the image
    /// (rotation corners, translation and crop borders, elastic displacement), in `[0, 1]`;
    /// default 0 (background).
    #[serde(default)]
    pub fill: f32,
}

impl Default for TransformConfig {
    fn default() -> Self {
        TransformConfig {
            ops: vec![
                OpConfig::ResizedCrop {
                    scale: [0.6, 1.0],
                    ratio: [0.8, 1.25],
                    p: 1.0,
                },
                OpConfig::Rotate {
                    degrees: 15.0,
                    p: 1.0,
                },
                OpConfig::Translate {
                    fraction: 0.1,
                    p: 1.0,
                },
                OpConfig::Noise { std: 0.05, p: 1.0 },
            ],
            fill: 0.0,
        }
    }
}

/// One operation of the transformation; `op = "..."` in a recipe selects the variant (snake
/// case). Every `p` (probability that the operation is applied) defaults to 1.
///
/// Coordinates: `x` to the right, `y` down, the origin at the image centre; the output image has
/// the input's size and whatever comes from outside the input is `fill` (`[transform] fill`,
/// default 0: background).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpConfig {
    /// Crops a random rectangle and stretches it back to the full image (as torchvision's
    /// `RandomResizedCrop`): its area is a fraction `U(scale)` of the image, its aspect ratio
    /// (width / height) is log-uniform in `ratio`, its position uniform among those inside the
    /// image. A rectangle larger than the image along one side is clamped to that side.
    ResizedCrop {
        /// Range of the area fraction, `0 < lo <= hi <= 1`; default `[0.08, 1.0]`.
        #[serde(default = "default_scale")]
        scale: [f32; 2],
        /// Range of the aspect ratio, `0 < lo <= hi`; default `[0.75, 1.3333334]` (3/4 to 4/3).
        #[serde(default = "default_ratio")]
        ratio: [f32; 2],
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Rotates about the image centre by an angle uniform in `[-degrees, degrees]`; a positive
    /// angle turns the content counter-clockwise as displayed (row 0 at the top).
    Rotate {
        /// Largest angle in degrees, in `[0, 180]`; default 15.
        #[serde(default = "default_degrees")]
        degrees: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Shifts the content by `U(-fraction, fraction)` times the width horizontally and,
    /// independently, times the height vertically.
    Translate {
        /// Largest shift as a fraction of width / height, in `[0, 0.5]`; default 0.1.
        #[serde(default = "default_fraction")]
        fraction: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Elastic distortion (Simard, Steinkraus & Platt, "Best practices for convolutional neural
    /// networks applied to visual document analysis", ICDAR 2003): a random displacement field,
    /// `U(-1, 1)` per pixel and coordinate, smoothed by a normalised Gaussian of standard deviation
    /// `sigma` pixels (zero outside the image, truncated at 4 `sigma`), scaled by `alpha` pixels,
    /// added to the sampling coordinates.
    Elastic {
        /// Scale of the displacement in pixels, `>= 0`; default 34 (Simard's value for 28×28).
        #[serde(default = "default_alpha")]
        alpha: f32,
        /// Smoothness in pixels, `> 0`; default 4 (Simard's value for 28×28).
        #[serde(default = "default_sigma")]
        sigma: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Colour jitter (as torchvision's `ColorJitter`, in a fixed order), clamped to `[0, 1]`
    /// after each step: pixels are multiplied by `U(max(0, 1 - brightness), 1 + brightness)`,
    /// then moved away from or towards the mean (of the luma, on RGB) by a factor
    /// `U(max(0, 1 - contrast), 1 + contrast)`; then, on RGB images only, blended with their
    /// luma image by `U(max(0, 1 - saturation), 1 + saturation)` (0 is gray) and their HSV hue is
    /// turned by `U(-hue, hue)` of a full turn. On grayscale images `saturation` and `hue` are
    /// no-ops (and draw nothing), so the defaults suit both.
    Jitter {
        /// Brightness strength, `>= 0`; default 0.4.
        #[serde(default = "default_jitter")]
        brightness: f32,
        /// Contrast strength, `>= 0`; default 0.4.
        #[serde(default = "default_jitter")]
        contrast: f32,
        /// Saturation strength, `>= 0` (RGB only); default 0.4.
        #[serde(default = "default_jitter")]
        saturation: f32,
        /// Hue strength, in `[0, 0.5]` of a turn (RGB only); default 0.1 (SimCLR's, at colour
        /// strength 0.5).
        #[serde(default = "default_hue")]
        hue: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Adds independent Gaussian noise `N(0, std²)` to every pixel, then clamps to `[0, 1]`.
    Noise {
        /// Standard deviation, `>= 0`; default 0.05.
        #[serde(default = "default_std")]
        std: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Mirrors the image left–right (`horizontal`) and/or top–bottom (`vertical`), about its
    /// centre; part of the affine map, and exact on the pixel grid. Torchvision's
    /// `RandomHorizontalFlip(0.5)` is `op = "flip"` with `p = 0.5`. With both `false` it is the
    /// identity.
    Flip {
        /// Mirror left–right; default `true`.
        #[serde(default = "default_true")]
        horizontal: bool,
        /// Mirror top–bottom; default `false`.
        #[serde(default)]
        vertical: bool,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Gaussian blur (as in SimCLR): a separable, normalised Gaussian of standard deviation
    /// `U(sigma)` pixels, truncated at 3 σ (at least one tap, at most the image size), with the
    /// edge pixels repeated outside the image (so a constant image stays constant). σ = 0 is the
    /// identity.
    Blur {
        /// Range of σ in pixels, `0 <= lo <= hi`, finite; default `[0.1, 2.0]` (SimCLR's).
        #[serde(default = "default_blur_sigma")]
        sigma: [f32; 2],
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Random erasing / cut-out (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020;
    /// as torchvision's `RandomErasing`): a rectangle whose area is a fraction `U(scale)` of the
    /// image and whose aspect ratio (width / height) is log-uniform in `ratio` is set to `value`.
    /// Its sides are rounded to whole pixels and clamped to the image; its position is uniform
    /// among those inside the image. `scale = [0, 0]` is the identity.
    Erase {
        /// Range of the area fraction, `0 <= lo <= hi <= 1`; default `[0.02, 0.33]`.
        #[serde(default = "default_erase_scale")]
        scale: [f32; 2],
        /// Range of the aspect ratio, `0 < lo <= hi`, finite; default `[0.3, 3.3]`.
        #[serde(default = "default_erase_ratio")]
        ratio: [f32; 2],
        /// The fill value, in `[0, 1]`; default 0 (background).
        #[serde(default)]
        value: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Solarisation (as PIL's `ImageOps.solarize` and torchvision's `RandomSolarize`): every pixel
    /// `v >= threshold` becomes `1 - v`. A threshold above 1 is the identity.
    Solarize {
        /// The threshold, `>= 0`, finite; default 0.5.
        #[serde(default = "default_threshold")]
        threshold: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Inversion: every pixel `v` becomes `1 - v`.
    Invert {
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Conversion to grayscale (as torchvision's `RandomGrayscale`, whose usual `p` is 0.2 in
    /// SimCLR): every channel of an RGB image becomes its ITU-R BT.601 luma
    /// `0.299 R + 0.587 G + 0.114 B`; the image keeps its 3 channels. A no-op on grayscale.
    RandomGrayscale {
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// A group applied together (as torchvision's `RandomApply`): with probability `p` its
    /// operations are considered, in order, each still with its own `p` (default 1, so by
    /// default all of them apply); otherwise none is. Groups nest.
    ///
    /// ```toml
    /// [[transform.ops]]
    /// op = "random_apply"
    /// p = 0.8
    /// [[transform.ops.ops]]
    /// op = "jitter"
    /// [[transform.ops.ops]]
    /// op = "blur"
    /// ```
    RandomApply {
        /// The grouped operations, at least one.
        ops: Vec<OpConfig>,
        /// Probability of applying the group, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Exactly one of several operations (as torchvision's `RandomChoice`): with probability
    /// `p`, operation `k` is chosen with probability `weights[k] / sum(weights)` (equal weights
    /// if omitted) and considered with its own `p`; otherwise none is. Groups nest.
    ///
    /// ```toml
    /// [[transform.ops]]
    /// op = "one_of"
    /// weights = [3, 1]
    /// ops = [{ op = "rotate", degrees = 30 }, { op = "flip" }]
    /// ```
    OneOf {
        /// The alternatives, at least one.
        ops: Vec<OpConfig>,
        /// One weight per alternative, each `>= 0` and finite, not all 0; default: all equal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        weights: Option<Vec<f32>>,
        /// Probability of applying the group, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
}

fn default_true() -> bool {
    true
}
fn default_blur_sigma() -> [f32; 2] {
    [0.1, 2.0]
}
fn default_erase_scale() -> [f32; 2] {
    [0.02, 0.33]
}
fn default_erase_ratio() -> [f32; 2] {
    [0.3, 3.3]
}
fn default_threshold() -> f32 {
    0.5
}

fn default_p() -> f32 {
    1.0
}
fn default_scale() -> [f32; 2] {
    [0.08, 1.0]
}
fn default_ratio() -> [f32; 2] {
    [3.0 / 4.0, 4.0 / 3.0]
}
fn default_degrees() -> f32 {
    15.0
}
fn default_fraction() -> f32 {
    0.1
}
fn default_alpha() -> f32 {
    34.0
}
fn default_sigma() -> f32 {
    4.0
}
fn default_jitter() -> f32 {
    0.4
}
fn default_hue() -> f32 {
    0.1
}
fn default_std() -> f32 {
    0.05
}

impl OpConfig {
    /// The `op = "..."` name of this operation.
    pub fn name(&self) -> &'static str {
        match self {
            OpConfig::ResizedCrop { .. } => "resized_crop",
            OpConfig::Rotate { .. } => "rotate",
            OpConfig::Translate { .. } => "translate",
            OpConfig::Elastic { .. } => "elastic",
            OpConfig::Jitter { .. } => "jitter",
            OpConfig::Noise { .. } => "noise",
            OpConfig::Flip { .. } => "flip",
            OpConfig::Blur { .. } => "blur",
            OpConfig::Erase { .. } => "erase",
            OpConfig::Solarize { .. } => "solarize",
            OpConfig::Invert { .. } => "invert",
            OpConfig::RandomGrayscale { .. } => "random_grayscale",
            OpConfig::RandomApply { .. } => "random_apply",
            OpConfig::OneOf { .. } => "one_of",
        }
    }

    /// The probability that this operation is applied.
    pub fn p(&self) -> f32 {
        match *self {
            OpConfig::ResizedCrop { p, .. }
            | OpConfig::Rotate { p, .. }
            | OpConfig::Translate { p, .. }
            | OpConfig::Elastic { p, .. }
            | OpConfig::Jitter { p, .. }
            | OpConfig::Noise { p, .. }
            | OpConfig::Flip { p, .. }
            | OpConfig::Blur { p, .. }
            | OpConfig::Erase { p, .. }
            | OpConfig::Solarize { p, .. }
            | OpConfig::Invert { p }
            | OpConfig::RandomGrayscale { p }
            | OpConfig::RandomApply { p, .. }
            | OpConfig::OneOf { p, .. } => p,
        }
    }
}

impl TransformConfig {
    /// Checks every setting and builds the transformation.
    ///
    /// # Errors
    /// [`DataError::Config`] naming the full key (`transform.ops[i].key`, and inside a group
    /// `transform.ops[i].ops[j].key`), the value and the allowed range:
    /// `p` in `[0, 1]`; `resized_crop`: `0 < scale[0] <= scale[1] <= 1`,
    /// `0 < ratio[0] <= ratio[1]` finite; `rotate`: `degrees` in `[0, 180]`; `translate`:
    /// `fraction` in `[0, 0.5]`; `elastic`: `alpha >= 0`, `sigma > 0`; `jitter`: `brightness`,
    /// `contrast`, `saturation >= 0`, `hue` in `[0, 0.5]`; `noise`: `std >= 0`; `blur`:
    /// `0 <= sigma[0] <= sigma[1]`; `erase`: `0 <= scale[0] <= scale[1] <= 1`,
    /// `0 < ratio[0] <= ratio[1]`, `value` in `[0, 1]`; `solarize`: `threshold >= 0` (all
    /// finite); `random_apply`, `one_of`: a non-empty `ops`; `one_of`: one weight per
    /// alternative, each `>= 0`, not all 0.
    pub fn check(&self) -> Result<Transform, DataError> {
        if !(0.0..=1.0).contains(&self.fill) {
            return Err(DataError::Config {
                key: "transform.fill".into(),
                value: format!("{:?}", self.fill),
                expected: "a number in [0, 1]".into(),
            });
        }
        for (index, op) in self.ops.iter().enumerate() {
            check_op(op, &Checker::op(index))?;
        }
        Ok(Transform::from_checked(self.ops.clone(), self.fill))
    }
}

/// Checks one operation (and, for a group, its members), naming keys under `c`.
fn check_op(op: &OpConfig, c: &Checker) -> Result<(), DataError> {
    c.within("p", op.p(), 0.0, 1.0)?;
    match *op {
        OpConfig::ResizedCrop { scale, ratio, .. } => {
            let [lo, hi] = scale;
            c.ensure(
                lo > 0.0 && lo <= hi && hi <= 1.0,
                "scale",
                scale,
                "[lo, hi] with 0 < lo <= hi <= 1",
            )?;
            let [lo, hi] = ratio;
            c.ensure(
                lo > 0.0 && lo <= hi && hi.is_finite(),
                "ratio",
                ratio,
                "[lo, hi] with 0 < lo <= hi, finite",
            )?;
        }
        OpConfig::Rotate { degrees, .. } => c.within("degrees", degrees, 0.0, 180.0)?,
        OpConfig::Translate { fraction, .. } => c.within("fraction", fraction, 0.0, 0.5)?,
        OpConfig::Elastic { alpha, sigma, .. } => {
            c.non_negative("alpha", alpha)?;
            c.ensure(
                sigma > 0.0 && sigma.is_finite(),
                "sigma",
                sigma,
                "a finite number > 0 (pixels)",
            )?;
        }
        OpConfig::Jitter {
            brightness,
            contrast,
            saturation,
            hue,
            ..
        } => {
            c.non_negative("brightness", brightness)?;
            c.non_negative("contrast", contrast)?;
            c.non_negative("saturation", saturation)?;
            c.within("hue", hue, 0.0, 0.5)?;
        }
        OpConfig::Noise { std, .. } => c.non_negative("std", std)?,
        OpConfig::Flip { .. } | OpConfig::Invert { .. } | OpConfig::RandomGrayscale { .. } => {}
        OpConfig::Blur { sigma, .. } => {
            let [lo, hi] = sigma;
            c.ensure(
                lo >= 0.0 && lo <= hi && hi.is_finite(),
                "sigma",
                sigma,
                "[lo, hi] with 0 <= lo <= hi, finite (pixels)",
            )?;
        }
        OpConfig::Erase {
            scale,
            ratio,
            value,
            ..
        } => {
            let [lo, hi] = scale;
            c.ensure(
                lo >= 0.0 && lo <= hi && hi <= 1.0,
                "scale",
                scale,
                "[lo, hi] with 0 <= lo <= hi <= 1",
            )?;
            let [lo, hi] = ratio;
            c.ensure(
                lo > 0.0 && lo <= hi && hi.is_finite(),
                "ratio",
                ratio,
                "[lo, hi] with 0 < lo <= hi, finite",
            )?;
            c.within("value", value, 0.0, 1.0)?;
        }
        OpConfig::Solarize { threshold, .. } => {
            c.non_negative("threshold", threshold)?;
        }
        OpConfig::RandomApply { ref ops, .. } => check_group(ops, c)?,
        OpConfig::OneOf {
            ref ops,
            ref weights,
            ..
        } => {
            check_group(ops, c)?;
            if let Some(weights) = weights {
                c.ensure(
                    weights.len() == ops.len(),
                    "weights",
                    weights,
                    &format!("one weight per operation of `ops` ({})", ops.len()),
                )?;
                c.ensure(
                    weights.iter().all(|w| *w >= 0.0 && w.is_finite())
                        && weights.iter().any(|w| *w > 0.0),
                    "weights",
                    weights,
                    "finite weights >= 0, not all 0",
                )?;
            }
        }
    }
    Ok(())
}

/// A group's members: at least one, each checked under `c.ops[j]`.
fn check_group(ops: &[OpConfig], c: &Checker) -> Result<(), DataError> {
    c.ensure(
        !ops.is_empty(),
        "ops",
        ops,
        "at least one operation in the group",
    )?;
    for (j, op) in ops.iter().enumerate() {
        check_op(op, &c.child(j))?;
    }
    Ok(())
}
