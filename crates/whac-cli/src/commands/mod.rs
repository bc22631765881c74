//! One file per subcommand.

pub mod augment;
pub mod bench;
pub mod embed;
pub mod eval;
pub mod rbm;
pub mod report;
pub mod run_loader;
pub mod table;
pub mod train;
