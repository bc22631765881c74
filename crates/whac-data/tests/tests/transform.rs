use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Deserialize;
use whac_data::{
    DataError, ImageSet, OpConfig, Transform, TransformConfig, augment_batch, copy_seed, digits,
};

/// The part of a recipe the CLI reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipe {
    transform: TransformConfig,
}

fn parse(toml_text: &str) -> Result<TransformConfig, String> {
    toml::from_str::<Recipe>(toml_text)
        .map(|r| r.transform)
        .map_err(|e| e.to_string())
}

fn train() -> ImageSet {
    digits().unwrap().train
}

fn apply_once(t: &Transform, src: &[f32], h: usize, w: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = vec![f32::NAN; h * w];
    t.apply(src, h, w, &mut rng, &mut out);
    out
}

/// Every operation, at full strength.
fn everything() -> Transform {
    parse(
        r#"
        [[transform.ops]]
        op = "resized_crop"
        scale = [0.5, 1.0]
        [[transform.ops]]
        op = "rotate"
        degrees = 30
        [[transform.ops]]
        op = "translate"
        fraction = 0.2
        [[transform.ops]]
        op = "elastic"
        alpha = 2
        sigma = 1.5
        [[transform.ops]]
        op = "jitter"
        [[transform.ops]]
        op = "noise"
        std = 0.1
        [[transform.ops]]
        op = "flip"
        vertical = true
        p = 0.5
        [[transform.ops]]
        op = "blur"
        sigma = [0.3, 1.0]
        [[transform.ops]]
        op = "erase"
        scale = [0.05, 0.2]
        [[transform.ops]]
        op = "solarize"
        threshold = 0.9
        p = 0.5
        [[transform.ops]]
        op = "invert"
        p = 0.3
        "#,
    )
    .unwrap()
    .check()
    .unwrap()
}

#[test]
fn toml_parses_with_defaults() {
    let cfg = parse(
        r#"
        [[transform.ops]]
        op = "rotate"
        degrees = 15
        p = 0.5
        [[transform.ops]]
        op = "elastic"
        "#,
    )
    .unwrap();
    assert_eq!(
        cfg.ops,
        vec![
            OpConfig::Rotate {
                degrees: 15.0,
                p: 0.5
            },
            OpConfig::Elastic {
                alpha: 34.0,
                sigma: 4.0,
                p: 1.0
            }
        ]
    );
    // An empty table is the identity; the default is the documented one.
    assert!(parse("[transform]").unwrap().ops.is_empty());
    let d = TransformConfig::default();
    let names: Vec<_> = d.ops.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["resized_crop", "rotate", "translate", "noise"]);
    d.check().unwrap();
    // The default survives a TOML round trip (the CLI saves the resolved config).
    #[derive(serde::Serialize)]
    struct Out<'a> {
        transform: &'a TransformConfig,
    }
    let text = toml::to_string(&Out { transform: &d }).unwrap();
    assert_eq!(parse(&text).unwrap(), d, "{text}");
}

#[test]
fn unknown_key_inside_an_op_is_an_error() {
    let msg = parse(
        r#"
        [[transform.ops]]
        op = "rotate"
        degree = 15
        "#,
    )
    .unwrap_err();
    assert!(msg.contains("degree"), "{msg}");
    assert!(msg.contains("unknown field"), "{msg}");
    // Also for an op whose every field has a default.
    let msg = parse("[[transform.ops]]\nop = \"noise\"\nsdt = 0.1\n").unwrap_err();
    assert!(msg.contains("sdt"), "{msg}");
    // And at the level of the table.
    let msg = parse("[transform]\nopz = []\n").unwrap_err();
    assert!(msg.contains("opz"), "{msg}");
}

