//! Composition: `random_apply` and `one_of` groups in the transform TOML.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Deserialize;
use whac_data::{DataError, OpConfig, Transform, TransformConfig, augment_batch, digits};

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

fn checked(toml_text: &str) -> Transform {
    parse(toml_text).unwrap().check().unwrap()
}

fn apply(t: &Transform, src: &[f32], h: usize, w: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    let mut out = vec![f32::NAN; h * w];
    t.apply(src, h, w, rng, &mut out);
    out
}

/// A 4×4 image with distinct values, none of them 0.25, 0.5 or 0.75.
fn ramp() -> Vec<f32> {
    (0..16).map(|i| (i as f32 + 0.3) / 17.0).collect()
}

#[test]
fn nested_tables_and_inline_arrays_parse() {
    let cfg = parse(
        r#"
        [[transform.ops]]
        op = "rotate"
        [[transform.ops]]
        op = "random_apply"
        p = 0.8
        [[transform.ops.ops]]
        op = "jitter"
        [[transform.ops.ops]]
        op = "one_of"
        weights = [3, 1]
        ops = [{ op = "flip" }, { op = "blur", sigma = [1, 1] }]
        "#,
    )
    .unwrap();
    let OpConfig::RandomApply { ops, p } = &cfg.ops[1] else {
        panic!("{cfg:?}");
    };
    assert_eq!(*p, 0.8);
    assert_eq!(ops.len(), 2);
    let OpConfig::OneOf {
        ops: inner,
        weights,
        p,
    } = &ops[1]
    else {
        panic!("{ops:?}");
    };
    assert_eq!(
        (inner.len(), weights.as_deref(), *p),
        (2, Some(&[3.0, 1.0][..]), 1.0)
    );
    assert_eq!(inner[0].name(), "flip");
    cfg.check().unwrap();

    // A TOML round trip keeps the nesting (the CLI saves the resolved recipe).
    #[derive(serde::Serialize)]
    struct Out<'a> {
        transform: &'a TransformConfig,
    }
    let text = toml::to_string(&Out { transform: &cfg }).unwrap();
    assert_eq!(parse(&text).unwrap(), cfg, "{text}");
}

