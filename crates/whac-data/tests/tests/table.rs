use std::io::Write;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Deserialize;
use whac_data::{
    DataError, SplitRule, TableLoadConfig, TableSet, TableTransform, TableTransformConfig,
    augment_table_batch, copy_seed, load_csv, load_csv_file,
};

use crate::shared_data;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipe {
    transform: TableTransformConfig,
}

fn transform(toml_text: &str) -> TableTransform {
    toml::from_str::<Recipe>(toml_text)
        .unwrap()
        .transform
        .check()
        .unwrap()
}

/// `n` rows of `d` features; feature j of row i is `1000 j + i`, so a value names its row and
/// column.
fn grid(n: usize, d: usize) -> TableSet {
    TableSet {
        features: (0..n)
            .flat_map(|i| (0..d).map(move |j| (1000 * j + i) as f32))
            .collect(),
        labels: vec![0; n],
        dim: d,
    }
}

fn draw(t: &TableTransform, set: &TableSet, i: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = vec![f32::NAN; set.dim];
    t.apply(set, i, &mut rng, &mut out);
    out
}

#[test]
fn config_errors_name_the_key_value_and_range() {
    for (op, key, range) in [
        (
            "op = \"scarf\"\nfraction = 1.2",
            "transform.ops[0].fraction = 1.2",
            "[0, 1]",
        ),
        ("op = \"mask\"\np = 2", "transform.ops[0].p = 2.0", "[0, 1]"),
        (
            "op = \"noise\"\nstrength = -1",
            "transform.ops[0].strength = -1.0",
            ">= 0",
        ),
    ] {
        let msg = toml::from_str::<Recipe>(&format!("[[transform.ops]]\n{op}\n"))
            .unwrap()
            .transform
            .check()
            .unwrap_err()
            .to_string();
        assert!(msg.contains(key) && msg.contains(range), "{msg}");
    }
    let err = toml::from_str::<Recipe>("[[transform.ops]]\nop = \"cutmix\"\n").unwrap_err();
    assert!(err.to_string().contains("cutmix"), "{err}");
    TableTransformConfig::default().check().unwrap();
}

#[test]
fn zero_strength_and_zero_p_are_the_identity() {
    let set = grid(20, 8);
    for recipe in [
        "op = \"scarf\"\nfraction = 0",
        "op = \"mask\"\nfraction = 0",
        "op = \"noise\"\nstrength = 0",
        "op = \"scarf\"\nfraction = 1\np = 0",
        "op = \"mask\"\nfraction = 1\np = 0",
        "op = \"noise\"\nstrength = 5\np = 0",
    ] {
        let t = transform(&format!("[[transform.ops]]\n{recipe}\n"));
        for seed in 0..10 {
            assert_eq!(draw(&t, &set, 3, seed), set.row(3), "{recipe}");
        }
    }
}

#[test]
fn scarf_replaces_the_fraction_with_the_same_column_of_other_rows() {
    let set = grid(50, 10);
    let t = transform("[[transform.ops]]\nop = \"scarf\"\nfraction = 0.4\n");
    let mut rows_used = std::collections::HashSet::new();
    for seed in 0..300 {
        let i = (seed as usize * 7) % 50;
        let out = draw(&t, &set, i, seed);
        let mut changed = 0;
        for (j, &v) in out.iter().enumerate() {
            let (col, row) = ((v as usize) / 1000, (v as usize) % 1000);
            assert_eq!(col, j, "value {v} came from another column");
            if row != i {
                changed += 1;
                rows_used.insert(row);
            }
        }
        // Exactly 4 features corrupted, each from another row.
        assert_eq!(changed, 4);
    }
    assert_eq!(rows_used.len(), 50, "every row serves as a donor");
}

