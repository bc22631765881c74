use std::collections::HashMap;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Deserialize;
use whac_data::text::{MASK, PAD, UNK};
use whac_data::{
    DataError, SplitRule, TextLoadConfig, TextSet, TextTransform, TextTransformConfig, Tokenizer,
    Vocab, VocabConfig, augment_text_batch, load_text, load_text_files,
};

use crate::shared_data;

/// The part of a recipe the CLI would read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipe {
    transform: TextTransformConfig,
}

fn transform(toml_text: &str) -> TextTransform {
    toml::from_str::<Recipe>(toml_text)
        .unwrap()
        .transform
        .check()
        .unwrap()
}

fn check_err(toml_text: &str) -> String {
    match toml::from_str::<Recipe>(toml_text) {
        Ok(r) => r.transform.check().unwrap_err().to_string(),
        Err(e) => e.to_string(),
    }
}

/// Distinct tokens 10, 11, …, so that every change is visible.
fn distinct(n: u32) -> Vec<u32> {
    (10..10 + n).collect()
}

fn draw(t: &TextTransform, src: &[u32], seed: u64) -> Vec<u32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = vec![7; 3];
    t.apply(src, &mut rng, &mut out);
    out
}

// ---- tokenizer ----

#[test]
fn tokenizer_splits_on_unicode_word_boundaries() {
    let t = Tokenizer::default();
    assert_eq!(
        t.tokenize("Hello, World! It's 3.14 — naïve café."),
        [
            "hello", ",", "world", "!", "it's", "3.14", "—", "naïve", "café", "."
        ]
    );
    // Ideographs are one token each; whitespace of any kind is dropped.
    assert_eq!(
        t.tokenize("東京\tTokyo\u{00A0}ÉTÉ"),
        ["東", "京", "tokyo", "été"]
    );
    assert!(t.tokenize(" \n\t ").is_empty());
}

#[test]
fn tokenizer_options_keep_case_and_drop_punctuation() {
    let t = Tokenizer {
        lowercase: false,
        punctuation: false,
    };
    assert_eq!(t.tokenize("Don't PANIC!!! (ok?)"), ["Don't", "PANIC", "ok"]);
    let lower = Tokenizer {
        lowercase: true,
        punctuation: false,
    };
    assert_eq!(lower.tokenize("ÀB-Çd"), ["àb", "çd"]);
}

// ---- vocabulary ----

fn docs(text: &[&str]) -> Vec<Vec<String>> {
    text.iter()
        .map(|s| Tokenizer::default().tokenize(s))
        .collect()
}

#[test]
fn vocab_orders_by_count_then_token_with_specials_first() {
    let d = docs(&["b a c a b a", "d c e"]);
    let v = Vocab::build(
        d.iter().map(Vec::as_slice),
        &VocabConfig {
            max_size: 100,
            min_count: 1,
        },
    );
    // a:3, b:2, c:2, d:1, e:1 — ties by string.
    assert_eq!(
        v.tokens(),
        ["<pad>", "<unk>", "<mask>", "a", "b", "c", "d", "e"]
    );
    assert_eq!((PAD, UNK, MASK), (0, 1, 2));
    assert_eq!(v.encode(&["a", "zzz", "e"]), [3, UNK, 7]);
    assert_eq!(v.decode(&[3, 1, 2, 0, 0]), "a <unk> <mask>");
}

#[test]
fn vocab_respects_min_count_and_max_size() {
    let d = docs(&["b a c a b a", "d c e"]);
    let config = VocabConfig {
        max_size: 5,
        min_count: 2,
    };
    config.check().unwrap();
    let v = Vocab::build(d.iter().map(Vec::as_slice), &config);
    assert_eq!(v.len(), 5);
    assert_eq!(v.tokens()[3..], ["a", "b"]);
    assert_eq!(v.id("c"), UNK, "c is cut by max_size");
    assert_eq!(v.id("d"), UNK, "d is cut by min_count");
    let v = Vocab::build(
        d.iter().map(Vec::as_slice),
        &VocabConfig {
            max_size: 100,
            min_count: 3,
        },
    );
    assert_eq!(v.tokens()[3..], ["a"]);
    let err = VocabConfig {
        max_size: 2,
        min_count: 1,
    }
    .check()
    .unwrap_err()
    .to_string();
    assert!(err.contains("data.vocab.max_size = 2"), "{err}");
}

