//! ResNet-18 with the CIFAR stem: its parameter count against the published architecture, its
//! output shape, and encoders on RGB images.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use whac::encoder::{EncoderConfig, ResNet18};
use whac::input::{Input, InputShape};

mod common;
use common::fixture;

#[test]
fn standard_width_has_the_parameters_of_resnet18_with_the_cifar_stem() {
    // torchvision's resnet18 has 11 689 512 parameters; without its classifier (512·1000 + 1000)
    // and with a 3×3×3×64 stem instead of the 7×7×3×64 one: 11 689 512 − 513 000 − 9 408 + 1 728
    // = 11 168 832 trained parameters. burn also counts the running mean and variance of the 20
    // batch norms (4 800 channels in all) as parameters: 2 × 4 800 more.
    let net = ResNet18::new(3, 64, &Device::flex());
    assert_eq!(net.num_params(), 11_168_832 + 2 * 4_800);
}

fn rgb(b: usize, side: usize, device: &Device) -> Input {
    let x = fixture(b * 3 * side * side, 9);
    Input::Images(Tensor::from_data(
        TensorData::new(x, [b, 3, side, side]),
        device,
    ))
}

#[test]
fn tiny_resnet_mlp_reads_rgb_and_gradients_reach_the_stem() {
    let shape = InputShape::Images {
        channels: 3,
        height: 16,
        width: 16,
    };
    let device = Device::flex().autodiff();
    for config in [
        EncoderConfig::Resnet18 { width: 2 },
        EncoderConfig::Mlp { hidden: vec![8] },
    ] {
        config.check(&shape).unwrap();
        let encoder = config.init(&shape, &device);
        let out = encoder.forward(rgb(4, 16, &device));
        assert_eq!(out.dims(), [4, config.representation_dim()]);
        let grads = GradientsParams::from_grads(out.sum().backward(), &encoder);
        // Every parameter tensor got a gradient, and some of them are non-zero.
        let mut any = false;
        struct Probe<'a> {
            grads: &'a GradientsParams,
            any: &'a mut bool,
            missing: usize,
        }
        impl ModuleVisitor for Probe<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                if !param.is_require_grad() {
                    return; // batch norm's running statistics
                }
                match self.grads.get::<D>(param.id) {
                    Some(g) => *self.any |= g.abs().sum().into_scalar::<f32>() > 0.0,
                    None => self.missing += 1,
                }
            }
        }
        let mut probe = Probe {
            grads: &grads,
            any: &mut any,
            missing: 0,
        };
        encoder.visit(&mut probe);
        assert_eq!(
            probe.missing,
            0,
            "{}: parameters without gradient",
            config.name()
        );
        assert!(any, "{} got no gradient", config.name());
    }
    assert_eq!(
        EncoderConfig::Resnet18 { width: 2 }.representation_dim(),
        16
    );
    let small = InputShape::Images {
        channels: 3,
        height: 4,
        width: 4,
    };
    let err = EncoderConfig::Resnet18 { width: 2 }
        .check(&small)
        .unwrap_err()
        .to_string();
    assert!(err.contains("8×8"), "{err}");
}
