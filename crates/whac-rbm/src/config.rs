//! Training settings: typed, with defaults, checked once.

use serde::{Deserialize, Serialize};

use crate::RbmError;

/// How the negative phase gets its samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Algorithm {
    /// Contrastive divergence (Hinton 2002): `k` Gibbs sweeps from the data of the mini-batch.
    Cd {
        /// Gibbs sweeps per update.
        k: usize,
    },
    /// Persistent contrastive divergence / SML (Tieleman 2008): `k` Gibbs sweeps of persistent
    /// chains (one per example of a mini-batch), carried from update to update.
    Pcd {
        /// Gibbs sweeps per update.
        k: usize,
    },
    /// Parallel tempering (Desjardins et al. 2010, "Tempered Markov chain Monte Carlo for
    /// training of restricted Boltzmann machines", AISTATS): persistent chains at `temperatures`
    /// inverse temperatures `1 = β_1 > … > β_K` (see [`Ladder`]), each advanced by `k` Gibbs
    /// sweeps of `p_β(v, h) ∝ exp(−β E(v, h))`, then neighbours swap states with probability
    /// `min(1, exp((β_t − β_{t+1})(E_t − E_{t+1})))`. The `β = 1` chains are the negative samples.
    /// With one temperature this is PCD.
    Pt {
        /// Gibbs sweeps per update, at every temperature.
        k: usize,
        /// Number of temperatures K (≥ 1).
        temperatures: usize,
    },
}

impl Algorithm {
    /// Gibbs sweeps per update.
    pub fn k(&self) -> usize {
        match *self {
            Algorithm::Cd { k } | Algorithm::Pcd { k } | Algorithm::Pt { k, .. } => k,
        }
    }

    /// `CD-k` or `PCD-k`, as in the papers' tables.
    pub fn label(&self) -> String {
        match *self {
            Algorithm::Cd { k } => format!("CD-{k}"),
            Algorithm::Pcd { k } => format!("PCD-{k}"),
            Algorithm::Pt { k, temperatures } => format!("PT-{k} ({temperatures} temperatures)"),
        }
    }
}

/// How parallel tempering spaces its inverse temperatures between 1 and `pt_min_beta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ladder {
    /// `β_t = 1 − (t − 1)(1 − β_min)/(K − 1)`: equal steps in β (PyDeep's default ladder, with
    /// `β_min = 0`).
    Linear,
    /// `β_t = β_min^{(t − 1)/(K − 1)}`: equal ratios, denser near `β_min` (needs `β_min > 0`).
    Geometric,
}

impl Ladder {
    /// The `k` inverse temperatures, from 1 down to `min_beta` (just `[1]` for `k = 1`).
    pub fn betas(&self, k: usize, min_beta: f64) -> Vec<f64> {
        if k <= 1 {
            return vec![1.0; k];
        }
        (0..k)
            .map(|t| {
                let f = t as f64 / (k - 1) as f64;
                match self {
                    Ladder::Linear => 1.0 - f * (1.0 - min_beta),
                    Ladder::Geometric => min_beta.powf(f),
                }
            })
            .collect()
    }
}

/// How the learning rate moves over the `T` updates of a run (`t = 0, …, T − 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSchedule {
    /// `η_t = η`.
    Constant,
    /// `η_t = η (1 − t/T)`.
    Linear,
    /// `η_t = η (1 + cos(π t/T)) / 2`.
    Cosine,
}

impl LrSchedule {
    /// The factor multiplying the base learning rate at update `t` of `total`.
    pub fn factor(&self, t: usize, total: usize) -> f64 {
        let f = t as f64 / total.max(1) as f64;
        match self {
            LrSchedule::Constant => 1.0,
            LrSchedule::Linear => 1.0 - f,
            LrSchedule::Cosine => 0.5 * (1.0 + (std::f64::consts::PI * f).cos()),
        }
    }
}

