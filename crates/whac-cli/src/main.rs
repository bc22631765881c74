//! The `whac` command-line tool.
//!
//! `main` calls [`run`]; any error is printed once, on one line, and the process exits with
//! code 2 (usage errors from clap exit with 2 as well).

mod args;
mod commands;
mod config;
mod progress;
mod report;
mod run_data;
mod run_dir;
mod summary;
mod worker_pool;

use clap::Parser;
use std::process::ExitCode;

// The system allocator maps and faults in every large tensor buffer; mimalloc reuses them
// (about 1.5× on the CNN training step, DESIGN.md §2).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay`: position 15 of `mi_option_e` in
/// `libmimalloc-sys-0.1.49/c_src/mimalloc/v3/include/mimalloc.h` (the crate exports no constant
/// for it; checked by running with `MIMALLOC_PURGE_DELAY=-1`, which changes exactly this
/// option, from its default of 1000 ms).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory committed instead of returning it to the OS after 10 ms. A training step
/// frees and reallocates the same ~50 MB activation buffers every few milliseconds; with purging
/// each reallocation page-faults and zeroes them again, which perf measured at a third of the CNN
/// step's time (docs/performance.md). The cost is that resident memory stays at its peak.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: sets one integer option of the allocator; no pointers cross, and mimalloc reads
    // the option with atomics, so setting it while other threads allocate is allowed.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = args::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("whac: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: args::Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        args::Command::Train(a) => commands::train::run(a),
        args::Command::Rbm(a) => commands::rbm::run(a),
        args::Command::Augment(a) => commands::augment::run(a),
        args::Command::Eval(a) => commands::eval::run(a),
        args::Command::Embed(a) => commands::embed::run(a),
        args::Command::Bench(a) => commands::bench::run(a),
        args::Command::Table(a) => commands::table::run(a),
        args::Command::Report(a) => commands::report::run(a),
    }
}

#[cfg(test)]
mod tests {
    /// The option number names purge_delay: a positive delay in ms by default, −1 once set.
    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_option_is_the_one_we_set() {
        // SAFETY: reads and writes one integer option.
        unsafe {
            let before = libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY);
            assert!(before == 1000 || before == -1, "purge_delay read {before}");
            super::keep_freed_memory();
            assert_eq!(
                libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY),
                -1
            );
        }
    }
}
