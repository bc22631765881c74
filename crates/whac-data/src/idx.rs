//! Reader for the IDX files of MNIST and Fashion-MNIST (gzip-compressed or raw).
//!
//! Format (big-endian): a 4-byte magic number `0x0000_08dd` (`08` = unsigned bytes, `dd` = number
//! of dimensions), one `u32` per dimension, then the data. Images are `0x0000_0803`
//! (`n × rows × cols`), labels `0x0000_0801` (`n`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::{DataError, ImageSet, Split};

/// Magic number of an IDX file of unsigned-byte images (3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Number of classes of MNIST and Fashion-MNIST; every label must be below it.
pub const NUM_CLASSES: usize = 10;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a whole file, decompressing it if it starts with the gzip magic bytes.
fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = fs::read(path).map_err(|e| DataError::io(path, e))?;
    if raw.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::io(path, e))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses the header: checks the magic number and returns the dimensions and the data bytes,
/// checking that exactly `product(dims)` bytes follow.
fn parse_header<'a>(
    path: &Path,
    bytes: &'a [u8],
    magic: u32,
    what: &str,
) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let ndims = (magic & 0xff) as usize;
    let header_len = 4 + 4 * ndims;
    let truncated = |expected: usize| DataError::Truncated {
        path: path.into(),
        expected: expected as u64,
        actual: bytes.len() as u64,
    };
    if bytes.len() < 4 {
        return Err(truncated(header_len));
    }
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let found = word(0);
    if found != magic {
        return Err(DataError::bad_field(
            path,
            "magic number",
            format!("{found:#010x}"),
            format!("{magic:#010x} (IDX {what})"),
        ));
    }
    if bytes.len() < header_len {
        return Err(truncated(header_len));
    }
    let dims: Vec<usize> = (0..ndims).map(|d| word(4 + 4 * d) as usize).collect();
    // At most 3 factors of u32 each: the product fits in u128.
    let data_len: u128 = dims.iter().map(|&d| d as u128).product();
    let expected = header_len as u128 + data_len;
    let actual = bytes.len() as u128;
    if actual < expected {
        return Err(DataError::Truncated {
            path: path.into(),
            expected: u64::try_from(expected).unwrap_or(u64::MAX),
            actual: actual as u64,
        });
    }
    if actual > expected {
        return Err(DataError::bad_field(
            path,
            "length",
            format!("{actual} bytes"),
            format!("{expected} bytes (from its header)"),
        ));
    }
    Ok((dims, &bytes[header_len..]))
}

/// Reads an IDX file of images (gzip or raw): `(pixels, n, rows, cols)`, pixels as stored
/// (`0..=255`), shape `[n, rows, cols]`, row-major.
///
/// # Errors
/// The file cannot be read or decompressed, the magic number is not `0x00000803`, a dimension
/// (rows or columns) is zero, or the length disagrees with the header.
pub fn read_images(path: &Path) -> Result<(Vec<u8>, usize, usize, usize), DataError> {
    let bytes = read_maybe_gz(path)?;
    let (dims, data) = parse_header(path, &bytes, IMAGES_MAGIC, "images")?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(DataError::bad_field(
            path,
            "image size",
            format!("{rows}x{cols}"),
            "at least 1x1",
        ));
    }
    Ok((data.to_vec(), n, rows, cols))
}

/// Reads an IDX file of labels (gzip or raw); every label must be below 10.
///
/// # Errors
/// The file cannot be read or decompressed, the magic number is not `0x00000801`, the length
/// disagrees with the header, or a label is 10 or more.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = read_maybe_gz(path)?;
    let (_, data) = parse_header(path, &bytes, LABELS_MAGIC, "labels")?;
    if let Some(i) = data.iter().position(|&l| l as usize >= NUM_CLASSES) {
        return Err(DataError::bad_field(
            path,
            format!("label {i}"),
            data[i],
            format!("a class in 0..={}", NUM_CLASSES - 1),
        ));
    }
    Ok(data.to_vec())
}

/// Finds `dir/stem.gz`, else `dir/stem`.
fn find(dir: &Path, stem: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(format!("{stem}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(stem);
    if raw.is_file() {
        return Ok(raw);
    }
    Err(DataError::Missing {
        path: gz,
        expected: format!("an IDX file `{stem}.gz` or `{stem}` in {}", dir.display()),
    })
}

/// Reads one pair of image and label files into an [`ImageSet`] (pixels divided by 255).
fn load_pair(dir: &Path, images: &str, labels: &str) -> Result<(ImageSet, PathBuf), DataError> {
    let image_path = find(dir, images)?;
    let label_path = find(dir, labels)?;
    let (raw, n, rows, cols) = read_images(&image_path)?;
    let labels = read_labels(&label_path)?;
    if labels.len() != n {
        return Err(DataError::Mismatch {
            path: label_path,
            other: image_path,
            key: "number of labels".into(),
            value: labels.len().to_string(),
            expected: format!("{n} images"),
        });
    }
    let pixels = raw.iter().map(|&b| b as f32 / 255.0).collect();
    let set = ImageSet {
        pixels,
        labels,
        channels: 1,
        height: rows,
        width: cols,
        num_classes: NUM_CLASSES,
    };
    Ok((set, image_path))
}

/// Loads MNIST or Fashion-MNIST from a folder holding the four original IDX files
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each gzip-compressed (`.gz`, preferred when both exist) or raw.
/// Pixels are scaled from `0..=255` to `[0, 1]`.
///
/// # Errors
/// A file is missing (the message names the path and what was looked for), unreadable or
/// malformed (see [`read_images`], [`read_labels`]), image and label counts differ, or the
/// training and test images differ in size.
pub fn load_idx_dir(dir: &Path) -> Result<Split, DataError> {
    let (train, train_path) = load_pair(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")?;
    let (test, test_path) = load_pair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")?;
    if (test.height, test.width) != (train.height, train.width) {
        return Err(DataError::Mismatch {
            path: test_path,
            other: train_path,
            key: "image size".into(),
            value: format!("{}x{}", test.height, test.width),
            expected: format!("{}x{}", train.height, train.width),
        });
    }
    Ok(Split { train, test })
}
