//! Drawing a plot into memory and encoding it: a plotters bitmap, a PNG, a `data:` URI.

use anyhow::{Result, anyhow};
use base64::Engine;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// The font family the plots use: DejaVu Sans, embedded in the binary (no system fonts needed).
pub const FONT: &str = "sans-serif";

/// Width and height of a plot in pixels.
pub const SIZE: (u32, u32) = (600, 340);

/// The ten colours of the label palette (matplotlib's tab10), then the series colours.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The drawing area plots draw on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// What a drawing closure returns: plotters' errors are boxed.
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn register_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!(
            "internal: the embedded DejaVu Sans font does not load"
        ))
    }
}

/// Draws a `size` plot with `draw` on a white background and returns it as PNG bytes. `name`
/// names the plot in errors.
pub fn render_png(
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<Vec<u8>> {
    register_font()?;
    let (w, h) = size;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow!("report: plot {name}: {e}"))?;
        draw(&root).map_err(|e| anyhow!("report: plot {name}: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("report: plot {name}: {e}"))?;
    }
    encode_png(&rgb, w, h).map_err(|e| anyhow!("report: plot {name}: {e}"))
}

/// 8-bit RGB pixels as PNG bytes.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// PNG bytes as a `data:image/png;base64,...` URI for an `<img src>`.
pub fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// `[lo, hi]` widened by 5% on each side (and to a unit range around a single value).
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let r = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            0.5
        };
        return (lo - r, hi + r);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// The smallest and largest finite value of `values` (`None` when there is none).
pub fn range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plot_is_a_png_of_the_asked_size() {
        let png = render_png("test", (120, 80), |area| {
            area.draw(&Text::new("x", (10, 10), (FONT, 12)))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (120, 80));
        assert!(data_uri(b"abc").ends_with("base64,YWJj"));
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        assert_eq!(padded(0.0, 10.0), (-0.5, 10.5));
        assert_eq!(padded(2.0, 2.0), (1.8, 2.2));
        assert_eq!(range([3.0, f64::NAN, -1.0]), Some((-1.0, 3.0)));
        assert_eq!(range([f64::NAN]), None);
    }
}
