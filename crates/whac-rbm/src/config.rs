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
}

impl Algorithm {
    /// Gibbs sweeps per update.
    pub fn k(&self) -> usize {
        match *self {
            Algorithm::Cd { k } | Algorithm::Pcd { k } => k,
        }
    }

    /// `CD-k` or `PCD-k`, as in the papers' tables.
    pub fn label(&self) -> String {
        match *self {
            Algorithm::Cd { k } => format!("CD-{k}"),
            Algorithm::Pcd { k } => format!("PCD-{k}"),
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
}

impl Default for RbmTrainConfig {
    fn default() -> Self {
        Self {
            hidden: 16,
            algorithm: Algorithm::Pcd { k: 1 },
            learning_rate: 0.01,
            momentum: 0.0,
            weight_decay: 0.0,
            batch_size: 100,
            epochs: 10,
            seed: 0,
            centered: false,
            hidden_offset_rate: 0.01,
            init_std: 0.01,
            binarization: Binarization::Threshold,
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
        ];
        for c in bad {
            let err = c.check().unwrap_err().to_string();
            assert!(err.contains("expected"), "{err}");
        }
    }
}