#[test]
fn unknown_op_is_an_error() {
    let msg = parse("[[transform.ops]]\nop = \"rotat\"\n").unwrap_err();
    assert!(msg.contains("rotat") && msg.contains("rotate"), "{msg}");
    let msg = parse("[[transform.ops]]\ndegrees = 3\n").unwrap_err();
    assert!(msg.contains("op"), "{msg}");
}

#[test]
fn out_of_range_values_name_the_key() {
    let cases = [
        (
            "op = \"rotate\"\ndegrees = 200",
            "transform.ops[1].degrees",
            "200",
        ),
        (
            "op = \"rotate\"\ndegrees = -1",
            "transform.ops[1].degrees",
            "-1",
        ),
        ("op = \"rotate\"\np = 1.5", "transform.ops[1].p", "1.5"),
        ("op = \"rotate\"\np = nan", "transform.ops[1].p", "NaN"),
        (
            "op = \"translate\"\nfraction = 0.7",
            "transform.ops[1].fraction",
            "0.7",
        ),
        (
            "op = \"resized_crop\"\nscale = [0.5, 0.2]",
            "transform.ops[1].scale",
            "[0.5, 0.2]",
        ),
        (
            "op = \"resized_crop\"\nscale = [0.0, 1.0]",
            "transform.ops[1].scale",
            "[0.0, 1.0]",
        ),
        (
            "op = \"resized_crop\"\nscale = [0.5, 1.2]",
            "transform.ops[1].scale",
            "1.2",
        ),
        (
            "op = \"resized_crop\"\nratio = [2.0, 1.0]",
            "transform.ops[1].ratio",
            "[2.0, 1.0]",
        ),
        (
            "op = \"resized_crop\"\nratio = [-1.0, 1.0]",
            "transform.ops[1].ratio",
            "-1",
        ),
        ("op = \"elastic\"\nsigma = 0", "transform.ops[1].sigma", "0"),
        (
            "op = \"elastic\"\nalpha = -3",
            "transform.ops[1].alpha",
            "-3",
        ),
        (
            "op = \"elastic\"\nalpha = inf",
            "transform.ops[1].alpha",
            "inf",
        ),
        (
            "op = \"jitter\"\nbrightness = -0.1",
            "transform.ops[1].brightness",
            "-0.1",
        ),
        (
            "op = \"jitter\"\ncontrast = -0.1",
            "transform.ops[1].contrast",
            "-0.1",
        ),
        ("op = \"noise\"\nstd = -0.1", "transform.ops[1].std", "-0.1"),
        ("op = \"flip\"\np = 2", "transform.ops[1].p", "2"),
        (
            "op = \"blur\"\nsigma = [2.0, 1.0]",
            "transform.ops[1].sigma",
            "[2.0, 1.0]",
        ),
        (
            "op = \"blur\"\nsigma = [-1.0, 1.0]",
            "transform.ops[1].sigma",
            "-1",
        ),
        (
            "op = \"blur\"\nsigma = [0.0, inf]",
            "transform.ops[1].sigma",
            "inf",
        ),
        (
            "op = \"erase\"\nscale = [0.5, 1.5]",
            "transform.ops[1].scale",
            "1.5",
        ),
        (
            "op = \"erase\"\nratio = [0.0, 1.0]",
            "transform.ops[1].ratio",
            "[0.0, 1.0]",
        ),
        (
            "op = \"erase\"\nvalue = 1.5",
            "transform.ops[1].value",
            "1.5",
        ),
        (
            "op = \"solarize\"\nthreshold = -0.5",
            "transform.ops[1].threshold",
            "-0.5",
        ),
        ("op = \"invert\"\np = -1", "transform.ops[1].p", "-1"),
    ];
    for (op, key, value) in cases {
        // ops[0] is valid, so the index in the key must be 1.
        let text = format!("[[transform.ops]]\nop = \"noise\"\n[[transform.ops]]\n{op}\n");
        let err = parse(&text).unwrap().check().unwrap_err();
        assert!(matches!(err, DataError::Config { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(key) && msg.contains(value) && msg.contains("expected"),
            "{op}: {msg}"
        );
        assert!(!msg.contains('\n'));
    }
    // The bounds themselves are allowed.
    let ok = "[[transform.ops]]\nop = \"rotate\"\ndegrees = 180\np = 0\n\
              [[transform.ops]]\nop = \"translate\"\nfraction = 0.5\n\
              [[transform.ops]]\nop = \"resized_crop\"\nscale = [1, 1]\nratio = [1, 1]\n\
              [[transform.ops]]\nop = \"blur\"\nsigma = [0, 0]\n\
              [[transform.ops]]\nop = \"erase\"\nscale = [0, 1]\nvalue = 1\n\
              [[transform.ops]]\nop = \"solarize\"\nthreshold = 0\n";
    parse(ok).unwrap().check().unwrap();
}

#[test]
fn output_shape_and_range() {
    let set = train();
    let t = everything();
    let (h, w) = (set.height, set.width);
    for i in 0..50 {
        let out = apply_once(&t, set.image(i), h, w, i as u64);
        assert_eq!(out.len(), 64);
        assert!(out.iter().all(|&v| (0.0..=1.0).contains(&v)), "{out:?}");
        assert_ne!(out, set.image(i));
    }
    // Non-square images too.
    let src: Vec<f32> = (0..5 * 9).map(|i| (i % 7) as f32 / 6.0).collect();
    let out = apply_once(&t, &src, 5, 9, 1);
    assert!(out.iter().all(|&v| (0.0..=1.0).contains(&v)));
}

#[test]
fn zero_strength_is_identity() {
    let set = train();
    let zero = parse(
        r#"
        [[transform.ops]]
        op = "resized_crop"
        scale = [1, 1]
        ratio = [1, 1]
        [[transform.ops]]
        op = "rotate"
        degrees = 0
        [[transform.ops]]
        op = "translate"
        fraction = 0
        [[transform.ops]]
        op = "elastic"
        alpha = 0
        sigma = 2
        [[transform.ops]]
        op = "jitter"
        brightness = 0
        contrast = 0
        [[transform.ops]]
        op = "noise"
        std = 0
        [[transform.ops]]
        op = "flip"
        horizontal = false
        [[transform.ops]]
        op = "blur"
        sigma = [0, 0]
        [[transform.ops]]
        op = "erase"
        scale = [0, 0]
        [[transform.ops]]
        op = "solarize"
        threshold = 1.5
        "#,
    )
    .unwrap()
    .check()
    .unwrap();
    // Full strength but never applied.
    let mut never = everything().config();
    for op in &mut never.ops {
        match op {
            OpConfig::ResizedCrop { p, .. }
            | OpConfig::Rotate { p, .. }
            | OpConfig::Translate { p, .. }
            | OpConfig::Elastic { p, .. }
            | OpConfig::Jitter { p, .. }
            | OpConfig::Noise { p, .. }
            | OpConfig::Flip { p, .. }
            | OpConfig::Blur { p, .. }
            | OpConfig::Erase { p, .. }
            | OpConfig::Solarize { p, .. }
            | OpConfig::Invert { p }
            | OpConfig::RandomGrayscale { p }
            | OpConfig::RandomApply { p, .. }
            | OpConfig::OneOf { p, .. } => *p = 0.0,
        }
    }
    let never = never.check().unwrap();
    for t in [
        zero,
        never,
        Transform::identity(),
        TransformConfig {
            ops: vec![],
            fill: 0.0,
        }
        .check()
        .unwrap(),
    ] {
        for i in 0..20 {
            assert_eq!(
                apply_once(&t, set.image(i), 8, 8, i as u64),
                set.image(i),
                "{t:?}"
            );
        }
    }
}

#[test]
fn probability_one_half_applies_about_half_the_time() {
    let set = train();
    let t = parse("[[transform.ops]]\nop = \"translate\"\nfraction = 0.3\np = 0.5\n")
        .unwrap()
        .check()
        .unwrap();
    let src = set.image(0);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut out = vec![0.0; 64];
    let n = 4000;
    let mut changed = 0u32;
    for _ in 0..n {
        t.apply(src, 8, 8, &mut rng, &mut out);
        if out != src {
            changed += 1;
        }
    }
    // Binomial(4000, 0.5): sd ≈ 31.6; allow 4 sd.
    assert!(changed.abs_diff(2000) < 127, "changed {changed} of {n}");
}

#[test]
fn batch_is_deterministic_across_thread_counts_and_orders() {
    let set = train();
    let t = everything();
    let idx: Vec<usize> = (0..40).map(|i| (i * 31) % set.len()).collect();
    let copies = 3;
    let run = |threads: usize, idx: &[usize], epoch: u64| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = vec![f32::NAN; idx.len() * copies * 64];
        pool.install(|| augment_batch(&t, &set, idx, copies, 42, epoch, &mut out));
        out
    };
    let one = run(1, &idx, 0);
    let two = run(2, &idx, 0);
    assert!(
        one.iter()
            .zip(&two)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));

    // Reversed batch order: each example gets the same copies.
    let rev: Vec<usize> = idx.iter().rev().copied().collect();
    let back = run(2, &rev, 0);
    let per = copies * 64;
    for (k, _) in idx.iter().enumerate() {
        let r = idx.len() - 1 - k;
        assert_eq!(&one[k * per..(k + 1) * per], &back[r * per..(r + 1) * per]);
    }

    // Copies of one example differ; another epoch gives other copies.
    for k in 0..idx.len() {
        let ex = &one[k * per..(k + 1) * per];
        assert_ne!(&ex[..64], &ex[64..128]);
        assert_ne!(&ex[64..128], &ex[128..]);
    }
    assert_ne!(one, run(2, &idx, 1));

    // Copy c of example i is exactly `apply` with the documented stream.
    let (i, c) = (idx[5], 2);
    let expect = apply_once(&t, set.image(i), 8, 8, copy_seed(42, 0, i, c));
    assert_eq!(&one[5 * per + c * 64..5 * per + (c + 1) * 64], &expect[..]);
}

