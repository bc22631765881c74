//! `whac table RUNS...`: the results of many run folders as Markdown tables, one row per
//! variant (mean ± sample standard deviation over seeds) and one row per run (its command).

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TableArgs {
    /// Run folders (holding summary.json), or folders whose sub-folders are run folders.
    #[arg(required = true, value_name = "DIR")]
    pub runs: Vec<PathBuf>,
}

/// What one run contributes.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    folder: PathBuf,
    data: String,
    variant: String,
    encoder: String,
    epochs: u64,
    batch_size: u64,
    seed: u64,
    train_seconds: f64,
    linear: f64,
    knn: f64,
    command: String,
}

pub fn run(args: TableArgs) -> Result<ExitCode> {
    let mut runs = Vec::new();
    for path in &args.runs {
        for folder in run_folders(path)? {
            runs.push(read_run(&folder)?);
        }
    }
    if runs.is_empty() {
        bail!(
            "{}: no run folder (with summary.json) found; expected run folders or their parent",
            args.runs[0].display()
        );
    }
    print!("{}", render(&runs));
    Ok(ExitCode::SUCCESS)
}

/// `path` itself when it holds summary.json, else its sub-folders that do, sorted by name.
fn run_folders(path: &Path) -> Result<Vec<PathBuf>> {
    if path.join("summary.json").is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .with_context(|| format!("{}: cannot read the folder", path.display()))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("summary.json").is_file())
        .collect();
    folders.sort();
    Ok(folders)
}

fn read_run(folder: &Path) -> Result<Run> {
    let path = folder.join("summary.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let field = |key: &str| -> Result<&Value> {
        key.split('.')
            .try_fold(&v, |v, k| v.get(k))
            .with_context(|| format!("{}: missing key `{key}`", path.display()))
    };
    let text_of = |key: &str| -> Result<String> {
        field(key)?
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("{}: `{key}` is not a string", path.display()))
    };
    let number = |key: &str| -> Result<f64> {
        field(key)?
            .as_f64()
            .with_context(|| format!("{}: `{key}` is not a number", path.display()))
    };
    // Runs written before `variant` existed: rebuild it as Objective::label does.
    let variant = text_of("variant").or_else(|_| -> Result<String> {
        let objective = text_of("objective")?;
        Ok(if objective == "rbm" {
            let mut label = format!("rbm/{}", text_of("negatives")?);
            if field("unbiased")?.as_bool() == Some(true) {
                label.push_str("+unbiased");
            }
            label
        } else {
            objective
        })
    })?;
    Ok(Run {
        folder: folder.to_path_buf(),
        data: text_of("data")?,
        variant,
        encoder: text_of("encoder")?,
        epochs: number("epochs")? as u64,
        batch_size: number("batch_size")? as u64,
        seed: number("seed")? as u64,
        train_seconds: number("train_seconds")?,
        linear: number("linear_probe.test_accuracy")?,
        knn: number("knn.test_accuracy")?,
        command: text_of("command").unwrap_or_else(|_| "(not recorded)".into()),
    })
}

/// Mean and sample standard deviation (0 for one value).
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn render(runs: &[Run]) -> String {
    let mut groups: BTreeMap<(String, String, String, u64, u64), Vec<&Run>> = BTreeMap::new();
    for r in runs {
        groups
            .entry((
                r.data.clone(),
                r.variant.clone(),
                r.encoder.clone(),
                r.epochs,
                r.batch_size,
            ))
            .or_default()
            .push(r);
    }
    let mut out = String::from(
        "| data | variant | encoder | epochs | batch | seeds | linear probe (test) | kNN (test) | train s (mean) |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for ((data, variant, encoder, epochs, batch), rs) in &groups {
        let linear: Vec<f64> = rs.iter().map(|r| r.linear).collect();
        let knn: Vec<f64> = rs.iter().map(|r| r.knn).collect();
        let seconds: Vec<f64> = rs.iter().map(|r| r.train_seconds).collect();
        let (lm, ls) = mean_std(&linear);
        let (km, ks) = mean_std(&knn);
        out.push_str(&format!(
            "| {data} | {variant} | {encoder} | {epochs} | {batch} | {} | {lm:.4} ± {ls:.4} | {km:.4} ± {ks:.4} | {:.0} |\n",
            rs.len(),
            mean_std(&seconds).0
        ));
    }
    out.push_str(
        "\n| run folder | seed | epochs | train s | linear | kNN | command |\n\
         |---|---:|---:|---:|---:|---:|---|\n",
    );
    let mut sorted: Vec<&Run> = runs.iter().collect();
    sorted.sort_by(|a, b| (&a.data, &a.variant, a.seed).cmp(&(&b.data, &b.variant, b.seed)));
    for r in sorted {
        let name = r.folder.file_name().map_or_else(
            || r.folder.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        out.push_str(&format!(
            "| {name} | {} | {} | {:.0} | {:.4} | {:.4} | `{}` |\n",
            r.seed,
            r.epochs,
            r.train_seconds,
            r.linear,
            r.knn,
            r.command.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(variant: &str, seed: u64, linear: f64) -> Run {
        Run {
            folder: PathBuf::from(format!("runs/{variant}-{seed}")),
            data: "mnist".into(),
            variant: variant.into(),
            encoder: "cnn".into(),
            epochs: 1,
            batch_size: 256,
            seed,
            train_seconds: 100.0,
            linear,
            knn: 0.9,
            command: "whac train --set a=1".into(),
        }
    }

    #[test]
    fn groups_by_variant_with_sample_standard_deviation() {
        let runs = [
            run("nt_xent", 0, 0.98),
            run("nt_xent", 1, 0.99),
            run("nt_xent", 2, 1.00),
            run("rbm/all", 0, 0.97),
        ];
        let table = render(&runs);
        assert!(
            table.contains("| mnist | nt_xent | cnn | 1 | 256 | 3 | 0.9900 ± 0.0100 |"),
            "{table}"
        );
        assert!(
            table.contains("| mnist | rbm/all | cnn | 1 | 256 | 1 | 0.9700 ± 0.0000 |"),
            "{table}"
        );
        assert_eq!(table.matches("`whac train --set a=1`").count(), 4);
    }

    #[test]
    fn a_summary_without_the_accuracy_names_the_missing_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("summary.json"),
            r#"{"data": "digits", "variant": "nt_xent", "encoder": "mlp", "epochs": 1,
                "batch_size": 128, "seed": 0, "train_seconds": 1.0, "knn": {"test_accuracy": 0.9}}"#,
        )
        .unwrap();
        let err = read_run(dir.path()).unwrap_err().to_string();
        assert!(err.contains("linear_probe.test_accuracy"), "{err}");
    }
}