#[test]
fn mask_zeroes_the_fraction_and_noise_has_the_requested_spread() {
    let set = grid(10, 20);
    let t = transform("[[transform.ops]]\nop = \"mask\"\nfraction = 0.25\n");
    let mut hits = [0usize; 20];
    for seed in 0..400 {
        let out = draw(&t, &set, 5, seed);
        let zero: Vec<usize> = (0..20)
            .filter(|&j| out[j] == 0.0 && set.row(5)[j] != 0.0)
            .collect();
        assert_eq!(zero.len(), 5);
        for j in zero {
            hits[j] += 1;
        }
    }
    // Each feature is masked with probability 1/4: 100 of 400 draws.
    assert!(hits.iter().all(|&h| (60..140).contains(&h)), "{hits:?}");

    let t = transform("[[transform.ops]]\nop = \"noise\"\nstrength = 0.5\n");
    let (mut s1, mut s2, mut n) = (0f64, 0f64, 0f64);
    for seed in 0..500 {
        let out = draw(&t, &set, 2, seed);
        for (o, x) in out.iter().zip(set.row(2)) {
            let e = (o - x) as f64;
            s1 += e;
            s2 += e * e;
            n += 1.0;
        }
    }
    let (mean, sd) = (s1 / n, (s2 / n - (s1 / n).powi(2)).sqrt());
    assert!(
        mean.abs() < 0.02 && (sd - 0.5).abs() < 0.02,
        "mean {mean} sd {sd}"
    );
}

#[test]
fn batch_is_the_same_for_any_thread_count_and_batch() {
    let set = grid(30, 6);
    let t = transform(
        "[[transform.ops]]\nop = \"scarf\"\nfraction = 0.5\n[[transform.ops]]\nop = \"mask\"\n\
         [[transform.ops]]\nop = \"noise\"\np = 0.5\n",
    );
    let idx: Vec<usize> = (0..30).rev().collect();
    let m = 2;
    let run = |threads: usize, idx: &[usize]| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let mut out = vec![f32::NAN; idx.len() * m * 6];
                augment_table_batch(&t, &set, idx, m, 11, 4, &mut out);
                out
            })
    };
    let one = run(1, &idx);
    assert_eq!(one, run(2, &idx));
    for (b, &i) in idx.iter().enumerate() {
        for c in 0..m {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(copy_seed(11, 4, i, c));
            let mut row = vec![0.0; 6];
            t.apply(&set, i, &mut rng, &mut row);
            assert_eq!(one[(b * m + c) * 6..(b * m + c + 1) * 6], row[..]);
        }
    }
    let other = run(2, &[7]);
    let b = idx.iter().position(|&i| i == 7).unwrap();
    assert_eq!(other[..], one[b * m * 6..(b + 1) * m * 6]);
    assert_ne!(other[..6], other[6..]);
}

// ---- loader ----

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    if name.ends_with(".gz") {
        let f = std::fs::File::create(&path).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
    } else {
        std::fs::write(&path, text).unwrap();
    }
    path
}

#[test]
fn loader_standardises_with_train_statistics_and_finds_the_label_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a,\"label\",b\n1,x,10\n2,y,10\n3,x,10\n4,y,10\n100,x,7\n";
    let path = write(&dir, "t.csv.gz", text);
    let config = TableLoadConfig {
        split: SplitRule::First { train: 4 },
        ..TableLoadConfig::default()
    };
    let s = load_csv(&format!("csv:{}", path.display()), &config).unwrap();
    assert_eq!(s.columns, ["a", "b"]);
    assert_eq!(s.classes, ["x", "y"]);
    assert_eq!(s.train.labels, [0, 1, 0, 1]);
    assert_eq!(s.test.labels, [0]);
    // Column a: train values 1..4, mean 2.5, population sd sqrt(1.25); b is constant (sd → 1).
    assert_eq!(s.mean, [2.5, 10.0]);
    assert!((s.std[0] - 1.25f32.sqrt()).abs() < 1e-6 && s.std[1] == 1.0);
    let sd = 1.25f32.sqrt();
    assert!((s.train.row(0)[0] + 1.5 / sd).abs() < 1e-6);
    assert_eq!(s.train.row(0)[1], 0.0);
    assert!((s.test.row(0)[0] - 97.5 / sd).abs() < 1e-4);
    assert_eq!(s.test.row(0)[1], -3.0);
}