// ---- config ----

#[test]
fn config_errors_name_the_key_value_and_range() {
    let cases = [
        (
            "op = \"token_dropout\"\nrate = 1.5",
            "transform.ops[0].rate = 1.5",
            "[0, 1]",
        ),
        (
            "op = \"span_mask\"\nmean_span = 0.5",
            "transform.ops[0].mean_span = 0.5",
            ">= 1",
        ),
        (
            "op = \"crop\"\nkeep = [0.8, 0.2]",
            "transform.ops[0].keep = [0.8, 0.2]",
            "lo <= hi",
        ),
        (
            "op = \"swap\"\nwindow = 0",
            "transform.ops[0].window = 0",
            ">= 1",
        ),
        (
            "op = \"delete\"\np = -0.1",
            "transform.ops[0].p = -0.1",
            "[0, 1]",
        ),
    ];
    for (op, key, range) in cases {
        let msg = check_err(&format!("[[transform.ops]]\n{op}\n"));
        assert!(msg.contains(key) && msg.contains(range), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
    let msg = check_err("[[transform.ops]]\nop = \"crop\"\n[[transform.ops]]\nop = \"shuffle\"\n");
    assert!(msg.contains("shuffle"), "{msg}");
    let msg = check_err("[[transform.ops]]\nop = \"crop\"\nkeeep = [0.5, 1]\n");
    assert!(msg.contains("keeep"), "{msg}");
    TextTransformConfig::default().check().unwrap();
}

// ---- ops ----

#[test]
fn zero_strength_and_zero_p_are_the_identity() {
    let src = distinct(50);
    for recipe in [
        "op = \"token_dropout\"\nrate = 0",
        "op = \"span_mask\"\nfraction = 0",
        "op = \"crop\"\nkeep = [1, 1]",
        "op = \"swap\"\nrate = 0\nwindow = 3",
        "op = \"delete\"\nrate = 0",
        "op = \"token_dropout\"\nrate = 1\np = 0",
        "op = \"span_mask\"\nfraction = 1\np = 0",
        "op = \"crop\"\nkeep = [0.1, 0.1]\np = 0",
        "op = \"swap\"\nrate = 1\np = 0",
        "op = \"delete\"\nrate = 1\np = 0",
    ] {
        let t = transform(&format!("[[transform.ops]]\n{recipe}\n"));
        for seed in 0..20 {
            assert_eq!(draw(&t, &src, seed), src, "{recipe}");
        }
    }
    assert!(draw(&TextTransform::identity(), &[], 0).is_empty());
}

#[test]
fn token_dropout_replaces_about_rate_of_tokens_by_unk() {
    let t = transform("[[transform.ops]]\nop = \"token_dropout\"\nrate = 0.3\n");
    let src = distinct(100);
    let (mut unk, mut total) = (0, 0);
    for seed in 0..200 {
        let out = draw(&t, &src, seed);
        assert_eq!(out.len(), src.len());
        for (o, s) in out.iter().zip(&src) {
            assert!(*o == *s || *o == UNK);
        }
        unk += out.iter().filter(|&&x| x == UNK).count();
        total += out.len();
    }
    let rate = unk as f64 / total as f64;
    assert!((rate - 0.3).abs() < 0.01, "dropout rate {rate}");
}

#[test]
fn p_one_half_applies_about_half_the_time() {
    let t = transform("[[transform.ops]]\nop = \"token_dropout\"\nrate = 1\np = 0.5\n");
    let src = distinct(5);
    let fired = (0..2000).filter(|&s| draw(&t, &src, s)[0] == UNK).count();
    assert!(
        (fired as f64 / 2000.0 - 0.5).abs() < 0.04,
        "{fired} of 2000"
    );
}

#[test]
fn span_mask_masks_the_fraction_in_spans_of_the_mean_length() {
    let t = transform("[[transform.ops]]\nop = \"span_mask\"\nfraction = 0.2\nmean_span = 4\n");
    let src = distinct(200);
    for seed in 0..100 {
        let out = draw(&t, &src, seed);
        assert_eq!(out.len(), 200);
        assert_eq!(out.iter().filter(|&&x| x == MASK).count(), 40);
        for (o, s) in out.iter().zip(&src) {
            assert!(*o == *s || *o == MASK);
        }
        // 40 masked tokens in 10 spans: at most 10 runs, at least 1.
        let runs = out
            .windows(2)
            .filter(|w| w[0] != MASK && w[1] == MASK)
            .count()
            + usize::from(out[0] == MASK);
        assert!((1..=10).contains(&runs), "{runs} runs");
    }
}

#[test]
fn crop_keeps_a_contiguous_run_of_the_allowed_length() {
    let t = transform("[[transform.ops]]\nop = \"crop\"\nkeep = [0.3, 0.6]\n");
    let src = distinct(100);
    let mut lengths = Vec::new();
    let mut starts = Vec::new();
    for seed in 0..500 {
        let out = draw(&t, &src, seed);
        assert!((30..=60).contains(&out.len()), "length {}", out.len());
        let start = (out[0] - 10) as usize;
        assert_eq!(out, src[start..start + out.len()]);
        lengths.push(out.len());
        starts.push(start);
    }
    let mean = lengths.iter().sum::<usize>() as f64 / 500.0;
    assert!((mean - 45.0).abs() < 1.5, "mean length {mean}");
    assert!(starts.contains(&0) && starts.iter().any(|&s| s > 40));
    // One token is never cropped away.
    assert_eq!(draw(&t, &[42], 0), [42]);
}

#[test]
fn swap_keeps_the_tokens_and_moves_about_2r_of_them() {
    // rate 1, window 1: every position swaps with the next in turn, so the first token walks
    // to the end.
    let all = transform("[[transform.ops]]\nop = \"swap\"\nrate = 1\n");
    let src = distinct(6);
    assert_eq!(draw(&all, &src, 0), [11, 12, 13, 14, 15, 10]);

    let t = transform("[[transform.ops]]\nop = \"swap\"\nrate = 0.05\n");
    let src = distinct(100);
    let (mut moved, mut interior) = (0, 0);
    for seed in 0..400 {
        let out = draw(&t, &src, seed);
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, src);
        // An interior position changes iff a swap happens at it or just before it:
        // 1 − (1 − r)² = 0.0975.
        moved += (1..99).filter(|&i| out[i] != src[i]).count();
        interior += 98;
    }
    let frac = moved as f64 / interior as f64;
    assert!((frac - 0.0975).abs() < 0.01, "moved fraction {frac}");

    // Window 3 at a small rate: swaps reach 2 and 3 places, and rarely chain.
    let wide = transform("[[transform.ops]]\nop = \"swap\"\nrate = 0.01\nwindow = 3\n");
    let mut far = 0;
    for seed in 0..400 {
        let out = draw(&wide, &src, seed);
        for (i, &tok) in out.iter().enumerate() {
            let d = (tok as i64 - 10 - i as i64).abs();
            assert!(d <= 6, "moved {d}");
            far += usize::from(d >= 2);
        }
    }
    assert!(far > 0, "window 3 never moved a token by 2 or more");
}

#[test]
fn delete_removes_about_rate_and_keeps_order_and_one_token() {
    let t = transform("[[transform.ops]]\nop = \"delete\"\nrate = 0.25\n");
    let src = distinct(100);
    let mut kept = 0;
    for seed in 0..200 {
        let out = draw(&t, &src, seed);
        assert!(out.windows(2).all(|w| w[0] < w[1]), "order kept");
        kept += out.len();
    }
    let frac = kept as f64 / 20000.0;
    assert!((frac - 0.75).abs() < 0.01, "kept fraction {frac}");
    let all = transform("[[transform.ops]]\nop = \"delete\"\nrate = 1\n");
    for seed in 0..20 {
        let out = draw(&all, &src, seed);
        assert_eq!(out.len(), 1);
        assert!(src.contains(&out[0]));
    }
}

// ---- batch ----

fn small_set() -> TextSet {
    TextSet {
        docs: (0..37).map(|i| distinct(5 + (i * 7) % 40)).collect(),
        labels: (0..37).map(|i| i % 2).collect(),
    }
}

fn batch(
    t: &TextTransform,
    set: &TextSet,
    idx: &[usize],
    m: usize,
    len: usize,
) -> (Vec<u32>, Vec<u32>) {
    let mut ids = vec![99; idx.len() * m * len];
    let mut lens = vec![99; idx.len() * m];
    augment_text_batch(t, set, idx, m, len, 5, 2, &mut ids, &mut lens);
    (ids, lens)
}

#[test]
fn batch_pads_truncates_and_is_the_same_for_any_thread_count_and_order() {
    let t = transform(
        "[[transform.ops]]\nop = \"crop\"\n[[transform.ops]]\nop = \"span_mask\"\n\
         [[transform.ops]]\nop = \"swap\"\n[[transform.ops]]\nop = \"delete\"\n\
         [[transform.ops]]\nop = \"token_dropout\"\n",
    );
    let set = small_set();
    let idx: Vec<usize> = (0..set.len()).rev().collect();
    let (m, len) = (3, 16);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| batch(&t, &set, &idx, m, len))
    };
    let (ids1, lens1) = run(1);
    let (ids2, lens2) = run(2);
    assert_eq!((&ids1, &lens1), (&ids2, &lens2));
    for (b, &i) in idx.iter().enumerate() {
        for c in 0..m {
            let n = lens1[b * m + c] as usize;
            assert!((1..=len).contains(&n));
            let row = &ids1[(b * m + c) * len..(b * m + c + 1) * len];
            assert!(row[n..].iter().all(|&x| x == PAD));
            assert!(row[..n].iter().all(|&x| x != PAD));
            // Identical to a single draw with the documented seed.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(whac_data::copy_seed(5, 2, i, c));
            let mut one = Vec::new();
            t.apply(set.doc(i), &mut rng, &mut one);
            one.truncate(len);
            assert_eq!(row[..n], one[..]);
        }
    }
    // Another batch holding example 3 at another position gives it the same copies.
    let (ids3, _) = batch(&t, &set, &[3, 0], m, len);
    let b = idx.iter().position(|&i| i == 3).unwrap();
    assert_eq!(ids3[..m * len], ids1[b * m * len..(b + 1) * m * len]);
    // Copies differ from each other.
    assert_ne!(ids3[..len], ids3[len..2 * len]);
    // The identity gives the truncated originals.
    let (ids, lens) = batch(&TextTransform::identity(), &set, &[1], 1, 16);
    assert_eq!(lens[0] as usize, set.doc(1).len().min(16));
    assert_eq!(ids[..lens[0] as usize], set.doc(1)[..lens[0] as usize]);
}

