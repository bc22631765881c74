//! The text encoder: token embeddings, 1-D convolutions over positions, masked pooling.

use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, Relu};
use burn::prelude::*;

/// Embedding → `channels.len()` 1-D convolutions ("same" padding, ReLU) → masked mean and max
/// over the positions of the document → linear → `hidden` + ReLU.
///
/// Why convolutions and not a transformer: on a 2-core CPU a pooled convolutional encoder (Kim
/// 2014; the n-gram features of fastText-like models) trains on thousands of documents of a few
/// hundred tokens in minutes, costs `O(L)` per document instead of attention's `O(L²)`, and is a
/// strong baseline for document classification; a small transformer would spend most of the
/// budget on attention over padding.
///
/// A convolution of width `k` is computed as one matrix product: the embeddings of positions
/// `t − k/2 … t + k/2` (zero beyond the document) are concatenated, `[B, L, k·e]`, and a linear
/// layer maps them to the output channels. This equals a `Conv1d` with "same" padding, and its
/// backward pass is two matrix products (burn's CPU convolution has a slow weight gradient).
///
/// Padding: the positions after a document's end (id 0, `<pad>`) are zeroed after the embedding
/// and after every convolution, so a document's representation does not depend on how much
/// padding follows it; the mean divides by the document's own length (at least 1), and the max,
/// taken after ReLU over zeroed padding, is the max over the document's positions (0 for an empty
/// document).
#[derive(Module, Debug)]
pub struct TextCnn {
    embedding: Embedding,
    convs: Vec<Linear>,
    kernel: usize,
    linear: Linear,
    activation: Relu,
}

impl TextCnn {
    /// A vocabulary of `vocab` ids embedded in `embedding` dimensions, convolutions of width
    /// `kernel` (odd) with `channels` output channels each, and a representation of `hidden`.
    pub fn new(
        vocab: usize,
        embedding: usize,
        channels: &[usize],
        kernel: usize,
        hidden: usize,
        device: &Device,
    ) -> Self {
        let mut convs = Vec::with_capacity(channels.len());
        let mut width = embedding;
        for &c in channels {
            convs.push(LinearConfig::new(kernel * width, c).init(device));
            width = c;
        }
        Self {
            embedding: EmbeddingConfig::new(vocab, embedding).init(device),
            convs,
            kernel,
            linear: LinearConfig::new(2 * width, hidden).init(device),
            activation: Relu::new(),
        }
    }

    /// # Shapes
    /// - `ids`: `[batch, L]`, 0 = padding
    /// - output: `[batch, hidden]`
    pub fn forward(&self, ids: Tensor<2, Int>) -> Tensor<2> {
        let [batch, len] = ids.dims();
        let mask = ids
            .clone()
            .not_equal_elem(0)
            .float()
            .reshape([batch, len, 1]); // [B, L, 1]
        let mut x = self.embedding.forward(ids) * mask.clone(); // [B, L, e]
        for conv in &self.convs {
            let windows = windows(x, self.kernel); // [B, L, k·c_in]
            x = self.activation.forward(conv.forward(windows)) * mask.clone(); // [B, L, c]
        }
        let count = mask.sum_dim(1).clamp_min(1.0); // [B, 1, 1]
        let mean = x.clone().sum_dim(1) / count; // [B, 1, c]
        let max = x.max_dim(1); // [B, 1, c]
        let c = mean.dims()[2];
        let pooled = Tensor::cat(vec![mean, max], 2).reshape([batch, 2 * c]); // [B, 2c]
        self.activation.forward(self.linear.forward(pooled))
    }
}

/// The `kernel` positions around each position, concatenated along the features, zero beyond
/// either end ("same" padding).
///
/// # Shapes
/// - `x`: `[B, L, c]` → `[B, L, kernel·c]`, block `j` holding position `t + j − kernel/2`
pub fn windows(x: Tensor<3>, kernel: usize) -> Tensor<3> {
    if kernel <= 1 {
        return x;
    }
    let [batch, len, c] = x.dims();
    let half = kernel / 2;
    let zeros = Tensor::<3>::zeros([batch, half, c], &x.device());
    let padded = Tensor::cat(vec![zeros.clone(), x, zeros], 1); // [B, L + 2·half, c]
    let shifted: Vec<Tensor<3>> = (0..kernel)
        .map(|j| padded.clone().slice([0..batch, j..j + len, 0..c]))
        .collect();
    Tensor::cat(shifted, 2)
}
