//! The configuration of the stochastic table transformation, as written in a recipe, and its
//! check.

use serde::{Deserialize, Serialize};

use super::TableTransform;
use crate::DataError;
use crate::check::Checker;

/// The stochastic transformation of a standardised table row: a list of operations, each applied
/// with its probability `p`, in order.
///
/// In a recipe (TOML):
///
/// ```toml
/// [[transform.ops]]
/// op = "scarf"
/// fraction = 0.6
/// ```
///
/// An empty list is the identity. [`TableTransformConfig::default`] is SCARF with
/// `fraction = 0.6` (the corruption rate of Bahri et al. 2022), `p = 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableTransformConfig {
    /// The operations, in order.
    #[serde(default)]
    pub ops: Vec<TableOpConfig>,
}

impl Default for TableTransformConfig {
    fn default() -> Self {
        TableTransformConfig {
            ops: vec![TableOpConfig::Scarf {
                fraction: 0.6,
                p: 1.0,
            }],
        }
    }
}

/// One operation on a standardised row of `d` features; `op = "..."` in a recipe selects the
/// variant (snake case). Every `p` (probability that the operation is applied) defaults to 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum TableOpConfig {
    /// SCARF feature corruption (Bahri, Jiang, Tay & Metzler, "SCARF: Self-Supervised Contrastive
    /// Learning using Random Feature Corruption", ICLR 2022): `round(fraction × d)` features,
    /// chosen uniformly without replacement, are each replaced by the same feature of a training
    /// row drawn uniformly among the *other* rows (the empirical marginal, the row itself left
    /// out), independently per feature.
    Scarf {
        /// Fraction of features corrupted, in `[0, 1]`; default 0.6.
        #[serde(default = "default_scarf")]
        fraction: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Masking: `round(fraction × d)` features, chosen uniformly without replacement, are set to
    /// 0 (the training mean, in standardised units).
    Mask {
        /// Fraction of features masked, in `[0, 1]`; default 0.2.
        #[serde(default = "default_mask")]
        fraction: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
    /// Adds independent Gaussian noise `N(0, strength²)` to every standardised feature, i.e.
    /// `strength` times that feature's training standard deviation in raw units.
    Noise {
        /// Noise scale in standard deviations, `>= 0`, finite; default 0.1.
        #[serde(default = "default_strength")]
        strength: f32,
        /// Probability of applying it, in `[0, 1]`; default 1.
        #[serde(default = "default_p")]
        p: f32,
    },
}

fn default_p() -> f32 {
    1.0
}
fn default_scarf() -> f32 {
    0.6
}
fn default_mask() -> f32 {
    0.2
}
fn default_strength() -> f32 {
    0.1
}

impl TableOpConfig {
    /// The `op = "..."` name of this operation.
    pub fn name(&self) -> &'static str {
        match self {
            TableOpConfig::Scarf { .. } => "scarf",
            TableOpConfig::Mask { .. } => "mask",
            TableOpConfig::Noise { .. } => "noise",
        }
    }

    /// The probability that this operation is applied.
    pub fn p(&self) -> f32 {
        match *self {
            TableOpConfig::Scarf { p, .. }
            | TableOpConfig::Mask { p, .. }
            | TableOpConfig::Noise { p, .. } => p,
        }
    }
}

impl TableTransformConfig {
    /// Checks every setting and builds the transformation.
    ///
    /// # Errors
    /// [`DataError::Config`] naming `transform.ops[i].key`, the value and the allowed range:
    /// `p`, `fraction` in `[0, 1]`; `noise`: `strength >= 0` finite.
    pub fn check(&self) -> Result<TableTransform, DataError> {
        for (index, op) in self.ops.iter().enumerate() {
            let c = Checker::op(index);
            c.within("p", op.p(), 0.0, 1.0)?;
            match *op {
                TableOpConfig::Scarf { fraction, .. } | TableOpConfig::Mask { fraction, .. } => {
                    c.within("fraction", fraction, 0.0, 1.0)?
                }
                TableOpConfig::Noise { strength, .. } => c.non_negative("strength", strength)?,
            }
        }
        Ok(TableTransform::from_checked(self.ops.clone()))
    }
}
