//! The learning-rate schedule of `[train]`.

use serde::{Deserialize, Serialize};

/// `train.schedule`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// `learning_rate` throughout (after the warm-up, if any).
    #[default]
    Constant,
    /// Half a cosine from `learning_rate` down to `min_learning_rate` over the steps after the
    /// warm-up (SGDR without restarts, Loshchilov & Hutter 2017; SimCLR's schedule).
    Cosine,
}

/// A checked schedule over a known number of steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// Which shape.
    pub kind: ScheduleKind,
    /// Peak rate.
    pub base: f64,
    /// Final rate of the cosine.
    pub min: f64,
    /// Steps of linear warm-up from `base / warmup` to `base`.
    pub warmup_steps: usize,
    /// Steps in the whole run.
    pub total_steps: usize,
}

impl Schedule {
    /// The rate of step `step` (0-based):
    /// - warm-up (`step < W`): `base · (step + 1) / W`;
    /// - then constant `base`, or cosine `min + (base − min) · ½ (1 + cos(π t / T))` with
    ///   `t = step − W`, `T = total − W` (so the last step is just above `min`).
    pub fn rate(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.base * (step + 1) as f64 / self.warmup_steps as f64;
        }
        match self.kind {
            ScheduleKind::Constant => self.base,
            ScheduleKind::Cosine => {
                let t = (step - self.warmup_steps) as f64;
                let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
                let progress = (t / span).min(1.0);
                self.min
                    + (self.base - self.min) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(warmup: usize) -> Schedule {
        Schedule {
            kind: ScheduleKind::Cosine,
            base: 1.0,
            min: 0.1,
            warmup_steps: warmup,
            total_steps: 110,
        }
    }

    #[test]
    fn warm_up_is_linear_then_cosine_reaches_its_floor() {
        let s = cosine(10);
        assert!((s.rate(0) - 0.1).abs() < 1e-12);
        assert!((s.rate(4) - 0.5).abs() < 1e-12);
        assert!((s.rate(9) - 1.0).abs() < 1e-12);
        assert!(
            (s.rate(10) - 1.0).abs() < 1e-12,
            "cosine starts at the peak"
        );
        assert!((s.rate(60) - 0.55).abs() < 1e-12, "halfway: (1 + 0.1) / 2");
        assert!(s.rate(109) > 0.1 && s.rate(109) < 0.1 + 1e-3);
        assert!((s.rate(500) - 0.1).abs() < 1e-12, "past the end: the floor");
        let mut last = f64::INFINITY;
        for step in 10..110 {
            assert!(s.rate(step) <= last, "cosine must not rise at {step}");
            last = s.rate(step);
        }
    }

    #[test]
    fn constant_without_warm_up_is_the_base_rate() {
        let s = Schedule {
            kind: ScheduleKind::Constant,
            base: 3e-4,
            min: 0.0,
            warmup_steps: 0,
            total_steps: 5,
        };
        assert!((0..5).all(|i| s.rate(i) == 3e-4));
    }
}
