//! Negative strategies against brute force: with a fresh memory bank, `all` is the exact
//! log-likelihood over the training set, and `importance` with every example as its proposals
//! equals it (value and gradient).

use burn::prelude::*;
use whac::compatibility::{Compatibility, Similarity};
use whac::objective::{MemoryBank, index_tensor, induced_rbm_loss};

mod common;
use common::fixture;

fn cosine(tau: f64) -> Compatibility {
    Compatibility::fixed(Similarity::Cosine, tau)
}

/// Brute-force mean log p(x_b | T(x_b)) over a data set of N examples, for the examples `batch`.
fn brute_force(all: &[Vec<f64>], copies: &[Vec<Vec<f64>>], batch: &[usize], tau: f64) -> f64 {
    let sp = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut total = 0.0;
    for (row, &b) in batch.iter().enumerate() {
        let phi = |x: &[f64]| {
            copies[row].iter().map(|c| sp(dot(x, c) / tau)).sum::<f64>() / copies[row].len() as f64
        };
        let log_z = all.iter().map(|x| phi(x).exp()).sum::<f64>().ln();
        total += phi(&all[b]) - log_z;
    }
    -total / batch.len() as f64
}

fn unit_rows(data: &[f32], rows: usize, d: usize) -> Vec<Vec<f64>> {
    (0..rows)
        .map(|r| {
            let v: Vec<f64> = data[r * d..(r + 1) * d].iter().map(|&x| x as f64).collect();
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.iter().map(|x| x / n).collect()
        })
        .collect()
}

#[test]
fn all_with_a_fresh_bank_is_the_exact_log_likelihood_and_importance_over_everything_equals_it() {
    let (n, b, m, d, tau) = (9, 4, 2, 5, 0.4);
    let c = cosine(tau);
    let dev = Device::flex().autodiff();
    let data = fixture(n * d, 1);
    let copies_raw = fixture(b * m * d, 2);
    let batch = [6usize, 1, 3, 8];
    let all_rows = unit_rows(&data, n, d);
    let copy_rows = unit_rows(&copies_raw, b * m, d);
    let copies_nested: Vec<Vec<Vec<f64>>> = (0..b)
        .map(|i| copy_rows[i * m..(i + 1) * m].to_vec())
        .collect();
    let expected = brute_force(&all_rows, &copies_nested, &batch, tau);

    let embedded = c.embed(Tensor::<2>::from_data(
        TensorData::new(data.clone(), [n, d]),
        &dev,
    ));
    let bank = MemoryBank::new(embedded.clone(), 0.0);
    let batch_idx = index_tensor(&batch, &dev);

    // `all`: the bank with the batch rows replaced by fresh anchors (with gradient).
    let anchors = embedded
        .clone()
        .select(0, batch_idx.clone())
        .detach()
        .require_grad();
    let copies = c
        .embed(Tensor::<2>::from_data(
            TensorData::new(copies_raw.clone(), [b * m, d]),
            &dev,
        ))
        .reshape([b, m, d])
        .detach()
        .require_grad();
    let candidates = bank.with_fresh(batch_idx.clone(), anchors.clone());
    let out = induced_rbm_loss(candidates, copies.clone(), None, batch_idx.clone(), &c, 0.0);
    let got = out.loss.clone().into_scalar::<f32>() as f64;
    assert!(
        (got - expected).abs() < 1e-5,
        "all: {got} vs brute force {expected}"
    );
    let grads = out.loss.backward();
    let g_anchor: Vec<f32> = anchors
        .grad(&grads)
        .expect("anchors get a gradient")
        .into_data()
        .try_to_vec()
        .unwrap();
    let g_copies: Vec<f32> = copies
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec()
        .unwrap();

    // `importance` with all N examples as proposals (fresh, all with gradient): same value; its
    // gradient with respect to the batch rows equals `all`'s.
    let everything = embedded.detach().require_grad();
    let out2 = induced_rbm_loss(everything.clone(), copies.clone(), None, batch_idx, &c, 0.0);
    let got2 = out2.loss.clone().into_scalar::<f32>() as f64;
    assert!(
        (got2 - expected).abs() < 1e-5,
        "importance over all: {got2} vs {expected}"
    );
    let grads2 = out2.loss.backward();
    let g_all: Vec<f32> = everything
        .grad(&grads2)
        .unwrap()
        .into_data()
        .try_to_vec()
        .unwrap();
    let g_copies2: Vec<f32> = copies
        .grad(&grads2)
        .unwrap()
        .into_data()
        .try_to_vec()
        .unwrap();
    for (row, &i) in batch.iter().enumerate() {
        for k in 0..d {
            let (x, y) = (g_anchor[row * d + k], g_all[i * d + k]);
            assert!((x - y).abs() < 1e-6, "anchor {i} dim {k}: {x} vs {y}");
        }
    }
    for (x, y) in g_copies.iter().zip(&g_copies2) {
        assert!((x - y).abs() < 1e-6, "copies: {x} vs {y}");
    }
}

