//! Integration tests of whac-eval against naive loops, closed forms and invariants.

use std::io::Read;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use whac_eval::{
    EvalError, Features, KnnConfig, LinearProbeConfig, ProbeReport, knn_accuracies, knn_accuracy,
    knn_predict, linear_probe,
};

// ---------------------------------------------------------------- helpers

/// One standard normal sample (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` rows of `means[label] + sigma · N(0, I)`, labels cycling through the classes.
fn blobs(rng: &mut StdRng, means: &[Vec<f64>], sigma: f64, n: usize) -> (Vec<f32>, Vec<u8>) {
    let d = means[0].len();
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % means.len();
        y.push(c as u8);
        x.extend(means[c].iter().map(|m| (m + sigma * normal(rng)) as f32));
    }
    (x, y)
}

fn uniform(rng: &mut StdRng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

/// Standard normal CDF via the complementary error function (Abramowitz–Stegun 7.1.26,
/// absolute error < 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Weighted kNN as plain loops in f64: cosine similarities, a full sort (higher similarity
/// first, then lower index), weights exp(sim / T), lowest class index on vote ties.
fn naive_knn(
    train: &[f32],
    labels: &[u8],
    test: &[f32],
    d: usize,
    k: usize,
    t: f64,
    classes: usize,
) -> Vec<u8> {
    let unit = |r: &[f32]| {
        let norm = r.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
        r.iter().map(|&v| f64::from(v) / norm).collect::<Vec<f64>>()
    };
    let train_u: Vec<Vec<f64>> = train.chunks(d).map(unit).collect();
    test.chunks(d)
        .map(|q| {
            let q = unit(q);
            let mut sims: Vec<(f64, usize)> = train_u
                .iter()
                .enumerate()
                .map(|(j, r)| ((0..d).map(|l| q[l] * r[l]).sum(), j))
                .collect();
            sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut w = vec![0.0; classes];
            for &(s, j) in sims.iter().take(k) {
                w[usize::from(labels[j])] += (s / t).exp();
            }
            let mut best = 0;
            for c in 1..classes {
                if w[c] > w[best] {
                    best = c;
                }
            }
            best as u8
        })
        .collect()
}

// ---------------------------------------------------------------- kNN

#[test]
fn knn_matches_a_naive_triple_loop() {
    let mut rng = StdRng::seed_from_u64(7);
    let (n, m, d, classes) = (50, 20, 5, 3);
    let train = uniform(&mut rng, n * d);
    let test = uniform(&mut rng, m * d);
    let labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
    for (k, t) in [(7, 0.1), (1, 0.1), (20, 0.5), (50, 0.05)] {
        let cfg = KnnConfig { k, temperature: t };
        let got = knn_predict(
            Features::new(&train, n, d),
            &labels,
            Features::new(&test, m, d),
            classes,
            &cfg,
        )
        .unwrap();
        let want = naive_knn(&train, &labels, &test, d, k, t, classes);
        assert_eq!(got, want, "k = {k}, T = {t}");
    }
    // The comparison is not vacuous: predictions use more than one class.
    let got = knn_predict(
        Features::new(&train, n, d),
        &labels,
        Features::new(&test, m, d),
        classes,
        &KnnConfig {
            k: 7,
            temperature: 0.1,
        },
    )
    .unwrap();
    assert!(got.iter().any(|&p| p != got[0]));
}

#[test]
fn knn_at_several_k_in_one_pass_matches_the_naive_loop_at_each() {
    let mut rng = StdRng::seed_from_u64(9);
    let (n, m, d, classes) = (60, 700, 4, 3);
    let train = uniform(&mut rng, n * d);
    let test = uniform(&mut rng, m * d);
    let labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
    let test_labels: Vec<u8> = (0..m).map(|_| rng.random_range(0..classes as u8)).collect();
    let t = 0.1;
    let ks = [20, 1, 60, 7];
    let cfg = KnnConfig {
        k: 5,
        temperature: t,
    };
    let got = knn_accuracies(
        Features::new(&train, n, d),
        &labels,
        Features::new(&test, m, d),
        &test_labels,
        classes,
        &ks,
        &cfg,
    )
    .unwrap();
    for (&k, &acc) in ks.iter().zip(&got) {
        let want = naive_knn(&train, &labels, &test, d, k, t, classes);
        let expected = want
            .iter()
            .zip(&test_labels)
            .filter(|(p, l)| p == l)
            .count() as f64
            / m as f64;
        assert_eq!(acc, expected, "k = {k}");
    }
    assert!(
        got.iter().any(|a| *a != got[0]),
        "different k should give different accuracies here: {got:?}"
    );
}

#[test]
fn knn_with_more_test_rows_than_one_chunk_matches_the_naive_loop() {
    // 1100 test rows span three similarity chunks of 512.
    let mut rng = StdRng::seed_from_u64(11);
    let (n, m, d, classes) = (40, 1100, 3, 4);
    let train = uniform(&mut rng, n * d);
    let test = uniform(&mut rng, m * d);
    let labels: Vec<u8> = (0..n).map(|i| (i % classes) as u8).collect();
    let cfg = KnnConfig {
        k: 5,
        temperature: 0.2,
    };
    let got = knn_predict(
        Features::new(&train, n, d),
        &labels,
        Features::new(&test, m, d),
        classes,
        &cfg,
    )
    .unwrap();
    assert_eq!(got, naive_knn(&train, &labels, &test, d, 5, 0.2, classes));
}

#[test]
fn knn_clamps_k_to_the_training_set_size() {
    let mut rng = StdRng::seed_from_u64(3);
    let (n, m, d, classes) = (30, 25, 4, 3);
    let train = uniform(&mut rng, n * d);
    let test = uniform(&mut rng, m * d);
    let labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..classes as u8)).collect();
    let run = |k| {
        knn_predict(
            Features::new(&train, n, d),
            &labels,
            Features::new(&test, m, d),
            classes,
            &KnnConfig {
                k,
                temperature: 0.1,
            },
        )
        .unwrap()
    };
    assert_eq!(run(1000), run(n));
    assert_eq!(
        run(1000),
        naive_knn(&train, &labels, &test, d, n, 0.1, classes)
    );
}