#[test]
fn copy_seeds_are_distinct() {
    let mut seen = std::collections::HashSet::new();
    for seed in 0..4 {
        for epoch in 0..4 {
            for i in 0..50 {
                for c in 0..4 {
                    assert!(seen.insert(copy_seed(seed, epoch, i, c)));
                }
            }
        }
    }
}

#[test]
fn empty_batch_is_fine() {
    let set = train();
    let mut out = vec![];
    augment_batch(&everything(), &set, &[], 4, 0, 0, &mut out);
    augment_batch(&everything(), &set, &[1, 2], 0, 0, 0, &mut out);
}

fn checked(toml_text: &str) -> Transform {
    parse(toml_text).unwrap().check().unwrap()
}

#[test]
fn new_ops_parse_with_their_documented_defaults() {
    let cfg = parse(
        "[[transform.ops]]\nop = \"flip\"\n[[transform.ops]]\nop = \"blur\"\n\
         [[transform.ops]]\nop = \"erase\"\n[[transform.ops]]\nop = \"solarize\"\n\
         [[transform.ops]]\nop = \"invert\"\n",
    )
    .unwrap();
    assert_eq!(
        cfg.ops,
        vec![
            OpConfig::Flip {
                horizontal: true,
                vertical: false,
                p: 1.0
            },
            OpConfig::Blur {
                sigma: [0.1, 2.0],
                p: 1.0
            },
            OpConfig::Erase {
                scale: [0.02, 0.33],
                ratio: [0.3, 3.3],
                value: 0.0,
                p: 1.0
            },
            OpConfig::Solarize {
                threshold: 0.5,
                p: 1.0
            },
            OpConfig::Invert { p: 1.0 },
        ]
    );
    let names: Vec<_> = cfg.ops.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["flip", "blur", "erase", "solarize", "invert"]);
    cfg.check().unwrap();
}

