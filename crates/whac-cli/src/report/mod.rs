//! `report.html`: a self-contained page for a run folder (config, scores, training curves,
//! positive vs negative similarities, 2-D maps of the test embeddings, the augmentation
//! preview), written at the end of `whac train` and by `whac report --run DIR`.
//!
//! One file per kind of content: `metrics` reads the curves, `curves` draws line charts,
//! `similarities` measures and draws the histograms, `map` the PCA and t-SNE maps, `canvas`
//! turns drawings into PNG `data:` URIs, `html` assembles the page.

mod canvas;
mod curves;
mod html;
mod map;
mod metrics;
mod similarities;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;
use whac::eval::embed;

use crate::commands::augment::{pick_examples, write_grid_png};
use crate::commands::run_loader::{LoadedRun, write_atomic};
use canvas::data_uri;
use curves::{Line, line_chart};
use html::{Figure, Page, Section};

/// Test examples on the PCA map.
const PCA_POINTS: usize = 5000;
/// Rows and copies of the augmentation preview.
const PREVIEW_EXAMPLES: usize = 10;
const PREVIEW_COPIES: usize = 8;

/// Writes `dir/report.html` and returns its path.
///
/// Errors (one line each): no such folder, no `config.toml` or `metrics.jsonl` (checked before
/// the model is loaded), a checkpoint that does not load.
pub fn write(dir: &Path) -> Result<PathBuf> {
    let start = Instant::now();
    if !dir.is_dir() {
        bail!(
            "--run {}: no such run folder; expected a folder written by `whac train`",
            dir.display()
        );
    }
    let config_path = dir.join("config.toml");
    let config_toml = std::fs::read_to_string(&config_path).with_context(|| {
        format!(
            "{}: cannot read; expected the run's recipe",
            config_path.display()
        )
    })?;
    let curves = metrics::read(&dir.join("metrics.jsonl"))?;
    let summary: Option<serde_json::Value> = match std::fs::read_to_string(dir.join("summary.json"))
    {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not JSON", dir.join("summary.json").display()))?,
        ),
        Err(_) => None,
    };

    let run = LoadedRun::open(dir, None)?;
    let config = &run.config;
    let compatibility = config.compatibility.check()?;
    let seed = config.train.seed;
    let batch = config.eval.batch_size;

    let mut sections = vec![curve_section(&curves)?];

    let sims = similarities::measure(
        &run.model,
        &compatibility,
        &run.run_data.test()?,
        seed,
        batch,
        &run.device,
    );
    let (pos_mean, neg_mean) = sims.means();
    sections.push(Section {
        id: "similarities",
        title: "Positive vs negative similarities (test set)".into(),
        intro: format!(
            "Two augmented copies of each of {} test examples through the trained encoder and projection head \
             (the run's transformation, seed {seed}). Positives: cosine of an example's two copies \
             (mean {pos_mean:.3}); negatives: cosine of one example's first copy with the second copy of \
             {} other examples (mean {neg_mean:.3}).",
            sims.examples,
            similarities::OFFSETS
        ),
        figures: vec![Figure {
            uri: data_uri(&similarities::plot(&sims)?),
            alt: "histograms of positive and negative cosine similarities".into(),
            caption: "Densities over [-1, 1], 50 bins.".into(),
        }],
    });

    sections.push(map_section(&run)?);
    sections.extend(preview_section(&run, dir)?);

    let run_name = dir
        .canonicalize()
        .unwrap_or_else(|_| dir.to_path_buf())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let page = Page {
        run_name,
        summary: summary.as_ref(),
        config_toml: &config_toml,
        sections,
    };
    let path = dir.join("report.html");
    write_atomic(&path, html::render(&page).as_bytes())?;
    eprintln!(
        "whac: report {} written in {:.1} s",
        path.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(path)
}

fn figure(png: Option<Vec<u8>>, alt: &str, caption: String) -> Option<Figure> {
    png.map(|p| Figure {
        uri: data_uri(&p),
        alt: alt.into(),
        caption,
    })
}

/// Loss, learning rate, the online kNN monitor and the induced RBM's negative-weight ESS.
fn curve_section(c: &metrics::Curves) -> Result<Section> {
    let line = |name, points, dots, faint| Line {
        name,
        points,
        dots,
        faint,
    };
    let mut figures = Vec::new();
    figures.extend(figure(
        line_chart(
            "Loss",
            "step",
            "loss",
            &[
                line("loss (logged step)", &c.loss, false, true),
                line("running mean (loss_avg)", &c.loss_avg, false, false),
            ],
        )?,
        "loss by step",
        "The loss of each logged step and its running mean, from metrics.jsonl.".into(),
    ));
    figures.extend(figure(
        line_chart(
            "Learning rate",
            "step",
            "learning rate",
            &[line("learning rate", &c.learning_rate, false, false)],
        )?,
        "learning rate by step",
        "The schedule as applied (warm-up, then cosine or constant).".into(),
    ));
    let k = c
        .knn_monitor_k
        .map_or(String::new(), |k| format!(" (k = {k})"));
    figures.extend(figure(
        line_chart(
            &format!("Online kNN monitor{k}"),
            "epoch",
            "held-out accuracy",
            &[line("kNN accuracy", &c.knn_monitor, true, false)],
        )?,
        "online kNN accuracy by epoch",
        "Weighted kNN accuracy on held-out data after each epoch, measured during training.".into(),
    ));
    figures.extend(figure(
        line_chart(
            "Induced RBM: negative-weight effective sample size",
            "step",
            "ESS = 1/Σw²",
            &[line("negative ESS", &c.negative_ess, false, false)],
        )?,
        "effective sample size of the negative weights by step",
        "Mean over the batch of 1/Σw² of the weights p̂(·|T(x)) over the candidates: 1 means all \
         weight on one candidate, the number of candidates means uniform."
            .into(),
    ));
    let mut missing = Vec::new();
    if c.knn_monitor.is_empty() {
        missing.push("no online kNN monitor lines");
    }
    if c.negative_ess.is_empty() {
        missing.push("no negative-weight ESS (an objective other than the induced RBM)");
    }
    Ok(Section {
        id: "curves",
        title: "Training curves".into(),
        intro: if missing.is_empty() {
            String::new()
        } else {
            format!("In metrics.jsonl: {}.", missing.join("; "))
        },
        figures,
    })
}

