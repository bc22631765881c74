//! MoCo against a naive loop, its queue, and the momentum encoder's update.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use whac::compatibility::{Compatibility, CompatibilityConfig, Model, Similarity};
use whac::encoder::EncoderConfig;
use whac::objective::{KeyQueue, moco};
use whac::train::MomentumModel;

mod common;
use common::fixture;
use whac::input::InputShape;

/// The embedded digits: 8×8 grayscale.
const DIGITS: InputShape = InputShape::Images {
    channels: 1,
    height: 8,
    width: 8,
};

fn rows(data: &[f32], d: usize) -> Vec<Vec<f64>> {
    data.chunks(d)
        .map(|r| {
            let v: Vec<f64> = r.iter().map(|&x| f64::from(x)).collect();
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.iter().map(|x| x / norm).collect()
        })
        .collect()
}

#[test]
fn moco_matches_a_naive_loop_and_ignores_key_gradients() {
    let (b, k, d, tau) = (4, 6, 5, 0.2);
    let c = Compatibility::fixed(Similarity::Cosine, tau);
    let (q, kk, queue) = (fixture(b * d, 1), fixture(b * d, 2), fixture(k * d, 3));
    let (qr, kr, ur) = (rows(&q, d), rows(&kk, d), rows(&queue, d));
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut expected = 0.0;
    for i in 0..b {
        let pos = dot(&qr[i], &kr[i]) / tau;
        let mut terms = vec![pos];
        terms.extend(ur.iter().map(|u| dot(&qr[i], u) / tau));
        let log_z = terms.iter().map(|t| t.exp()).sum::<f64>().ln();
        expected += (log_z - pos) / b as f64;
    }
    let dev = Device::flex().autodiff();
    let t = |v: &[f32], r: usize| {
        c.embed(Tensor::<2>::from_data(
            TensorData::new(v.to_vec(), [r, d]),
            &dev,
        ))
        .detach()
        .require_grad()
    };
    let (tq, tk, tu) = (t(&q, b), t(&kk, b), t(&queue, k));
    let loss = moco(tq.clone(), tk.clone(), tu.clone(), &c);
    let got = f64::from(loss.clone().into_scalar::<f32>());
    assert!(
        (got - expected).abs() < 1e-5,
        "moco {got} vs naive {expected}"
    );
    let grads = loss.backward();
    assert!(tq.grad(&grads).is_some(), "queries get a gradient");
    assert!(tk.grad(&grads).is_none(), "keys must not get a gradient");
    assert!(
        tu.grad(&grads).is_none(),
        "the queue must not get a gradient"
    );
}

#[test]
fn queue_overwrites_its_oldest_keys_first() {
    let dev = Device::flex();
    let keys = |v: Vec<f32>, r: usize| Tensor::<2>::from_data(TensorData::new(v, [r, 1]), &dev);
    let mut queue = KeyQueue::new(keys(vec![0.0, 1.0, 2.0, 3.0, 4.0], 5));
    queue.push(keys(vec![10.0, 11.0], 2));
    queue.push(keys(vec![12.0, 13.0], 2));
    queue.push(keys(vec![14.0, 15.0], 2)); // wraps: rows 4, 0
    let got: Vec<f32> = queue.keys().into_data().try_to_vec().unwrap();
    assert_eq!(got, vec![15.0, 11.0, 12.0, 13.0, 14.0]);
    assert_eq!(queue.len(), 5);
}

/// Every float parameter, flattened, in visiting order.
fn parameters(model: &Model) -> Vec<f32> {
    struct All(Vec<f32>);
    impl ModuleVisitor for All {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let v: Vec<f32> = param.val().into_data().try_to_vec().unwrap();
            self.0.extend(v);
        }
    }
    let mut all = All(Vec::new());
    model.visit(&mut all);
    all.0
}

#[test]
fn momentum_encoder_moves_by_one_minus_m_towards_the_trained_model() {
    let dev = Device::flex().autodiff();
    let model = Model::new(
        &EncoderConfig::default(),
        &CompatibilityConfig::default(),
        &DIGITS,
        &dev,
    );
    let mut slow = MomentumModel::new(&model, 0.9);
    let before = parameters(slow.model());
    assert_eq!(before, parameters(&model.valid()));
    // The trained model moves by +1 everywhere (same parameter ids, as after an optimiser step).
    struct AddOne;
    impl ModuleMapper for AddOne {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|t| t.add_scalar(1.0))
        }
    }
    let moved = model.map(&mut AddOne);
    slow.update(&moved);
    let after = parameters(slow.model());
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert!((a - (b + 0.1)).abs() < 1e-5, "{a} vs {b} + 0.1");
    }
    slow.update(&moved);
    for (a, b) in parameters(slow.model()).iter().zip(&before) {
        assert!(
            (a - (b + 0.19)).abs() < 1e-5,
            "second step: {a} vs {b} + 0.19"
        );
    }
}
