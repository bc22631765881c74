//! The UCI optical digits (8×8, 1797 images) embedded in the binary.

use std::io::Read;
use std::path::PathBuf;

use flate2::read::GzDecoder;

use crate::{DataError, ImageSet, Split};

/// Side of a digits image: they are 8×8.
pub const DIGITS_SIDE: usize = 8;

/// The gzip-compressed CSV as bundled by scikit-learn (`data/digits.csv.gz`, see `data/digits.rst`).
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");

/// Name used for the embedded file in error messages.
const EMBEDDED_NAME: &str = "<embedded>/digits.csv.gz";

/// Number of pixel columns before the label.
const COLUMNS: usize = DIGITS_SIDE * DIGITS_SIDE;

/// Largest pixel value in the file (pixels are counts of set cells in 4×4 blocks).
const MAX_VALUE: f32 = 16.0;

/// The UCI optical recognition of handwritten digits data set (as bundled by scikit-learn),
/// embedded in the binary: 1797 grayscale 8×8 images, 10 classes, pixels scaled from `0..=16`
/// to `[0, 1]`.
///
/// The split is fixed, stratified and uses no random number generator: within each class, in file
/// order, the examples at positions 4, 9, 14, … (every 5th) go to the test set and the others to
/// the training set. The class sizes in the file are 178, 182, 177, 183, 181, 182, 181, 179, 174,
/// 180, so the test set holds 35, 36, 35, 36, 36, 36, 36, 35, 34, 36 = **355** images and the
/// training set **1442**. Both keep the file order.
///
/// # Errors
/// Only if the embedded file were corrupt (it is checked by tests).
pub fn digits() -> Result<Split, DataError> {
    let path = PathBuf::from(EMBEDDED_NAME);
    let mut text = String::new();
    GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|e| DataError::io(&path, e))?;

    let empty = || ImageSet {
        pixels: Vec::new(),
        labels: Vec::new(),
        channels: 1,
        height: DIGITS_SIDE,
        width: DIGITS_SIDE,
        num_classes: 10,
    };
    let (mut train, mut test) = (empty(), empty());
    let mut seen_per_class = [0usize; 10];
    let mut row = [0f32; COLUMNS];

    for (line_no, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.trim().is_empty() {
            continue;
        }
        let parse_err = |key: String, value: &str, expected: &str| DataError::Parse {
            path: path.clone(),
            line: line_no,
            key,
            value: value.to_string(),
            expected: expected.to_string(),
        };
        let mut fields = line.split(',');
        for (c, slot) in row.iter_mut().enumerate() {
            let field = fields.next().ok_or_else(|| {
                parse_err(
                    format!("column {}", c + 1),
                    "",
                    "65 comma-separated columns",
                )
            })?;
            let v: f32 = field
                .trim()
                .parse()
                .map_err(|_| parse_err(format!("column {}", c + 1), field, "a number in 0..=16"))?;
            if !(0.0..=MAX_VALUE).contains(&v) {
                return Err(parse_err(
                    format!("column {}", c + 1),
                    field,
                    "a number in 0..=16",
                ));
            }
            *slot = v / MAX_VALUE;
        }
        let field = fields
            .next()
            .ok_or_else(|| parse_err("column 65".into(), "", "65 comma-separated columns"))?;
        let label: u8 = match field.trim().parse() {
            Ok(l) if l < 10 => l,
            _ => return Err(parse_err("label".into(), field, "an integer in 0..=9")),
        };
        if let Some(extra) = fields.next() {
            return Err(parse_err("column 66".into(), extra, "exactly 65 columns"));
        }

        let position = seen_per_class[label as usize];
        seen_per_class[label as usize] += 1;
        let dest = if position % 5 == 4 {
            &mut test
        } else {
            &mut train
        };
        dest.pixels.extend_from_slice(&row);
        dest.labels.push(label);
    }
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_split() {
        let s = digits().unwrap();
        assert_eq!(s.train.len() + s.test.len(), 1797);
        assert_eq!((s.train.len(), s.test.len()), (1442, 355));
        assert_eq!(s.train.pixels.len(), 1442 * 64);
        assert_eq!(s.test.pixels.len(), 355 * 64);
        assert_eq!(
            s.test.class_counts(),
            vec![35, 36, 35, 36, 36, 36, 36, 35, 34, 36]
        );
        assert_eq!(
            s.train.class_counts(),
            vec![143, 146, 142, 147, 145, 146, 145, 144, 140, 144]
        );
        for set in [&s.train, &s.test] {
            assert_eq!((set.height, set.width, set.num_classes), (8, 8, 10));
            assert!(set.pixels.iter().all(|&x| (0.0..=1.0).contains(&x)));
            // The maximum value 16 occurs, so the scaling reaches 1.
            assert!(set.pixels.contains(&1.0));
        }
    }

    #[test]
    fn split_is_every_fifth_within_class() {
        let s = digits().unwrap();
        // First row of the file (a zero) goes to train; the 5th zero in the file is test[0]
        // among zeros. Check against the raw file rows directly.
        let mut text = String::new();
        GzDecoder::new(DIGITS_CSV_GZ)
            .read_to_string(&mut text)
            .unwrap();
        let rows: Vec<Vec<f32>> = text
            .lines()
            .map(|l| l.split(',').map(|f| f.parse::<f32>().unwrap()).collect())
            .collect();
        let zeros: Vec<&Vec<f32>> = rows.iter().filter(|r| r[64] == 0.0).collect();
        let first_test_zero = s.test.labels.iter().position(|&l| l == 0).unwrap();
        let expect: Vec<f32> = zeros[4][..64].iter().map(|v| v / 16.0).collect();
        assert_eq!(s.test.image(first_test_zero), &expect[..]);
        let first_train_zero = s.train.labels.iter().position(|&l| l == 0).unwrap();
        let expect: Vec<f32> = zeros[0][..64].iter().map(|v| v / 16.0).collect();
        assert_eq!(s.train.image(first_train_zero), &expect[..]);
        // Class proportions agree between the two sets within one example per class.
        for (tr, te) in s.train.class_counts().iter().zip(s.test.class_counts()) {
            assert!((tr / 4).abs_diff(te) <= 1, "{tr} vs {te}");
        }
    }
}
