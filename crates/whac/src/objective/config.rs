//! `[objective]`: which density estimator, how many copies, where negatives come from.

use serde::{Deserialize, Serialize};

use crate::WhacError;

/// The objective family.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    /// The induced RBM of DESIGN.md §1.2.
    #[default]
    Rbm,
    /// NT-Xent / InfoNCE as in SimCLR (two augmented views, no clean visible side).
    NtXent,
}

/// Where the negatives of the induced-RBM gradient come from (DESIGN.md §1.3).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Negatives {
    /// The other examples of the batch, drawn uniformly, with self-normalised importance weights
    /// `w ∝ exp Φ_x(x_k)`; `x` itself belongs to the normalising set.
    #[default]
    Importance,
}

/// `[objective]` as written in a recipe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectiveConfig {
    /// `rbm` or `nt_xent`. Default `rbm`.
    pub kind: ObjectiveKind,
    /// M, the number of augmented copies per example (the hidden units of its RBM). For
    /// `nt_xent` the two views. Default 2.
    pub copies: usize,
    /// Negative strategy for `rbm`. Default `importance`.
    pub negatives: Negatives,
}

impl Default for ObjectiveConfig {
    fn default() -> Self {
        Self {
            kind: ObjectiveKind::Rbm,
            copies: 2,
            negatives: Negatives::Importance,
        }
    }
}

/// A checked objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// Induced RBM with `copies` hidden units per example.
    Rbm {
        /// M ≥ 1.
        copies: usize,
        /// Negative strategy.
        negatives: Negatives,
    },
    /// NT-Xent on two views.
    NtXent,
}

impl ObjectiveConfig {
    /// Validates the combination.
    pub fn check(&self) -> Result<Objective, WhacError> {
        match self.kind {
            ObjectiveKind::Rbm => {
                if self.copies == 0 || self.copies > 64 {
                    return Err(WhacError::config(
                        "objective.copies",
                        self.copies,
                        "an integer from 1 to 64",
                    ));
                }
                Ok(Objective::Rbm {
                    copies: self.copies,
                    negatives: self.negatives,
                })
            }
            ObjectiveKind::NtXent => {
                if self.copies != 2 {
                    return Err(WhacError::config(
                        "objective.copies",
                        self.copies,
                        "2 for objective.kind = \"nt_xent\" (it contrasts two views)",
                    ));
                }
                Ok(Objective::NtXent)
            }
        }
    }
}

impl Objective {
    /// Whether the clean example is encoded as the visible side.
    pub fn needs_clean(&self) -> bool {
        matches!(self, Objective::Rbm { .. })
    }

    /// Augmented copies drawn per example.
    pub fn copies(&self) -> usize {
        match self {
            Objective::Rbm { copies, .. } => *copies,
            Objective::NtXent => 2,
        }
    }

    /// Images encoded per example per step.
    pub fn views_per_example(&self) -> usize {
        self.copies() + usize::from(self.needs_clean())
    }
}
