//! Checkpoint file I/O: the model's tensors as safetensors, written atomically.

use burn::module::Module;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use std::path::Path;

use crate::WhacError;

/// Writes `module` to `path` (safetensors) through a temporary file in the same folder and a
/// rename, so a crash mid-write never leaves a truncated checkpoint under the final name.
pub fn save_model<M: Module>(module: &M, path: &Path) -> Result<(), WhacError> {
    let file_err = |message: String| WhacError::File {
        path: path.display().to_string(),
        message,
    };
    let tmp = path.with_extension("safetensors.tmp");
    let mut store = SafetensorsStore::from_file(&tmp);
    module
        .save_into(&mut store)
        .map_err(|e| file_err(format!("cannot write checkpoint: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| file_err(format!("cannot rename checkpoint: {e}")))
}

/// Loads tensors saved by [`save_model`] into `module` (which fixes the architecture).
pub fn load_model<M: Module>(module: &mut M, path: &Path) -> Result<(), WhacError> {
    let file_err = |message: String| WhacError::File {
        path: path.display().to_string(),
        message,
    };
    if !path.is_file() {
        return Err(file_err("checkpoint not found".into()));
    }
    let mut store = SafetensorsStore::from_file(path);
    let result = module
        .load_from(&mut store)
        .map_err(|e| file_err(format!("unreadable checkpoint: {e}")))?;
    if !result.missing.is_empty() {
        return Err(file_err(format!(
            "checkpoint lacks tensors {:?}; expected a checkpoint of this config's model",
            result.missing
        )));
    }
    Ok(())
}
