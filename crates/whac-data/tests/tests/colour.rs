//! Colour images: geometry per channel, colour jitter and random grayscale through the recipe.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Deserialize;
use whac_data::{ImageSet, Transform, TransformConfig, augment_batch};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipe {
    transform: TransformConfig,
}

fn checked(toml_text: &str) -> Transform {
    toml::from_str::<Recipe>(toml_text)
        .unwrap()
        .transform
        .check()
        .unwrap()
}

const H: usize = 6;
const W: usize = 7;
const N: usize = H * W;

/// An RGB image, `[3, H, W]`, with values spread over `[0, 1]`.
fn rgb(salt: usize) -> Vec<f32> {
    (0..3 * N)
        .map(|i| ((i * 37 + salt * 11 + 5) % 101) as f32 / 100.0)
        .collect()
}

fn apply(t: &Transform, src: &[f32], channels: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = vec![f32::NAN; src.len()];
    t.apply_image(src, channels, H, W, &mut rng, &mut out);
    out
}

#[test]
fn colour_ops_parse_and_check() {
    let t = checked(
        "[[transform.ops]]\nop = \"jitter\"\nsaturation = 0.8\nhue = 0.5\n\
         [[transform.ops]]\nop = \"random_grayscale\"\np = 0.2\n",
    );
    assert_eq!(t.ops()[1].name(), "random_grayscale");
    for (op, key) in [
        ("op = \"jitter\"\nhue = 0.6", "transform.ops[0].hue = 0.6"),
        ("op = \"jitter\"\nhue = -0.1", "transform.ops[0].hue = -0.1"),
        (
            "op = \"jitter\"\nsaturation = -1",
            "transform.ops[0].saturation = -1",
        ),
        ("op = \"random_grayscale\"\np = 2", "transform.ops[0].p = 2"),
    ] {
        let cfg = toml::from_str::<Recipe>(&format!("[[transform.ops]]\n{op}\n")).unwrap();
        let msg = cfg.transform.check().unwrap_err().to_string();
        assert!(msg.contains(key) && msg.contains("expected"), "{msg}");
    }
}

#[test]
fn zero_hue_and_unit_saturation_are_the_identity() {
    let t = checked(
        "[[transform.ops]]\nop = \"jitter\"\nbrightness = 0\ncontrast = 0\nsaturation = 0\nhue = 0\n\
         [[transform.ops]]\nop = \"random_grayscale\"\np = 0\n",
    );
    for seed in 0..20 {
        let src = rgb(seed);
        assert_eq!(apply(&t, &src, 3, seed as u64), src);
    }
}

#[test]
fn random_grayscale_gives_equal_channels_holding_the_luma() {
    let t = checked("[[transform.ops]]\nop = \"random_grayscale\"\n");
    let src = rgb(1);
    let out = apply(&t, &src, 3, 0);
    for i in 0..N {
        let y = 0.299 * src[i] + 0.587 * src[N + i] + 0.114 * src[2 * N + i];
        assert!((out[i] - y).abs() < 1e-6, "{} vs {y}", out[i]);
        assert_eq!(out[i], out[N + i]);
        assert_eq!(out[i], out[2 * N + i]);
    }
    // On a grayscale image it does nothing.
    let gray = &src[..N];
    assert_eq!(apply(&t, gray, 1, 0), gray);
}

#[test]
fn a_third_of_a_turn_of_hue_permutes_pure_colours() {
    // hue = 0.5 draws a shift in [-0.5, 0.5]; find seeds whose shift is about +1/3 by looking at
    // a pure red pixel, then check green and blue move on in step.
    let t = checked(
        "[[transform.ops]]\nop = \"jitter\"\nbrightness = 0\ncontrast = 0\nsaturation = 0\nhue = 0.5\n",
    );
    // Pixel 0 red, pixel 1 green, pixel 2 blue, the rest black.
    let mut src = vec![0.0f32; 3 * N];
    src[0] = 1.0;
    src[N + 1] = 1.0;
    src[2 * N + 2] = 1.0;
    let mut found = 0;
    for seed in 0..2000 {
        let out = apply(&t, &src, 3, seed);
        let px = |i: usize| [out[i], out[N + i], out[2 * N + i]];
        let near = |a: [f32; 3], b: [f32; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 0.02);
        if near(px(0), [0.0, 1.0, 0.0]) {
            found += 1;
            assert!(near(px(1), [0.0, 0.0, 1.0]), "{:?}", px(1));
            assert!(near(px(2), [1.0, 0.0, 0.0]), "{:?}", px(2));
        }
        // Black stays black whatever the hue.
        assert_eq!(px(3), [0.0; 3]);
    }
    assert!(found > 0);
}

#[test]
fn geometry_acts_on_every_channel_alike() {
    // Geometric and channel-blind pixel ops: an RGB image with three equal planes gives three
    // equal planes, each the grayscale result of the same stream (jitter last: on RGB it draws
    // two more numbers, and with equal planes the luma is the plane itself).
    let t = checked(
        r#"
        [[transform.ops]]
        op = "resized_crop"
        scale = [0.5, 1]
        [[transform.ops]]
        op = "rotate"
        degrees = 30
        [[transform.ops]]
        op = "elastic"
        alpha = 2
        sigma = 1.5
        [[transform.ops]]
        op = "flip"
        p = 0.5
        [[transform.ops]]
        op = "blur"
        sigma = [0.3, 1]
        [[transform.ops]]
        op = "erase"
        scale = [0.05, 0.3]
        value = 0.7
        [[transform.ops]]
        op = "solarize"
        threshold = 0.8
        [[transform.ops]]
        op = "jitter"
        "#,
    );
    let plane = &rgb(2)[..N];
    let src: Vec<f32> = plane.iter().chain(plane).chain(plane).copied().collect();
    for seed in 0..30 {
        let gray = apply(&t, plane, 1, seed);
        let out = apply(&t, &src, 3, seed);
        for c in 0..3 {
            for (a, b) in out[c * N..(c + 1) * N].iter().zip(&gray) {
                assert!((a - b).abs() < 1e-5, "seed {seed} channel {c}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn rgb_batches_are_deterministic_and_in_range() {
    let set = ImageSet {
        pixels: (0..10).flat_map(rgb).collect(),
        labels: vec![0; 10],
        channels: 3,
        height: H,
        width: W,
        num_classes: 1,
    };
    let t = checked(
        r#"
        [[transform.ops]]
        op = "resized_crop"
        [[transform.ops]]
        op = "random_apply"
        p = 0.8
        ops = [{ op = "jitter", brightness = 0.8, contrast = 0.8, saturation = 0.8, hue = 0.2 }]
        [[transform.ops]]
        op = "random_grayscale"
        p = 0.2
        [[transform.ops]]
        op = "noise"
        "#,
    );
    let idx: Vec<usize> = (0..10).rev().collect();
    let copies = 2;
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = vec![f32::NAN; idx.len() * copies * 3 * N];
        pool.install(|| augment_batch(&t, &set, &idx, copies, 1, 0, &mut out));
        out
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));
    // Copy 1 of the first example (index 9) is `apply_image` with its documented stream.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(whac_data::copy_seed(1, 0, 9, 1));
    let mut expect = vec![0.0; 3 * N];
    t.apply_image(set.image(9), 3, H, W, &mut rng, &mut expect);
    assert_eq!(&one[3 * N..6 * N], &expect[..]);
}
