//! `whac eval` and `whac embed` on a run folder written by a one-epoch `whac train`: eval
//! reproduces the run's own scores exactly and changes nothing it should not; embed writes `.npy`
//! files of the right shapes; bad runs and mismatched data end with one line and exit code 2.

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

/// Asserts a clean failure: exit code 2, one error line mentioning `needle`, no panic.
fn assert_fails(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("whac: error"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(lines[0].contains(needle), "{needle:?} not in {err}");
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Parses an NPY 1.0 header: (descr, shape, data offset).
fn npy_header(bytes: &[u8]) -> (String, Vec<usize>, usize) {
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00", "NPY 1.0 magic");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + len) % 64, 0, "data aligned to 64 bytes");
    let dict = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(dict.ends_with('\n'), "{dict:?}");
    assert!(dict.contains("'fortran_order': False"), "{dict}");
    let descr = dict.split("'descr': '").nth(1).unwrap();
    let descr = descr[..descr.find('\'').unwrap()].to_string();
    let shape = dict.split("'shape': (").nth(1).unwrap();
    let shape: Vec<usize> = shape[..shape.find(')').unwrap()]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (descr, shape, 10 + len)
}

/// Writes the four raw IDX files of a tiny MNIST-format set of `side`×`side` images.
fn write_idx(dir: &Path, side: usize, train: usize, test: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let mut images = vec![0, 0, 8, 3];
        for v in [n, side, side] {
            images.extend_from_slice(&(v as u32).to_be_bytes());
        }
        let mut labels = vec![0, 0, 8, 1];
        labels.extend_from_slice(&(n as u32).to_be_bytes());
        for i in 0..n {
            let class = (i % 10) as u8;
            labels.push(class);
            // A bright row whose position encodes the class, plus some texture.
            for p in 0..side * side {
                let on = p / side == class as usize % side;
                images.push(if on {
                    255
                } else {
                    ((p * 7 + i * 13) % 40) as u8
                });
            }
        }
        std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), images).unwrap();
        std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), labels).unwrap();
    }
}

