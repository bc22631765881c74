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
    /// Debiased contrastive loss (Chuang et al. 2020), two views, `tau_plus`.
    Dcl,
    /// Hard-negative contrastive loss (Robinson et al. 2021), two views, `beta`, `tau_plus`.
    Hcl,
    /// Momentum Contrast (He et al. 2020; MoCo v2): one view through the trained encoder, the
    /// other through a momentum encoder, negatives from a queue of `queue` earlier keys.
    Moco,
}

/// Where the negatives of the induced-RBM gradient come from (DESIGN.md §1.3).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Negatives {
    /// Uniform proposals (the batch, or the batch plus `num_negatives` rows of the memory bank)
    /// with self-normalised importance weights `w ∝ exp Φ_x(x_k)`; `x` itself belongs to the
    /// normalising set.
    #[default]
    Importance,
    /// Every training example: the log-sum-exp runs over a memory bank of N embeddings, the
    /// batch's fresh embeddings replacing their stale rows. Exact when the bank is fresh.
    All,
    /// Monte Carlo: `samples` negatives per example drawn from `p(·|T(x))` as scored against the
    /// memory bank, encoded fresh and averaged without weights (the negative phase of the
    /// gradient, estimated by sampling the model as contrastive divergence does).
    Sampled,
}

/// Where `importance` draws its proposals.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Proposals {
    /// The other examples of the batch.
    #[default]
    Batch,
    /// The batch plus `num_negatives` rows drawn uniformly from the memory bank.
    Bank,
}

/// `[objective.bank]`: the memory bank of clean-example embeddings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BankConfig {
    /// A visited row becomes `normalise(momentum · old + (1 − momentum) · fresh)`; 0 replaces it.
    /// Default 0.
    pub momentum: f64,
}

impl Default for BankConfig {
    fn default() -> Self {
        Self { momentum: 0.0 }
    }
}

/// `[objective]` as written in a recipe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectiveConfig {
    /// `rbm`, `nt_xent`, `dcl`, `hcl` or `moco`. Default `rbm`.
    pub kind: ObjectiveKind,
    /// M, the number of augmented copies per example (the hidden units of its RBM). For the
    /// two-view baselines, 2. Default 2.
    pub copies: usize,
    /// Negative strategy for `rbm`: `importance`, `all` or `sampled`. Default `importance`.
    pub negatives: Negatives,
    /// Proposals of `importance`: `batch` or `bank`. Default `batch`.
    pub proposals: Proposals,
    /// K, bank rows added to the batch as proposals when `proposals = "bank"`. Default 4096.
    pub num_negatives: usize,
    /// `rbm`: weights `p(x_n|T(x))` from a second, independent set of M copies, with no gradient
    /// through them (the unbiased estimate of §1.2). Default false.
    pub unbiased: bool,
    /// `rbm`: the visible side is an augmented copy too (as SimCLR's symmetric views) instead of
    /// the clean example. Default false.
    pub augment_visible: bool,
    /// `dcl` / `hcl`: the class prior τ⁺ of the debiasing correction, in [0, 1). Default 0.1.
    pub tau_plus: f64,
    /// `hcl`: concentration β of the hard-negative weights exp(β s), ≥ 0. Default 1.0.
    pub beta: f64,
    /// `sampled`: negatives K drawn per example. Default 4.
    pub samples: usize,
    /// `moco`: keys in the queue (clamped to the training set size minus one batch). Default 4096.
    pub queue: usize,
    /// Momentum `m` of the momentum encoder `θ_k ← m θ_k + (1 − m) θ`: it encodes the keys of
    /// `moco` and, for `rbm` with a memory bank (`all`, `sampled`, `importance` with
    /// `proposals = "bank"`), the bank rows and the visible sides they are compared with. 0 uses
    /// the trained encoder itself. In [0, 1); default 0.99.
    pub encoder_momentum: f64,
    /// `[objective.bank]`.
    pub bank: BankConfig,
}

impl Default for ObjectiveConfig {
    fn default() -> Self {
        Self {
            kind: ObjectiveKind::Rbm,
            copies: 2,
            negatives: Negatives::Importance,
            proposals: Proposals::Batch,
            num_negatives: 4096,
            unbiased: false,
            augment_visible: false,
            tau_plus: 0.1,
            beta: 1.0,
            samples: 4,
            queue: 4096,
            encoder_momentum: 0.99,
            bank: BankConfig::default(),
        }
    }
}

