//! The text encoder: its convolution windows against a naive loop, and a representation that
//! does not depend on the padding after a document.

use burn::prelude::*;
use whac::encoder::{EncoderConfig, windows};
use whac::input::{Input, InputShape};

mod common;
use common::fixture;

#[test]
fn windows_equal_a_naive_same_padded_gather() {
    let device = Device::flex();
    let (b, l, c, k) = (2, 5, 3, 3);
    let values = fixture(b * l * c, 1);
    let x = Tensor::<3>::from_data(TensorData::new(values.clone(), [b, l, c]), &device);
    let out: Vec<f32> = windows(x, k).into_data().try_to_vec().unwrap(); // [b, l, k·c]
    for bi in 0..b {
        for t in 0..l {
            for j in 0..k {
                for ch in 0..c {
                    let src = t as isize + j as isize - (k / 2) as isize;
                    let expect = if (0..l as isize).contains(&src) {
                        values[(bi * l + src as usize) * c + ch]
                    } else {
                        0.0
                    };
                    let got = out[((bi * l + t) * k + j) * c + ch];
                    assert_eq!(got, expect, "b {bi} t {t} j {j} c {ch}");
                }
            }
        }
    }
}

fn ids(rows: &[&[i32]], max_len: usize, device: &Device) -> Input {
    let mut v = Vec::new();
    for r in rows {
        v.extend_from_slice(r);
        v.extend(std::iter::repeat_n(0, max_len - r.len()));
    }
    Input::Tokens(Tensor::from_data(
        TensorData::new(v, [rows.len(), max_len]),
        device,
    ))
}

#[test]
fn representation_ignores_padding_and_handles_empty_documents() {
    let device = Device::flex();
    device.seed(4);
    let config = EncoderConfig::TextCnn {
        embedding: 8,
        channels: vec![6, 5],
        kernel: 3,
        hidden: 7,
    };
    let shape = InputShape::Tokens {
        max_len: 12,
        vocab: 20,
    };
    config.check(&shape).unwrap();
    let encoder = config.init(&shape, &device);
    let docs: [&[i32]; 3] = [&[5, 9, 3, 3, 17], &[4], &[]];
    let short: Vec<f32> = encoder
        .forward(ids(&docs, 5, &device))
        .into_data()
        .try_to_vec()
        .unwrap();
    let long: Vec<f32> = encoder
        .forward(ids(&docs, 12, &device))
        .into_data()
        .try_to_vec()
        .unwrap();
    assert_eq!(short.len(), 3 * 7);
    for (a, b) in short.iter().zip(&long) {
        assert!((a - b).abs() < 1e-5, "{short:?} vs {long:?}");
    }
    // Each document alone, without the others in the batch, gives the same row.
    let alone: Vec<f32> = encoder
        .forward(ids(&docs[..1], 5, &device))
        .into_data()
        .try_to_vec()
        .unwrap();
    for (a, b) in alone.iter().zip(&short[..7]) {
        assert!((a - b).abs() < 1e-5);
    }
    assert!(short.iter().all(|v| v.is_finite()));
    // A different document gives a different representation.
    assert_ne!(&short[..7], &short[7..14]);
}

#[test]
fn encoders_refuse_data_of_another_kind() {
    let text = InputShape::Tokens {
        max_len: 8,
        vocab: 10,
    };
    let rows = InputShape::Rows { features: 4 };
    let rgb = InputShape::Images {
        channels: 3,
        height: 8,
        width: 8,
    };
    let err = EncoderConfig::default()
        .check(&text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("encoder.kind") && err.contains("text_cnn"),
        "{err}"
    );
    let text_cnn = EncoderConfig::TextCnn {
        embedding: 4,
        channels: vec![4],
        kernel: 3,
        hidden: 4,
    };
    assert!(
        text_cnn
            .check(&rows)
            .unwrap_err()
            .to_string()
            .contains("encoder.kind")
    );
    let cnn = EncoderConfig::Cnn {
        channels: [4, 4],
        hidden: 8,
    };
    assert!(cnn.check(&rows).is_err());
    assert!(
        cnn.check(&rgb)
            .unwrap_err()
            .to_string()
            .contains("resnet18")
    );
    EncoderConfig::default().check(&rows).unwrap();
    EncoderConfig::default().check(&rgb).unwrap();
    let even = EncoderConfig::TextCnn {
        embedding: 4,
        channels: vec![4],
        kernel: 4,
        hidden: 4,
    };
    assert!(
        even.check(&text)
            .unwrap_err()
            .to_string()
            .contains("encoder.kernel")
    );
}
