//! The `whac` binary end to end: a short run writes a complete run folder; every bad input ends
//! with one line on stderr, exit code 2, and no summary.json.

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

/// Asserts a clean failure: exit code 2, one error line mentioning `needle`, no summary.
fn assert_fails(o: &Output, needle: &str, run: Option<&Path>) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("whac: error"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(lines[0].contains(needle), "{needle:?} not in {err}");
    if let Some(run) = run {
        assert!(
            !run.join("summary.json").exists(),
            "a failed run left summary.json"
        );
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn short_training_run_writes_a_complete_run_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = whac(
        &[
            "train",
            "--set",
            "train.epochs=2",
            "--set",
            "train.log_every=2",
            "--out",
            run.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("linear probe"), "{stdout}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    for key in [
        "/data",
        "/objective",
        "/negatives",
        "/epochs",
        "/steps",
        "/train_seconds",
        "/views_per_second",
        "/linear_probe/test_accuracy",
        "/linear_probe/train_accuracy",
        "/knn/test_accuracy",
        "/baseline_pixels/linear_probe/test_accuracy",
        "/baseline_pixels/knn/test_accuracy",
    ] {
        assert!(
            summary.pointer(key).is_some(),
            "summary.json lacks {key}: {summary}"
        );
    }
    assert_eq!(summary["data"], "digits");
    assert_eq!(summary["objective"], "rbm");
    assert_eq!(summary["epochs"], 2);
    // 1442 training digits in batches of 128, last one dropped: 11 steps an epoch.
    assert_eq!(summary["steps"], 22);
    let acc = summary
        .pointer("/linear_probe/test_accuracy")
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(acc > 0.5 && acc <= 1.0, "{acc}");

    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = metrics
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.iter().filter(|r| r["kind"] == "epoch").count(), 2);
    assert_eq!(records.iter().filter(|r| r["kind"] == "step").count(), 11);
    assert!(records.iter().all(|r| r["step"].as_u64().is_some()));

    assert!(run.join("checkpoint/model.safetensors").is_file());
    let resolved = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(resolved.contains("epochs = 2"), "{resolved}");
}

#[test]
fn unknown_config_key_is_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    std::fs::write(&cfg, "[train]\nepochs = 1\nlearnin_rate = 0.1\n").unwrap();
    let run = tmp.path().join("run");
    let o = whac(
        &[
            "train",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_fails(&o, "learnin_rate", Some(&run));
    assert_fails(&o, "bad.toml:3", None);
}

#[test]
fn bad_values_and_overrides_are_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for (set, needle) in [
        ("compatibility.temperature=-1", "compatibility.temperature"),
        ("train.epochs=0", "train.epochs"),
        ("objective.kind=simclr", "simclr"),
        ("objective.negatives=everything", "everything"),
        ("train.batch_size=lots", "train.batch_size"),
        ("train.device=cuda", "cuda"),
    ] {
        let run = tmp.path().join(set.replace(['=', '.'], "_"));
        let o = whac(
            &["train", "--set", set, "--out", run.to_str().unwrap()],
            tmp.path(),
        );
        assert_fails(&o, needle, Some(&run));
    }
}

#[test]
fn bad_data_specs_are_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = whac(&["train", "--data", "cifar:/x"], tmp.path());
    assert_fails(&o, "cifar", None);
    let missing = tmp.path().join("no-such-dir");
    let spec = format!("mnist:{}", missing.display());
    let o = whac(&["train", "--data", &spec], tmp.path());
    assert_fails(&o, "no-such-dir", None);
}

