//! The checked text transformation and how one transformed copy of a token sequence is drawn.

use rand::seq::index;
use rand::{Rng, RngExt};

use super::{MASK, TextOpConfig, TextTransformConfig, UNK};

/// A checked stochastic transformation of token id sequences, built by
/// [`TextTransformConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct TextTransform {
    /// Operations whose settings are all within range.
    ops: Vec<TextOpConfig>,
}

impl TextTransform {
    /// Only [`TextTransformConfig::check`] builds one.
    pub(crate) fn from_checked(ops: Vec<TextOpConfig>) -> TextTransform {
        TextTransform { ops }
    }

    /// The identity transformation (no operation).
    pub fn identity() -> TextTransform {
        TextTransform { ops: Vec::new() }
    }

    /// The (checked) operations, in order.
    pub fn ops(&self) -> &[TextOpConfig] {
        &self.ops
    }

    /// The configuration this transformation was built from.
    pub fn config(&self) -> TextTransformConfig {
        TextTransformConfig {
            ops: self.ops.clone(),
        }
    }

    /// Draws one transformed copy of `src` into `out` (cleared first).
    ///
    /// Each operation, in order, draws one uniform number and is applied if it is below its `p`;
    /// then it draws what it needs. Applied to the output of the previous ones.
    pub fn apply(&self, src: &[u32], rng: &mut impl Rng, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(src);
        for op in &self.ops {
            if RngExt::random::<f32>(rng) >= op.p() {
                continue;
            }
            match *op {
                TextOpConfig::TokenDropout { rate, .. } => dropout(out, rate, rng),
                TextOpConfig::SpanMask {
                    fraction,
                    mean_span,
                    ..
                } => span_mask(out, fraction, mean_span, rng),
                TextOpConfig::Crop { keep, .. } => crop(out, keep, rng),
                TextOpConfig::Swap { rate, window, .. } => swap(out, rate, window, rng),
                TextOpConfig::Delete { rate, .. } => delete(out, rate, rng),
            }
        }
    }
}

/// Each token becomes `<unk>` with probability `rate`.
fn dropout(seq: &mut [u32], rate: f32, rng: &mut impl Rng) {
    for t in seq {
        if rng.random::<f32>() < rate {
            *t = UNK;
        }
    }
}

/// Sorted `k` distinct numbers from `0..n`, uniformly.
fn sorted_sample(rng: &mut impl Rng, n: usize, k: usize) -> Vec<usize> {
    let mut v = index::sample(rng, n, k).into_vec();
    v.sort_unstable();
    v
}

/// Exactly `round(fraction × n)` tokens become `<mask>`, in spans of mean length about
/// `mean_span` (see [`TextOpConfig::SpanMask`]).
fn span_mask(seq: &mut [u32], fraction: f32, mean_span: f32, rng: &mut impl Rng) {
    let n = seq.len();
    let m = ((fraction as f64 * n as f64).round() as usize).min(n);
    if m == 0 {
        return;
    }
    let k = ((m as f64 / mean_span as f64).round() as usize).clamp(1, m);
    // Span lengths: cuts at k − 1 distinct points of 1..m.
    let cuts: Vec<usize> = sorted_sample(rng, m - 1, k - 1)
        .into_iter()
        .map(|c| c + 1)
        .collect();
    // Gaps: k bars among (n − m) + k slots (stars and bars).
    let bars = sorted_sample(rng, n - m + k, k);
    let mut pos = 0;
    let mut prev_cut = 0;
    let mut prev_bar = None;
    for s in 0..k {
        let gap = match prev_bar {
            None => bars[0],
            Some(b) => bars[s] - b - 1,
        };
        prev_bar = Some(bars[s]);
        let cut = if s + 1 < k { cuts[s] } else { m };
        let len = cut - prev_cut;
        prev_cut = cut;
        pos += gap;
        seq[pos..pos + len].fill(MASK);
        pos += len;
    }
}

/// Keeps a random contiguous run of `clamp(round(u × n), 1, n)` tokens, `u ~ U(keep)`.
fn crop(seq: &mut Vec<u32>, keep: [f32; 2], rng: &mut impl Rng) {
    let n = seq.len();
    if n == 0 {
        return;
    }
    let u = keep[0] + (keep[1] - keep[0]) * rng.random::<f32>();
    let len = ((u as f64 * n as f64).round() as usize).clamp(1, n);
    let start = rng.random_range(0..=n - len);
    seq.truncate(start + len);
    seq.drain(..start);
}

/// Left to right, swaps position `i` with `i + d`, `d ~ U{1..=window}`, with probability `rate`.
fn swap(seq: &mut [u32], rate: f32, window: usize, rng: &mut impl Rng) {
    let n = seq.len();
    for i in 0..n.saturating_sub(1) {
        if rng.random::<f32>() < rate {
            let reach = window.min(n - 1 - i);
            let d = rng.random_range(1..=reach);
            seq.swap(i, i + d);
        }
    }
}

/// Removes each token with probability `rate`, keeping one random token if none would remain.
fn delete(seq: &mut Vec<u32>, rate: f32, rng: &mut impl Rng) {
    if seq.is_empty() {
        return;
    }
    let keep_if_empty = seq[rng.random_range(0..seq.len())];
    seq.retain(|_| rng.random::<f32>() >= rate);
    if seq.is_empty() {
        seq.push(keep_if_empty);
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    use super::*;

    #[test]
    fn span_mask_masks_exactly_m_tokens_in_about_k_spans() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let (mut spans, mut draws) = (0usize, 0usize);
        for _ in 0..500 {
            let mut seq: Vec<u32> = (10..110).collect();
            span_mask(&mut seq, 0.3, 3.0, &mut rng);
            assert_eq!(seq.iter().filter(|&&t| t == MASK).count(), 30);
            // Runs of masks (adjacent spans count as one run, so this is at most k = 10).
            let runs = seq
                .windows(2)
                .filter(|w| w[0] != MASK && w[1] == MASK)
                .count()
                + usize::from(seq[0] == MASK);
            assert!(runs <= 10);
            spans += runs;
            draws += 1;
        }
        let mean_runs = spans as f64 / draws as f64;
        // 10 spans, 70 gaps among 11 slots: few touch, so nearly 10 runs on average.
        assert!(mean_runs > 8.5, "mean runs {mean_runs}");
    }
}
