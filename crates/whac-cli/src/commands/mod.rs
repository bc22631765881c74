//! One file per subcommand.

pub mod augment;
pub mod embed;
pub mod eval;
pub mod rbm;
pub mod rbm_bench;
pub mod rbm_progress;
pub mod run_loader;
pub mod train;