/// How pixels in `[0, 1]` become binary visible units. Published tables differ in this, so every
/// reported figure names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binarization {
    /// `x > 0.5` → 1 (PyDeep's MNIST).
    Threshold,
    /// 1 with probability `x`, drawn once per image from a seed (Salakhutdinov & Murray's MNIST is
    /// a stochastic binarisation).
    Stochastic,
}

impl Binarization {
    /// `"threshold 0.5"` or `"stochastic"`.
    pub fn label(&self) -> &'static str {
        match self {
            Binarization::Threshold => "threshold 0.5",
            Binarization::Stochastic => "stochastic",
        }
    }
}

/// Everything that decides a training run. Unknown keys are rejected; missing keys take the
/// defaults below (Hinton's practical guide, and PyDeep's small MNIST setting).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RbmTrainConfig {
    /// Hidden units J (default 16).
    pub hidden: usize,
    /// CD-k or PCD-k (default PCD-1).
    pub algorithm: Algorithm,
    /// Step size of plain gradient ascent with momentum (default 0.01).
    pub learning_rate: f64,
    /// How the step size moves over the run (default constant).
    pub lr_schedule: LrSchedule,
    /// Momentum in `[0, 1)` (default 0).
    pub momentum: f64,
    /// L2 penalty on `W`, added to its gradient as `−λW` (default 0).
    pub weight_decay: f64,
    /// Examples per update (default 100).
    pub batch_size: usize,
    /// Passes over the training set (default 10).
    pub epochs: usize,
    /// Seed of every random draw: initialisation, shuffling, Gibbs sampling (default 0).
    pub seed: u64,
    /// Centred gradient (Melchior, Fischer & Wiskott 2016, "How to center deep Boltzmann
    /// machines", JMLR 17): visible offset = data mean, hidden offset = running mean of the
    /// data-driven hidden probabilities (default false).
    pub centered: bool,
    /// Rate of the hidden offset's running mean when `centered` (default 0.01).
    pub hidden_offset_rate: f64,
    /// Standard deviation of the initial weights (default 0.01, Hinton's guide).
    pub init_std: f64,
    /// How `[0, 1]` pixels are binarised (default threshold 0.5).
    pub binarization: Binarization,
    /// Parallel tempering's spacing of inverse temperatures (default geometric).
    pub pt_ladder: Ladder,
    /// Parallel tempering's smallest inverse temperature β_K, in [0, 1) (default 0.1; > 0 for
    /// the geometric ladder).
    pub pt_min_beta: f64,
}

impl Default for RbmTrainConfig {
    fn default() -> Self {
        Self {
            hidden: 16,
            algorithm: Algorithm::Pcd { k: 1 },
            learning_rate: 0.01,
            lr_schedule: LrSchedule::Constant,
            momentum: 0.0,
            weight_decay: 0.0,
            batch_size: 100,
            epochs: 10,
            seed: 0,
            centered: false,
            hidden_offset_rate: 0.01,
            init_std: 0.01,
            binarization: Binarization::Threshold,
            pt_ladder: Ladder::Geometric,
            pt_min_beta: 0.1,
        }
    }
}