#[test]
fn bank_update_replaces_rows_or_blends_them_with_momentum() {
    let dev = Device::flex();
    let rows = Tensor::<2>::from_data(
        TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0, 1.0, 0.0], [3, 2]),
        &dev,
    );
    let mut bank = MemoryBank::new(rows.clone(), 0.0);
    let fresh = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0], [1, 2]), &dev);
    bank.update(index_tensor(&[2], &dev), fresh.clone());
    let got: Vec<f32> = bank.rows().into_data().try_to_vec().unwrap();
    assert_eq!(got, vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
    let mut bank = MemoryBank::new(rows, 0.5);
    bank.update(index_tensor(&[0], &dev), fresh);
    let got: Vec<f32> = bank.rows().into_data().try_to_vec().unwrap();
    let h = std::f32::consts::FRAC_1_SQRT_2;
    for (g, e) in got.iter().zip([h, h, 0.0, 1.0, 1.0, 0.0]) {
        assert!((g - e).abs() < 1e-6, "{got:?}");
    }
}

fn leaf(data: &[f32], shape: [usize; 2], dev: &Device, c: &Compatibility) -> Tensor<2> {
    c.embed(Tensor::<2>::from_data(
        TensorData::new(data.to_vec(), shape),
        dev,
    ))
    .detach()
    .require_grad()
}

#[test]
fn unbiased_estimate_keeps_the_value_and_with_the_same_copies_the_gradient() {
    let (b, m, d) = (5, 3, 4);
    let c = cosine(0.3);
    let dev = Device::flex().autodiff();
    let anchors_raw = fixture(b * d, 3);
    let copies_raw = fixture(b * m * d, 4);
    let other_raw = fixture(b * m * d, 5);
    let own = index_tensor(&(0..b).collect::<Vec<_>>(), &dev);
    let run = |second: Option<&[f32]>| {
        let anchors = leaf(&anchors_raw, [b, d], &dev, &c);
        let copies = leaf(&copies_raw, [b * m, d], &dev, &c);
        let second = second.map(|s| leaf(s, [b * m, d], &dev, &c).reshape([b, m, d]));
        let out = induced_rbm_loss(
            anchors.clone(),
            copies.clone().reshape([b, m, d]),
            second,
            own.clone(),
            &c,
            0.0,
        );
        let value = out.loss.clone().into_scalar::<f32>();
        let grads = out.loss.backward();
        let ga: Vec<f32> = anchors
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        let gc: Vec<f32> = copies
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        (value, ga, gc)
    };
    let (v_biased, ga_b, gc_b) = run(None);
    let (v_same, ga_s, gc_s) = run(Some(&copies_raw));
    let (v_other, ga_o, _) = run(Some(&other_raw));
    assert!((v_biased - v_same).abs() < 1e-6 && (v_biased - v_other).abs() < 1e-6);
    for (x, y) in ga_b.iter().zip(&ga_s).chain(gc_b.iter().zip(&gc_s)) {
        assert!(
            (x - y).abs() < 1e-5,
            "same copies, different gradient: {x} vs {y}"
        );
    }
    let differs = ga_b.iter().zip(&ga_o).any(|(x, y)| (x - y).abs() > 1e-4);
    assert!(
        differs,
        "independent weight copies should change the gradient"
    );
}
