//! `whac rbm train | eval | sample | bench` end to end on the embedded digits (8×8, 1442 train /
//! 355 test images): exit codes, the run folder, `eval.json`'s keys, `model.safetensors`' tensor
//! names and shapes, and bad input as one line with exit code 2.

use std::path::Path;
use std::process::{Command, Output};

fn whac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_whac"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run whac")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Exit code 2, exactly one `whac: error` line containing `needle`, no panic.
fn fails(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "expected one error line: {err}");
    assert!(lines[0].contains(needle), "{needle:?} not in {err}");
}

fn eval_json(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("eval.json")).unwrap()).unwrap()
}

#[test]
fn train_eval_sample_on_the_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let r = run.to_str().unwrap();
    ok(&whac(
        &[
            "rbm",
            "train",
            "--data",
            "digits",
            "--hidden",
            "6",
            "--algo",
            "pt",
            "--temperatures",
            "3",
            "--epochs",
            "2",
            "--batch",
            "50",
            "--lr",
            "0.05",
            "--lr-schedule",
            "cosine",
            "--out",
            r,
        ],
        tmp.path(),
    ));
    for f in [
        "config.json",
        "metrics.jsonl",
        "model.safetensors",
        "filters.png",
        "samples.png",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    let metrics: Vec<serde_json::Value> = std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(metrics.len(), 2);
    for m in &metrics {
        for key in [
            "reconstruction_error",
            "pseudo_log_likelihood",
            "learning_rate",
        ] {
            assert!(m[key].as_f64().unwrap().is_finite(), "{key}: {m}");
        }
        let swaps = m["swap_acceptance"].as_array().unwrap();
        assert_eq!(swaps.len(), 2);
        assert!(
            swaps
                .iter()
                .all(|a| (0.0..=1.0).contains(&a.as_f64().unwrap()))
        );
    }

    // model.safetensors: exactly W (D×J), b (D), c (J).
    let bytes = std::fs::read(run.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort();
    assert_eq!(names, ["W", "b", "c"]);
    assert_eq!(st.tensor("W").unwrap().shape(), [64, 6]);
    assert_eq!(st.tensor("b").unwrap().shape(), [64]);
    assert_eq!(st.tensor("c").unwrap().shape(), [6]);
    assert_eq!(st.tensor("W").unwrap().dtype(), safetensors::Dtype::F32);

    ok(&whac(
        &["rbm", "eval", "--run", r, "--logz", "exact"],
        tmp.path(),
    ));
    let exact = eval_json(&run);
    assert_eq!(exact["method"], "exact");
    assert_eq!(exact["log_z_stderr"], 0.0);
    for key in [
        "log_z",
        "test_log_likelihood",
        "train_log_likelihood",
        "test_pseudo_log_likelihood",
    ] {
        let x = exact[key].as_f64().unwrap_or(f64::NAN);
        assert!(x.is_finite(), "{key}: {exact}");
    }
    let ll = exact["test_log_likelihood"].as_f64().unwrap();
    // 64 binary pixels: a log-likelihood in (−64 ln 2, 0).
    assert!(ll < 0.0 && ll > -64.0 * std::f64::consts::LN_2, "{ll}");
    assert_eq!(exact["binarization"], "threshold 0.5");

    ok(&whac(
        &[
            "rbm",
            "eval",
            "--run",
            r,
            "--logz",
            "ais",
            "--ais-runs",
            "20",
            "--ais-steps",
            "2000",
            "--reverse-burn-in",
            "100",
        ],
        tmp.path(),
    ));
    let ais = eval_json(&run);
    assert_eq!(ais["method"], "ais");
    for key in [
        "log_z",
        "log_z_stderr",
        "reverse_log_z",
        "reverse_log_z_stderr",
        "test_log_likelihood",
        "train_log_likelihood",
    ] {
        assert!(
            ais[key].as_f64().is_some_and(f64::is_finite),
            "{key}: {ais}"
        );
    }
    // AIS agrees with the exact log Z of this small model within 3 standard errors + 0.05.
    let (z, se) = (
        ais["log_z"].as_f64().unwrap(),
        ais["log_z_stderr"].as_f64().unwrap(),
    );
    let z_exact = exact["log_z"].as_f64().unwrap();
    assert!(
        (z - z_exact).abs() < 3.0 * se + 0.05,
        "{z} ± {se} vs {z_exact}"
    );

    let png = tmp.path().join("samples.png");
    ok(&whac(
        &[
            "rbm",
            "sample",
            "--run",
            r,
            "--out",
            png.to_str().unwrap(),
            "--count",
            "9",
            "--sweeps",
            "10",
        ],
        tmp.path(),
    ));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn bad_rbm_input_is_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("bad");
    let r = run.to_str().unwrap();
    fails(
        &whac(&["rbm", "train", "--lr=-1", "--out", r], tmp.path()),
        "learning_rate = -1",
    );
    fails(
        &whac(
            &[
                "rbm",
                "train",
                "--algo",
                "cd",
                "--temperatures",
                "4",
                "--out",
                r,
            ],
            tmp.path(),
        ),
        "--temperatures",
    );
    fails(
        &whac(
            &[
                "rbm",
                "train",
                "--algo",
                "pt",
                "--pt-min-beta",
                "0",
                "--out",
                r,
            ],
            tmp.path(),
        ),
        "pt_min_beta = 0",
    );
    fails(
        &whac(&["rbm", "eval", "--run", "no-such-run"], tmp.path()),
        "config.json",
    );
    // 30 hidden units on 64 visible: the smaller layer exceeds 25 units; the error points to AIS.
    let big = tmp.path().join("big");
    ok(&whac(
        &[
            "rbm",
            "train",
            "--hidden",
            "30",
            "--epochs",
            "1",
            "--algo",
            "cd",
            "--out",
            big.to_str().unwrap(),
        ],
        tmp.path(),
    ));
    fails(
        &whac(
            &[
                "rbm",
                "eval",
                "--run",
                big.to_str().unwrap(),
                "--logz",
                "exact",
            ],
            tmp.path(),
        ),
        "use --logz ais",
    );
}

#[test]
fn bench_prints_steps_per_second() {
    let tmp = tempfile::tempdir().unwrap();
    let o = whac(
        &[
            "rbm",
            "bench",
            "--visible",
            "20",
            "--hidden",
            "8",
            "--batch",
            "16",
            "--steps",
            "5",
            "--repeats",
            "1",
        ],
        tmp.path(),
    );
    ok(&o);
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert!(line["steps_per_second"].as_f64().unwrap() > 0.0, "{line}");
    assert_eq!(line["algorithm"], "CD-1");
}
