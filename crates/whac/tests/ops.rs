//! whac's CPU kernels (crate::ops) against burn's own ops: the same values and the same
//! gradients, through autodiff, on random tensors.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::MaxPool2dConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use whac::ops::{conv_relu, conv_relu_pool, max_pool2};

fn assert_close(what: &str, a: Tensor<4>, b: Tensor<4>, tol: f32) {
    assert_eq!(a.dims(), b.dims(), "{what}: shapes");
    let a: Vec<f32> = a.into_data().try_to_vec::<f32>().unwrap();
    let b: Vec<f32> = b.into_data().try_to_vec::<f32>().unwrap();
    let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= tol * scale,
        "{what}: largest difference {worst} (scale {scale})"
    );
}

fn grads_of(
    conv: &Conv2d,
    x: &Tensor<4>,
    weights: &Tensor<4>,
    custom: usize,
) -> (Tensor<4>, Tensor<4>, Tensor<4>, Tensor<1>) {
    let x = x.clone().require_grad();
    let y = if custom == 1 {
        max_pool2(conv_relu(conv, x.clone()))
    } else if custom == 2 {
        conv_relu_pool(conv, x.clone())
    } else {
        MaxPool2dConfig::new([2, 2])
            .init()
            .forward(relu(conv.forward(x.clone())))
    };
    let loss = (y.clone() * weights.clone()).sum();
    let grads = loss.backward();
    let gx = x.grad(&grads).unwrap();
    let gw = conv.weight.val().grad(&grads).unwrap();
    let gb = conv.bias.as_ref().unwrap().val().grad(&grads).unwrap();
    (y.inner(), gx, gw, gb)
}

#[test]
fn conv_relu_and_pool_match_burn_in_values_and_gradients() {
    let device = Device::flex().autodiff();
    // Two shapes: the MNIST CNN's second layer (scaled down) and a 5 × 5 kernel with odd sizes.
    for (c_in, c_out, side, kernel) in [(3, 8, 10, 3), (2, 4, 9, 5)] {
        device.seed(7);
        let conv = Conv2dConfig::new([c_in, c_out], [kernel, kernel])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let x = Tensor::<4>::random(
            [5, c_in, side, side],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        // A loss that weights every output differently, so every gradient entry is exercised.
        let pooled = [5, c_out, side / 2, side / 2];
        let weights = Tensor::<4>::random(pooled, Distribution::Normal(0.0, 1.0), &device);
        let (y_ref, gx_ref, gw_ref, gb_ref) = grads_of(&conv, &x, &weights, 0);
        // 1: conv + ReLU, then the pool; 2: the fused conv + ReLU + pool.
        for custom in [1, 2] {
            let (y, gx, gw, gb) = grads_of(&conv, &x, &weights, custom);
            let (y_ref, gx_ref, gw_ref, gb_ref) = (
                y_ref.clone(),
                gx_ref.clone(),
                gw_ref.clone(),
                gb_ref.clone(),
            );
            let what =
                format!("kernels {custom}: c_in {c_in} c_out {c_out} side {side} kernel {kernel}");
            assert_close(&format!("{what}: output"), y, y_ref, 1e-5);
            assert_close(&format!("{what}: weight gradient"), gw, gw_ref, 1e-4);
            assert_close(&format!("{what}: input gradient"), gx, gx_ref, 1e-4);
            assert_close(
                &format!("{what}: bias gradient"),
                gb.reshape([1, 1, 1, c_out]),
                gb_ref.reshape([1, 1, 1, c_out]),
                1e-4,
            );
        }
    }
}

#[test]
fn without_autodiff_the_kernels_match_burn() {
    let device = Device::flex();
    device.seed(3);
    let conv = Conv2dConfig::new([4, 6], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .init(&device);
    let x = Tensor::<4>::random([3, 4, 8, 6], Distribution::Normal(0.0, 1.0), &device);
    let expected = MaxPool2dConfig::new([2, 2])
        .init()
        .forward(relu(conv.forward(x.clone())));
    assert_close(
        "inference",
        max_pool2(conv_relu(&conv, x.clone())),
        expected.clone(),
        1e-5,
    );
    assert_close("inference, fused", conv_relu_pool(&conv, x), expected, 1e-5);
}