/// The negatives of a checked induced-RBM objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RbmNegatives {
    /// Importance weights over the batch.
    BatchImportance,
    /// Importance weights over the batch plus `k` uniform bank rows.
    BankImportance {
        /// Bank rows per step.
        k: usize,
    },
    /// The whole training set through the memory bank.
    All,
    /// `k` negatives per example drawn from the bank's `p(·|T(x))`, encoded fresh.
    Sampled {
        /// Draws per example.
        k: usize,
    },
}

/// A checked objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// Induced RBM with `copies` hidden units per example.
    Rbm {
        /// M ≥ 1.
        copies: usize,
        /// Negative strategy.
        negatives: RbmNegatives,
        /// Weights from an independent second set of copies.
        unbiased: bool,
        /// Visible side augmented.
        augment_visible: bool,
        /// Memory-bank momentum (used by bank strategies).
        bank_momentum: f64,
        /// Momentum of the encoder of bank rows (0: the trained encoder).
        encoder_momentum: f64,
    },
    /// NT-Xent on two views.
    NtXent,
    /// Debiased contrastive loss on two views.
    Dcl {
        /// τ⁺.
        tau_plus: f64,
    },
    /// Hard-negative loss on two views.
    Hcl {
        /// τ⁺.
        tau_plus: f64,
        /// β.
        beta: f64,
    },
    /// MoCo on two views.
    Moco {
        /// Requested queue length K.
        queue: usize,
        /// Momentum of the key encoder.
        encoder_momentum: f64,
    },
}

impl ObjectiveConfig {
    /// Validates the combination.
    pub fn check(&self) -> Result<Objective, WhacError> {
        if !(0.0..1.0).contains(&self.tau_plus) {
            return Err(WhacError::config(
                "objective.tau_plus",
                self.tau_plus,
                "a class prior in [0, 1), such as 0.1",
            ));
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(WhacError::config(
                "objective.beta",
                self.beta,
                "a number ≥ 0, such as 1.0",
            ));
        }
        if !(0.0..1.0).contains(&self.encoder_momentum) {
            return Err(WhacError::config(
                "objective.encoder_momentum",
                self.encoder_momentum,
                "a number in [0, 1), such as 0.99",
            ));
        }
        if !(0.0..1.0).contains(&self.bank.momentum) {
            return Err(WhacError::config(
                "objective.bank.momentum",
                self.bank.momentum,
                "a number in [0, 1)",
            ));
        }
        let two_views = |kind: &str| {
            if self.copies != 2 {
                return Err(WhacError::config(
                    "objective.copies",
                    self.copies,
                    format!("2 for objective.kind = \"{kind}\" (it contrasts two views)"),
                ));
            }
            Ok(())
        };
        match self.kind {
            ObjectiveKind::Rbm => {
                if self.copies == 0 || self.copies > 64 {
                    return Err(WhacError::config(
                        "objective.copies",
                        self.copies,
                        "an integer from 1 to 64",
                    ));
                }
                let negatives = match (self.negatives, self.proposals) {
                    (Negatives::Importance, Proposals::Batch) => RbmNegatives::BatchImportance,
                    (Negatives::Importance, Proposals::Bank) => {
                        if self.num_negatives == 0 {
                            return Err(WhacError::config(
                                "objective.num_negatives",
                                0,
                                "a positive number of bank rows, such as 4096",
                            ));
                        }
                        RbmNegatives::BankImportance {
                            k: self.num_negatives,
                        }
                    }
                    (Negatives::All, _) => RbmNegatives::All,
                    (Negatives::Sampled, _) => {
                        if self.samples == 0 || self.samples > 1024 {
                            return Err(WhacError::config(
                                "objective.samples",
                                self.samples,
                                "an integer from 1 to 1024, such as 4",
                            ));
                        }
                        RbmNegatives::Sampled { k: self.samples }
                    }
                };
                if self.augment_visible && negatives != RbmNegatives::BatchImportance {
                    return Err(WhacError::config(
                        "objective.augment_visible",
                        true,
                        "false with a memory bank (its rows are clean examples); it needs \
                         negatives = \"importance\" with proposals = \"batch\"",
                    ));
                }
                Ok(Objective::Rbm {
                    copies: self.copies,
                    negatives,
                    unbiased: self.unbiased,
                    augment_visible: self.augment_visible,
                    bank_momentum: self.bank.momentum,
                    encoder_momentum: self.encoder_momentum,
                })
            }
            ObjectiveKind::NtXent => {
                two_views("nt_xent")?;
                Ok(Objective::NtXent)
            }
            ObjectiveKind::Dcl => {
                two_views("dcl")?;
                Ok(Objective::Dcl {
                    tau_plus: self.tau_plus,
                })
            }
            ObjectiveKind::Hcl => {
                two_views("hcl")?;
                Ok(Objective::Hcl {
                    tau_plus: self.tau_plus,
                    beta: self.beta,
                })
            }
            ObjectiveKind::Moco => {
                two_views("moco")?;
                if self.queue == 0 {
                    return Err(WhacError::config(
                        "objective.queue",
                        0,
                        "a positive number of keys, such as 4096",
                    ));
                }
                Ok(Objective::Moco {
                    queue: self.queue,
                    encoder_momentum: self.encoder_momentum,
                })
            }
        }
    }
}

