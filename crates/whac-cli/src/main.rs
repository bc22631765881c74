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

use clap::Parser;
use std::process::ExitCode;

// The system allocator maps and faults in every large tensor buffer; mimalloc reuses them
// (about 1.5× on the CNN training step, DESIGN.md §2).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
