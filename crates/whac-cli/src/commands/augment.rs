//! `whac augment preview`: a PNG grid of a recipe's transformation applied to some training
//! examples (rows: examples; columns: the original, then the copies); for text and table data
//! sets (`text:`, `csv:`), the originals and copies printed as token text or table rows.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use whac_data::{
    DataSpec, Dataset, ImageSet, TableSplit, TableTransformConfig, TextSplit, TextTransformConfig,
    augment_batch, augment_table_batch, augment_text_batch,
};

use crate::config::{self, RunConfig};

/// `whac augment ...`.
#[derive(Args, Debug)]
pub struct AugmentArgs {
    #[command(subcommand)]
    pub command: AugmentCommand,
}

#[derive(Subcommand, Debug)]
pub enum AugmentCommand {
    /// Draw a PNG grid: one row per example, the original then M transformed copies. For
    /// `text:` and `csv:` data: print each original and its copies (tokens, or table rows).
    Preview(PreviewArgs),
}

#[derive(Args, Debug)]
pub struct PreviewArgs {
    /// Recipe (TOML), read as `whac train` reads it. Without it: the embedded default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data set: `digits` (embedded), `mnist:DIR`, `fashion-mnist:DIR`, `text:FILE.tsv[.gz]`,
    /// `csv:FILE[.gz]`. Overrides data.source.
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Override one config value, e.g. `--set transform.ops=[]` (repeatable; images only).
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
    /// The PNG file to write (atomically); required for images. For text and tables: also
    /// write the printed preview to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Text: tokens shown per original or copy (the rest is elided).
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub max_tokens: usize,
    /// Tables: feature columns shown (the first N).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_columns: usize,
}

pub fn run(args: AugmentArgs) -> Result<ExitCode> {
    match args.command {
        AugmentCommand::Preview(a) => preview(a),
    }
}

/// The examples shown: round-robin over the classes (class 0's first example, class 1's first,
/// ..., then each class's second, ...), in file order within a class; or simply the first `n`.
pub fn pick_examples(set: &ImageSet, n: usize, first: bool) -> Vec<usize> {
    let labels: Vec<usize> = set.labels.iter().map(|&l| l as usize).collect();
    pick_by_class(&labels, set.num_classes, n, first)
}

/// [`pick_examples`] for any labels below `num_classes`.
fn pick_by_class(labels: &[usize], num_classes: usize, n: usize, first: bool) -> Vec<usize> {
    if first {
        return (0..n.min(labels.len())).collect();
    }
    let classes = num_classes.max(1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &label) in labels.iter().enumerate() {
        by_class[label.min(classes - 1)].push(i);
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
    // Text and tables have recipes of their own kind: see `preview_records`.
    let raw = match &args.config {
        Some(path) => Some(read_raw(path)?),
        None => None,
    };
    let spec = match (&args.data, &raw) {
        (Some(d), _) => Some(
            d.parse::<DataSpec>()
                .map_err(|e| anyhow::anyhow!("--data {d}: {e}"))?,
        ),
        (None, Some((table, path))) => match table.get("data").and_then(|d| d.get("source")) {
            Some(toml::Value::String(s)) => Some(
                s.parse::<DataSpec>()
                    .map_err(|e| anyhow::anyhow!("{}: data.source: {e}", path.display()))?,
            ),
            _ => None,
        },
        (None, None) => None,
    };
    if let Some(spec) = spec.filter(|s| !s.is_images()) {
        return preview_records(&args, raw.as_ref().map(|(t, p)| (t, p.as_path())), spec);
    }
    let Some(out) = args.out.clone() else {
        bail!("--out FILE is required for an image preview (the PNG grid)");
    };

    // Stage 1: the recipe, exactly as `whac train` reads it.
    let base = match &args.config {
        Some(path) => config::load(path)?,
        None => RunConfig::default(),
    };
    let config = config::apply_overrides(base, args.data.as_deref(), &args.set)?;
    let crate::config::TransformSection::Images(transform) = &config.transform else {
        bail!(
            "{}: not image data; expected an image recipe for the grid",
            config.data.source
        );
    };
    let transform = transform.check()?;
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
    let tmp = temp_path(&out)?;
    check_out_dir(&out)?;

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
    let rows = pick_examples(set, args.examples, args.first);
    if rows.is_empty() {
        bail!("{}: the training split is empty", config.data.source);
    }
    let k = write_grid_png(set, &transform, &rows, copies, seed, args.scale, &tmp)?;
    let (h, w) = (set.height, set.width);
    std::fs::rename(&tmp, &out).with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "wrote {}: {} examples of {} ({h}x{w}, shown x{k}), the original then {copies} copies (seed {seed})",
        out.display(),
        rows.len(),
        config.data.source,
    );
    Ok(ExitCode::SUCCESS)
}