fn train_run(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    let o = whac(
        &[
            "train",
            "--set",
            "train.epochs=1",
            "--out",
            run.to_str().unwrap(),
        ],
        tmp,
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    run
}

#[test]
fn eval_and_embed_reproduce_a_trained_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_run(tmp.path());
    let r = run.to_str().unwrap();
    let summary_before = std::fs::read(run.join("summary.json")).unwrap();
    let checkpoint_before = std::fs::read(run.join("checkpoint/model.safetensors")).unwrap();

    // eval: same model, same data, deterministic probe → the very same numbers.
    let o = whac(&["eval", "--run", r], tmp.path());
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("linear probe"));
    let summary = json(&run.join("summary.json"));
    let eval = json(&run.join("eval.json"));
    for key in [
        "/linear_probe/test_accuracy",
        "/linear_probe/train_accuracy",
        "/knn/test_accuracy",
        "/baseline_pixels/linear_probe/test_accuracy",
        "/baseline_pixels/knn/test_accuracy",
        "/representation_dim",
        "/standardize/mean",
        "/standardize/std",
    ] {
        let (s, e) = (summary.pointer(key), eval.pointer(key));
        assert!(s.is_some(), "summary.json lacks {key}");
        assert_eq!(s, e, "{key}: summary.json {s:?} vs eval.json {e:?}");
    }
    assert_eq!(eval["encoder_weights_unchanged"], true);
    assert_eq!(eval["data"], "digits");
    // Evaluation writes nothing but eval.json: the summary and the weights are untouched.
    assert_eq!(
        std::fs::read(run.join("summary.json")).unwrap(),
        summary_before
    );
    assert_eq!(
        std::fs::read(run.join("checkpoint/model.safetensors")).unwrap(),
        checkpoint_before
    );
    assert!(!run.join(".eval.json.tmp").exists());

    // embed: [n, d] float32 and [n] uint8 labels, for each split choice.
    let dim = summary["representation_dim"].as_u64().unwrap() as usize;
    let (n_train, n_test) = (
        summary["train_examples"].as_u64().unwrap() as usize,
        summary["test_examples"].as_u64().unwrap() as usize,
    );
    for (split, n) in [
        (None, n_test),
        (Some("train"), n_train),
        (Some("both"), n_train + n_test),
    ] {
        let out = tmp
            .path()
            .join(format!("emb-{}.npy", split.unwrap_or("default")));
        let mut args = vec!["embed", "--run", r, "--out", out.to_str().unwrap()];
        if let Some(s) = split {
            args.extend(["--split", s]);
        }
        let o = whac(&args, tmp.path());
        assert!(o.status.success(), "stderr: {}", stderr(&o));
        let bytes = std::fs::read(&out).unwrap();
        let (descr, shape, offset) = npy_header(&bytes);
        assert_eq!((descr.as_str(), shape.as_slice()), ("<f4", &[n, dim][..]));
        assert_eq!(bytes.len() - offset, n * dim * 4);
        assert!(
            bytes[offset..]
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .all(f32::is_finite)
        );
        let labels_path =
            out.with_file_name(format!("emb-{}.labels.npy", split.unwrap_or("default")));
        let labels = std::fs::read(labels_path).unwrap();
        let (descr, shape, offset) = npy_header(&labels);
        assert_eq!((descr.as_str(), shape.as_slice()), ("|u1", &[n][..]));
        assert_eq!(labels.len() - offset, n);
        assert!(labels[offset..].iter().all(|&l| l < 10));
    }

    // --data of the same image size (8×8, MNIST format): eval-mnist.json, eval.json untouched.
    let eval_before = std::fs::read(run.join("eval.json")).unwrap();
    let same = tmp.path().join("idx8");
    write_idx(&same, 8, 300, 50);
    let spec = format!("mnist:{}", same.display());
    let o = whac(&["eval", "--run", r, "--data", &spec], tmp.path());
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let other = json(&run.join("eval-mnist.json"));
    assert_eq!(other["test_examples"], 50);
    assert_eq!(other["standardize"], summary["standardize"]);
    assert_eq!(std::fs::read(run.join("eval.json")).unwrap(), eval_before);

    // --data of another image size: one line, exit 2, nothing written.
    let big = tmp.path().join("idx12");
    write_idx(&big, 12, 30, 10);
    let spec = format!("mnist:{}", big.display());
    let o = whac(&["eval", "--run", r, "--data", &spec], tmp.path());
    assert_fails(&o, "12×12");
    let out = tmp.path().join("big.npy");
    let o = whac(
        &[
            "embed",
            "--run",
            r,
            "--data",
            &spec,
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_fails(&o, "image size");
    assert!(!out.exists());

    // A truncated checkpoint, then a missing one.
    let ckpt = run.join("checkpoint/model.safetensors");
    std::fs::write(&ckpt, &checkpoint_before[..checkpoint_before.len() / 2]).unwrap();
    assert_fails(
        &whac(&["eval", "--run", r], tmp.path()),
        "model.safetensors",
    );
    std::fs::remove_file(&ckpt).unwrap();
    assert_fails(
        &whac(&["eval", "--run", r], tmp.path()),
        "checkpoint not found",
    );
    // An unreadable recipe.
    std::fs::write(
        run.join("config.toml"),
        "[encoder]\nkind = \"transformer\"\n",
    )
    .unwrap();
    assert_fails(&whac(&["eval", "--run", r], tmp.path()), "config.toml");
}

#[test]
fn missing_run_folder_or_recipe_is_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    assert_fails(
        &whac(&["eval", "--run", missing.to_str().unwrap()], tmp.path()),
        "no such run folder",
    );
    let out = tmp.path().join("e.npy");
    assert_fails(
        &whac(
            &[
                "embed",
                "--run",
                missing.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        ),
        "no such run folder",
    );
    // A folder that is not a run: no config.toml.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_fails(
        &whac(&["eval", "--run", empty.to_str().unwrap()], tmp.path()),
        "config.toml",
    );
    // A bad --out name is refused before any work.
    assert_fails(
        &whac(
            &[
                "embed",
                "--run",
                empty.to_str().unwrap(),
                "--out",
                "emb.bin",
            ],
            tmp.path(),
        ),
        ".npy",
    );
}

#[test]
fn bench_probe_runs_the_requested_iterations_on_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let o = whac(
        &[
            "bench",
            "probe",
            "--data",
            "digits",
            "--iters",
            "5",
            "--repeats",
            "1",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert_eq!(line["workload"], "linear_probe");
    assert_eq!(line["dim"], 64);
    assert_eq!(line["classes"], 10);
    // Tolerance 0: every iteration runs; each takes at least one evaluation after the first.
    assert_eq!(line["iterations"], 5, "{line}");
    assert!(line["evaluations"].as_u64().unwrap() >= 6, "{line}");
    let evals = line["evaluations"].as_f64().unwrap();
    let fit = line["fit_seconds"].as_f64().unwrap();
    let rate = line["evaluations_per_second"].as_f64().unwrap();
    assert!((rate * fit - evals).abs() < 1e-6 * evals, "{line}");
    // Five L-BFGS steps on the standardised pixels already separate the digits far above chance.
    assert!(line["test_accuracy"].as_f64().unwrap() > 0.7, "{line}");

    assert_fails(
        &whac(
            &["bench", "probe", "--data", "digits", "--iters", "0"],
            tmp.path(),
        ),
        "--iters 0",
    );
}