#[test]
fn flip_mirrors_and_twice_is_identity() {
    let set = train();
    let h_flip = checked("[[transform.ops]]\nop = \"flip\"\n");
    let v_flip = checked("[[transform.ops]]\nop = \"flip\"\nhorizontal = false\nvertical = true\n");
    let twice = checked(
        "[[transform.ops]]\nop = \"flip\"\nvertical = true\n\
                         [[transform.ops]]\nop = \"flip\"\nvertical = true\n",
    );
    for i in 0..20 {
        let src = set.image(i);
        let h = apply_once(&h_flip, src, 8, 8, i as u64);
        let v = apply_once(&v_flip, src, 8, 8, i as u64);
        for y in 0..8 {
            for x in 0..8 {
                assert_eq!(h[y * 8 + x], src[y * 8 + 7 - x]);
                assert_eq!(v[y * 8 + x], src[(7 - y) * 8 + x]);
            }
        }
        // Applying the op to its own output, and two flips in one recipe, give the original.
        assert_eq!(apply_once(&h_flip, &h, 8, 8, 1), src);
        assert_eq!(apply_once(&v_flip, &v, 8, 8, 1), src);
        assert_eq!(apply_once(&twice, src, 8, 8, i as u64), src);
    }
    // Non-square: 3 × 5.
    let src: Vec<f32> = (0..15).map(|i| i as f32 / 14.0).collect();
    let out = apply_once(&h_flip, &src, 3, 5, 0);
    assert_eq!(
        &out[..5],
        &[4.0 / 14.0, 3.0 / 14.0, 2.0 / 14.0, 1.0 / 14.0, 0.0]
    );
}

