//! `whac augment preview`: a PNG grid of a recipe's transformation applied to some training
//! examples (rows: examples; columns: the original, then the copies).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use whac_data::{ImageSet, augment_batch};

use crate::config::{self, RunConfig};

/// `whac augment ...`.
#[derive(Args, Debug)]
pub struct AugmentArgs {
    #[command(subcommand)]
    pub command: AugmentCommand,
}

#[derive(Subcommand, Debug)]
pub enum AugmentCommand {
    /// Draw a PNG grid: one row per example, the original then M transformed copies.
    Preview(PreviewArgs),
}

#[derive(Args, Debug)]
pub struct PreviewArgs {
    /// Recipe (TOML), read as `whac train` reads it. Without it: the embedded default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data set: `digits` (embedded), `mnist:DIR`, `fashion-mnist:DIR`. Overrides data.source.
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Override one config value, e.g. `--set transform.ops=[]` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Number of examples (rows), spread over the classes unless `--first`.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub examples: usize,
    /// Take the first N training examples instead of N spread over the classes.
    #[arg(long)]
    pub first: bool,
    /// Copies per example (columns after the original). Default: objective.copies of the recipe.
    #[arg(long, value_name = "M")]
    pub copies: Option<usize>,
    /// Seed of the copies (epoch 0, as in training). Default: train.seed of the recipe.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Nearest-neighbour magnification. Default: the largest integer keeping images <= 64 px.
    #[arg(long, value_name = "K")]
    pub scale: Option<usize>,
    /// The PNG file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: AugmentArgs) -> Result<ExitCode> {
    match args.command {
        AugmentCommand::Preview(a) => preview(a),
    }
}

/// The examples shown: round-robin over the classes (class 0's first example, class 1's first,
/// ..., then each class's second, ...), in file order within a class; or simply the first `n`.
pub fn pick_examples(set: &ImageSet, n: usize, first: bool) -> Vec<usize> {
    if first {
        return (0..n.min(set.len())).collect();
    }
    let classes = set.num_classes.max(1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &label) in set.labels.iter().enumerate() {
        by_class[(label as usize).min(classes - 1)].push(i);
    }
    let mut picked = Vec::with_capacity(n);
    for rank in 0.. {
        let before = picked.len();
        for class in &by_class {
            if picked.len() == n {
                return picked;
            }
            if let Some(&i) = class.get(rank) {
                picked.push(i);
            }
        }
        if picked.len() == before {
            break;
        }
    }
    picked
}

/// Each `h × w` image of `images` magnified `k` times by repeating pixels.
fn magnify(images: &[f32], h: usize, w: usize, k: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(images.len() * k * k);
    for img in images.chunks(h * w) {
        for y in 0..h * k {
            let row = &img[(y / k) * w..(y / k + 1) * w];
            out.extend(row.iter().flat_map(|&v| std::iter::repeat_n(v, k)));
        }
    }
    out
}

fn preview(args: PreviewArgs) -> Result<ExitCode> {
    // Stage 1: the recipe, exactly as `whac train` reads it.
    let base = match &args.config {
        Some(path) => config::load(path)?,
        None => RunConfig::default(),
    };
    let config = config::apply_overrides(base, args.data.as_deref(), &args.set)?;
    let transform = config.transform.check()?;
    let copies = match args.copies {
        Some(m) => m,
        None => config.objective.check()?.copies(),
    };
    let seed = args.seed.unwrap_or(config.train.seed);
    if args.examples == 0 {
        bail!("--examples 0: expected at least 1 example");
    }
    if args.scale == Some(0) {
        bail!("--scale 0: expected a magnification >= 1");
    }
    let tmp = temp_path(&args.out)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!(
            "--out {}: {} is not a directory",
            args.out.display(),
            dir.display()
        );
    }

    // Stage 2: the data and the copies.
    let split = config.data.source.load()?;
    let set = &split.train;
    if set.channels != 1 {
        bail!(
            "{}: {} channels; the preview grid draws grayscale images only",
            config.data.source,
            set.channels
        );
    }
    let (h, w) = (set.height, set.width);
    let rows = pick_examples(set, args.examples, args.first);
    if rows.is_empty() {
        bail!("{}: the training split is empty", config.data.source);
    }
    let mut augmented = vec![0.0f32; rows.len() * copies * h * w];
    augment_batch(&transform, set, &rows, copies, seed, 0, &mut augmented);

    // Stage 3: the grid, [rows, 1 + copies, h, w], magnified.
    let cols = 1 + copies;
    let mut grid = Vec::with_capacity(rows.len() * cols * h * w);
    for (r, &i) in rows.iter().enumerate() {
        grid.extend_from_slice(set.image(i));
        grid.extend_from_slice(&augmented[r * copies * h * w..(r + 1) * copies * h * w]);
    }
    let k = args.scale.unwrap_or((64 / h.max(w)).max(1));
    let grid = magnify(&grid, h, w, k);
    // The error already names the file and its cause: one message, not a chain.
    whac_rbm::save_grid_png(&tmp, &grid, rows.len() * cols, h * k, w * k, cols)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    println!(
        "wrote {}: {} examples of {} ({h}x{w}, shown x{k}), the original then {copies} copies (seed {seed})",
        args.out.display(),
        rows.len(),
        config.data.source,
    );
    Ok(ExitCode::SUCCESS)
}

/// A hidden file beside `out`, renamed onto it once complete.
fn temp_path(out: &Path) -> Result<PathBuf> {
    let Some(name) = out.file_name() else {
        bail!("--out {}: expected a file name", out.display());
    };
    Ok(out.with_file_name(format!(".{}.tmp", name.to_string_lossy())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(labels: Vec<u8>) -> ImageSet {
        ImageSet {
            pixels: vec![0.0; labels.len()],
            labels,
            channels: 1,
            height: 1,
            width: 1,
            num_classes: 3,
        }
    }

    #[test]
    fn examples_are_spread_over_classes() {
        let s = set(vec![0, 0, 1, 2, 1, 0, 2]);
        assert_eq!(pick_examples(&s, 4, false), [0, 2, 3, 1]);
        assert_eq!(pick_examples(&s, 100, false), [0, 2, 3, 1, 4, 6, 5]);
        assert_eq!(pick_examples(&s, 2, true), [0, 1]);
    }

    #[test]
    fn magnify_repeats_pixels() {
        let out = magnify(&[0.1, 0.2, 0.3, 0.4], 2, 2, 2);
        #[rustfmt::skip]
        let expect = [
            0.1, 0.1, 0.2, 0.2,
            0.1, 0.1, 0.2, 0.2,
            0.3, 0.3, 0.4, 0.4,
            0.3, 0.3, 0.4, 0.4,
        ];
        assert_eq!(out, expect);
    }
}
