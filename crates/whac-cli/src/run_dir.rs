//! The run folder: `config.toml`, `metrics.jsonl`, `checkpoint/`, `summary.json`.
//! `summary.json` is written last, atomically, and only for a run that finished.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A created run folder.
pub struct RunDir {
    pub path: PathBuf,
}

impl RunDir {
    /// `--out`, or `runs/<timestamp>-<data>`. An existing non-empty folder is refused, so no
    /// earlier run is overwritten.
    pub fn create(out: Option<&Path>, data_name: &str) -> Result<Self> {
        let path = match out {
            Some(p) => p.to_path_buf(),
            None => PathBuf::from("runs").join(format!(
                "{}-{data_name}",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            )),
        };
        if path.exists() {
            let empty = path
                .read_dir()
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                bail!(
                    "--out {}: folder exists and is not empty; expected a new or empty folder",
                    path.display()
                );
            }
        }
        std::fs::create_dir_all(path.join("checkpoint"))
            .with_context(|| format!("{}: cannot create the run folder", path.display()))?;
        Ok(Self { path })
    }

    /// An existing run folder (for `--resume`): it must hold `config.toml`.
    pub fn existing(path: &Path) -> Result<Self> {
        if !path.join("config.toml").is_file() {
            bail!(
                "--resume {}: no config.toml; expected the folder of a run started by `whac train`",
                path.display()
            );
        }
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `name` through a temporary file and a rename.
    pub fn write_atomic(&self, name: &str, contents: &[u8]) -> Result<()> {
        let target = self.file(name);
        let tmp = self.file(&format!(".{name}.tmp"));
        std::fs::write(&tmp, contents)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("{}: cannot write", target.display()))
    }
}