/// What the trainer feeds an objective for each example, in this order in one forward pass:
/// the visible side (clean or augmented) if any, the M copies with gradient, and the M weight
/// copies without gradient (unbiased estimate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewPlan {
    /// Clean example as visible side.
    pub clean: bool,
    /// Augmented copies drawn per example (visible side included when it is augmented).
    pub augmented: usize,
}

impl ViewPlan {
    /// Images encoded per example per step.
    pub fn per_example(&self) -> usize {
        self.augmented + usize::from(self.clean)
    }
}

impl Objective {
    /// The views each example contributes to a step.
    pub fn view_plan(&self) -> ViewPlan {
        match *self {
            Objective::Rbm {
                copies,
                unbiased,
                augment_visible,
                ..
            } => {
                let hidden = copies * if unbiased { 2 } else { 1 };
                ViewPlan {
                    clean: !augment_visible,
                    augmented: hidden + usize::from(augment_visible),
                }
            }
            Objective::NtXent
            | Objective::Dcl { .. }
            | Objective::Hcl { .. }
            | Objective::Moco { .. } => ViewPlan {
                clean: false,
                augmented: 2,
            },
        }
    }

    /// Whether this objective keeps a memory bank of N embeddings.
    pub fn uses_bank(&self) -> bool {
        matches!(
            self,
            Objective::Rbm {
                negatives: RbmNegatives::All
                    | RbmNegatives::BankImportance { .. }
                    | RbmNegatives::Sampled { .. },
                ..
            }
        )
    }

    /// Copies M of the induced RBM (2 views for the baselines).
    pub fn copies(&self) -> usize {
        match self {
            Objective::Rbm { copies, .. } => *copies,
            _ => 2,
        }
    }

    /// The momentum of the momentum encoder this objective keeps, if it keeps one: `moco`
    /// always, `rbm` with a memory bank when `encoder_momentum > 0`.
    pub fn momentum_encoder(&self) -> Option<f64> {
        match *self {
            Objective::Moco {
                encoder_momentum, ..
            } => Some(encoder_momentum),
            Objective::Rbm {
                encoder_momentum, ..
            } if self.uses_bank() && encoder_momentum > 0.0 => Some(encoder_momentum),
            _ => None,
        }
    }

    /// Short name for summaries: `rbm`, `nt_xent`, `dcl`, `hcl`, `moco`.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Rbm { .. } => "rbm",
            Objective::NtXent => "nt_xent",
            Objective::Dcl { .. } => "dcl",
            Objective::Hcl { .. } => "hcl",
            Objective::Moco { .. } => "moco",
        }
    }

    /// The variant as one label for tables: `nt_xent`, `dcl`, `hcl`, `moco`, or `rbm/` and the
    /// negative strategy, with `+unbiased` and `+augment_visible` where set (`rbm/all`,
    /// `rbm/importance+unbiased`, …).
    pub fn label(&self) -> String {
        match *self {
            Objective::Rbm {
                unbiased,
                augment_visible,
                ..
            } => {
                let mut label = format!("rbm/{}", self.negatives_name());
                if unbiased {
                    label.push_str("+unbiased");
                }
                if augment_visible {
                    label.push_str("+augment_visible");
                }
                label
            }
            _ => self.name().to_string(),
        }
    }

    /// Short name of the negative strategy for summaries.
    pub fn negatives_name(&self) -> &'static str {
        match self {
            Objective::Rbm { negatives, .. } => match negatives {
                RbmNegatives::BatchImportance => "importance",
                RbmNegatives::BankImportance { .. } => "importance_bank",
                RbmNegatives::All => "all",
                RbmNegatives::Sampled { .. } => "sampled",
            },
            Objective::Moco { .. } => "queue",
            _ => "in_batch",
        }
    }
}
