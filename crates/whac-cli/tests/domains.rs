//! `whac train`, `whac eval` and `whac embed` on a table (`csv:`) and on text (`text:`), with
//! small files the test writes; and the one-line errors of data and recipe of different kinds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn whac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_whac"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run whac")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// 150 rows of 4 features in 3 classes (class c centred at c in every feature), label last.
fn write_csv(path: &Path) {
    let mut s = String::from("a,b,c,d,label\n");
    for i in 0..150 {
        let c = i % 3;
        let row: Vec<String> = (0..4)
            .map(|j| format!("{:.3}", c as f64 + ((i * 7 + j * 13) % 10) as f64 / 20.0))
            .collect();
        s += &format!("{},k{c}\n", row.join(","));
    }
    std::fs::write(path, s).unwrap();
}

/// 120 documents of two classes with different words.
fn write_tsv(path: &Path) {
    let mut s = String::from("label\ttext\n");
    let words = [
        ["cheap", "offer", "win", "money", "click"],
        ["meeting", "agenda", "notes", "team", "lunch"],
    ];
    for i in 0..120 {
        let c = i % 2;
        let doc: Vec<&str> = (0..8).map(|t| words[c][(i + t * 3) % 5]).collect();
        s += &format!("{}\t{}\n", ["spam", "ham"][c], doc.join(" "));
    }
    std::fs::write(path, s).unwrap();
}

