//! Opening a finished run folder for `whac eval` and `whac embed`: its recipe, the data (the run's
//! own or `--data`), the input statistics and the trained model, all checked before any work.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use whac::burn::tensor::Device;
use whac::compatibility::Model;
use whac::train::{Standardize, load_model};
use whac_data::DataSpec;

use crate::config::{self, Domain, RunConfig};
use crate::run_data::{CheckedTransform, RunData};

/// A run folder opened for measuring: nothing in it is written by opening it.
pub struct LoadedRun {
    /// The run folder.
    pub dir: PathBuf,
    /// The resolved recipe the run was trained with (`config.toml`).
    pub config: RunConfig,
    /// The data measured: the run's `data.source`, or `--data`.
    pub data: DataSpec,
    /// Whether `data` differs from the run's own `data.source`.
    pub data_differs: bool,
    /// Both splits of `data`, with the run's transformation and input statistics (see
    /// [`LoadedRun::standardize_source`]).
    pub run_data: RunData,
    /// The input statistics the encoder was trained with.
    pub standardize: Standardize,
    /// Where `standardize` came from: `summary.json`, or the training split refitted.
    pub standardize_source: &'static str,
    /// The trained model (no autodiff), weights read from `checkpoint/model.safetensors`.
    pub model: Model,
    /// The device it lives on (the run's `train.device`).
    pub device: Device,
}

impl LoadedRun {
    /// Opens `dir`, with `data` (a `--data` SPEC) replacing the run's data source if given.
    ///
    /// Errors (one line each): no such folder; `config.toml` unreadable or invalid; an unknown
    /// `--data`; images of a size the checkpoint does not fit; `--data` of another kind than the
    /// run's, or other text (the vocabulary is the run's training split's); a missing, truncated
    /// or foreign checkpoint.
    pub fn open(dir: &Path, data: Option<&str>) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "--run {}: no such run folder; expected a folder written by `whac train`",
                dir.display()
            );
        }
        let config_path = dir.join("config.toml");
        let config = config::load(&config_path)
            .with_context(|| format!("--run {}: the run's recipe", dir.display()))?;
        config.compatibility.check()?;
        let device = config.train.device.device()?;

        let data_spec = match data {
            Some(spec) => spec
                .parse::<DataSpec>()
                .map_err(|e| anyhow::anyhow!("--data {spec}: {e}"))?,
            None => config.data.source.clone(),
        };
        let data_differs = data_spec != config.data.source;
        let (run_domain, domain) = (Domain::of(&config.data.source), Domain::of(&data_spec));
        if data_differs && (run_domain != domain || domain == Domain::Text) {
            bail!(
                "--data {data_spec}: the run {} was trained on {}; expected other data of the same kind (images of its size, or a table of its columns; a text run is measured on its own data, whose training split made the vocabulary)",
                dir.display(),
                config.data.source
            );
        }
        let saved = read_standardize(dir);
        let standardize_source = if saved.is_some() {
            "summary.json"
        } else {
            "refitted on the training split"
        };
        let transform = CheckedTransform::check(&config.transform)?;
        let run_data = RunData::load(&data_spec, &config.data, transform, saved)?;
        let standardize = run_data.standardize;
        let shape = run_data.shape();
        config.encoder.check(&shape).map_err(|e| {
            anyhow::anyhow!("{data_spec}: its examples do not fit the run's encoder: {e}")
        })?;

        let mut model = Model::new(&config.encoder, &config.compatibility, &shape, &device);
        let checkpoint = dir.join("checkpoint/model.safetensors");
        if let Err(e) = load_model(&mut model, &checkpoint) {
            // The library reports a tensor of the wrong shape as an `ApplyError::ShapeMismatch`
            // inside its message; with the run's own data the shapes always agree, so a mismatch
            // means `--data` has another image size.
            let message = e.to_string();
            if data_differs && message.contains("ShapeMismatch") {
                bail!(
                    "--data {data_spec}: {shape}, but the run {} was trained \
                     on {} examples of another shape; expected data of the run's image size or table width",
                    dir.display(),
                    config.data.source
                );
            }
            return Err(e.into());
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            data: data_spec,
            data_differs,
            run_data,
            standardize,
            standardize_source,
            model,
            device,
        })
    }
}

/// `standardize` from the run's `summary.json`, if it is there and readable.
fn read_standardize(dir: &Path) -> Option<Standardize> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    serde_json::from_value(value.get("standardize")?.clone()).ok()
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written file under the final name.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, contents).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
}