// ---- loader ----

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn small_config() -> TextLoadConfig {
    TextLoadConfig {
        vocab: VocabConfig {
            max_size: 100,
            min_count: 1,
        },
        ..TextLoadConfig::default()
    }
}

#[test]
fn loader_reads_labels_splits_stratified_and_builds_the_vocab_from_train() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("label\ttext\n");
    for i in 0..50 {
        let label = if i % 5 == 0 { "zeta" } else { "alpha" };
        text.push_str(&format!("{label}\tword{i} common\ttab kept\n"));
    }
    let path = write(&dir, "a.tsv", &text);
    let spec = format!("text:{}", path.display());
    let s = load_text(&spec, &small_config()).unwrap();
    assert_eq!(s.classes, ["alpha", "zeta"]);
    assert_eq!((s.train.len(), s.test.len()), (40, 10));
    let count = |set: &TextSet, c: u32| set.labels.iter().filter(|&&l| l == c).count();
    assert_eq!((count(&s.test, 0), count(&s.test, 1)), (8, 2), "stratified");
    // The text after the first tab is kept; test-only words are unknown.
    assert!(s.vocab.id("common") > MASK && s.vocab.id("tab") > MASK);
    assert!(s.test.docs.iter().all(|d| d[0] == UNK && d.len() == 4));
    // Seeded: the same seed gives the same split, another seed another one.
    assert_eq!(load_text(&spec, &small_config()).unwrap(), s);
    let other = load_text(
        &spec,
        &TextLoadConfig {
            seed: 1,
            ..small_config()
        },
    )
    .unwrap();
    assert_ne!(other.vocab, s.vocab, "other test words held out");
    // first:N
    let first = TextLoadConfig {
        split: "first:45".parse::<SplitRule>().unwrap(),
        ..small_config()
    };
    let f = load_text(&spec, &first).unwrap();
    assert_eq!((f.train.len(), f.test.len()), (45, 5));
}

