//! What the network reads, for every kind of data: the shape of one example ([`InputShape`]), a
//! batch of examples on the host ([`HostValues`]) and as tensors ([`Input`]), and the training
//! or test examples of a run with the transformation that draws their copies ([`Examples`]).
//!
//! One training loop serves images, token sequences and table rows: it only ever asks an
//! [`Examples`] for augmented copies and clean examples, and hands them to the model as an
//! [`Input`].

mod examples;
mod host;
mod shape;

pub use examples::Examples;
pub use host::HostValues;
pub use shape::{Input, InputShape};
