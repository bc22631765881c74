//! CIFAR-10 in its binary version (`cifar-10-batches-bin`): `data_batch_1.bin` … `data_batch_5.bin`
//! (training) and `test_batch.bin` (test), optionally gzip-compressed (`.bin.gz`).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{DataError, ImageSet, Split};

/// Bytes of one record: 1 label byte, then 3 × 32 × 32 pixel bytes, the red plane, the green
/// plane, the blue plane, each row-major.
pub const CIFAR10_RECORD: usize = 1 + 3 * 32 * 32;

/// The training files, in order.
pub const CIFAR10_TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];

/// The test file.
pub const CIFAR10_TEST_FILE: &str = "test_batch.bin";

const EXPECTED: &str =
    "a CIFAR-10 binary batch (records of 1 label byte + 3072 pixel bytes; cifar-10-batches-bin)";

/// `name` in `dir`, or `name.gz` if only that exists.
fn locate(dir: &Path, name: &str) -> PathBuf {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if !plain.is_file() && gz.is_file() {
        gz
    } else {
        plain
    }
}

/// Appends the records of one batch file to `pixels` (scaled to `[0, 1]`, `[3, 32, 32]` planar
/// per image, as the file stores them) and `labels`.
fn read_batch(path: &Path, pixels: &mut Vec<f32>, labels: &mut Vec<u8>) -> Result<(), DataError> {
    let mut bytes = Vec::new();
    crate::read::open(path, EXPECTED)?
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(CIFAR10_RECORD) {
        let whole = bytes.len().div_ceil(CIFAR10_RECORD).max(1);
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected: (whole * CIFAR10_RECORD) as u64,
            actual: bytes.len() as u64,
        });
    }
    for (i, record) in bytes.chunks_exact(CIFAR10_RECORD).enumerate() {
        let label = record[0];
        if label > 9 {
            return Err(DataError::bad_field(
                path,
                format!("the label of record {i}"),
                label,
                "a class 0..=9",
            ));
        }
        labels.push(label);
        pixels.extend(record[1..].iter().map(|&p| f32::from(p) / 255.0));
    }
    Ok(())
}

/// Loads CIFAR-10 from the folder of its binary batches: the five training files (50 000 images
/// in the published set) and the test file (10 000), as RGB 32×32 images in `[0, 1]` with 10
/// classes. Any number of records per file is accepted (the tests write small ones).
///
/// # Errors
/// [`DataError::Missing`] naming a missing file; [`DataError::Truncated`] for a file whose
/// length is not a whole number of 3073-byte records (or empty); [`DataError::BadField`] for a
/// label above 9; [`DataError::Io`] for a file that cannot be read.
pub fn load_cifar10_dir(dir: &Path) -> Result<Split, DataError> {
    let set = |files: &[&str]| -> Result<ImageSet, DataError> {
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        for name in files {
            read_batch(&locate(dir, name), &mut pixels, &mut labels)?;
        }
        Ok(ImageSet {
            pixels,
            labels,
            channels: 3,
            height: 32,
            width: 32,
            num_classes: 10,
        })
    };
    Ok(Split {
        train: set(&CIFAR10_TRAIN_FILES)?,
        test: set(&[CIFAR10_TEST_FILE])?,
    })
}
