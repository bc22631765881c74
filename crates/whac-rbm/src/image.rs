//! PNG grids of filters and samples.

use std::path::Path;

use crate::{Params, RbmError};

/// Writes `images` (`n` images of `height × width` values in `[0, 1]`, row-major) as an 8-bit
/// grey PNG grid of `cols` columns with a 1-pixel grey border.
///
/// # Errors
/// [`RbmError::Io`] when the file cannot be written.
pub fn save_grid_png(
    path: &Path,
    images: &[f32],
    n: usize,
    height: usize,
    width: usize,
    cols: usize,
) -> Result<(), RbmError> {
    assert_eq!(
        images.len(),
        n * height * width,
        "images are not {n} × {height} × {width}"
    );
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols).max(1);
    let (gw, gh) = (cols * (width + 1) + 1, rows * (height + 1) + 1);
    let mut grid = vec![128u8; gw * gh];
    for k in 0..n {
        let (oy, ox) = ((k / cols) * (height + 1) + 1, (k % cols) * (width + 1) + 1);
        for y in 0..height {
            for x in 0..width {
                let v = images[k * height * width + y * width + x].clamp(0.0, 1.0);
                grid[(oy + y) * gw + ox + x] = (v * 255.0).round() as u8;
            }
        }
    }
    let io = |source: std::io::Error| RbmError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), gw as u32, gh as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| RbmError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(&grid).map_err(png_err)?;
    writer.finish().map_err(png_err)
}

/// Each hidden unit's weights `W·j` as a `height × width` image, scaled to `[0, 1]` by its own
/// minimum and maximum.
///
/// # Shapes
/// Returns `J × (height · width)`; requires `D = height · width`.
pub fn filters(params: &Params) -> Vec<f32> {
    let (d, j) = (params.visible(), params.hidden());
    let mut out = vec![0.0; j * d];
    for jj in 0..j {
        let col: Vec<f32> = (0..d).map(|i| params.w[i * j + jj]).collect();
        let lo = col.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = col.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let span = (hi - lo).max(1e-12);
        for (i, x) in col.iter().enumerate() {
            out[jj * d + i] = (x - lo) / span;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_png_has_the_right_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.png");
        save_grid_png(&path, &[0.5; 5 * 6], 5, 2, 3, 2).unwrap();
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        // 2 columns × (3 + 1) + 1 = 9 wide, 3 rows × (2 + 1) + 1 = 10 high.
        assert_eq!((info.width, info.height), (9, 10));
    }
}