#[test]
fn knn_breaks_ties_towards_lower_train_index_then_lower_class() {
    // Rows 0 and 1 are identical with labels 2 and 1; row 2 points elsewhere, label 0.
    let train = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    let labels = [2, 1, 0];
    let test = [3.0, 0.0];
    let run = |k| {
        knn_predict(
            Features::new(&train, 3, 2),
            &labels,
            Features::new(&test, 1, 2),
            3,
            &KnnConfig {
                k,
                temperature: 0.1,
            },
        )
        .unwrap()[0]
    };
    // k = 1: equally similar rows 0 and 1, row 0 is taken.
    assert_eq!(run(1), 2);
    // k = 2: classes 1 and 2 get equal weight, class 1 wins.
    assert_eq!(run(2), 1);
}

#[test]
fn knn_is_invariant_to_row_scaling_and_separates_clusters() {
    let mut rng = StdRng::seed_from_u64(5);
    let means = vec![
        vec![5.0, 0.0, 0.0],
        vec![0.0, 5.0, 0.0],
        vec![0.0, 0.0, 5.0],
    ];
    let (train, train_y) = blobs(&mut rng, &means, 0.5, 150);
    let (test, test_y) = blobs(&mut rng, &means, 0.5, 60);
    let cfg = KnnConfig {
        k: 10,
        temperature: 0.1,
    };
    let acc = knn_accuracy(
        Features::new(&train, 150, 3),
        &train_y,
        Features::new(&test, 60, 3),
        &test_y,
        3,
        &cfg,
    )
    .unwrap();
    assert_eq!(acc, 1.0);
    // Cosine similarity: scaling each test row by a different positive factor changes nothing.
    let scaled: Vec<f32> = test
        .chunks(3)
        .enumerate()
        .flat_map(|(i, r)| r.iter().map(move |v| v * (1.0 + i as f32)))
        .collect();
    let a = knn_predict(
        Features::new(&train, 150, 3),
        &train_y,
        Features::new(&test, 60, 3),
        3,
        &cfg,
    );
    let b = knn_predict(
        Features::new(&train, 150, 3),
        &train_y,
        Features::new(&scaled, 60, 3),
        3,
        &cfg,
    );
    assert_eq!(a.unwrap(), b.unwrap());
}

