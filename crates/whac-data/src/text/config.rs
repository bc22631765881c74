//! The configuration of the stochastic text transformation, as written in a recipe, and its check.

use serde::{Deserialize, Serialize};

use super::TextTransform;
use crate::DataError;
use crate::check::Checker;

/// The stochastic transformation of a token id sequence: a list of operations, each applied with
/// its probability `p`, in order.
///
/// In a recipe (TOML):
///
/// ```toml
/// [[transform.ops]]
/// op = "span_mask"
/// fraction = 0.15
/// mean_span = 3
/// p = 1.0
/// ```
///
/// An empty list is the identity. [`TextTransformConfig::default`] is `crop` (`keep = [0.6, 1]`)
/// then `token_dropout` (`rate = 0.1`), both with `p = 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextTransformConfig {
    /// The operations, in order.
    #[serde(default)]
    pub ops: Vec<TextOpConfig>,
}

impl Default for TextTransformConfig {
    fn default() -> Self {
        TextTransformConfig {
            ops: vec![
                TextOpConfig::Crop {
                    keep: [0.6, 1.0],
                    p: 1.0,
                },
                TextOpConfig::TokenDropout { rate: 0.1, p: 1.0 },
            ],
        }
    }
}

/// One operation on a token id sequence; `op = "..."` in a recipe selects the variant (snake
/// case). Every `p` (probability that the operation is applied) defaults to 1. An empty sequence
/// is left empty by every operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum TextOpConfig {
    /// Token dropout (word dropout): each token is independently *replaced* by `<unk>`
    /// ([`super::UNK`]) with probability `rate`; the length does not change. (Removing tokens is
    /// [`TextOpConfig::Delete`].)
    TokenDropout {
        /// Per-token probability, in `[0, 1]`; default 0.1.
        #[serde(default = "default_rate")]
        rate: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Span masking (as T5's `random_spans_noise_mask`, Raffel et al. 2020): exactly
    /// `m = round(fraction × n)` of the `n` tokens are replaced by `<mask>` ([`super::MASK`]), in
    /// `k = clamp(round(m / mean_span), 1, m)` disjoint spans (two touch when the gap between them
    /// is empty). The span lengths are a uniformly random composition of `m` into `k` positive
    /// parts, the gaps a uniformly random composition of `n − m` into `k + 1` non-negative parts.
    /// The mean span length is `m / k ≈ mean_span`; the sequence length does not change.
    SpanMask {
        /// Fraction of tokens masked, in `[0, 1]`; default 0.15.
        #[serde(default = "default_fraction")]
        fraction: f32,
        /// Mean span length in tokens, `>= 1`, finite; default 3.
        #[serde(default = "default_mean_span")]
        mean_span: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Random contiguous crop: keeps `clamp(round(u × n), 1, n)` consecutive tokens with
    /// `u ~ U(keep[0], keep[1])`, starting at a uniformly random position.
    Crop {
        /// Range of the kept fraction, `0 < lo <= hi <= 1`; default `[0.5, 1.0]`.
        #[serde(default = "default_keep")]
        keep: [f32; 2],
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Local word swap: for each position `i` from left to right, with probability `rate`, the
    /// token now at `i` is swapped with the one at `i + d`, `d` uniform in `1..=window` (clamped
    /// to the end). With `window = 1` these are adjacent swaps; a token can travel further through
    /// successive swaps. The multiset of tokens does not change.
    Swap {
        /// Per-position probability, in `[0, 1]`; default 0.1.
        #[serde(default = "default_rate")]
        rate: f32,
        /// Largest distance of a swap, `>= 1`; default 1.
        #[serde(default = "default_window")]
        window: usize,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Random deletion (as EDA, Wei & Zou 2019): each token is independently removed with
    /// probability `rate`; if all would go, one uniformly chosen token of the input is kept.
    Delete {
        /// Per-token probability, in `[0, 1]`; default 0.1.
        #[serde(default = "default_rate")]
        rate: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
}

fn default_p() -> f32 {
    1.0
}
fn default_rate() -> f32 {
    0.1
}
fn default_fraction() -> f32 {
    0.15
}
fn default_mean_span() -> f32 {
    3.0
}
fn default_keep() -> [f32; 2] {
    [0.5, 1.0]
}
fn default_window() -> usize {
    1
}

impl TextOpConfig {
    /// The `op = "..."` name of this operation.
    pub fn name(&self) -> &'static str {
        match self {
            TextOpConfig::TokenDropout { .. } => "token_dropout",
            TextOpConfig::SpanMask { .. } => "span_mask",
            TextOpConfig::Crop { .. } => "crop",
            TextOpConfig::Swap { .. } => "swap",
            TextOpConfig::Delete { .. } => "delete",
        }
    }

    /// The probability that this operation is applied.
    pub fn p(&self) -> f32 {
        match *self {
            TextOpConfig::TokenDropout { p, .. }
            | TextOpConfig::SpanMask { p, .. }
            | TextOpConfig::Crop { p, .. }
            | TextOpConfig::Swap { p, .. }
            | TextOpConfig::Delete { p, .. } => p,
        }
    }
}

impl TextTransformConfig {
    /// Checks every setting and builds the transformation.
    ///
    /// # Errors
    /// [`DataError::Config`] naming `transform.ops[i].key`, the value and the allowed range:
    /// `p`, `rate`, `fraction` in `[0, 1]`; `span_mask`: `mean_span >= 1` finite; `crop`:
    /// `0 < keep[0] <= keep[1] <= 1`; `swap`: `window >= 1`.
    pub fn check(&self) -> Result<TextTransform, DataError> {
        for (index, op) in self.ops.iter().enumerate() {
            let c = Checker::op(index);
            c.within("p", op.p(), 0.0, 1.0)?;
            match *op {
                TextOpConfig::TokenDropout { rate, .. } | TextOpConfig::Delete { rate, .. } => {
                    c.within("rate", rate, 0.0, 1.0)?
                }
                TextOpConfig::SpanMask {
                    fraction,
                    mean_span,
                    ..
                } => {
                    c.within("fraction", fraction, 0.0, 1.0)?;
                    c.ensure(
                        mean_span >= 1.0 && mean_span.is_finite(),
                        "mean_span",
                        mean_span,
                        "a finite number >= 1 (tokens)",
                    )?;
                }
                TextOpConfig::Crop { keep, .. } => {
                    let [lo, hi] = keep;
                    c.ensure(
                        lo > 0.0 && lo <= hi && hi <= 1.0,
                        "keep",
                        keep,
                        "[lo, hi] with 0 < lo <= hi <= 1",
                    )?;
                }
                TextOpConfig::Swap { rate, window, .. } => {
                    c.within("rate", rate, 0.0, 1.0)?;
                    c.ensure(window >= 1, "window", window, "an integer >= 1 (tokens)")?;
                }
            }
        }
        Ok(TextTransform::from_checked(self.ops.clone()))
    }
}