#[test]
fn loader_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("nohdr.tsv", "text\tlabel\nham\thi\n", ":1:", "header"),
        (
            "notab.tsv",
            "label\ttext\nham\thi\nspam no tab here\n",
            ":3:",
            "no tab",
        ),
        (
            "nolabel.tsv",
            "label\ttext\nham\thi\n\tempty label\n",
            ":3:",
            "label",
        ),
        ("empty.tsv", "", ":1:", "header"),
    ];
    for (name, text, line, what) in cases {
        let path = write(&dir, name, text);
        let msg = load_text_files(&path, None, &small_config())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(name) && msg.contains(line) && msg.contains(what),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
    }
    let train = write(&dir, "train.tsv", "label\ttext\nham\thi\nspam\tbuy\n");
    let test = write(&dir, "test.tsv", "label\ttext\nham\thello\neggs\tbuy\n");
    let msg = load_text_files(&train, Some(&test), &small_config())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("test.tsv:3:") && msg.contains("eggs"), "{msg}");
    let missing = dir.path().join("nope.tsv");
    assert!(matches!(
        load_text_files(&missing, None, &small_config()),
        Err(DataError::Missing { .. })
    ));
    for bad in ["txt:a.tsv", "text:", "text:a.tsv,"] {
        assert!(
            matches!(load_text(bad, &small_config()), Err(DataError::Spec { .. })),
            "{bad}"
        );
    }
}

