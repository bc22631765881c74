//! Running a command's compute on a rayon pool from the start.
//!
//! A rayon call made from a thread outside the pool (the main thread) is injected into the pool
//! and the caller sleeps until a worker wakes up and finishes it. The RBM's CD step makes about
//! fifteen short parallel calls per update, and on an idle machine each of those cross-thread
//! wake-ups costs tens of microseconds. Running the whole command inside the pool
//! (`ThreadPool::install`) makes every call a fork-join among workers that are already awake.

use anyhow::{Context, Result};

/// Runs `f` on a new rayon pool of the default size (the number of cores, or
/// `RAYON_NUM_THREADS`), so that its parallel calls start on a worker thread.
pub fn on_worker_pool<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .context("cannot start the worker threads")?;
    Ok(pool.install(f))
}