// ---------------------------------------------------------------- linear probe

fn probe(
    train: &[f32],
    train_y: &[u8],
    test: &[f32],
    test_y: &[u8],
    d: usize,
    classes: usize,
) -> ProbeReport {
    linear_probe(
        Features::new(train, train_y.len(), d),
        train_y,
        Features::new(test, test_y.len(), d),
        test_y,
        classes,
        &LinearProbeConfig::default(),
    )
    .unwrap()
}

#[test]
fn probe_separates_separable_blobs_perfectly() {
    let mut rng = StdRng::seed_from_u64(1);
    let means = vec![
        vec![4.0, 0.0, 0.0, 1.0],
        vec![0.0, 4.0, 0.0, 1.0],
        vec![0.0, 0.0, 4.0, 1.0],
        vec![-4.0, -4.0, -4.0, 1.0],
    ];
    let (train, train_y) = blobs(&mut rng, &means, 0.5, 400);
    let (test, test_y) = blobs(&mut rng, &means, 0.5, 200);
    let r = probe(&train, &train_y, &test, &test_y, 4, 4);
    assert_eq!(r.train_accuracy, 1.0, "{r:?}");
    assert_eq!(r.test_accuracy, 1.0, "{r:?}");
    assert!(r.converged, "{r:?}");
    assert!(r.train_loss < 0.05, "{r:?}");
}

#[test]
fn probe_on_overlapping_blobs_converges_near_the_bayes_rate() {
    // Two unit-variance Gaussians at ±μ·e₁ in 3 dimensions, equal priors: the Bayes classifier
    // thresholds x₁ at 0 and is right with probability Φ(μ) = Φ(1) ≈ 0.8413.
    let mut rng = StdRng::seed_from_u64(2);
    let means = vec![vec![-1.0, 0.0, 0.0], vec![1.0, 0.0, 0.0]];
    let (train, train_y) = blobs(&mut rng, &means, 1.0, 4000);
    let (test, test_y) = blobs(&mut rng, &means, 1.0, 20000);
    let r = probe(&train, &train_y, &test, &test_y, 3, 2);
    let bayes = phi(1.0);
    assert!(r.converged, "{r:?}");
    assert!(r.iterations > 1, "{r:?}");
    // Test-set standard error is ≈ 0.0026; estimation error in the weights costs a little more.
    assert!(
        (r.test_accuracy - bayes).abs() < 0.01,
        "{r:?} vs Bayes {bayes}"
    );
    assert!(r.test_accuracy <= bayes + 0.008, "{r:?} vs Bayes {bayes}");
    // The optimum loss is near the Bayes cross-entropy E[ln(1 + e^{−2μ·s·x₁})], about 0.37.
    assert!(r.train_loss > 0.3 && r.train_loss < 0.45, "{r:?}");
}

#[test]
fn probe_standardises_with_train_statistics_only() {
    // Classes at x = ∓1 (σ = 0.3). The test set is shifted by +3: with train statistics
    // every test point lands on the class-1 side (accuracy ≈ 0.5); standardising the test set
    // by its own statistics would undo the shift and give ≈ 1.0.
    let mut rng = StdRng::seed_from_u64(4);
    let means = vec![vec![-1.0, 0.0], vec![1.0, 0.0]];
    let (train, train_y) = blobs(&mut rng, &means, 0.3, 400);
    let (test, test_y) = blobs(&mut rng, &means, 0.3, 400);
    let shifted: Vec<f32> = test.iter().map(|v| v + 3.0).collect();
    let clean = probe(&train, &train_y, &test, &test_y, 2, 2);
    let moved = probe(&train, &train_y, &shifted, &test_y, 2, 2);
    assert!(clean.test_accuracy > 0.99, "{clean:?}");
    assert!((moved.test_accuracy - 0.5).abs() < 0.02, "{moved:?}");
    // The training side is untouched by what the test set looks like.
    assert_eq!(clean.train_accuracy, moved.train_accuracy);
    assert_eq!(clean.train_loss, moved.train_loss);
}