#[test]
fn spamassassin_loads_with_two_classes() {
    let Some(dir) = shared_data("text") else {
        return;
    };
    let path = dir.join("spamassassin.tsv.gz");
    let s = load_text(
        &format!("text:{}", path.display()),
        &TextLoadConfig::default(),
    )
    .unwrap();
    assert_eq!(s.classes, ["ham", "spam"]);
    assert_eq!(s.train.len() + s.test.len(), 6046);
    let test_frac = s.test.len() as f64 / 6046.0;
    assert!((test_frac - 0.2).abs() < 0.001, "{test_frac}");
    assert!(
        s.vocab.len() > 5000 && s.vocab.len() <= 20_000,
        "{}",
        s.vocab.len()
    );
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &l in s.train.labels.iter().chain(&s.test.labels) {
        *counts.entry(l).or_default() += 1;
    }
    assert!(counts[&0] > counts[&1] && counts[&1] > 1000, "{counts:?}");
}

#[test]
fn fine_foods_loads_with_its_test_file() {
    let Some(dir) = shared_data("text") else {
        return;
    };
    let spec = format!(
        "text:{},{}",
        dir.join("fine-foods-train.tsv").display(),
        dir.join("fine-foods-test.tsv").display()
    );
    let s = load_text(&spec, &TextLoadConfig::default()).unwrap();
    assert_eq!(s.classes, ["great", "other"]);
    assert_eq!((s.train.len(), s.test.len()), (4000, 1000));
    let unk = s.test.docs.iter().flatten().filter(|&&t| t == UNK).count();
    let all: usize = s.test.docs.iter().map(Vec::len).sum();
    assert!(
        unk > 0 && (unk as f64) < 0.1 * all as f64,
        "{unk} of {all} unknown"
    );
}
