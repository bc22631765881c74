//! Objectives against naive loops, closed forms and invariants, on tiny tensors.

use burn::prelude::*;
use whac::compatibility::{Compatibility, Similarity, l2_normalize};
use whac::objective::{induced_rbm_importance, nt_xent};

mod common;
use common::fixture;

fn device() -> Device {
    Device::flex()
}

fn tensor2(data: &[f32], rows: usize, cols: usize) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data.to_vec(), [rows, cols]), &device())
}

fn normalized_rows(data: &[f32], rows: usize, cols: usize) -> Vec<Vec<f64>> {
    (0..rows)
        .map(|r| {
            let row: Vec<f64> = data[r * cols..(r + 1) * cols]
                .iter()
                .map(|&x| x as f64)
                .collect();
            let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
            row.iter().map(|x| x / norm).collect()
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn cosine(tau: f64) -> Compatibility {
    Compatibility::fixed(Similarity::Cosine, tau)
}

/// The induced-RBM loss written as loops over examples, candidates and copies.
fn rbm_naive(anchors: &[Vec<f64>], copies: &[Vec<Vec<f64>>], tau: f64, support: usize) -> f64 {
    let b = anchors.len();
    let m = copies[0].len();
    let phi = |x: &[f64], owner: usize| -> f64 {
        (0..m)
            .map(|k| softplus(dot(x, &copies[owner][k]) / tau))
            .sum::<f64>()
            / m as f64
    };
    let mut total = 0.0;
    for owner in 0..b {
        let positive = phi(&anchors[owner], owner);
        let norm: f64 = (0..b).map(|a| phi(&anchors[a], owner).exp()).sum::<f64>();
        let log_p = positive - (norm * support as f64 / b as f64).ln();
        total += log_p;
    }
    -total / b as f64
}

fn rbm_inputs(b: usize, m: usize, d: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    (fixture(b * d, seed), fixture(b * m * d, seed + 1))
}

fn rbm_burn(
    anchors: &[f32],
    copies: &[f32],
    b: usize,
    m: usize,
    d: usize,
    tau: f64,
    n: usize,
) -> f64 {
    let c = cosine(tau);
    let a = c.embed(tensor2(anchors, b, d));
    let h = c.embed(tensor2(copies, b * m, d)).reshape([b, m, d]);
    induced_rbm_importance(a, h, &c, n)
        .loss
        .into_scalar::<f32>() as f64
}

#[test]
fn induced_rbm_matches_naive_loops() {
    for (b, m, d, tau, n) in [(5, 2, 4, 0.5, 5), (7, 3, 6, 0.2, 1000), (4, 1, 3, 1.0, 4)] {
        let (anchors, copies) = rbm_inputs(b, m, d, 11 + b as u64);
        let a = normalized_rows(&anchors, b, d);
        let flat = normalized_rows(&copies, b * m, d);
        let h: Vec<Vec<Vec<f64>>> = (0..b).map(|i| flat[i * m..(i + 1) * m].to_vec()).collect();
        let expected = rbm_naive(&a, &h, tau, n);
        let got = rbm_burn(&anchors, &copies, b, m, d, tau, n);
        assert!(
            (got - expected).abs() < 1e-4,
            "B={b} M={m}: burn {got} vs naive {expected}"
        );
    }
}

#[test]
fn induced_rbm_closed_form_when_all_similarities_are_equal() {
    // Every anchor and copy is the same unit vector: every s = 1/τ, every Φ = softplus(1/τ), so
    // each p(x|T(x)) = exp Φ / (N · exp Φ) = 1/N and the loss is ln N, whatever B, M and τ.
    let (b, m, d, n) = (6, 3, 5, 600);
    let one = vec![0.5f32; d];
    let anchors: Vec<f32> = one.iter().cycle().take(b * d).copied().collect();
    let copies: Vec<f32> = one.iter().cycle().take(b * m * d).copied().collect();
    for tau in [0.1, 0.5, 2.0] {
        let got = rbm_burn(&anchors, &copies, b, m, d, tau, n);
        assert!(
            (got - (n as f64).ln()).abs() < 1e-4,
            "τ={tau}: {got} vs ln {n}"
        );
    }
}

#[test]
fn induced_rbm_is_invariant_to_permuting_the_batch() {
    let (b, m, d) = (6, 2, 4);
    let (anchors, copies) = rbm_inputs(b, m, d, 5);
    let perm = [3, 0, 5, 1, 4, 2];
    let pa: Vec<f32> = perm
        .iter()
        .flat_map(|&i| anchors[i * d..(i + 1) * d].to_vec())
        .collect();
    let pc: Vec<f32> = perm
        .iter()
        .flat_map(|&i| copies[i * m * d..(i + 1) * m * d].to_vec())
        .collect();
    let x = rbm_burn(&anchors, &copies, b, m, d, 0.3, 100);
    let y = rbm_burn(&pa, &pc, b, m, d, 0.3, 100);
    assert!((x - y).abs() < 1e-5, "{x} vs {y}");
}

#[test]
fn induced_rbm_gradient_is_the_weighted_difference_of_the_essay() {
    // d loss / d s[a, (b, m)] = (w[b, a] − 1[a = b]) · σ(s) / (M · B): the positive term pulls
    // the own copies up, the importance-weighted negatives push them down.
    let (b, m, d, tau) = (4, 2, 3, 0.5);
    let (anchors, copies) = rbm_inputs(b, m, d, 21);
    let c = cosine(tau);
    let dev = device().autodiff();
    let a = c.embed(Tensor::<2>::from_data(
        TensorData::new(anchors.clone(), [b, d]),
        &dev,
    ));
    let h = c.embed(Tensor::<2>::from_data(
        TensorData::new(copies.clone(), [b * m, d]),
        &dev,
    ));
    // Differentiate with respect to the scores by building them as a leaf.
    let scores = c.scores(a, h).detach().require_grad(); // [B(a), B*M]
    let s_vals: Vec<f32> = scores.clone().into_data().try_to_vec().unwrap();
    let phi = burn::tensor::activation::softplus(scores.clone(), 1.0)
        .reshape([b, b, m])
        .mean_dim(2)
        .reshape([b, b]);
    let log_w = burn::tensor::activation::log_softmax(phi.transpose(), 1);
    let diag: Vec<i64> = (0..b as i64).collect();
    let idx = Tensor::<1, Int>::from_data(TensorData::new(diag, [b]), &dev).reshape([b, 1]);
    let loss = log_w.clone().gather(1, idx).mean().neg();
    let grads = loss.backward();
    let g: Vec<f32> = scores
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec()
        .unwrap();
    let w: Vec<f32> = log_w.exp().into_data().try_to_vec().unwrap(); // [B(b), B(a)]
    for a_i in 0..b {
        for b_i in 0..b {
            for k in 0..m {
                let col = b_i * m + k;
                let s = s_vals[a_i * b * m + col] as f64;
                let sigma = 1.0 / (1.0 + (-s).exp());
                let indicator = if a_i == b_i { 1.0 } else { 0.0 };
                let expected = (w[b_i * b + a_i] as f64 - indicator) * sigma / (m * b) as f64;
                let got = g[a_i * b * m + col] as f64;
                assert!(
                    (got - expected).abs() < 1e-5,
                    "a={a_i} b={b_i} m={k}: {got} vs {expected}"
                );
            }
        }
    }
}

/// NT-Xent written as loops.
fn nt_xent_naive(va: &[Vec<f64>], vb: &[Vec<f64>], tau: f64) -> f64 {
    let z: Vec<&Vec<f64>> = va.iter().chain(vb.iter()).collect();
    let n = z.len();
    let b = va.len();
    let mut total = 0.0;
    for i in 0..n {
        let partner = (i + b) % n;
        let denom: f64 = (0..n)
            .filter(|&k| k != i)
            .map(|k| (dot(z[i], z[k]) / tau).exp())
            .sum();
        total += -((dot(z[i], z[partner]) / tau).exp() / denom).ln();
    }
    total / n as f64
}

fn nt_xent_burn(a: &[f32], b: &[f32], rows: usize, d: usize, tau: f64) -> f64 {
    let c = cosine(tau);
    nt_xent(
        c.embed(tensor2(a, rows, d)),
        c.embed(tensor2(b, rows, d)),
        &c,
    )
    .into_scalar::<f32>() as f64
}

#[test]
fn nt_xent_matches_naive_loops() {
    for (rows, d, tau) in [(3, 4, 0.5), (8, 5, 0.1), (2, 2, 1.0)] {
        let a = fixture(rows * d, 3 + rows as u64);
        let b = fixture(rows * d, 99 + rows as u64);
        let expected = nt_xent_naive(
            &normalized_rows(&a, rows, d),
            &normalized_rows(&b, rows, d),
            tau,
        );
        let got = nt_xent_burn(&a, &b, rows, d, tau);
        assert!(
            (got - expected).abs() < 1e-4,
            "B={rows}: {got} vs {expected}"
        );
    }
}

#[test]
fn nt_xent_on_identical_embeddings_is_ln_2n_minus_1() {
    let (rows, d) = (5, 3);
    let same = vec![0.3f32; rows * d];
    for tau in [0.1, 0.5, 1.0] {
        let got = nt_xent_burn(&same, &same, rows, d, tau);
        let expected = ((2 * rows - 1) as f64).ln();
        assert!(
            (got - expected).abs() < 1e-4,
            "τ={tau}: {got} vs {expected}"
        );
    }
}

#[test]
fn nt_xent_is_symmetric_in_the_views() {
    let (rows, d) = (6, 4);
    let a = fixture(rows * d, 7);
    let b = fixture(rows * d, 8);
    let x = nt_xent_burn(&a, &b, rows, d, 0.2);
    let y = nt_xent_burn(&b, &a, rows, d, 0.2);
    assert!((x - y).abs() < 1e-5, "{x} vs {y}");
}

#[test]
fn l2_normalize_gives_unit_rows() {
    let x = tensor2(&[3.0, 4.0, 0.0, 0.0, 1.0, 0.0], 2, 3);
    let y: Vec<f32> = l2_normalize(x).into_data().try_to_vec().unwrap();
    let expected = [0.6, 0.8, 0.0, 0.0, 1.0, 0.0];
    for (g, e) in y.iter().zip(expected) {
        assert!((g - e).abs() < 1e-6, "{y:?}");
    }
}

/// The hard-negative loss (and DCL at β = 0) written as loops, after the reference code of
/// Robinson et al. 2021 (`hcl` repository, `criterion` in `main.py`).
fn hcl_naive(va: &[Vec<f64>], vb: &[Vec<f64>], tau: f64, tau_plus: f64, beta: f64) -> f64 {
    let z: Vec<&Vec<f64>> = va.iter().chain(vb.iter()).collect();
    let n2 = z.len();
    let b = va.len();
    let negatives = (n2 - 2) as f64;
    let mut total = 0.0;
    for i in 0..n2 {
        let partner = (i + b) % n2;
        let pos = (dot(z[i], z[partner]) / tau).exp();
        let (mut weighted, mut imp_sum) = (0.0, 0.0);
        for k in (0..n2).filter(|&k| k != i && k != partner) {
            let s = dot(z[i], z[k]) / tau;
            let imp = (beta * s).exp();
            weighted += imp * s.exp();
            imp_sum += imp;
        }
        let reweighted = weighted / (imp_sum / negatives);
        let ng = ((-tau_plus * negatives * pos + reweighted) / (1.0 - tau_plus))
            .max(negatives * (-1.0 / tau).exp());
        total += -(pos / (pos + ng)).ln();
    }
    total / n2 as f64
}

#[test]
fn dcl_and_hcl_match_naive_loops() {
    use whac::objective::{debiased_contrastive, hard_negative};
    for (rows, d, tau, tau_plus, beta) in [
        (4, 5, 0.5, 0.1, 1.0),
        (6, 3, 0.2, 0.05, 0.5),
        (3, 4, 1.0, 0.0, 2.0),
    ] {
        let a = fixture(rows * d, 40 + rows as u64);
        let b = fixture(rows * d, 80 + rows as u64);
        let (na, nb) = (normalized_rows(&a, rows, d), normalized_rows(&b, rows, d));
        let c = cosine(tau);
        let emb = |x: &[f32]| c.embed(tensor2(x, rows, d));
        let hcl = hard_negative(emb(&a), emb(&b), &c, tau_plus, beta).into_scalar::<f32>() as f64;
        let expected = hcl_naive(&na, &nb, tau, tau_plus, beta);
        assert!(
            (hcl - expected).abs() < 1e-4 * expected.abs().max(1.0),
            "hcl {hcl} vs {expected}"
        );
        let dcl = debiased_contrastive(emb(&a), emb(&b), &c, tau_plus).into_scalar::<f32>() as f64;
        let expected = hcl_naive(&na, &nb, tau, tau_plus, 0.0);
        assert!(
            (dcl - expected).abs() < 1e-4 * expected.abs().max(1.0),
            "dcl {dcl} vs {expected}"
        );
    }
}

#[test]
fn dcl_without_debiasing_is_nt_xent_without_the_positive_in_the_denominator_sum() {
    // τ⁺ = 0 and β = 0: Ng = Σ_negatives e^s (when above the clamp), so DCL = NT-Xent exactly.
    use whac::objective::debiased_contrastive;
    let (rows, d, tau) = (5, 4, 0.5);
    let a = fixture(rows * d, 11);
    let b = fixture(rows * d, 12);
    let c = cosine(tau);
    let dcl = debiased_contrastive(
        c.embed(tensor2(&a, rows, d)),
        c.embed(tensor2(&b, rows, d)),
        &c,
        0.0,
    )
    .into_scalar::<f32>() as f64;
    let nt = nt_xent_burn(&a, &b, rows, d, tau);
    assert!((dcl - nt).abs() < 1e-4, "{dcl} vs {nt}");
}

/// The diagnostics' mean positive and negative similarities against loops: cosine of each
/// example with its own copies, and of every other example with them (unweighted).
#[test]
fn diagnostics_similarities_match_loops() {
    let (b, m, d, tau) = (5, 3, 4, 0.5);
    let (anchors, copies) = rbm_inputs(b, m, d, 21);
    let (a_rows, c_rows) = (
        normalized_rows(&anchors, b, d),
        normalized_rows(&copies, b * m, d),
    );
    let c = cosine(tau);
    let candidates = c.embed(tensor2(&anchors, b, d));
    let copies_t = c.embed(tensor2(&copies, b * m, d)).reshape([b, m, d]);
    let positive = Tensor::<1, Int>::from_data(
        TensorData::new((0..b as i64).collect::<Vec<_>>(), [b]),
        &device(),
    );
    let out = whac::objective::induced_rbm_loss(candidates, copies_t, None, positive, &c, 0.0);
    let diag = whac::objective::RbmDiagnostics::of(&out, tau);
    let cos = |a: usize, owner: usize, k: usize| dot(&a_rows[a], &c_rows[owner * m + k]);
    let mut pos = 0.0;
    let mut neg = 0.0;
    for owner in 0..b {
        for k in 0..m {
            pos += cos(owner, owner, k) / (b * m) as f64;
            for a in (0..b).filter(|&a| a != owner) {
                neg += cos(a, owner, k) / (b * m * (b - 1)) as f64;
            }
        }
    }
    assert!(
        (diag.positive_similarity as f64 - pos).abs() < 1e-5,
        "{} vs {pos}",
        diag.positive_similarity
    );
    assert!(
        (diag.negative_similarity as f64 - neg).abs() < 1e-5,
        "{} vs {neg}",
        diag.negative_similarity
    );
    assert!(
        (pos - neg).abs() > 1e-3,
        "the two are distinguishable: {pos} vs {neg}"
    );
}
