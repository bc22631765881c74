//! `whac report --run DIR`: (re)write a run's `report.html` (see [`crate::report`]).

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `whac report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Run folder written by `whac train` (needs config.toml, metrics.jsonl and the checkpoint).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let path = crate::report::write(&args.run)?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