/// The preview grid of `rows` of `set` (one row per example: the original, then `copies`
/// copies drawn by `transform` at epoch 0 with `seed`), magnified `scale` times (default: the
/// largest integer keeping images <= 64 px), written as a PNG to `path`. Returns the
/// magnification. Shared by `whac augment preview` and the run report.
pub fn write_grid_png(
    set: &ImageSet,
    transform: &whac_data::Transform,
    rows: &[usize],
    copies: usize,
    seed: u64,
    scale: Option<usize>,
    path: &Path,
) -> Result<usize> {
    let (h, w) = (set.height, set.width);
    let mut augmented = vec![0.0f32; rows.len() * copies * h * w];
    augment_batch(transform, set, rows, copies, seed, 0, &mut augmented);

    // The grid, [rows, 1 + copies, h, w], magnified.
    let cols = 1 + copies;
    let mut grid = Vec::with_capacity(rows.len() * cols * h * w);
    for (r, &i) in rows.iter().enumerate() {
        grid.extend_from_slice(set.image(i));
        grid.extend_from_slice(&augmented[r * copies * h * w..(r + 1) * copies * h * w]);
    }
    let k = scale.unwrap_or((64 / h.max(w)).max(1));
    let grid = magnify(&grid, h, w, k);
    // The error already names the file and its cause: one message, not a chain.
    whac_rbm::save_grid_png(path, &grid, rows.len() * cols, h * k, w * k, cols)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(k)
}

/// `--out`'s folder must exist.
fn check_out_dir(out: &Path) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!(
            "--out {}: {} is not a directory",
            out.display(),
            dir.display()
        );
    }
    Ok(())
}

/// A recipe as a plain TOML table (text and table recipes are not image recipes), with its path.
fn read_raw(path: &Path) -> Result<(toml::Table, PathBuf)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the config file", path.display()))?;
    let table = toml::from_str::<toml::Table>(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().replace('\n', " ");
        match line {
            Some(l) => anyhow::anyhow!("{}:{l}: {message}", path.display()),
            None => anyhow::anyhow!("{}: {message}", path.display()),
        }
    })?;
    Ok((table, path.to_path_buf()))
}

/// `section.key` of a recipe as `T`, `None` if absent; errors name the file and the key.
fn raw_get<T: serde::de::DeserializeOwned>(
    raw: Option<(&toml::Table, &Path)>,
    section: &str,
    key: Option<&str>,
) -> Result<Option<T>> {
    let Some((table, path)) = raw else {
        return Ok(None);
    };
    let Some(mut value) = table.get(section) else {
        return Ok(None);
    };
    if let Some(key) = key {
        match value.get(key) {
            Some(v) => value = v,
            None => return Ok(None),
        }
    }
    let name = match key {
        Some(k) => format!("{section}.{k}"),
        None => format!("[{section}]"),
    };
    T::deserialize(value.clone()).map(Some).map_err(|e| {
        anyhow::anyhow!(
            "{}: {name}: {}",
            path.display(),
            e.message().trim().replace('\n', " ")
        )
    })
}