#[test]
fn truncated_idx_file_is_one_line_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    std::fs::create_dir(&dir).unwrap();
    let images = |n: u32| {
        let mut v = vec![0, 0, 8, 3];
        v.extend(n.to_be_bytes());
        v.extend(28u32.to_be_bytes());
        v.extend(28u32.to_be_bytes());
        v
    };
    let labels = |n: u32| {
        let mut v = vec![0, 0, 8, 1];
        v.extend(n.to_be_bytes());
        v.extend(std::iter::repeat_n(3u8, n as usize));
        v
    };
    let mut train = images(4);
    train.extend(vec![0u8; 4 * 784 - 100]); // 100 bytes short
    let mut test = images(2);
    test.extend(vec![0u8; 2 * 784]);
    std::fs::write(dir.join("train-images-idx3-ubyte"), train).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), labels(4)).unwrap();
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), test).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), labels(2)).unwrap();
    let run = tmp.path().join("run");
    let spec = format!("mnist:{}", dir.display());
    let o = whac(
        &["train", "--data", &spec, "--out", run.to_str().unwrap()],
        tmp.path(),
    );
    assert_fails(&o, "train-images-idx3-ubyte", Some(&run));
}

#[test]
fn diverging_loss_is_one_line_exit_2_and_no_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = whac(
        &[
            "train",
            "--set",
            "train.learning_rate=1e30",
            "--set",
            "train.epochs=3",
            "--out",
            run.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_fails(&o, "diverged", Some(&run));
}

#[test]
fn existing_run_folder_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("summary.json"), "{}").unwrap();
    let o = whac(&["train", "--out", run.to_str().unwrap()], tmp.path());
    assert_fails(&o, "not empty", None);
    assert_eq!(
        std::fs::read_to_string(run.join("summary.json")).unwrap(),
        "{}"
    );
}

#[test]
fn shipped_recipes_are_accepted_by_the_binary() {
    // Parse-only check through the binary: an unknown --data kind fails after the recipe is read,
    // so a recipe error would surface first.
    let o = whac(
        &["train", "--config", "configs/mnist.toml", "--data", "nope"],
        &repo(),
    );
    assert_fails(&o, "nope", None);
}

/// Starts `whac train` on the digits with a checkpoint after every step.
fn spawn_training(run: &Path, cwd: &Path, epochs: usize) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_whac"))
        .args([
            "train",
            "--set",
            &format!("train.epochs={epochs}"),
            "--set",
            "train.checkpoint_every=1",
            "--out",
            run.to_str().unwrap(),
        ])
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn whac")
}

/// Waits until the run has written its first training state (or the process ended).
fn wait_for_state(run: &Path, child: &mut std::process::Child) {
    for _ in 0..600 {
        if run.join("checkpoint/state/progress.json").exists()
            || child.try_wait().unwrap().is_some()
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no checkpoint after 30 s");
}

/// Killed with SIGKILL at several moments while it writes a checkpoint every step, a run always
/// leaves a state that `--resume` continues to the end.
#[test]
fn killed_during_checkpoints_always_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, delay_ms) in [0u64, 37, 151].into_iter().enumerate() {
        let run = tmp.path().join(format!("run{i}"));
        let mut child = spawn_training(&run, tmp.path(), 3);
        wait_for_state(&run, &mut child);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no handler runs
        let _ = child.wait();
        let o = whac(&["train", "--resume", run.to_str().unwrap()], tmp.path());
        assert!(
            o.status.success(),
            "kill after {delay_ms} ms: {}",
            stderr(&o)
        );
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["steps"], 33, "3 epochs of 11 steps");
    }
}

/// Ctrl-C (SIGINT) checkpoints and exits with 130 and a hint; `--resume` finishes the run, and
/// `--resume` beside other options is refused.
#[test]
fn ctrl_c_checkpoints_and_resume_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let mut child = spawn_training(&run, tmp.path(), 40);
    wait_for_state(&run, &mut child);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("whac train --resume"), "{err}");
    assert!(!run.join("summary.json").exists());
    let o = whac(
        &["train", "--resume", run.to_str().unwrap(), "--set", "a.b=1"],
        tmp.path(),
    );
    assert_fails(&o, "--resume", None);
    let o = whac(&["train", "--resume", run.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(run.join("summary.json").exists());
    let o = whac(
        &[
            "train",
            "--resume",
            tmp.path().join("nowhere").to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_fails(&o, "nowhere", None);
}
