//! The examples of one split of a run, and how their views are drawn.

use whac_data::text::PAD;
use whac_data::{
    ImageSet, TableSet, TableTransform, TextSet, TextTransform, Transform, augment_batch,
    augment_table_batch, augment_text_batch,
};

use super::{HostValues, InputShape};
use crate::WhacError;
use crate::train::Standardize;

/// The examples of one split (training or test) with the stochastic transformation `T` that
/// draws their copies, whatever the kind of data. Cheap to copy: it only borrows.
#[derive(Clone, Copy, Debug)]
pub enum Examples<'a> {
    /// Images in [0, 1], fed standardised.
    Images {
        /// The images.
        set: &'a ImageSet,
        /// Their transformation.
        transform: &'a Transform,
        /// Pixel standardisation (the training split's statistics).
        standardize: Standardize,
    },
    /// Token id sequences, truncated to `max_len` (after the transformation) and padded.
    Text {
        /// The documents.
        set: &'a TextSet,
        /// Their transformation.
        transform: &'a TextTransform,
        /// Positions fed to the network.
        max_len: usize,
        /// Size of the vocabulary the ids come from.
        vocab: usize,
        /// Number of classes.
        classes: usize,
    },
    /// Standardised table rows.
    Table {
        /// The rows.
        set: &'a TableSet,
        /// Their transformation (SCARF draws from the other rows of `set`).
        transform: &'a TableTransform,
        /// Number of classes.
        classes: usize,
    },
}

/// Labels are bytes in `whac-eval`; more classes than this cannot be measured.
const MAX_CLASSES: usize = 256;

fn check_classes(classes: usize) -> Result<(), WhacError> {
    if classes > MAX_CLASSES {
        return Err(WhacError::config(
            "data.source",
            format!("{classes} classes"),
            format!("at most {MAX_CLASSES} classes"),
        ));
    }
    Ok(())
}

impl<'a> Examples<'a> {
    /// Images with their transformation and standardisation.
    pub fn images(set: &'a ImageSet, transform: &'a Transform, standardize: Standardize) -> Self {
        Examples::Images {
            set,
            transform,
            standardize,
        }
    }

    /// Documents of a vocabulary of `vocab` ids in `classes` classes, fed as `max_len` ids.
    ///
    /// # Errors
    /// `data.max_len` of 0; more than 256 classes.
    pub fn text(
        set: &'a TextSet,
        transform: &'a TextTransform,
        max_len: usize,
        vocab: usize,
        classes: usize,
    ) -> Result<Self, WhacError> {
        if max_len == 0 {
            return Err(WhacError::config(
                "data.max_len",
                max_len,
                "a positive number of tokens, such as 256",
            ));
        }
        check_classes(classes)?;
        Ok(Examples::Text {
            set,
            transform,
            max_len,
            vocab,
            classes,
        })
    }

    /// Table rows in `classes` classes.
    ///
    /// # Errors
    /// More than 256 classes.
    pub fn table(
        set: &'a TableSet,
        transform: &'a TableTransform,
        classes: usize,
    ) -> Result<Self, WhacError> {
        check_classes(classes)?;
        Ok(Examples::Table {
            set,
            transform,
            classes,
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        match self {
            Examples::Images { set, .. } => set.len(),
            Examples::Text { set, .. } => set.len(),
            Examples::Table { set, .. } => set.len(),
        }
    }

    /// Whether there is no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        match self {
            Examples::Images { set, .. } => set.num_classes,
            Examples::Text { classes, .. } | Examples::Table { classes, .. } => *classes,
        }
    }

    /// The class of every example (at most 256 classes, checked when built).
    pub fn labels(&self) -> Vec<u8> {
        let narrow = |labels: &[u32]| labels.iter().map(|&l| l as u8).collect();
        match self {
            Examples::Images { set, .. } => set.labels.clone(),
            Examples::Text { set, .. } => narrow(&set.labels),
            Examples::Table { set, .. } => narrow(&set.labels),
        }
    }

    /// How the network reads one example.
    pub fn shape(&self) -> InputShape {
        match *self {
            Examples::Images { set, .. } => InputShape::Images {
                channels: set.channels,
                height: set.height,
                width: set.width,
            },
            Examples::Text { max_len, vocab, .. } => InputShape::Tokens { max_len, vocab },
            Examples::Table { set, .. } => InputShape::Rows { features: set.dim },
        }
    }

    /// `copies` transformed copies of each example of `indices`, ready for the network, drawn
    /// reproducibly from `(seed, epoch, example, copy)`.
    ///
    /// # Shapes
    /// `[indices.len(), copies, example_len]`
    pub fn augment(&self, indices: &[usize], copies: usize, seed: u64, epoch: u64) -> HostValues {
        let n = indices.len() * copies;
        match *self {
            Examples::Images {
                set,
                transform,
                standardize,
            } => {
                let mut views = vec![0.0f32; n * set.dim()];
                augment_batch(transform, set, indices, copies, seed, epoch, &mut views);
                standardize.apply(&mut views);
                HostValues::Floats(views)
            }
            Examples::Text {
                set,
                transform,
                max_len,
                ..
            } => {
                let mut ids = vec![0u32; n * max_len];
                let mut lengths = vec![0u32; n];
                augment_text_batch(
                    transform,
                    set,
                    indices,
                    copies,
                    max_len,
                    seed,
                    epoch,
                    &mut ids,
                    &mut lengths,
                );
                HostValues::Ids(ids.into_iter().map(|i| i as i32).collect())
            }
            Examples::Table { set, transform, .. } => {
                let mut rows = vec![0.0f32; n * set.dim];
                augment_table_batch(transform, set, indices, copies, seed, epoch, &mut rows);
                HostValues::Floats(rows)
            }
        }
    }

    /// The examples of `indices` untransformed, ready for the network (documents truncated to
    /// their first `max_len` tokens and padded).
    ///
    /// # Shapes
    /// `[indices.len(), example_len]`
    pub fn clean(&self, indices: &[usize]) -> HostValues {
        match *self {
            Examples::Images {
                set, standardize, ..
            } => {
                let mut pixels = Vec::with_capacity(indices.len() * set.dim());
                for &i in indices {
                    pixels.extend_from_slice(set.image(i));
                }
                standardize.apply(&mut pixels);
                HostValues::Floats(pixels)
            }
            Examples::Text { set, max_len, .. } => {
                let mut ids = Vec::with_capacity(indices.len() * max_len);
                for &i in indices {
                    let doc = set.doc(i);
                    let n = doc.len().min(max_len);
                    ids.extend(doc[..n].iter().map(|&t| t as i32));
                    ids.extend(std::iter::repeat_n(PAD as i32, max_len - n));
                }
                HostValues::Ids(ids)
            }
            Examples::Table { set, .. } => {
                let mut rows = Vec::with_capacity(indices.len() * set.dim);
                for &i in indices {
                    rows.extend_from_slice(set.row(i));
                }
                HostValues::Floats(rows)
            }
        }
    }

    /// The first `n` examples untransformed (see [`Examples::clean`]).
    pub fn clean_first(&self, n: usize) -> HostValues {
        let all: Vec<usize> = (0..n.min(self.len())).collect();
        self.clean(&all)
    }
}