#[test]
fn probe_handles_constant_columns_and_reports_non_convergence() {
    let mut rng = StdRng::seed_from_u64(6);
    let means = vec![vec![-1.0, 7.0], vec![1.0, 7.0]];
    let (mut train, train_y) = blobs(&mut rng, &means, 1.0, 300);
    // Column 1 is exactly constant.
    train.chunks_mut(2).for_each(|r| r[1] = 7.0);
    let cfg = LinearProbeConfig {
        max_iters: 1,
        tol: 0.0,
        ..Default::default()
    };
    let r = linear_probe(
        Features::new(&train, 300, 2),
        &train_y,
        Features::new(&train, 300, 2),
        &train_y,
        2,
        &cfg,
    )
    .unwrap();
    assert!(!r.converged, "{r:?}");
    assert_eq!(r.iterations, 1);
    assert!(
        r.train_loss.is_finite() && r.train_loss < 2f64.ln(),
        "{r:?}"
    );
    let full = probe(&train, &train_y, &train, &train_y, 2, 2);
    assert!(full.converged && full.train_accuracy > 0.75, "{full:?}");
}

/// Reads the 1797 × 65 digits CSV (64 pixels 0..16, then the label), if present.
fn load_digits() -> Option<(Vec<f32>, Vec<u8>)> {
    let path = std::path::Path::new("/work/shared/data/digits/digits.csv.gz");
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .ok()?;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<f32> = line.split(',').map(|f| f.trim().parse().unwrap()).collect();
        assert_eq!(fields.len(), 65, "digits row: {line}");
        x.extend_from_slice(&fields[..64]);
        y.push(fields[64] as u8);
    }
    Some((x, y))
}

#[test]
fn probe_on_raw_digit_pixels_beats_94_percent() {
    let Some((x, y)) = load_digits() else {
        eprintln!("skipped: /work/shared/data/digits/digits.csv.gz is missing or unreadable");
        return;
    };
    let n = y.len();
    assert_eq!(n, 1797);
    // Seeded shuffle, then hold out every fifth example.
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = StdRng::seed_from_u64(0);
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let (mut train, mut train_y, mut test, mut test_y) = (vec![], vec![], vec![], vec![]);
    for (pos, &i) in order.iter().enumerate() {
        let (xs, ys) = if pos % 5 == 0 {
            (&mut test, &mut test_y)
        } else {
            (&mut train, &mut train_y)
        };
        xs.extend_from_slice(&x[i * 64..(i + 1) * 64]);
        ys.push(y[i]);
    }
    let r = probe(&train, &train_y, &test, &test_y, 64, 10);
    eprintln!("digits probe: {r:?}");
    assert!(r.test_accuracy > 0.94, "{r:?}");
    let knn = knn_accuracy(
        Features::new(&train, train_y.len(), 64),
        &train_y,
        Features::new(&test, test_y.len(), 64),
        &test_y,
        10,
        &KnnConfig {
            k: 20,
            temperature: 0.1,
        },
    )
    .unwrap();
    eprintln!("digits kNN: {knn}");
    assert!(knn > 0.94, "kNN accuracy {knn}");
}

// ---------------------------------------------------------------- errors and configs