#[test]
fn blur_tiny_sigma_is_identity_and_keeps_a_constant_image() {
    let set = train();
    let tiny = checked("[[transform.ops]]\nop = \"blur\"\nsigma = [0.001, 0.01]\n");
    for i in 0..20 {
        assert_eq!(
            apply_once(&tiny, set.image(i), 8, 8, i as u64),
            set.image(i)
        );
    }
    let strong = checked("[[transform.ops]]\nop = \"blur\"\nsigma = [0.5, 3.0]\n");
    for seed in 0..20 {
        let out = apply_once(&strong, &[0.37; 6 * 11], 6, 11, seed);
        assert!(out.iter().all(|v| (v - 0.37).abs() < 1e-5), "{out:?}");
    }
    // On a digit: range kept, values smoothed (less spread), total mass about the same.
    let src = set.image(3);
    let out = apply_once(&strong, src, 8, 8, 4);
    let spread = |v: &[f32]| {
        let m = v.iter().sum::<f32>() / v.len() as f32;
        v.iter().map(|x| (x - m).powi(2)).sum::<f32>()
    };
    assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(spread(&out) < spread(src));
}

#[test]
fn erase_area_statistics() {
    // Square rectangles (ratio 1) on a 28 × 28 image of ones with fill 0: the erased fraction
    // is round(sqrt(U(0.1, 0.3) · 784))² / 784, whose mean is 0.2 plus the rounding variance
    // (about 1/12 / 784 ≈ 1e-4).
    let (h, w) = (28, 28);
    let t = checked(
        "[[transform.ops]]\nop = \"erase\"\nscale = [0.1, 0.3]\nratio = [1, 1]\nvalue = 0\n",
    );
    let src = vec![1.0f32; h * w];
    let n = 2000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut out = vec![0.0; h * w];
    let (mut sum, mut lo, mut hi) = (0.0f64, 1.0f64, 0.0f64);
    let mut touched_corner = [false; 4];
    for _ in 0..n {
        t.apply(&src, h, w, &mut rng, &mut out);
        assert!(out.iter().all(|&v| v == 0.0 || v == 1.0));
        let zeros = out.iter().filter(|&&v| v == 0.0).count();
        let frac = zeros as f64 / (h * w) as f64;
        // A square: its side is a whole number.
        let side = (zeros as f64).sqrt().round() as usize;
        assert_eq!(side * side, zeros);
        sum += frac;
        lo = lo.min(frac);
        hi = hi.max(frac);
        for (k, &c) in [0, w - 1, (h - 1) * w, h * w - 1].iter().enumerate() {
            touched_corner[k] |= out[c] == 0.0;
        }
    }
    let mean = sum / n as f64;
    // The sd of one fraction is about 0.058: 4 sd of the mean of 2000 is 0.005.
    assert!((mean - 0.2).abs() < 0.006, "mean erased fraction {mean}");
    assert!(lo >= 0.09 && hi <= 0.31, "{lo} {hi}");
    // Every position is possible, corners included.
    assert_eq!(touched_corner, [true; 4]);

    // With p = 0.5 about half of the images are touched.
    let half = checked("[[transform.ops]]\nop = \"erase\"\nscale = [0.1, 0.3]\np = 0.5\n");
    let changed = (0..n)
        .filter(|_| {
            half.apply(&src, h, w, &mut rng, &mut out);
            out != src
        })
        .count();
    // Binomial(2000, 0.5): sd ≈ 22.4; allow 4 sd.
    assert!(changed.abs_diff(1000) < 90, "changed {changed} of {n}");
}

