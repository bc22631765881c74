//! [`CpuKernels`] under autodiff: the forward on flex, and the backward passes of
//! [`super::conv`] and [`super::pool`] registered as graph nodes.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;

use super::CpuKernels;
use super::conv::{
    ConvGrads, ConvShape, conv_relu_backward, conv_relu_pool_backward, conv_relu_pool_forward,
};
use super::flex::{conv_shape, dims4, tensor, values};
use super::pool::max_pool2_backward;

/// Registers the input (when tracked), weight and bias gradients of a convolution, for the
/// parent nodes `[x, weight, bias]` that are tracked.
fn register_conv_grads(
    grads: &mut Gradients,
    [x, weight, bias]: [Option<NodeId>; 3],
    s: &ConvShape,
    g: ConvGrads,
) {
    if let (Some(id), Some(gx)) = (x, g.x) {
        grads.register::<Flex>(id, tensor(gx, [s.batch, s.c_in, s.height, s.width]));
    }
    if let Some(id) = weight {
        let shape = [s.c_out, s.c_in, s.kernel, s.kernel];
        grads.register::<Flex>(id, tensor(g.weight, shape));
    }
    if let Some(id) = bias {
        grads.register::<Flex>(id, tensor(g.bias, [s.c_out]));
    }
}

/// Backward of `conv_same_relu`; state: input, weight, output (for the ReLU mask).
#[derive(Debug)]
struct ConvReluBackward;

impl Backward<Flex, 3> for ConvReluBackward {
    type State = (FlexTensor, FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x, weight, y) = ops.state;
        let s = conv_shape(&x, &weight);
        let g = conv_relu_backward(
            &values(&x),
            &values(&weight),
            &values(&y),
            &values(&grad),
            &s,
            node_x.is_some(),
        );
        let ids = [node_x, node_w, node_b].map(|node| node.map(|n| n.id));
        register_conv_grads(grads, ids, &s, g);
    }
}

/// Backward of `conv_same_relu_pool2`; state: input, weight, activation before the pool, output.
#[derive(Debug)]
struct ConvReluPoolBackward;

impl Backward<Flex, 3> for ConvReluPoolBackward {
    type State = (FlexTensor, FlexTensor, FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x, weight, y, pooled) = ops.state;
        let s = conv_shape(&x, &weight);
        let g = conv_relu_pool_backward(
            &values(&x),
            &values(&weight),
            &values(&y),
            &values(&pooled),
            &values(&grad),
            &s,
            node_x.is_some(),
        );
        let ids = [node_x, node_w, node_b].map(|node| node.map(|n| n.id));
        register_conv_grads(grads, ids, &s, g);
    }
}

/// Backward of `max_pool2`; state: input and output.
#[derive(Debug)]
struct MaxPool2Backward;

impl Backward<Flex, 1> for MaxPool2Backward {
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x, y) = ops.state;
        if let Some(node) = node_x {
            let [b, c, h, w] = dims4(&x);
            let gx = max_pool2_backward(&values(&x), &values(&y), &values(&grad), b * c, h, w);
            grads.register::<Flex>(node.id, tensor(gx, [b, c, h, w]));
        }
    }
}

impl<C: CheckpointStrategy> CpuKernels for Autodiff<Flex, C> {
    fn conv_same_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        match ConvReluBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let y = Flex::conv_same_relu(x.clone(), weight.clone(), bias.into_primitive());
                prep.finish((x, weight, y.clone()), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::conv_same_relu(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            )),
        }
    }

    fn conv_same_relu_pool2(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        match ConvReluPoolBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let bias = bias.into_primitive();
                let s = conv_shape(&x, &weight);
                let (pooled, y) =
                    conv_relu_pool_forward(&values(&x), &values(&weight), &values(&bias), &s, true);
                let y = tensor(
                    y.expect("kept when asked"),
                    [s.batch, s.c_out, s.height, s.width],
                );
                let pooled = tensor(pooled, [s.batch, s.c_out, s.height / 2, s.width / 2]);
                prep.finish((x, weight, y, pooled.clone()), pooled)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::conv_same_relu_pool2(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            )),
        }
    }

    fn max_pool2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match MaxPool2Backward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let y = Flex::max_pool2(x.clone());
                prep.finish((x, y.clone()), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::max_pool2(x.into_primitive())),
        }
    }
}