#[test]
fn loader_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = TableLoadConfig::default();
    let cases = [
        (
            "word.csv",
            "a,b,label\n1,2,x\n3,oops,y\n",
            ":3:",
            "column \"b\"",
        ),
        (
            "nan.csv",
            "a,b,label\n1,2,x\n3,NaN,y\n",
            ":3:",
            "finite number",
        ),
        (
            "short.csv",
            "a,b,label\n1,2,x\n3,y\n",
            ":3:",
            "number of fields",
        ),
        (
            "nolabel.csv",
            "a,b,c\n1,2,3\n",
            ":1:",
            "a column named `label`",
        ),
        (
            "emptylabel.csv",
            "label,a\nx,1\n,2\n",
            ":3:",
            "non-empty class name",
        ),
        ("norows.csv", "label,a\n", ":2:", "at least one data row"),
    ];
    for (name, text, line, what) in cases {
        let path = write(&dir, name, text);
        let msg = load_csv_file(&path, &config).unwrap_err().to_string();
        assert!(
            msg.contains(name) && msg.contains(line) && msg.contains(what),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
    }
    assert!(matches!(
        load_csv_file(&dir.path().join("none.csv"), &config),
        Err(DataError::Missing { .. })
    ));
    assert!(matches!(
        load_csv("csv:", &config),
        Err(DataError::Spec { .. })
    ));
    assert!("first:0".parse::<SplitRule>().is_err());
    assert!("stratified:1".parse::<SplitRule>().is_err());
    assert_eq!(
        "stratified:0.25".parse::<SplitRule>().unwrap(),
        SplitRule::Stratified {
            test_fraction: 0.25
        }
    );
}

#[test]
fn letter_recognition_standard_and_stratified_splits() {
    let Some(dir) = shared_data("tabular") else {
        return;
    };
    let spec = format!("csv:{}", dir.join("letter_recognition.csv.gz").display());
    let config = TableLoadConfig {
        split: "first:16000".parse().unwrap(),
        ..TableLoadConfig::default()
    };
    let s = load_csv(&spec, &config).unwrap();
    assert_eq!(
        (s.train.len(), s.test.len(), s.train.dim),
        (16000, 4000, 16)
    );
    assert_eq!(s.classes.len(), 26);
    assert_eq!((s.classes[0].as_str(), s.classes[25].as_str()), ("A", "Z"));
    assert_eq!(s.columns[0], "x.box");
    // The first row is `2,8,3,5,…,"T"`.
    assert_eq!(s.classes[s.train.labels[0] as usize], "T");
    assert!((s.train.row(0)[0] * s.std[0] + s.mean[0] - 2.0).abs() < 1e-4);
    // Standardised training columns: mean 0, sd 1.
    for j in 0..16 {
        let col: Vec<f64> = (0..16000).map(|i| s.train.row(i)[j] as f64).collect();
        let mean = col.iter().sum::<f64>() / 16000.0;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 16000.0;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
            "column {j}: {mean} {var}"
        );
    }
    let strat = load_csv(&spec, &TableLoadConfig::default()).unwrap();
    assert_eq!(strat.train.len() + strat.test.len(), 20000);
    assert!(
        (strat.test.len() as i64 - 4000).abs() <= 13,
        "{}",
        strat.test.len()
    );
}

#[test]
fn other_shared_tables_load() {
    let Some(dir) = shared_data("tabular") else {
        return;
    };
    for (file, rows, dim) in [
        ("spambase.csv.gz", 4601, 57),
        ("satellite.csv.gz", 6435, 36),
        ("dna.csv.gz", 3186, 180),
    ] {
        let s = load_csv_file(&dir.join(file), &TableLoadConfig::default()).unwrap();
        assert_eq!(
            (s.train.len() + s.test.len(), s.train.dim),
            (rows, dim),
            "{file}"
        );
        assert!(s.classes.len() >= 2, "{file}");
    }
}
