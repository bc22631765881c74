//! Timing of the linear probe and weighted kNN on synthetic MNIST-sized features.
//!
//! `cargo run --release -p whac-eval --example bench -- [n_train n_test d]` (default
//! 60000 10000 256). Data: 10 classes with Gaussian means (σ = 0.15 per coordinate) plus unit
//! Gaussian noise, seeded, so accuracies are neither trivial nor chance.
//!
//! `cargo run --release -p whac-eval --example bench -- mnist [DIR]`: raw MNIST pixels scaled to
//! [0, 1] from the IDX files in DIR (default `../shared/data/mnist`, relative to the workspace).

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use whac_eval::{Features, KnnConfig, LinearProbeConfig, knn_accuracy, linear_probe};

fn normal(rng: &mut StdRng) -> f32 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// Payload of a gzipped IDX file after its header of `4 + 4 · dims` bytes.
fn read_idx(path: &Path, dims: usize) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .unwrap();
    bytes.split_off(4 + 4 * dims)
}

/// Raw MNIST: train pixels, train labels, test pixels, test labels; pixels in [0, 1].
fn mnist(dir: &Path) -> (Vec<f32>, Vec<u8>, Vec<f32>, Vec<u8>) {
    let pixels = |name| {
        read_idx(&dir.join(name), 3)
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect()
    };
    (
        pixels("train-images-idx3-ubyte.gz"),
        read_idx(&dir.join("train-labels-idx1-ubyte.gz"), 1),
        pixels("t10k-images-idx3-ubyte.gz"),
        read_idx(&dir.join("t10k-labels-idx1-ubyte.gz"), 1),
    )
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let classes = 10;
    if raw.first().map(String::as_str) == Some("mnist") {
        let dir = raw.get(1).map_or("../shared/data/mnist", String::as_str);
        let (train, train_y, test, test_y) = mnist(Path::new(dir));
        run(&train, &train_y, &test, &test_y, 784, classes);
        return;
    }
    let args: Vec<usize> = raw
        .iter()
        .map(|a| a.parse().expect("usize argument"))
        .collect();
    let (n_train, n_test, d) = match args[..] {
        [a, b, c] => (a, b, c),
        [] => (60000, 10000, 256),
        _ => panic!("usage: bench [n_train n_test d] | bench mnist [DIR]"),
    };
    let mut rng = StdRng::seed_from_u64(0);
    let means: Vec<f32> = (0..classes * d).map(|_| 0.15 * normal(&mut rng)).collect();
    let mut make = |n: usize| {
        let labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
        let x: Vec<f32> = labels
            .iter()
            .flat_map(|&y| {
                (0..d)
                    .map(|j| means[usize::from(y) * d + j])
                    .collect::<Vec<_>>()
            })
            .map(|m| m + normal(&mut rng))
            .collect();
        (x, labels)
    };
    let (train, train_y) = make(n_train);
    let (test, test_y) = make(n_test);
    run(&train, &train_y, &test, &test_y, d, classes);
}

fn run(train: &[f32], train_y: &[u8], test: &[f32], test_y: &[u8], d: usize, classes: usize) {
    let (n_train, n_test) = (train_y.len(), test_y.len());
    let train_f = Features::new(train, n_train, d);
    let test_f = Features::new(test, n_test, d);
    println!(
        "train {n_train} × {d}, test {n_test} × {d}, {} rayon threads",
        rayon::current_num_threads()
    );

    let t = Instant::now();
    let report = linear_probe(
        train_f,
        train_y,
        test_f,
        test_y,
        classes,
        &LinearProbeConfig::default(),
    )
    .unwrap();
    println!(
        "linear probe: {:.2} s, {report:?}",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let acc = knn_accuracy(
        train_f,
        train_y,
        test_f,
        test_y,
        classes,
        &KnnConfig::default(),
    )
    .unwrap();
    println!(
        "kNN (k = 200, T = 0.1): {:.2} s, accuracy {acc:.4}",
        t.elapsed().as_secs_f64()
    );
}