/// PCA (and t-SNE) maps of the test representation coloured by label.
fn map_section(run: &LoadedRun) -> Result<Section> {
    let test = run.run_data.test()?;
    let (rows, d) = embed(&run.model, &test, run.config.eval.batch_size, &run.device);
    let names = match &run.run_data.dataset {
        whac_data::Dataset::Text(split) => split.classes.clone(),
        whac_data::Dataset::Table(split) => split.classes.clone(),
        whac_data::Dataset::Images(_) => map::class_names(run.data.name(), test.num_classes()),
    };
    let labels = test.labels();
    let pick = |max: usize| -> (Vec<f32>, Vec<u8>) {
        let idx = similarities::spread(test.len(), max);
        let r = idx
            .iter()
            .flat_map(|&i| rows[i * d..(i + 1) * d].iter().copied())
            .collect();
        let l = idx.iter().map(|&i| labels[i]).collect();
        (r, l)
    };
    let (pca_rows, pca_labels) = pick(PCA_POINTS);
    let (pca, fit) = map::pca_map(&pca_rows, d, &pca_labels);
    let ratio = |i: usize| fit.explained_ratio.get(i).copied().unwrap_or(0.0) * 100.0;
    let mut figures = vec![Figure {
        uri: data_uri(&map::plot(
            &format!(
                "PCA of the representation ({:.1}% + {:.1}% of the variance)",
                ratio(0),
                ratio(1)
            ),
            &pca,
            &names,
        )?),
        alt: "PCA map of the test embeddings coloured by label".into(),
        caption: format!(
            "{} test examples, first two principal components of the {d}-dimensional representation f(x).",
            pca_labels.len()
        ),
    }];
    let (t_rows, t_labels) = pick(map::TSNE_POINTS);
    let tsne_start = Instant::now();
    let tsne = map::tsne_map(&t_rows, d, &t_labels);
    figures.push(Figure {
        uri: data_uri(&map::plot("t-SNE of the representation", &tsne, &names)?),
        alt: "t-SNE map of the test embeddings coloured by label".into(),
        caption: format!(
            "{} test examples, Barnes–Hut t-SNE (bhtsne; perplexity {}, {} epochs, Euclidean, started from PCA; {:.1} s).",
            t_labels.len(),
            map::PERPLEXITY,
            map::TSNE_EPOCHS,
            tsne_start.elapsed().as_secs_f64()
        ),
    });
    Ok(Section {
        id: "map",
        title: "Test embeddings in 2-D".into(),
        intro: "The frozen representation (before the projection head) of the test split, coloured by label.".into(),
        figures,
    })
}

/// The grid `whac augment preview` draws, for the run's recipe (grayscale images only; text and
/// table previews are printed by `whac augment preview`).
fn preview_section(run: &LoadedRun, dir: &Path) -> Result<Option<Section>> {
    let (whac_data::Dataset::Images(split), crate::run_data::CheckedTransform::Images(transform)) =
        (&run.run_data.dataset, &run.run_data.transform)
    else {
        return Ok(None);
    };
    let set = &split.train;
    if set.channels != 1 {
        return Ok(None);
    }
    let seed = run.config.train.seed;
    let rows = pick_examples(set, PREVIEW_EXAMPLES, false);
    let tmp = dir.join(".report-augment.png.tmp");
    write_grid_png(set, transform, &rows, PREVIEW_COPIES, seed, None, &tmp)?;
    let png = std::fs::read(&tmp).with_context(|| format!("{}: cannot read", tmp.display()))?;
    let _ = std::fs::remove_file(&tmp);
    Ok(Some(Section {
        id: "augment",
        title: "Augmentation preview".into(),
        intro: format!(
            "Each row: a training example, then {PREVIEW_COPIES} copies drawn by the run's transformation \
             (seed {seed}, epoch 0), as `whac augment preview --examples {PREVIEW_EXAMPLES} --copies {PREVIEW_COPIES}` draws them."
        ),
        figures: vec![Figure {
            uri: data_uri(&png),
            alt: "augmentation preview grid".into(),
            caption: String::new(),
        }],
    }))
}