impl RbmTrainConfig {
    /// Rejects out-of-range settings, naming the key, the value and what is accepted.
    ///
    /// # Errors
    /// [`RbmError::Config`] for the first bad setting.
    pub fn check(&self) -> Result<(), RbmError> {
        if self.hidden == 0 {
            return Err(RbmError::config("hidden", self.hidden, "at least 1"));
        }
        if self.algorithm.k() == 0 {
            return Err(RbmError::config("k", 0, "at least 1 Gibbs sweep"));
        }
        if let Algorithm::Pt { temperatures, .. } = self.algorithm {
            if temperatures == 0 {
                return Err(RbmError::config("temperatures", 0, "at least 1"));
            }
            let low = match self.pt_ladder {
                Ladder::Linear => 0.0,
                Ladder::Geometric => f64::MIN_POSITIVE,
            };
            if !(self.pt_min_beta >= low && self.pt_min_beta < 1.0) {
                return Err(RbmError::config(
                    "pt_min_beta",
                    self.pt_min_beta,
                    match self.pt_ladder {
                        Ladder::Linear => "a number in [0, 1)",
                        Ladder::Geometric => "a number in (0, 1) for the geometric ladder",
                    },
                ));
            }
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(RbmError::config(
                "learning_rate",
                self.learning_rate,
                "a finite number > 0",
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(RbmError::config(
                "momentum",
                self.momentum,
                "a number in [0, 1)",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(RbmError::config(
                "weight_decay",
                self.weight_decay,
                "a finite number ≥ 0",
            ));
        }
        if self.batch_size == 0 {
            return Err(RbmError::config("batch_size", 0, "at least 1"));
        }
        if !(self.hidden_offset_rate > 0.0 && self.hidden_offset_rate <= 1.0) {
            return Err(RbmError::config(
                "hidden_offset_rate",
                self.hidden_offset_rate,
                "a number in (0, 1]",
            ));
        }
        if !(self.init_std.is_finite() && self.init_std >= 0.0) {
            return Err(RbmError::config(
                "init_std",
                self.init_std,
                "a finite number ≥ 0",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladders_and_schedules_have_their_closed_forms() {
        assert_eq!(Ladder::Linear.betas(5, 0.0), [1.0, 0.75, 0.5, 0.25, 0.0]);
        let g = Ladder::Geometric.betas(3, 0.25);
        assert!((g[0] - 1.0).abs() < 1e-15 && (g[1] - 0.5).abs() < 1e-15);
        assert!((g[2] - 0.25).abs() < 1e-15);
        assert_eq!(Ladder::Geometric.betas(1, 0.1), [1.0]);
        assert_eq!(LrSchedule::Constant.factor(7, 10), 1.0);
        assert!((LrSchedule::Linear.factor(3, 4) - 0.25).abs() < 1e-15);
        assert!((LrSchedule::Cosine.factor(0, 4) - 1.0).abs() < 1e-15);
        assert!((LrSchedule::Cosine.factor(2, 4) - 0.5).abs() < 1e-15);
        assert!(LrSchedule::Cosine.factor(4, 4).abs() < 1e-15);
    }

    #[test]
    fn defaults_check_and_round_trip_through_json() {
        let c = RbmTrainConfig::default();
        c.check().unwrap();
        let s = serde_json::to_string(&c).unwrap();
        assert!(s.contains(r#""algorithm":{"kind":"pcd","k":1}"#), "{s}");
        let back: RbmTrainConfig = serde_json::from_str(&s).unwrap();
        assert_eq!(back, c);
        let partial: RbmTrainConfig = serde_json::from_str(r#"{"hidden": 20}"#).unwrap();
        assert_eq!(partial.hidden, 20);
        assert_eq!(partial.batch_size, 100);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        assert!(serde_json::from_str::<RbmTrainConfig>(r#"{"hiden": 20}"#).is_err());
        let bad = [
            RbmTrainConfig {
                hidden: 0,
                ..Default::default()
            },
            RbmTrainConfig {
                algorithm: Algorithm::Cd { k: 0 },
                ..Default::default()
            },
            RbmTrainConfig {
                learning_rate: 0.0,
                ..Default::default()
            },
            RbmTrainConfig {
                learning_rate: f64::NAN,
                ..Default::default()
            },
            RbmTrainConfig {
                momentum: 1.0,
                ..Default::default()
            },
            RbmTrainConfig {
                weight_decay: -1.0,
                ..Default::default()
            },
            RbmTrainConfig {
                batch_size: 0,
                ..Default::default()
            },
            RbmTrainConfig {
                hidden_offset_rate: 0.0,
                ..Default::default()
            },
            RbmTrainConfig {
                algorithm: Algorithm::Pt {
                    k: 1,
                    temperatures: 0,
                },
                ..Default::default()
            },
            RbmTrainConfig {
                algorithm: Algorithm::Pt {
                    k: 1,
                    temperatures: 4,
                },
                pt_min_beta: 0.0,
                ..Default::default()
            },
        ];
        for c in bad {
            let err = c.check().unwrap_err().to_string();
            assert!(err.contains("expected"), "{err}");
        }
    }
}
