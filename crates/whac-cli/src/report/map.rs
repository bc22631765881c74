//! 2-D maps of the test representation coloured by label: PCA (`whac_eval::Pca`) and t-SNE
//! (Barnes–Hut, the `bhtsne` crate, started from the PCA map so that it is deterministic).

use anyhow::Result;
use plotters::prelude::*;
use whac_eval::Pca;

use super::canvas::{FONT, PALETTE, padded, range, render_png};

/// Points of the t-SNE map (evenly spaced through the test split; Barnes–Hut costs
/// O(n log n) per epoch).
pub const TSNE_POINTS: usize = 2000;
/// t-SNE perplexity and epochs.
pub const PERPLEXITY: f32 = 30.0;
pub const TSNE_EPOCHS: usize = 750;

/// A map: 2-D points with their labels.
pub struct Map {
    /// `[n, 2]` row-major.
    pub xy: Vec<f32>,
    pub labels: Vec<u8>,
}

/// The PCA map of `rows` (`n × d`) and the fitted PCA (for its explained variance).
pub fn pca_map(rows: &[f32], d: usize, labels: &[u8]) -> (Map, Pca) {
    let pca = Pca::fit(rows, d, 2);
    let xy = pca.transform(rows);
    (
        Map {
            xy,
            labels: labels.to_vec(),
        },
        pca,
    )
}

/// The t-SNE map of `rows` (`n × d`), initialised with their PCA coordinates scaled to a
/// standard deviation of 1e-4 (as openTSNE does).
pub fn tsne_map(rows: &[f32], d: usize, labels: &[u8]) -> Map {
    let n = labels.len();
    let (pca, _) = pca_map(rows, d, labels);
    let sd = (pca
        .xy
        .iter()
        .step_by(2)
        .map(|&x| (x as f64).powi(2))
        .sum::<f64>()
        / n.max(1) as f64)
        .sqrt()
        .max(1e-12);
    let init: Vec<f32> = pca
        .xy
        .iter()
        .map(|&v| (v as f64 / sd * 1e-4) as f32)
        .collect();
    let samples: Vec<&[f32]> = rows.chunks(d).collect();
    let perplexity = PERPLEXITY.min(((n.saturating_sub(1)) as f32 / 3.0).max(1.0));
    let mut tsne = bhtsne::tSNE::<f32, &[f32], 2>::new(&samples);
    tsne.perplexity(perplexity)
        .epochs(TSNE_EPOCHS)
        .initial_embedding(init)
        .barnes_hut(0.5, |a, b| {
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f32>()
                .sqrt()
        });
    Map {
        xy: tsne.embedding(),
        labels: labels.to_vec(),
    }
}

/// Class names of the known data sets (Fashion-MNIST's are words), else the label numbers.
pub fn class_names(data: &str, classes: usize) -> Vec<String> {
    const FASHION: [&str; 10] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ];
    (0..classes)
        .map(|c| match (data, FASHION.get(c)) {
            ("fashion-mnist", Some(name)) => format!("{c} {name}"),
            _ => c.to_string(),
        })
        .collect()
}

/// A scatter plot of `map`, one colour per label, with a legend of `names`.
pub fn plot(title: &str, map: &Map, names: &[String]) -> Result<Vec<u8>> {
    let xs = range(map.xy.iter().step_by(2).map(|&v| v as f64)).unwrap_or((0.0, 1.0));
    let ys = range(map.xy.iter().skip(1).step_by(2).map(|&v| v as f64)).unwrap_or((0.0, 1.0));
    let (x0, x1) = padded(xs.0, xs.1);
    let (y0, y1) = padded(ys.0, ys.1);
    // Room on the right for the legend.
    let legend_w = 120u32;
    render_png(title, (480 + legend_w, 440), |area| {
        let (plot_area, legend) = area.split_horizontally(480);
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(title, (FONT, 15))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .label_style((FONT, 11))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&|v| super::curves::short(*v))
            .y_label_formatter(&|v| super::curves::short(*v))
            .draw()?;
        chart.draw_series(map.xy.chunks(2).zip(&map.labels).map(|(p, &l)| {
            let color = PALETTE[l as usize % PALETTE.len()];
            Circle::new((p[0] as f64, p[1] as f64), 2, color.mix(0.7).filled())
        }))?;
        for (c, name) in names.iter().enumerate() {
            let y = 50 + 22 * c as i32;
            legend.draw(&Circle::new(
                (10, y),
                5,
                PALETTE[c % PALETTE.len()].filled(),
            ))?;
            legend.draw(&Text::new(name.clone(), (22, y - 7), (FONT, 13)))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsne_keeps_two_far_clusters_apart() {
        // Two tight clusters of 40 points in 5-D, far apart.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..80usize {
            let base = if i < 40 { 0.0 } else { 10.0 };
            labels.push((i >= 40) as u8);
            rows.extend((0..5).map(|j| base + ((i * 7 + j * 3) % 11) as f32 * 0.01));
        }
        let map = tsne_map(&rows, 5, &labels);
        assert_eq!(map.xy.len(), 160);
        let centre = |lo: usize, hi: usize| {
            let pts = &map.xy[lo * 2..hi * 2];
            let n = (hi - lo) as f32;
            let x = pts.iter().step_by(2).sum::<f32>() / n;
            let y = pts.iter().skip(1).step_by(2).sum::<f32>() / n;
            (x, y)
        };
        let (a, b) = (centre(0, 40), centre(40, 80));
        let gap = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let spread = map.xy[..80]
            .chunks(2)
            .map(|p| ((p[0] - a.0).powi(2) + (p[1] - a.1).powi(2)).sqrt())
            .fold(0.0f32, f32::max);
        assert!(gap > 2.0 * spread, "gap {gap}, spread {spread}");
    }

    #[test]
    fn fashion_classes_have_names() {
        assert_eq!(class_names("fashion-mnist", 10)[9], "9 Ankle boot");
        assert_eq!(class_names("digits", 3), vec!["0", "1", "2"]);
    }
}
