//! Integration tests of whac-data: one test binary, one module per concept.

mod cifar10;
mod colour;
mod compose;
mod idx;
mod spec;
mod table;
mod text;
mod transform;

use std::path::PathBuf;

/// The shared read-only data folder (`../shared/data` from the repository root), if present.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} missing", dir.display());
        None
    }
}