fn train(tmp: &Path, recipe: &str) -> PathBuf {
    let cfg = tmp.join("recipe.toml");
    std::fs::write(&cfg, recipe).unwrap();
    let run = tmp.join("run");
    let o = whac(
        &[
            "train",
            "--config",
            "recipe.toml",
            "--out",
            run.to_str().unwrap(),
        ],
        tmp,
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    run
}

fn eval_and_embed(tmp: &Path, run: &Path, baseline: &str, n_test: usize) {
    let summary = json(&run.join("summary.json"));
    assert_eq!(summary["baseline"], baseline, "{summary}");
    assert!(
        summary
            .pointer("/baseline_pixels/linear_probe/test_accuracy")
            .is_some()
    );
    let acc = summary["linear_probe"]["test_accuracy"].as_f64().unwrap();
    assert!(acc > 0.8, "linear probe {acc} on separable classes");
    let o = whac(&["eval", "--run", run.to_str().unwrap()], tmp);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let eval = json(&run.join("eval.json"));
    // The same frozen model and data: the same scores.
    assert_eq!(
        eval["linear_probe"]["test_accuracy"],
        summary["linear_probe"]["test_accuracy"]
    );
    assert_eq!(
        eval["knn"]["test_accuracy"],
        summary["knn"]["test_accuracy"]
    );
    let out = tmp.join("emb.npy");
    let o = whac(
        &[
            "embed",
            "--run",
            run.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp,
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let labels = std::fs::read(tmp.join("emb.labels.npy")).unwrap();
    assert_eq!(
        labels.len() % 64,
        n_test % 64,
        "one label byte per test example"
    );
    assert!(run.join("report.html").is_file());
}

#[test]
fn a_table_trains_evaluates_and_embeds() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(&tmp.path().join("t.csv"));
    let run = train(
        tmp.path(),
        "[data]\nsource = \"csv:t.csv\"\nsplit = \"stratified:0.2\"\n\n[[transform.ops]]\nop = \"scarf\"\nfraction = 0.3\n\n\
         [encoder]\nkind = \"mlp\"\nhidden = [16]\n\n[compatibility]\nprojection = [8]\n\n[train]\nepochs = 3\nbatch_size = 32\n",
    );
    eval_and_embed(tmp.path(), &run, "standardised features", 30);
    let resolved = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(resolved.contains("op = \"scarf\""), "{resolved}");
}

#[test]
fn text_trains_evaluates_and_embeds() {
    let tmp = tempfile::tempdir().unwrap();
    write_tsv(&tmp.path().join("t.tsv"));
    let run = train(
        tmp.path(),
        "[data]\nsource = \"text:t.tsv\"\nmax_len = 16\n\n[[transform.ops]]\nop = \"token_dropout\"\nrate = 0.2\n\n\
         [encoder]\nkind = \"text_cnn\"\nembedding = 8\nchannels = [16]\nkernel = 3\nhidden = 16\n\n\
         [compatibility]\nprojection = [8]\n\n[train]\nepochs = 3\nbatch_size = 32\n",
    );
    eval_and_embed(tmp.path(), &run, "tf-idf bag of words", 24);
    // Text is measured on its own data: its vocabulary comes from the run's training split.
    let o = whac(
        &[
            "eval",
            "--run",
            run.to_str().unwrap(),
            "--data",
            "csv:t.csv",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("same kind"), "{}", stderr(&o));
}

#[test]
fn data_and_recipe_of_different_kinds_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(&tmp.path().join("t.csv"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let csv = tmp.path().join("t.csv");
    let spec = format!("csv:{}", csv.display());
    let one_line = |o: &Output, needle: &str| {
        let err = stderr(o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("whac: error")).count(),
            1,
            "{err}"
        );
        assert!(err.contains(needle), "{needle:?} not in {err}");
    };
    // An image recipe's written transformation cannot be read as a table's.
    let o = whac(
        &["train", "--config", "configs/mnist.toml", "--data", &spec],
        &repo,
    );
    one_line(&o, "[transform] is for image data");
    // The default recipe's transformation gives way to the table default; the cnn does not fit.
    let run = tmp.path().join("run");
    let o = whac(
        &[
            "train",
            "--data",
            &spec,
            "--set",
            "encoder.kind=cnn",
            "--out",
            run.to_str().unwrap(),
        ],
        &repo,
    );
    one_line(&o, "encoder.kind");
    // Image operations under a table source.
    std::fs::write(
        tmp.path().join("bad.toml"),
        "[data]\nsource = \"csv:t.csv\"\n\n[[transform.ops]]\nop = \"rotate\"\n",
    )
    .unwrap();
    let o = whac(&["train", "--config", "bad.toml"], tmp.path());
    one_line(&o, "rotate");
}

#[test]
fn cifar10_recipe_trains_a_tiny_resnet_on_small_batch_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cifar");
    std::fs::create_dir(&dir).unwrap();
    // 8 records per training file, 10 in the test file; label i % 10, pixels a function of i.
    let record = |i: usize| -> Vec<u8> {
        let mut r = vec![(i % 10) as u8];
        r.extend((0..3072).map(|p| ((i * 37 + p * (1 + i % 10)) % 256) as u8));
        r
    };
    for f in 0..5 {
        let bytes: Vec<u8> = (f * 8..f * 8 + 8).flat_map(record).collect();
        std::fs::write(dir.join(format!("data_batch_{}.bin", f + 1)), bytes).unwrap();
    }
    std::fs::write(
        dir.join("test_batch.bin"),
        (100..110).flat_map(record).collect::<Vec<u8>>(),
    )
    .unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let run = tmp.path().join("run");
    let spec = format!("cifar10:{}", dir.display());
    let o = whac(
        &[
            "train",
            "--config",
            "configs/cifar10.toml",
            "--data",
            &spec,
            "--set",
            "encoder.width=2",
            "--set",
            "compatibility.projection=[8]",
            "--set",
            "train.device=flex",
            "--set",
            "train.epochs=1",
            "--set",
            "train.warmup_epochs=0",
            "--set",
            "train.batch_size=16",
            "--set",
            "eval.knn.k=5",
            "--out",
            run.to_str().unwrap(),
        ],
        &repo,
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let summary = json(&run.join("summary.json"));
    assert_eq!(summary["encoder"], "resnet18");
    assert_eq!(summary["representation_dim"], 16);
    assert_eq!(summary["train_examples"], 40);
    assert_eq!(summary["baseline"], "raw pixels");
    // A truncated batch file: one line naming it.
    std::fs::write(dir.join("data_batch_3.bin"), &record(0)[..100]).unwrap();
    let o = whac(
        &[
            "train",
            "--config",
            "configs/cifar10.toml",
            "--data",
            &spec,
            "--set",
            "train.device=flex",
            "--out",
            tmp.path().join("r2").to_str().unwrap(),
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("data_batch_3.bin") && stderr(&o).contains("truncated"),
        "{}",
        stderr(&o)
    );
}
