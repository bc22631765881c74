//! Text: tokenisation, the vocabulary, `text:` TSV files, and the stochastic transformation of
//! token id sequences.
//!
//! [`load_text`] reads labelled documents, tokenises them with a [`Tokenizer`] and encodes them
//! with a [`Vocab`] built from the training split; [`TextTransformConfig`] (the `[transform]`
//! table of a recipe) is checked into a [`TextTransform`], which draws one transformed copy of a
//! token sequence; [`augment_text_batch`] draws `[B, M, max_len]` ids and `[B, M]` lengths in
//! parallel, reproducibly whatever the number of threads.

mod batch;
mod config;
mod load;
mod tokenizer;
mod transform;
mod vocab;

pub use crate::source::TextSource;
pub use batch::augment_text_batch;
pub use config::{TextOpConfig, TextTransformConfig};
pub use load::{TextLoadConfig, TextSet, TextSplit, load_text, load_text_files, load_text_source};
pub use tokenizer::Tokenizer;
pub use transform::TextTransform;
pub use vocab::{MASK, PAD, SPECIALS, UNK, Vocab, VocabConfig};
