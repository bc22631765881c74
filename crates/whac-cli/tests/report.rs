//! `report.html`: written at the end of a short digits run with every section and valid embedded
//! PNGs; `whac report --run DIR` writes it again; a run folder without metrics.jsonl ends with one
//! error line and exit code 2.

use base64::Engine;
use std::path::Path;
use std::process::{Command, Output};

fn whac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_whac"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run whac")
}

/// The `data:image/png;base64,` payloads of `html`, decoded.
fn embedded_pngs(html: &str) -> Vec<Vec<u8>> {
    html.split("src=\"data:image/png;base64,")
        .skip(1)
        .map(|rest| {
            let b64 = &rest[..rest.find('"').expect("closing quote")];
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("valid base64")
        })
        .collect()
}

#[test]
fn a_short_run_writes_a_self_contained_report_and_whac_report_rewrites_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = whac(
        &["train", "--set", "train.epochs=2", "--out", "run"],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("warning"), "{err}");
    let run = tmp.path().join("run");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();

    for id in [
        "scores",
        "curves",
        "similarities",
        "map",
        "augment",
        "config",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "no section {id}"
        );
    }
    // The config verbatim (escaped), the headline scores from summary.json.
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    let first_key = config.lines().find(|l| l.contains(" = ")).unwrap();
    assert!(
        html.contains(&first_key.replace('"', "&quot;")),
        "{first_key}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let probe = summary["linear_probe"]["test_accuracy"].as_f64().unwrap();
    assert!(html.contains(&format!(
        "<td>linear probe, test accuracy</td><td>{probe:.4}</td>"
    )));
    for needle in [
        "kNN k=200",
        "kNN k=20,",
        "induced-RBM test log-likelihood",
        "alignment",
        "uniformity",
        "views/s",
    ] {
        assert!(html.contains(needle), "no {needle:?}");
    }
    // Loss, learning rate, kNN monitor, negative ESS, similarities, PCA, t-SNE, augmentation.
    let pngs = embedded_pngs(&html);
    assert_eq!(pngs.len(), 8, "figures");
    for png in &pngs {
        let reader = png::Decoder::new(std::io::Cursor::new(png.as_slice()))
            .read_info()
            .expect("a PNG");
        assert!(reader.info().width >= 100 && reader.info().height >= 100);
    }
    for alt in [
        "loss by step",
        "online kNN accuracy",
        "effective sample size",
        "PCA map",
        "t-SNE map",
        "augmentation preview",
    ] {
        assert!(html.contains(alt), "no figure {alt:?}");
    }
    assert!(!html.contains("src=\"http"), "external resources");

    std::fs::remove_file(run.join("report.html")).unwrap();
    let again = whac(&["report", "--run", "run"], tmp.path());
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let html2 = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(embedded_pngs(&html2).len(), 8);
    assert!(!run.join(".report-augment.png.tmp").exists());

    // Without metrics.jsonl: one line naming the file, exit code 2, nothing written.
    std::fs::remove_file(run.join("metrics.jsonl")).unwrap();
    std::fs::remove_file(run.join("report.html")).unwrap();
    let bad = whac(&["report", "--run", "run"], tmp.path());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("whac: error: ") && err.contains("metrics.jsonl"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    assert!(!run.join("report.html").exists());
}

#[test]
fn report_of_a_missing_folder_is_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = whac(&["report", "--run", "nope"], tmp.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope"), "{err}");
}
