//! One file per subcommand.

pub mod rbm;
pub mod train;
