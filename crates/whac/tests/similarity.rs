//! The bilinear similarity and the learned temperature: closed forms at initialisation, a naive
//! loop for grouped scores, gradients that reach `W` and `log(1/τ)`, the clamp, and a short
//! training run that moves both.

use burn::module::Param;
use burn::optim::GradientsParams;
use burn::prelude::*;
use whac::compatibility::{Compatibility, CompatibilityConfig, MIN_TEMPERATURE, Model, Similarity};
use whac::encoder::EncoderConfig;
use whac::input::{Examples, InputShape};
use whac::objective::{ObjectiveConfig, nt_xent};
use whac::train::{NullObserver, Standardize, TrainConfig, TrainData, fit};
use whac_data::TransformConfig;

mod common;
use common::fixture;

const DIGITS: InputShape = InputShape::Images {
    channels: 1,
    height: 8,
    width: 8,
};

fn config(similarity: Similarity, learn_temperature: bool) -> CompatibilityConfig {
    CompatibilityConfig {
        similarity,
        temperature: 0.5,
        learn_temperature,
        projection: vec![16, 6],
    }
}

fn model(c: &CompatibilityConfig, device: &Device) -> Model {
    Model::new(&EncoderConfig::Mlp { hidden: vec![8] }, c, &DIGITS, device)
}

fn matrix(rows: usize, cols: usize, seed: u64, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(fixture(rows * cols, seed), [rows, cols]),
        device,
    )
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec().unwrap()
}

#[test]
fn bilinear_at_identity_equals_dot_and_grouped_scores_match_a_loop() {
    let device = Device::flex();
    let c = config(Similarity::Bilinear, false);
    let bilinear = c.check().unwrap().with_model(&model(&c, &device));
    let dot = Compatibility::fixed(Similarity::Dot, 0.5);
    let (a, b) = (matrix(5, 6, 1, &device), matrix(4, 6, 2, &device));
    assert_eq!(bilinear.embed(a.clone()).dims(), [5, 6]);
    let (s_bi, s_dot) = (
        values(bilinear.scores(a.clone(), b.clone())),
        values(dot.scores(a.clone(), b.clone())),
    );
    for (x, y) in s_bi.iter().zip(&s_dot) {
        assert!((x - y).abs() < 1e-6);
    }
    // Grouped scores against a naive loop, with W ≠ I: s = aᵀ W b / τ.
    let mut m = model(&c, &device);
    let w = fixture(36, 3);
    m.scoring.bilinear = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(w.clone(), [6, 6]),
        &device,
    )));
    let bi = c.check().unwrap().with_model(&m);
    let (ga, gb) = (fixture(2 * 3 * 6, 4), fixture(2 * 2 * 6, 5));
    let got = values(bi.grouped_scores(
        Tensor::from_data(TensorData::new(ga.clone(), [2, 3, 6]), &device),
        Tensor::from_data(TensorData::new(gb.clone(), [2, 2, 6]), &device),
    ));
    for g in 0..2 {
        for i in 0..3 {
            for j in 0..2 {
                let mut s = 0.0f64;
                for p in 0..6 {
                    for q in 0..6 {
                        s += f64::from(ga[(g * 3 + i) * 6 + p])
                            * f64::from(w[p * 6 + q])
                            * f64::from(gb[(g * 2 + j) * 6 + q]);
                    }
                }
                let expect = s / 0.5;
                let at = got[(g * 3 + i) * 2 + j] as f64;
                assert!((at - expect).abs() < 1e-4, "{at} vs {expect}");
            }
        }
    }
}

#[test]
fn gradients_reach_w_and_the_temperature() {
    let device = Device::flex().autodiff();
    let c = config(Similarity::Bilinear, true);
    let m = model(&c, &device);
    let compat = c.check().unwrap().with_model(&m);
    assert!((compat.current_temperature() - 0.5).abs() < 1e-6);
    let (a, b) = (matrix(4, 6, 6, &device), matrix(4, 6, 7, &device));
    // Closed form: d/d log(1/τ) of Σ s = Σ aᵀWb / τ = Σ s (W = I here).
    let sum = compat.scores(a.clone(), b.clone()).sum();
    let expected = f64::from(sum.clone().into_scalar::<f32>());
    let grads = GradientsParams::from_grads(sum.backward(), &m);
    let log_inv = m.scoring.log_inv_temperature.as_ref().unwrap();
    let g = values(grads.get::<1>(log_inv.id).expect("temperature gradient"));
    assert!(
        (f64::from(g[0]) - expected).abs() < 1e-4,
        "{g:?} vs {expected}"
    );
    // Through a real loss (a fresh graph), W gets a non-zero gradient.
    let compat = c.check().unwrap().with_model(&m);
    let loss = nt_xent(a, b, &compat);
    let grads = GradientsParams::from_grads(loss.backward(), &m);
    let w = m.scoring.bilinear.as_ref().unwrap();
    let gw = values(grads.get::<2>(w.id).expect("W gradient"));
    assert!(gw.iter().any(|v| v.abs() > 1e-6), "{gw:?}");
}

#[test]
fn learned_temperature_is_clamped_and_checked() {
    let device = Device::flex();
    let c = config(Similarity::Cosine, true);
    let mut m = model(&c, &device);
    m.scoring.log_inv_temperature = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(vec![20.0f32], [1]),
        &device,
    )));
    let t = c.check().unwrap().with_model(&m).current_temperature();
    assert!((t - MIN_TEMPERATURE).abs() < 1e-6, "{t}");
    let bad = CompatibilityConfig {
        temperature: 50.0,
        ..config(Similarity::Cosine, true)
    };
    let err = bad.check().unwrap_err().to_string();
    assert!(err.contains("learn_temperature"), "{err}");
    // Without the options the model has no similarity parameters.
    let plain = model(&config(Similarity::Cosine, false), &device);
    assert!(plain.scoring.bilinear.is_none() && plain.scoring.log_inv_temperature.is_none());
}

#[test]
fn training_moves_w_and_the_temperature() {
    let split = whac_data::digits().unwrap();
    let transform = TransformConfig::default().check().unwrap();
    let standardize = Standardize::fit(&split.train);
    let c = config(Similarity::Bilinear, true);
    let device = Device::flex().autodiff();
    device.seed(1);
    let (trained, _) = fit(
        model(&c, &device),
        ObjectiveConfig::default().check().unwrap(),
        c.check().unwrap(),
        &TrainConfig {
            epochs: 1,
            learning_rate: 1e-2,
            ..TrainConfig::default()
        },
        TrainData {
            train: Examples::images(&split.train, &transform, standardize),
            heldout: None,
        },
        &device,
        &mut NullObserver,
    )
    .unwrap();
    let t = c
        .check()
        .unwrap()
        .with_model(&trained)
        .current_temperature();
    assert!((t - 0.5).abs() > 1e-4, "temperature did not move: {t}");
    let w = values(trained.scoring.bilinear.as_ref().unwrap().val());
    let eye = values(Tensor::<2>::eye(6, &device));
    assert!(w.iter().zip(&eye).any(|(a, b)| (a - b).abs() > 1e-4));
}
