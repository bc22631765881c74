//! The CIFAR-10 binary-batch loader on small files written here.

use std::io::Write;
use std::path::Path;

use whac_data::{
    CIFAR10_RECORD, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, DataError, DataSpec, load_cifar10_dir,
};

/// Record `i` of a file: label `i % 10`, pixel byte `p` of the record = `(i + p) % 256`.
fn record(i: usize) -> Vec<u8> {
    let mut r = vec![(i % 10) as u8];
    r.extend((0..3072).map(|p| ((i + p) % 256) as u8));
    r
}

/// Five training files of 1..=5 records and a test file of 3.
fn write_dir(dir: &Path) {
    let mut next = 0;
    for (f, name) in CIFAR10_TRAIN_FILES.iter().enumerate() {
        let mut bytes = Vec::new();
        for _ in 0..=f {
            bytes.extend(record(next));
            next += 1;
        }
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let test: Vec<u8> = (100..103).flat_map(record).collect();
    std::fs::write(dir.join(CIFAR10_TEST_FILE), test).unwrap();
}

#[test]
fn reads_labels_and_planar_rgb_pixels_in_file_order() {
    let tmp = tempfile::tempdir().unwrap();
    write_dir(tmp.path());
    let split = load_cifar10_dir(tmp.path()).unwrap();
    let (train, test) = (&split.train, &split.test);
    assert_eq!((train.len(), test.len()), (15, 3));
    assert_eq!(
        (train.channels, train.height, train.width, train.num_classes),
        (3, 32, 32, 10)
    );
    assert_eq!(
        train.labels,
        (0..15).map(|i| (i % 10) as u8).collect::<Vec<_>>()
    );
    assert_eq!(test.labels, vec![0, 1, 2]);
    for (set, first) in [(train, 0usize), (test, 100)] {
        for k in [0, set.len() - 1] {
            let i = first + k;
            let img = set.image(k);
            // Red plane, then green (offset 1024), then blue (2048); each byte / 255.
            for p in [0, 1, 31, 32, 1023, 1024, 2048, 3071] {
                assert_eq!(
                    img[p],
                    ((i + p) % 256) as f32 / 255.0,
                    "image {i} value {p}"
                );
            }
        }
    }
    // Through the data set spec, gzip-compressed test file included.
    let gz = tmp.path().join(format!("{CIFAR10_TEST_FILE}.gz"));
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(tmp.path().join(CIFAR10_TEST_FILE)).unwrap())
        .unwrap();
    enc.finish().unwrap();
    std::fs::remove_file(tmp.path().join(CIFAR10_TEST_FILE)).unwrap();
    let spec: DataSpec = format!("cifar10:{}", tmp.path().display()).parse().unwrap();
    assert!(spec.is_images());
    assert_eq!(spec.load().unwrap(), split);
}

#[test]
fn truncated_missing_and_bad_files_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_dir(tmp.path());
    let second = tmp.path().join(CIFAR10_TRAIN_FILES[1]);
    // Two records minus 100 bytes.
    let bytes = std::fs::read(&second).unwrap();
    std::fs::write(&second, &bytes[..2 * CIFAR10_RECORD - 100]).unwrap();
    let err = load_cifar10_dir(tmp.path()).unwrap_err();
    assert!(matches!(
        err,
        DataError::Truncated { expected, actual, .. }
            if expected == (2 * CIFAR10_RECORD) as u64 && actual == (2 * CIFAR10_RECORD - 100) as u64
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("data_batch_2.bin") && !msg.contains('\n'),
        "{msg}"
    );

    std::fs::write(&second, b"").unwrap();
    assert!(matches!(
        load_cifar10_dir(tmp.path()).unwrap_err(),
        DataError::Truncated { .. }
    ));

    let mut bad = record(0);
    bad[0] = 10;
    std::fs::write(&second, bad).unwrap();
    let msg = load_cifar10_dir(tmp.path()).unwrap_err().to_string();
    assert!(msg.contains("label") && msg.contains("10"), "{msg}");

    std::fs::remove_file(tmp.path().join(CIFAR10_TEST_FILE)).unwrap();
    std::fs::write(&second, record(0)).unwrap();
    let err = load_cifar10_dir(tmp.path()).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }));
    assert!(err.to_string().contains("test_batch.bin"), "{err}");
}
