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
              [[transform.ops]]\nop = \"resized_crop\"\nscale = [1, 1]\nratio = [1, 1]\n";
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
            | OpConfig::Noise { p, .. } => *p = 0.0,
        }
    }
    let never = never.check().unwrap();
    for t in [
        zero,
        never,
        Transform::identity(),
        TransformConfig { ops: vec![] }.check().unwrap(),
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
