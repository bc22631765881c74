use std::fs;
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use whac_data::idx::{read_images, read_labels};
use whac_data::{DataError, load_idx_dir};

use crate::shared_data;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn images_bytes(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [0x0803u32, n, rows, cols] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend((0..n * rows * cols).map(|i| (i * 37 % 256) as u8));
    b
}

fn labels_bytes(labels: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [0x0801u32, labels.len() as u32] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.extend_from_slice(labels);
    b
}

/// Writes a small, valid set of the four IDX files (3 train and 2 test images of 2×3).
fn write_set(dir: &Path, compress: bool) {
    let files = [
        ("train-images-idx3-ubyte", images_bytes(3, 2, 3)),
        ("train-labels-idx1-ubyte", labels_bytes(&[0, 9, 4])),
        ("t10k-images-idx3-ubyte", images_bytes(2, 2, 3)),
        ("t10k-labels-idx1-ubyte", labels_bytes(&[1, 2])),
    ];
    for (name, bytes) in files {
        if compress {
            fs::write(dir.join(format!("{name}.gz")), gz(&bytes)).unwrap();
        } else {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

#[test]
fn small_set_gz_and_raw_read_the_same() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_set(a.path(), true);
    write_set(b.path(), false);
    let from_gz = load_idx_dir(a.path()).unwrap();
    let from_raw = load_idx_dir(b.path()).unwrap();
    assert_eq!(from_gz, from_raw);
    assert_eq!((from_gz.train.len(), from_gz.test.len()), (3, 2));
    assert_eq!((from_gz.train.height, from_gz.train.width), (2, 3));
    assert_eq!(from_gz.train.labels, vec![0, 9, 4]);
    assert_eq!(from_gz.train.pixels[1], 37.0 / 255.0);
    assert_eq!(from_gz.train.num_classes, 10);
}

#[test]
fn gz_preferred_when_both_exist() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), true);
    // A raw labels file with different content must be ignored.
    fs::write(
        dir.path().join("train-labels-idx1-ubyte"),
        labels_bytes(&[5, 5, 5]),
    )
    .unwrap();
    assert_eq!(
        load_idx_dir(dir.path()).unwrap().train.labels,
        vec![0, 9, 4]
    );
}

#[test]
fn truncated_image_file() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), false);
    let path = dir.path().join("train-images-idx3-ubyte");
    let full = images_bytes(3, 2, 3);
    fs::write(&path, &full[..full.len() - 5]).unwrap();
    let err = read_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 34,
                actual: 29,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte") && msg.contains("34") && msg.contains("29"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    // Through the folder loader too.
    assert!(matches!(
        load_idx_dir(dir.path()),
        Err(DataError::Truncated { .. })
    ));

    // A cut gzip stream names the file.
    let gz_path = dir.path().join("cut.gz");
    let g = gz(&full);
    fs::write(&gz_path, &g[..g.len() / 2]).unwrap();
    let msg = read_images(&gz_path).unwrap_err().to_string();
    assert!(msg.contains("cut.gz"), "{msg}");
}

#[test]
fn trailing_bytes_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x");
    let mut b = labels_bytes(&[1, 2]);
    b.push(3);
    fs::write(&path, b).unwrap();
    let msg = read_labels(&path).unwrap_err().to_string();
    assert!(
        msg.contains("11 bytes") && msg.contains("10 bytes"),
        "{msg}"
    );
}

#[test]
fn wrong_magic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels-as-images");
    fs::write(&path, labels_bytes(&[1, 2])).unwrap();
    let err = read_images(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::BadField { .. }), "{err:?}");
    assert!(
        msg.contains("magic") && msg.contains("0x00000801") && msg.contains("0x00000803"),
        "{msg}"
    );
    assert!(msg.contains("labels-as-images"), "{msg}");
}

#[test]
fn label_count_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), true);
    fs::write(
        dir.path().join("t10k-labels-idx1-ubyte.gz"),
        gz(&labels_bytes(&[1, 2, 3])),
    )
    .unwrap();
    let err = load_idx_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::Mismatch { .. }), "{err:?}");
    assert!(
        msg.contains("t10k-labels-idx1-ubyte.gz") && msg.contains('3') && msg.contains("2 images"),
        "{msg}"
    );
}

#[test]
fn label_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-labels");
    fs::write(&path, labels_bytes(&[1, 10, 2])).unwrap();
    let msg = read_labels(&path).unwrap_err().to_string();
    assert!(
        msg.contains("bad-labels") && msg.contains("label 1 is 10") && msg.contains("0..=9"),
        "{msg}"
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), true);
    fs::remove_file(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    let err = load_idx_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
    assert!(
        msg.contains("t10k-images-idx3-ubyte.gz") && msg.contains("`t10k-images-idx3-ubyte`"),
        "{msg}"
    );
    // A folder that does not exist at all.
    let msg = load_idx_dir(&dir.path().join("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("nope") && msg.contains("train-images-idx3-ubyte"),
        "{msg}"
    );
}

#[test]
fn real_mnist_matches_published_figures() {
    let Some(dir) = shared_data("mnist") else {
        return;
    };
    let s = load_idx_dir(&dir).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (60000, 10000));
    assert_eq!((s.train.height, s.train.width), (28, 28));
    assert_eq!(s.train.pixels.len(), 60000 * 784);
    assert_eq!(
        s.train.class_counts(),
        vec![5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    // Published normalisation constants of MNIST (train, after scaling to [0, 1]).
    let (mean, std) = s.train.pixel_mean_std();
    assert!((mean - 0.1307).abs() < 5e-5, "mean {mean}");
    assert!((std - 0.3081).abs() < 5e-5, "std {std}");
    assert!(s.test.pixels.iter().all(|&x| (0.0..=1.0).contains(&x)));
}

#[test]
fn real_fashion_mnist_loads() {
    let Some(dir) = shared_data("fashion-mnist") else {
        return;
    };
    let s = load_idx_dir(&dir).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (60000, 10000));
    // Fashion-MNIST is balanced: 6000 / 1000 per class.
    assert_eq!(s.train.class_counts(), vec![6000; 10]);
    assert_eq!(s.test.class_counts(), vec![1000; 10]);
}
