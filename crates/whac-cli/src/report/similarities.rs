//! Positive vs negative similarities on the test set: two augmented copies of each example
//! through the trained model's projection, cosine of an example's two copies (positives) and of
//! copies of different examples (negatives), drawn as two histograms.

use anyhow::Result;
use plotters::prelude::*;
use whac::compatibility::{Compatibility, Model};
use whac::eval::{Side, embed_values};
use whac::input::Examples;
use whac_eval::{histogram, pair_similarities};

use super::canvas::{FONT, PALETTE, SIZE, render_png};

/// Test examples used (evenly spaced through the split).
pub const EXAMPLES: usize = 2000;
/// Negatives per example: its first copy against the second copy of the next `OFFSETS` examples.
pub const OFFSETS: usize = 10;
/// Bins over `[-1, 1]`.
pub const BINS: usize = 50;

/// The two sets of similarities and how they were drawn.
pub struct Similarities {
    pub positives: Vec<f32>,
    pub negatives: Vec<f32>,
    pub examples: usize,
}

impl Similarities {
    /// Means of the two sets.
    pub fn means(&self) -> (f64, f64) {
        let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len().max(1) as f64;
        (mean(&self.positives), mean(&self.negatives))
    }
}

/// Evenly spaced indices, at most `max` of `n`.
pub fn spread(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    (0..max).map(|i| i * n / max).collect()
}

/// Draws two copies of up to [`EXAMPLES`] test examples with the run's transformation (seed
/// `seed`, epoch 0), embeds them on the projection side, and pairs them.
pub fn measure(
    model: &Model,
    compatibility: &Compatibility,
    test: &Examples<'_>,
    seed: u64,
    batch_size: usize,
    device: &whac::burn::tensor::Device,
) -> Similarities {
    let rows = spread(test.len(), EXAMPLES);
    let shape = test.shape();
    let copies = test.augment(&rows, 2, seed, 0); // [n, 2, len]
    let mut views = copies.deinterleave(2, shape.example_len());
    let (b, a) = (views.pop().expect("two"), views.pop().expect("two"));
    let side = Side::Projection(compatibility);
    let (za, d) = embed_values(model, &a, shape, batch_size, device, side);
    let (zb, _) = embed_values(model, &b, shape, batch_size, device, side);
    let (positives, negatives) = pair_similarities(&za, &zb, d, OFFSETS);
    Similarities {
        positives,
        negatives,
        examples: rows.len(),
    }
}

/// The two histograms (each normalised to a density) over the cosine range `[-1, 1]`.
pub fn plot(s: &Similarities) -> Result<Vec<u8>> {
    let width = 2.0 / BINS as f64;
    let density = |v: &[f32]| -> Vec<f64> {
        let n = v.len().max(1) as f64;
        histogram(v, -1.0, 1.0, BINS)
            .into_iter()
            .map(|c| c as f64 / (n * width))
            .collect()
    };
    let pos = density(&s.positives);
    let neg = density(&s.negatives);
    let top = pos
        .iter()
        .chain(&neg)
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.08;
    render_png("similarities", SIZE, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption("Cosine similarity of projected test embeddings", (FONT, 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-1.0f64..1.0f64, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("cosine similarity")
            .y_desc("density")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let bars = [
            (
                &neg,
                PALETTE[3],
                format!("negatives (other examples, n = {})", s.negatives.len()),
            ),
            (
                &pos,
                PALETTE[0],
                format!(
                    "positives (two copies of one example, n = {})",
                    s.positives.len()
                ),
            ),
        ];
        for (density, color, name) in bars {
            chart
                .draw_series(density.iter().enumerate().filter(|(_, y)| **y > 0.0).map(
                    |(k, &y)| {
                        let x0 = -1.0 + k as f64 * width;
                        Rectangle::new([(x0, 0.0), (x0 + width, y)], color.mix(0.45).filled())
                    },
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.mix(0.45).filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 12))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_evenly_spaced_examples() {
        assert_eq!(spread(3, 5), vec![0, 1, 2]);
        assert_eq!(spread(10, 4), vec![0, 2, 5, 7]);
    }
}
