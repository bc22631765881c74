//! [`CpuKernels`] on flex: unpack the tensors into slices, run [`super::conv`] and
//! [`super::pool`], pack the result.

use burn::backend::flex::FlexTensor;
use burn::backend::{DType, Flex};
use burn::tensor::{Shape, TensorData};

use super::CpuKernels;
use super::conv::{ConvShape, conv_relu_forward, conv_relu_pool_forward};
use super::pool::max_pool2_forward;

/// The values of `t` as contiguous f32, copied only when the layout requires it.
pub(super) fn values(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    assert_eq!(t.dtype(), DType::F32, "whac's CPU kernels take f32 tensors");
    match t.as_slice::<f32>() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(
            t.to_contiguous()
                .as_slice::<f32>()
                .expect("contiguous after to_contiguous")
                .to_vec(),
        ),
    }
}

/// A flex tensor owning `values` with `shape`.
pub(super) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

/// The dimensions of a rank-4 tensor.
pub(super) fn dims4(t: &FlexTensor) -> [usize; 4] {
    let shape = t.layout().shape();
    assert_eq!(
        shape.num_dims(),
        4,
        "expected a rank-4 tensor, got {shape:?}"
    );
    [shape[0], shape[1], shape[2], shape[3]]
}

/// The convolution's sizes from its input and weight.
pub(super) fn conv_shape(x: &FlexTensor, weight: &FlexTensor) -> ConvShape {
    let [batch, c_in, height, width] = dims4(x);
    let [c_out, w_in, kh, kw] = dims4(weight);
    assert!(
        w_in == c_in && kh == kw && kh % 2 == 1,
        "conv_same_relu: weight [{c_out}, {w_in}, {kh}, {kw}] for input with {c_in} channels"
    );
    ConvShape {
        batch,
        c_in,
        c_out,
        height,
        width,
        kernel: kh,
    }
}

impl CpuKernels for Flex {
    fn conv_same_relu(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let s = conv_shape(&x, &weight);
        let y = conv_relu_forward(&values(&x), &values(&weight), &values(&bias), &s);
        tensor(y, [s.batch, s.c_out, s.height, s.width])
    }

    fn conv_same_relu_pool2(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let s = conv_shape(&x, &weight);
        let (pooled, _) =
            conv_relu_pool_forward(&values(&x), &values(&weight), &values(&bias), &s, false);
        tensor(pooled, [s.batch, s.c_out, s.height / 2, s.width / 2])
    }

    fn max_pool2(x: FlexTensor) -> FlexTensor {
        let [b, c, h, w] = dims4(&x);
        let y = max_pool2_forward(&values(&x), b * c, h, w);
        tensor(y, [b, c, h / 2, w / 2])
    }
}