#[test]
fn errors_name_the_nested_key() {
    let cases = [
        (
            "op = \"random_apply\"\nops = [{ op = \"noise\" }, { op = \"rotate\", degrees = 200 }]",
            "transform.ops[1].ops[1].degrees",
            "200",
        ),
        (
            "op = \"one_of\"\nops = [{ op = \"random_apply\", ops = [{ op = \"translate\", fraction = 0.9 }] }]",
            "transform.ops[1].ops[0].ops[0].fraction",
            "0.9",
        ),
        (
            "op = \"random_apply\"\nops = []",
            "transform.ops[1].ops",
            "at least one",
        ),
        (
            "op = \"one_of\"\nops = []",
            "transform.ops[1].ops",
            "at least one",
        ),
        (
            "op = \"random_apply\"\np = 1.5\nops = [{ op = \"flip\" }]",
            "transform.ops[1].p",
            "1.5",
        ),
        (
            "op = \"one_of\"\nweights = [1]\nops = [{ op = \"flip\" }, { op = \"invert\" }]",
            "transform.ops[1].weights",
            "one weight per operation",
        ),
        (
            "op = \"one_of\"\nweights = [0, 0]\nops = [{ op = \"flip\" }, { op = \"invert\" }]",
            "transform.ops[1].weights",
            "not all 0",
        ),
        (
            "op = \"one_of\"\nweights = [1, -1]\nops = [{ op = \"flip\" }, { op = \"invert\" }]",
            "transform.ops[1].weights",
            "-1",
        ),
    ];
    for (op, key, needle) in cases {
        let text = format!("[[transform.ops]]\nop = \"noise\"\n[[transform.ops]]\n{op}\n");
        let err = parse(&text).unwrap().check().unwrap_err();
        assert!(matches!(err, DataError::Config { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{key} =")) && msg.contains(needle) && msg.contains("expected"),
            "{op}: {msg}"
        );
        assert!(!msg.contains('\n'));
    }
    // Unknown ops and keys inside a group are parse errors naming them.
    let msg =
        parse("[[transform.ops]]\nop = \"one_of\"\nops = [{ op = \"rotat\" }]\n").unwrap_err();
    assert!(msg.contains("rotat") && msg.contains("rotate"), "{msg}");
    let msg = parse(
        "[[transform.ops]]\nop = \"random_apply\"\nops = [{ op = \"rotate\", degree = 3 }]\n",
    )
    .unwrap_err();
    assert!(msg.contains("degree"), "{msg}");
    let msg = parse("[[transform.ops]]\nop = \"random_apply\"\n").unwrap_err();
    assert!(msg.contains("ops"), "{msg}");
}

#[test]
fn probability_zero_groups_are_the_identity() {
    let t = checked(
        r#"
        [[transform.ops]]
        op = "random_apply"
        p = 0
        ops = [{ op = "rotate", degrees = 90 }, { op = "elastic" }, { op = "invert" }, { op = "noise" }]
        [[transform.ops]]
        op = "one_of"
        p = 0
        ops = [{ op = "resized_crop" }, { op = "erase" }]
        "#,
    );
    let src = ramp();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    for _ in 0..100 {
        assert_eq!(apply(&t, &src, 4, 4, &mut rng), src);
    }
}

#[test]
fn groups_of_exact_ops_give_exact_results() {
    let src = ramp();
    let flip = checked("[[transform.ops]]\nop = \"flip\"\n");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let flipped = apply(&flip, &src, 4, 4, &mut rng);
    for group in [
        "op = \"random_apply\"\nops = [{ op = \"flip\" }]",
        "op = \"one_of\"\nops = [{ op = \"flip\" }]",
        "op = \"one_of\"\nweights = [0, 1]\nops = [{ op = \"invert\" }, { op = \"flip\" }]",
        "op = \"random_apply\"\nops = [{ op = \"one_of\", ops = [{ op = \"flip\" }] }]",
    ] {
        let t = checked(&format!("[[transform.ops]]\n{group}\n"));
        for _ in 0..20 {
            assert_eq!(apply(&t, &src, 4, 4, &mut rng), flipped, "{group}");
        }
    }
    // Geometry inside a group fuses with the geometry outside it (one resampling), and pixel
    // ops inside a group follow the resampling: flip · flip is exactly the identity, and
    // invert · invert too (up to rounding).
    let t = checked(
        r#"
        [[transform.ops]]
        op = "random_apply"
        ops = [{ op = "invert" }, { op = "flip" }]
        [[transform.ops]]
        op = "flip"
        [[transform.ops]]
        op = "invert"
        "#,
    );
    // (1 - (1 - v) rounds, hence the tolerance.)
    let out = apply(&t, &src, 4, 4, &mut rng);
    assert!(
        out.iter().zip(&src).all(|(a, b)| (a - b).abs() < 1e-6),
        "{out:?}"
    );
}

#[test]
fn random_apply_applies_its_members_together_about_p_of_the_time() {
    // Erase everything to 0.2, then invert: 0.8 everywhere, or the original.
    let t = checked(
        r#"
        [[transform.ops]]
        op = "random_apply"
        p = 0.3
        ops = [{ op = "erase", scale = [1, 1], ratio = [1, 1], value = 0.2 }, { op = "invert" }]
        "#,
    );
    let src = ramp();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let n = 10_000;
    let mut applied = 0usize;
    for _ in 0..n {
        let out = apply(&t, &src, 4, 4, &mut rng);
        if out == src {
            continue;
        }
        assert!(out.iter().all(|&v| (v - 0.8).abs() < 1e-6), "{out:?}");
        applied += 1;
    }
    // Binomial(10000, 0.3): sd ≈ 45.8; allow 4 sd.
    assert!(applied.abs_diff(3000) < 184, "applied {applied} of {n}");
}

#[test]
fn one_of_picks_each_branch_in_proportion_to_its_weight() {
    // Each branch fills the image with its own value; p = 0.9 leaves it alone 10% of the time.
    let t = checked(
        r#"
        [[transform.ops]]
        op = "one_of"
        p = 0.9
        weights = [1, 2, 0, 5]
        ops = [
            { op = "erase", scale = [1, 1], ratio = [1, 1], value = 0.25 },
            { op = "erase", scale = [1, 1], ratio = [1, 1], value = 0.5 },
            { op = "erase", scale = [1, 1], ratio = [1, 1], value = 1.0 },
            { op = "erase", scale = [1, 1], ratio = [1, 1], value = 0.75 },
        ]
        "#,
    );
    let src = ramp();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
    let n = 16_000;
    let mut counts = [0usize; 5];
    for _ in 0..n {
        let out = apply(&t, &src, 4, 4, &mut rng);
        let k = if out == src {
            4
        } else {
            [0.25, 0.5, 1.0, 0.75]
                .iter()
                .position(|&v| out.iter().all(|&o| o == v))
                .expect("a branch fills the whole image")
        };
        counts[k] += 1;
    }
    assert_eq!(counts[2], 0, "a zero weight is never chosen: {counts:?}");
    // Expected: 0.9 · n · (1, 2, 0, 5) / 8, and 0.1 · n untouched; each within 5 binomial sd.
    let expect = [1800.0, 3600.0, 0.0, 9000.0, 1600.0];
    for k in [0, 1, 3, 4] {
        let q = expect[k] / n as f64;
        let sd = (n as f64 * q * (1.0 - q)).sqrt();
        assert!(
            (counts[k] as f64 - expect[k]).abs() < 5.0 * sd,
            "branch {k}: {counts:?} vs {expect:?}"
        );
    }
}

#[test]
fn groups_are_deterministic_across_thread_counts() {
    let set = digits().unwrap().train;
    let t = checked(
        r#"
        [[transform.ops]]
        op = "one_of"
        ops = [
            { op = "rotate", degrees = 30 },
            { op = "random_apply", p = 0.5, ops = [{ op = "elastic", alpha = 2, sigma = 1.5 }, { op = "noise" }] },
            { op = "resized_crop", scale = [0.5, 1] },
        ]
        [[transform.ops]]
        op = "random_apply"
        p = 0.5
        ops = [{ op = "jitter" }, { op = "translate" }, { op = "blur", sigma = [0.3, 1] }]
        [[transform.ops]]
        op = "invert"
        p = 0.2
        "#,
    );
    let idx: Vec<usize> = (0..64).map(|i| (i * 37) % set.len()).collect();
    let copies = 3;
    let run = |threads: usize, idx: &[usize]| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = vec![f32::NAN; idx.len() * copies * 64];
        pool.install(|| augment_batch(&t, &set, idx, copies, 7, 0, &mut out));
        out
    };
    let one = run(1, &idx);
    let three = run(3, &idx);
    assert!(
        one.iter()
            .zip(&three)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));
    // Reversed batch order: the same copies per example.
    let rev: Vec<usize> = idx.iter().rev().copied().collect();
    let back = run(2, &rev);
    let per = copies * 64;
    for k in 0..idx.len() {
        let r = idx.len() - 1 - k;
        assert_eq!(&one[k * per..(k + 1) * per], &back[r * per..(r + 1) * per]);
    }
}
