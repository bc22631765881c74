//! The induced-RBM log-likelihood as an evaluation metric (DESIGN.md §1.2).

use super::{Side, embed_values, embed_with};
use crate::compatibility::{Compatibility, Model};
use crate::input::Examples;
use crate::objective::phi;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use serde::Serialize;

/// `induced_rbm` in `summary.json`.
#[derive(Serialize, Clone, Debug)]
pub struct InducedRbmScore {
    /// Mean over the split of `log p(x | T(x))` with the split itself as the support.
    pub test_log_likelihood: f64,
    /// `−log N`: the value of a model that cannot tell the examples apart.
    pub uniform_log_likelihood: f64,
    /// Copies M per example.
    pub copies: usize,
    /// Independent draws of the M copies averaged over.
    pub draws: usize,
    /// N, the support size.
    pub support_size: usize,
}

/// Mean `log p(x | T(x)) = Φ_x(x) − log Σ_n exp Φ_x(x_n)` over every example of `set`, the
/// support being the examples themselves, with `copies` copies per example drawn from their
/// transformation (seed `seed`), averaged over `draws` independent draws. Runs on `device` (no
/// autodiff).
pub fn induced_rbm_log_likelihood(
    model: &Model,
    set: &Examples<'_>,
    compatibility: &Compatibility,
    copies: usize,
    draws: usize,
    seed: u64,
    device: &Device,
) -> InducedRbmScore {
    let compatibility = &compatibility.with_model(model);
    let n = set.len();
    let (rows, d) = embed_with(model, set, 1024, device, Side::Projection(compatibility));
    let candidates = Tensor::<2>::from_data(TensorData::new(rows, [n, d]), device); // [N, d]
    let all: Vec<usize> = (0..n).collect();
    let chunk = 256;
    let mut total = 0.0f64;
    for draw in 0..draws {
        // Epochs of training use small numbers; evaluation draws from a far-away stream.
        let views = set.augment(&all, copies, seed, u64::MAX - draw as u64);
        let (hidden, _) = embed_values(
            model,
            &views,
            set.shape(),
            1024,
            device,
            Side::Projection(compatibility),
        );
        let hidden = Tensor::<2>::from_data(TensorData::new(hidden, [n * copies, d]), device)
            .reshape([n, copies, d]);
        for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            let b = end - start;
            let owners = hidden.clone().slice([start..end, 0..copies, 0..d]);
            let log_w = log_softmax(phi(candidates.clone(), owners, compatibility), 1); // [b, N]
            let own: Vec<i64> = (start as i64..end as i64).collect();
            let own =
                Tensor::<1, Int>::from_data(TensorData::new(own, [b]), device).reshape([b, 1]);
            total += f64::from(log_w.gather(1, own).sum().into_scalar::<f32>());
        }
    }
    InducedRbmScore {
        test_log_likelihood: total / (n * draws.max(1)) as f64,
        uniform_log_likelihood: -(n as f64).ln(),
        copies,
        draws,
        support_size: n,
    }
}
