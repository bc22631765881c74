//! `whac embed --run DIR [--data SPEC] [--split train|test|both] --out emb.npy`: the frozen
//! representation `f(x)` (before the projection head) of a split, as `.npy` files numpy reads.
//!
//! Two files are written, each atomically (temporary file + rename):
//! - `OUT` (e.g. `emb.npy`): `float32`, shape `(n, d)`, C order;
//! - `OUT` with `.npy` replaced by `.labels.npy` (e.g. `emb.labels.npy`): `uint8`, shape `(n,)`.
//!
//! With `--split both` the rows are the training split followed by the test split.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use whac::eval::embed;

use super::run_loader::{LoadedRun, write_atomic};

/// Which split(s) to embed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitChoice {
    Train,
    Test,
    /// Train rows, then test rows.
    Both,
}

/// `whac embed`.
#[derive(Args, Debug)]
pub struct EmbedArgs {
    /// Run folder written by `whac train`.
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Data set to embed instead of the run's own (same image size, or a table of the same
    /// columns).
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Which split to embed.
    #[arg(long, value_enum, default_value = "test")]
    pub split: SplitChoice,
    /// The embeddings file (`.npy`); labels go to the same name ending in `.labels.npy`.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: EmbedArgs) -> Result<ExitCode> {
    let labels_path = labels_path(&args.out)?;
    let run = LoadedRun::open(&args.run, args.data.as_deref())?;
    let (train, test) = (run.run_data.train()?, run.run_data.test()?);
    let sets = match args.split {
        SplitChoice::Train => vec![train],
        SplitChoice::Test => vec![test],
        SplitChoice::Both => vec![train, test],
    };
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut dim = 0;
    for set in sets {
        let (h, d) = embed(&run.model, &set, run.config.eval.batch_size, &run.device); // [set.len(), d]
        rows.extend(h);
        labels.extend(set.labels());
        dim = d;
    }
    let n = labels.len();
    assert_eq!(rows.len(), n * dim, "embeddings [{n}, {dim}]");

    let mut emb = npy_header("<f4", &[n, dim]);
    emb.extend(rows.iter().flat_map(|x| x.to_le_bytes()));
    let mut lab = npy_header("|u1", &[n]);
    lab.extend_from_slice(&labels);
    write_atomic(&args.out, &emb)?;
    write_atomic(&labels_path, &lab)?;
    println!(
        "whac embed: {} ({:?} split), {n} × {dim} float32 → {}, labels → {}",
        run.data,
        args.split,
        args.out.display(),
        labels_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `emb.npy` → `emb.labels.npy`.
fn labels_path(out: &Path) -> Result<PathBuf> {
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        bail!(
            "--out {}: expected a file name such as emb.npy",
            out.display()
        );
    };
    let Some(stem) = name.strip_suffix(".npy") else {
        bail!(
            "--out {}: expected a file name ending in .npy",
            out.display()
        );
    };
    Ok(out.with_file_name(format!("{stem}.labels.npy")))
}

/// The header of an NPY 1.0 file (numpy's `format.py`, "NPY format version 1.0"): the magic
/// `\x93NUMPY`, version 1.0, a little-endian u16 header length, then a Python dict literal padded
/// with spaces and ended by `\n` so that the data starts on a multiple of 64 bytes.
///
/// Hand-written rather than taken from `npyz` (the maintained crate): npyz 0.9 pulls in
/// `py_literal`, `pest`, `num-bigint` and `stacker` (a C build), and adding it to the shared
/// lock file changed feature resolution enough to recompile burn — all for these 20 lines, which
/// only ever write two fixed dtypes.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    let unpadded = 10 + dict.len() + 1; // magic 6 + version 2 + length 2, dict, '\n'
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_aligned_and_names_dtype_and_shape() {
        for shape in [&[7usize, 3][..], &[5][..], &[0, 128][..]] {
            let h = npy_header("<f4", shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
            let len = u16::from_le_bytes([h[8], h[9]]) as usize;
            assert_eq!(len + 10, h.len());
            assert_eq!(*h.last().unwrap(), b'\n');
        }
        let h = npy_header("|u1", &[5]);
        let text = String::from_utf8_lossy(&h[10..]);
        assert!(text.starts_with("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"));
    }

    #[test]
    fn labels_file_sits_beside_the_embeddings() {
        assert_eq!(
            labels_path(Path::new("out/emb.npy")).unwrap(),
            PathBuf::from("out/emb.labels.npy")
        );
        assert!(labels_path(Path::new("emb.bin")).is_err());
    }
}