/// The preview of a text or table data set: originals and copies, printed (and written to
/// `--out` if given). The recipe's `[transform]` is read as a text or table transformation,
/// `objective.copies` and `train.seed` as for images; the loader takes the recipe's `[data]`
/// settings and the options of the spec.
fn preview_records(
    args: &PreviewArgs,
    raw: Option<(&toml::Table, &Path)>,
    spec: DataSpec,
) -> Result<ExitCode> {
    if !args.set.is_empty() {
        bail!(
            "--set {}: overrides apply to image recipes only; for {} data write the change into the recipe",
            args.set.join(" --set "),
            spec.name()
        );
    }
    if args.examples == 0 {
        bail!("--examples 0: expected at least 1 example");
    }
    if let Some(out) = &args.out {
        check_out_dir(out)?;
    }
    let copies = match args.copies {
        Some(m) => m,
        None => raw_get::<usize>(raw, "objective", Some("copies"))?.unwrap_or(2),
    };
    let seed = match args.seed {
        Some(s) => s,
        None => raw_get::<u64>(raw, "train", Some("seed"))?.unwrap_or(0),
    };
    // The recipe's loader settings (split, label column, tokeniser, vocabulary), as in training.
    let loader: crate::config::DataConfig = raw_get(raw, "data", None)?.unwrap_or_default();
    let data = spec.load_dataset(&loader.text_load(), &loader.table_load())?;
    let text = match &data {
        Dataset::Text(split) => {
            let config: TextTransformConfig = raw_get(raw, "transform", None)?.unwrap_or_default();
            let transform = config.check()?;
            let rows = rows_by_class(&split.train.labels, split.classes.len(), args);
            text_preview(split, &transform, &rows, copies, seed, args.max_tokens)
        }
        Dataset::Table(split) => {
            let config: TableTransformConfig = raw_get(raw, "transform", None)?.unwrap_or_default();
            let transform = config.check()?;
            let rows = rows_by_class(&split.train.labels, split.classes.len(), args);
            table_preview(split, &transform, &rows, copies, seed, args.max_columns)
        }
        Dataset::Images(_) => unreachable!("image specs take the grid path"),
    };
    let header = format!(
        "{}: {} training examples; the original then {copies} copies of {} of them (seed {seed}, epoch 0)\n",
        spec,
        data.sizes().0,
        args.examples.min(data.sizes().0),
    );
    print!("{header}{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, format!("{header}{text}"))
            .with_context(|| format!("{}: cannot write", out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// At most `max` tokens of `ids` as text, with the number elided.
fn shown_tokens(split: &TextSplit, ids: &[u32], max: usize) -> String {
    let shown = split.vocab.decode(&ids[..ids.len().min(max)]);
    if ids.len() > max {
        format!("{shown} … (+{} tokens)", ids.len() - max)
    } else {
        shown
    }
}

fn text_preview(
    split: &TextSplit,
    transform: &whac_data::TextTransform,
    rows: &[usize],
    copies: usize,
    seed: u64,
    max_tokens: usize,
) -> String {
    let set = &split.train;
    let max_len = rows
        .iter()
        .map(|&i| set.doc(i).len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut ids = vec![0u32; rows.len() * copies * max_len];
    let mut lengths = vec![0u32; rows.len() * copies];
    augment_text_batch(
        transform,
        set,
        rows,
        copies,
        max_len,
        seed,
        0,
        &mut ids,
        &mut lengths,
    );
    let mut s = String::new();
    for (r, &i) in rows.iter().enumerate() {
        let doc = set.doc(i);
        let class = &split.classes[set.labels[i] as usize];
        s += &format!("\n#{i} [{class}], {} tokens\n", doc.len());
        s += &format!("  original  {}\n", shown_tokens(split, doc, max_tokens));
        for c in 0..copies {
            let k = r * copies + c;
            let copy = &ids[k * max_len..k * max_len + lengths[k] as usize];
            s += &format!(
                "  copy {:<4} {}\n",
                c + 1,
                shown_tokens(split, copy, max_tokens)
            );
        }
    }
    s
}

fn table_preview(
    split: &TableSplit,
    transform: &whac_data::TableTransform,
    rows: &[usize],
    copies: usize,
    seed: u64,
    max_columns: usize,
) -> String {
    let set = &split.train;
    let d = set.dim;
    let mut out = vec![0.0f32; rows.len() * copies * d];
    augment_table_batch(transform, set, rows, copies, seed, 0, &mut out);
    let shown = d.min(max_columns);
    let cell = |v: f32| format!("{v:>8.2}");
    let mut s = String::from("\nstandardised features");
    if shown < d {
        s += &format!(" (the first {shown} of {d} columns)");
    }
    s += "\n              ";
    for name in &split.columns[..shown] {
        let name: String = name.chars().take(8).collect();
        s += &format!("{name:>8}");
    }
    s += "\n";
    for (r, &i) in rows.iter().enumerate() {
        let class = &split.classes[set.labels[i] as usize];
        s += &format!("#{i} [{class}]\n  original    ");
        s.extend(set.row(i)[..shown].iter().map(|&v| cell(v)));
        s += "\n";
        for c in 0..copies {
            let k = r * copies + c;
            s += &format!("  copy {:<4}   ", c + 1);
            s.extend(out[k * d..k * d + shown].iter().map(|&v| cell(v)));
            s += "\n";
        }
    }
    s
}

/// A hidden file beside `out`, renamed onto it once complete.
fn temp_path(out: &Path) -> Result<PathBuf> {
    let Some(name) = out.file_name() else {
        bail!("--out {}: expected a file name", out.display());
    };
    Ok(out.with_file_name(format!(".{}.tmp", name.to_string_lossy())))
}

/// The preview's example rows of a text or table split: `args.examples` per class, or the first
/// ones with `--first`.
fn rows_by_class(labels: &[u32], classes: usize, args: &PreviewArgs) -> Vec<usize> {
    let labels: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    pick_by_class(&labels, classes, args.examples, args.first)
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
    fn text_preview_shows_tokens_and_elides_the_rest() {
        use whac_data::{TextSet, Vocab, VocabConfig};
        let docs: Vec<Vec<String>> = ["a b c d e f", "b b a"]
            .iter()
            .map(|d| d.split(' ').map(String::from).collect())
            .collect();
        let config = VocabConfig {
            min_count: 1,
            ..VocabConfig::default()
        };
        let vocab = Vocab::build(docs.iter().map(Vec::as_slice), &config);
        let split = TextSplit {
            train: TextSet {
                docs: docs.iter().map(|d| vocab.encode(d)).collect(),
                labels: vec![1, 0],
            },
            test: TextSet::default(),
            classes: vec!["ham".into(), "spam".into()],
            vocab,
        };
        let identity = whac_data::TextTransform::identity();
        let text = text_preview(&split, &identity, &[0, 1], 2, 0, 4);
        assert_eq!(
            text,
            "\n#0 [spam], 6 tokens\n  original  a b c d … (+2 tokens)\n  copy 1    a b c d … (+2 tokens)\n  copy 2    a b c d … (+2 tokens)\n\
             \n#1 [ham], 3 tokens\n  original  b b a\n  copy 1    b b a\n  copy 2    b b a\n"
        );
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
