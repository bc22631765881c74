//! The gradient of the induced-RBM objective is the one DESIGN.md §1.2 derives:
//!
//! `∇ log p(x|T(x)) = ∇Φ_x(x) − Σ_n p(x_n|T(x)) ∇Φ_x(x_n)`,
//!
//! checked through a tiny encoder against the formula written out by hand, and estimated by the
//! `sampled` strategy, whose mean over many draws must approach it.

use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use whac::compatibility::{Compatibility, Similarity};
use whac::objective::{draw_candidates, index_tensor, induced_rbm_loss, induced_rbm_sampled};

mod common;
use common::fixture;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec().unwrap()
}

/// A linear encoder `z = x W` (`W`: `[d_in, d]`), dot-product compatibility `s = z·z̃ / τ`, the
/// `all` objective with a fresh bank (every candidate encoded with gradient). The autodiff
/// gradient with respect to `W` must equal, to float tolerance,
///
/// `−(1/B) Σ_b [∇Φ_b(x_b) − Σ_n p_{b,n} ∇Φ_b(x_n)]` with
/// `∇_W Φ_b(x_n) = (1/M) Σ_m σ(s_{n,m}) (x_n ⊗ z̃_{b,m} + x̃_{b,m} ⊗ z_n) / τ`,
///
/// every term computed in f64 loops.
#[test]
fn autodiff_gradient_through_an_encoder_is_the_essays_formula() {
    let (n, b, m, d_in, d, tau) = (7, 3, 2, 4, 3, 0.7);
    let batch = [5usize, 0, 2];
    let x: Vec<f32> = fixture(n * d_in, 11);
    let copies: Vec<f32> = fixture(b * m * d_in, 12);
    let w: Vec<f32> = fixture(d_in * d, 13).iter().map(|v| v * 0.8).collect();
    let c = Compatibility::fixed(Similarity::Dot, tau);

    // Autodiff.
    let dev = Device::flex().autodiff();
    let weight = Tensor::<2>::from_data(TensorData::new(w.clone(), [d_in, d]), &dev).require_grad();
    let xs = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, d_in]), &dev);
    let xc = Tensor::<2>::from_data(TensorData::new(copies.clone(), [b * m, d_in]), &dev);
    let candidates = c.embed(xs.matmul(weight.clone())); // [N, d]
    let hidden = c.embed(xc.matmul(weight.clone())).reshape([b, m, d]);
    let out = induced_rbm_loss(
        candidates,
        hidden,
        None,
        index_tensor(&batch, &dev),
        &c,
        0.0,
    );
    let grads = out.loss.backward();
    let got = to_vec(weight.grad(&grads).expect("W has a gradient"));

    // By hand.
    let w64: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
    let encode = |row: &[f32]| -> Vec<f64> {
        (0..d)
            .map(|j| (0..d_in).map(|i| f64::from(row[i]) * w64[i * d + j]).sum())
            .collect()
    };
    let xrow = |i: usize| &x[i * d_in..(i + 1) * d_in];
    let crow = |bb: usize, mm: usize| &copies[(bb * m + mm) * d_in..(bb * m + mm + 1) * d_in];
    let z: Vec<Vec<f64>> = (0..n).map(|i| encode(xrow(i))).collect();
    let dotp = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let mut expected = vec![0.0f64; d_in * d];
    for (row, &own) in batch.iter().enumerate() {
        let zc: Vec<Vec<f64>> = (0..m).map(|mm| encode(crow(row, mm))).collect();
        let score = |i: usize, mm: usize| dotp(&z[i], &zc[mm]) / tau;
        let phi = |i: usize| (0..m).map(|mm| softplus(score(i, mm))).sum::<f64>() / m as f64;
        let grad_phi = |i: usize| -> Vec<f64> {
            let mut g = vec![0.0f64; d_in * d];
            for mm in 0..m {
                let sig = sigmoid(score(i, mm)) / (m as f64 * tau);
                let xc = crow(row, mm);
                for a in 0..d_in {
                    for j in 0..d {
                        g[a * d + j] +=
                            sig * (f64::from(xrow(i)[a]) * zc[mm][j] + f64::from(xc[a]) * z[i][j]);
                    }
                }
            }
            g
        };
        let phis: Vec<f64> = (0..n).map(phi).collect();
        let max = phis.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = phis.iter().map(|p| (p - max).exp()).sum();
        let g_own = grad_phi(own);
        for (i, p) in phis.iter().enumerate() {
            let weight = (p - max).exp() / total;
            let g = grad_phi(i);
            for (e, gi) in expected.iter_mut().zip(&g) {
                *e += weight * gi / b as f64;
            }
        }
        for (e, go) in expected.iter_mut().zip(&g_own) {
            *e -= go / b as f64;
        }
    }
    let scale = expected.iter().map(|v| v.abs()).fold(0.0, f64::max);
    assert!(scale > 1e-3, "degenerate fixture: gradient {expected:?}");
    for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert!(
            (f64::from(*g) - e).abs() < 1e-4 * scale.max(1.0),
            "dW[{k}]: autodiff {g} vs formula {e}"
        );
    }
}