#[test]
fn bad_inputs_are_typed_errors() {
    let x = [0.0f32, 1.0, 2.0, 3.0];
    let y = [0u8, 1];
    let good = Features::new(&x, 2, 2);
    let knn = |tr: Features, ty: &[u8], te: Features, tey: &[u8], c, cfg: &KnnConfig| {
        knn_accuracy(tr, ty, te, tey, c, cfg).unwrap_err()
    };
    let lp = |tr: Features, ty: &[u8], te: Features, tey: &[u8], c| {
        linear_probe(tr, ty, te, tey, c, &LinearProbeConfig::default()).unwrap_err()
    };
    let kc = KnnConfig::default();

    // Data length disagrees with rows × cols.
    let bad_shape = Features::new(&x, 3, 2);
    assert!(matches!(
        lp(bad_shape, &y, good, &y, 2),
        EvalError::ShapeMismatch { set: "train", .. }
    ));
    assert!(matches!(
        knn(good, &y, bad_shape, &y, 2, &kc),
        EvalError::ShapeMismatch { set: "test", .. }
    ));
    // Mismatched label counts.
    assert!(matches!(
        lp(good, &[0], good, &y, 2),
        EvalError::LabelCount {
            set: "train",
            rows: 2,
            labels: 1
        }
    ));
    assert!(matches!(
        knn(good, &y, good, &[0, 1, 1], 2, &kc),
        EvalError::LabelCount { set: "test", .. }
    ));
    // Empty sets.
    let empty = Features::new(&[], 0, 2);
    assert!(matches!(
        lp(empty, &[], good, &y, 2),
        EvalError::Empty { set: "train", .. }
    ));
    assert!(matches!(
        knn(good, &y, empty, &[], 2, &kc),
        EvalError::Empty { set: "test", .. }
    ));
    // NaN and infinite features, located.
    let nan = [0.0, 1.0, f32::NAN, 3.0];
    let e = lp(Features::new(&nan, 2, 2), &y, good, &y, 2);
    assert!(
        matches!(
            e,
            EvalError::NonFinite {
                set: "train",
                row: 1,
                col: 0,
                ..
            }
        ),
        "{e:?}"
    );
    let inf = [0.0, f32::INFINITY, 2.0, 3.0];
    let e = knn(good, &y, Features::new(&inf, 2, 2), &y, 2, &kc);
    assert!(
        matches!(
            e,
            EvalError::NonFinite {
                set: "test",
                row: 0,
                col: 1,
                ..
            }
        ),
        "{e:?}"
    );
    // Column mismatch, labels out of range, bad class counts.
    let wide = [0.0f32; 6];
    assert!(matches!(
        lp(good, &y, Features::new(&wide, 2, 3), &y, 2),
        EvalError::ColumnMismatch { train: 2, test: 3 }
    ));
    assert!(matches!(
        lp(good, &[0, 2], good, &y, 2),
        EvalError::LabelOutOfRange {
            index: 1,
            label: 2,
            ..
        }
    ));
    assert!(matches!(
        lp(good, &y, good, &y, 0),
        EvalError::NumClasses(0)
    ));
    assert!(matches!(
        knn(good, &y, good, &y, 257, &kc),
        EvalError::NumClasses(257)
    ));
    // k = 0 and bad temperatures / probe settings.
    let e = knn(good, &y, good, &y, 2, &KnnConfig { k: 0, ..kc.clone() });
    assert!(
        matches!(e, EvalError::InvalidConfig { name: "k", .. }),
        "{e:?}"
    );
    for t in [0.0, -1.0, f64::NAN] {
        let e = knn(
            good,
            &y,
            good,
            &y,
            2,
            &KnnConfig {
                temperature: t,
                ..kc.clone()
            },
        );
        assert!(
            matches!(
                e,
                EvalError::InvalidConfig {
                    name: "temperature",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    let cfg = LinearProbeConfig {
        l2: -1.0,
        ..Default::default()
    };
    let e = linear_probe(good, &y, good, &y, 2, &cfg).unwrap_err();
    assert!(
        matches!(e, EvalError::InvalidConfig { name: "l2", .. }),
        "{e:?}"
    );
    // Messages are one line.
    assert!(!e.to_string().contains('\n'));
    assert_eq!(
        EvalError::NonFinite {
            set: "train",
            row: 1,
            col: 0,
            value: f32::NAN
        }
        .to_string(),
        "train features: non-finite value NaN at row 1, column 0"
    );
}

#[test]
fn configs_default_from_empty_json_and_reject_unknown_fields() {
    let p: LinearProbeConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(
        p,
        LinearProbeConfig {
            l2: 1e-4,
            max_iters: 500,
            tol: 1e-6
        }
    );
    let k: KnnConfig = serde_json::from_str(r#"{"k": 20}"#).unwrap();
    assert_eq!(
        k,
        KnnConfig {
            k: 20,
            temperature: 0.1
        }
    );
    assert!(serde_json::from_str::<KnnConfig>(r#"{"kk": 20}"#).is_err());
    assert!(serde_json::from_str::<LinearProbeConfig>(r#"{"lr": 0.1}"#).is_err());
    let report = ProbeReport {
        train_accuracy: 1.0,
        test_accuracy: 0.5,
        iterations: 3,
        evaluations: 4,
        converged: true,
        train_loss: 0.25,
    };
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["iterations"], 3);
    assert_eq!(json["converged"], true);
}