#[test]
fn solarize_and_invert_exact_values() {
    let src = [0.0f32, 0.2, 0.49, 0.5, 0.8, 1.0];
    let sol = checked("[[transform.ops]]\nop = \"solarize\"\nthreshold = 0.5\n");
    let out = apply_once(&sol, &src, 2, 3, 0);
    assert_eq!(out, [0.0, 0.2, 0.49, 0.5, 1.0 - 0.8, 0.0]);
    // Threshold 0 inverts everything, as `invert` does.
    let all = checked("[[transform.ops]]\nop = \"solarize\"\nthreshold = 0\n");
    let inv = checked("[[transform.ops]]\nop = \"invert\"\n");
    let expect: Vec<f32> = src.iter().map(|v| 1.0 - v).collect();
    assert_eq!(apply_once(&all, &src, 2, 3, 0), expect);
    assert_eq!(apply_once(&inv, &src, 2, 3, 0), expect);
    // Invert twice is the identity (on values where 1 - v is exact in f32).
    let twice = checked("[[transform.ops]]\nop = \"invert\"\n[[transform.ops]]\nop = \"invert\"\n");
    let dyadic = [0.0f32, 0.125, 0.25, 0.5, 0.75, 1.0];
    assert_eq!(apply_once(&twice, &dyadic, 2, 3, 0), dyadic);
}

#[test]
fn fill_is_what_geometry_brings_in_from_outside() {
    // A black 9×9 image rotated by exactly 45°: the corners come from outside the image.
    let t = parse("[transform]\nfill = 1.0\n[[transform.ops]]\nop = \"rotate\"\ndegrees = 45\n")
        .unwrap()
        .check()
        .unwrap();
    let src = vec![0.0f32; 81];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut out = vec![f32::NAN; 81];
    // Draw until the angle is near ±45° so the corners are surely outside.
    for _ in 0..200 {
        t.apply(&src, 9, 9, &mut rng, &mut out);
        if out[0] > 0.99 {
            break;
        }
    }
    assert!(
        out[0] > 0.99 && out[80] > 0.99,
        "corners take the fill: {out:?}"
    );
    assert_eq!(out[40], 0.0, "the centre stays the image's");
    let err = parse("[transform]\nfill = 2.0\n")
        .unwrap()
        .check()
        .unwrap_err();
    assert!(err.to_string().contains("transform.fill"), "{err}");
}