/// Fixed embeddings (a fresh bank), the exact gradient of `all`, and the mean gradient of the
/// `sampled` estimate over R = 400 independent draws of K = 50 negatives per example (20 000
/// draws per example). The relative error ‖ḡ − g‖/‖g‖ must be below 0.05; with draws from the
/// uniform distribution instead of p(·|T(x)) it must not be, so the check can fail.
#[test]
fn mean_of_sampled_gradients_approaches_the_exact_gradient() {
    let (n, b, m, d, tau) = (12, 3, 2, 4, 0.25);
    let batch = [4usize, 9, 0];
    let c = Compatibility::fixed(Similarity::Cosine, tau);
    let dev = Device::flex().autodiff();
    let cand_raw = fixture(n * d, 21);
    let copies_raw = fixture(b * m * d, 22);
    let leaves = || {
        let cand = c
            .embed(Tensor::<2>::from_data(
                TensorData::new(cand_raw.clone(), [n, d]),
                &dev,
            ))
            .detach()
            .require_grad();
        let copies = c
            .embed(Tensor::<2>::from_data(
                TensorData::new(copies_raw.clone(), [b * m, d]),
                &dev,
            ))
            .detach()
            .require_grad();
        (cand, copies)
    };
    let batch_idx = index_tensor(&batch, &dev);

    // Exact: `all` over the N candidates.
    let (cand, copies) = leaves();
    let exact = induced_rbm_loss(
        cand.clone(),
        copies.clone().reshape([b, m, d]),
        None,
        batch_idx.clone(),
        &c,
        0.0,
    );
    let log_w: Vec<f32> = exact.log_weights.clone().into_data().try_to_vec().unwrap();
    let value = exact.loss.clone().detach();
    let grads = exact.loss.backward();
    let g_exact: Vec<f32> = to_vec(cand.grad(&grads).unwrap())
        .into_iter()
        .chain(to_vec(copies.grad(&grads).unwrap()))
        .collect();

    let mean_sampled = |log_weights: &[f32], seed: u64| -> Vec<f64> {
        let (rounds, k) = (400, 50);
        let mut rng = StdRng::seed_from_u64(seed);
        let mut sum = vec![0.0f64; g_exact.len()];
        for _ in 0..rounds {
            let (cand, copies) = leaves();
            let drawn = draw_candidates(log_weights, n, k, &mut rng);
            let samples = cand
                .clone()
                .select(0, index_tensor(&drawn, &dev))
                .reshape([b, k, d]);
            let anchors = cand.clone().select(0, batch_idx.clone());
            let loss = induced_rbm_sampled(
                anchors,
                copies.clone().reshape([b, m, d]),
                samples,
                value.clone(),
                &c,
            );
            let v = loss.clone().into_scalar::<f32>();
            let expected_value = value.clone().into_scalar::<f32>();
            assert!(
                (v - expected_value).abs() < 1e-5,
                "value {v} vs {expected_value}"
            );
            let grads = loss.backward();
            let g = to_vec(cand.grad(&grads).unwrap())
                .into_iter()
                .chain(to_vec(copies.grad(&grads).unwrap()));
            for (s, gi) in sum.iter_mut().zip(g) {
                *s += f64::from(gi) / rounds as f64;
            }
        }
        sum
    };
    let relative_error = |g: &[f64]| {
        let diff: f64 = g
            .iter()
            .zip(&g_exact)
            .map(|(a, e)| (a - f64::from(*e)).powi(2))
            .sum();
        let norm: f64 = g_exact.iter().map(|e| f64::from(*e).powi(2)).sum();
        (diff / norm).sqrt()
    };
    let from_model = relative_error(&mean_sampled(&log_w, 1));
    assert!(
        from_model < 0.05,
        "sampled gradients average to {from_model:.4} relative error"
    );
    let uniform = vec![0.0f32; log_w.len()];
    let from_uniform = relative_error(&mean_sampled(&uniform, 2));
    assert!(
        from_uniform > 0.2,
        "uniform draws should be biased, got {from_uniform:.4} relative error"
    );
}
