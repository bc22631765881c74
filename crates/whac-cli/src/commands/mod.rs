//! One file per subcommand.

pub mod augment;
pub mod bench;
pub mod embed;
pub mod eval;
pub mod probe_bench;
pub mod rbm;
pub mod rbm_bench;
pub mod rbm_progress;
pub mod report;
pub mod run_loader;
pub mod table;
pub mod train;
