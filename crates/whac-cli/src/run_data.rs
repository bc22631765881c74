//! A run's data, loaded and paired with its checked transformation: what [`Examples`] borrow,
//! for `whac train`, `whac eval`, `whac embed` and the report alike.

use anyhow::{Result, bail};
use whac::input::{Examples, InputShape};
use whac::train::Standardize;
use whac_data::{DataSpec, Dataset, TableTransform, TextTransform, Transform};

use crate::config::{DataConfig, TransformSection};

/// A checked transformation of one domain.
#[derive(Debug, Clone)]
pub enum CheckedTransform {
    /// For images.
    Images(Transform),
    /// For token sequences.
    Text(TextTransform),
    /// For table rows.
    Table(TableTransform),
}

impl CheckedTransform {
    /// Checks a recipe's `[transform]`.
    pub fn check(section: &TransformSection) -> Result<Self> {
        Ok(match section {
            TransformSection::Images(t) => CheckedTransform::Images(t.check()?),
            TransformSection::Text(t) => CheckedTransform::Text(t.check()?),
            TransformSection::Table(t) => CheckedTransform::Table(t.check()?),
        })
    }
}

/// Both splits of a data set, its transformation and the input statistics.
pub struct RunData {
    /// The loaded splits.
    pub dataset: Dataset,
    /// The checked transformation (of the data's domain).
    pub transform: CheckedTransform,
    /// Pixel standardisation (images; the identity for text and tables, whose loader
    /// standardises table columns itself).
    pub standardize: Standardize,
    /// Token positions fed to the network (text).
    pub max_len: usize,
}

impl RunData {
    /// Loads `spec` as `data` says (tokeniser, vocabulary, split, label column), with the
    /// checked `transform`; `standardize` is the run's own (`None`: fitted on the training
    /// images).
    pub fn load(
        spec: &DataSpec,
        data: &DataConfig,
        transform: CheckedTransform,
        standardize: Option<Standardize>,
    ) -> Result<Self> {
        data.vocab.check()?;
        let dataset = spec.load_dataset(&data.text_load(), &data.table_load())?;
        let fits = matches!(
            (&dataset, &transform),
            (Dataset::Images(_), CheckedTransform::Images(_))
                | (Dataset::Text(_), CheckedTransform::Text(_))
                | (Dataset::Table(_), CheckedTransform::Table(_))
        );
        if !fits {
            bail!(
                "{spec}: {} data, but the recipe's [transform] is for another kind of data",
                dataset.domain()
            );
        }
        let standardize = match (&dataset, standardize) {
            (_, Some(s)) => s,
            (Dataset::Images(split), None) => Standardize::fit(&split.train),
            _ => Standardize::IDENTITY,
        };
        let run = Self {
            dataset,
            transform,
            standardize,
            max_len: data.max_len,
        };
        run.train()?;
        Ok(run)
    }

    /// The training examples.
    pub fn train(&self) -> Result<Examples<'_>> {
        self.examples(true)
    }

    /// The test examples.
    pub fn test(&self) -> Result<Examples<'_>> {
        self.examples(false)
    }

    /// How the network reads one example.
    pub fn shape(&self) -> InputShape {
        self.train().expect("checked when loaded").shape()
    }

    fn examples(&self, train: bool) -> Result<Examples<'_>> {
        Ok(match (&self.dataset, &self.transform) {
            (Dataset::Images(split), CheckedTransform::Images(t)) => {
                let set = if train { &split.train } else { &split.test };
                Examples::images(set, t, self.standardize)
            }
            (Dataset::Text(split), CheckedTransform::Text(t)) => {
                let set = if train { &split.train } else { &split.test };
                Examples::text(set, t, self.max_len, split.vocab.len(), split.classes.len())?
            }
            (Dataset::Table(split), CheckedTransform::Table(t)) => {
                let set = if train { &split.train } else { &split.test };
                Examples::table(set, t, split.classes.len())?
            }
            _ => unreachable!("the transform's domain is checked when loaded"),
        })
    }
}
