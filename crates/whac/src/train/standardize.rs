//! Input normalisation.

use serde::{Deserialize, Serialize};
use whac_data::ImageSet;

/// Pixels in [0, 1] are fed to the network as `(x − mean) / std`, with the mean and standard
/// deviation of all training pixels (MNIST: 0.1307 and 0.3081). The same statistics are used for
/// the augmented copies, the clean examples and evaluation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Standardize {
    /// Mean pixel value of the training split.
    pub mean: f32,
    /// Standard deviation of the training pixels (never below 1e-6).
    pub std: f32,
}

impl Standardize {
    /// Values fed as they are (text and tables).
    pub const IDENTITY: Standardize = Standardize {
        mean: 0.0,
        std: 1.0,
    };

    /// Statistics of a training split.
    pub fn fit(train: &ImageSet) -> Self {
        let (mean, std) = train.pixel_mean_std();
        Self {
            mean,
            std: std.max(1e-6),
        }
    }

    /// Standardises in place.
    pub fn apply(&self, pixels: &mut [f32]) {
        let inv = 1.0 / self.std;
        for p in pixels {
            *p = (*p - self.mean) * inv;
        }
    }
}
