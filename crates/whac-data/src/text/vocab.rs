//! The vocabulary: token strings ↔ ids, built from the training split.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// Id of `<pad>`, the filler after the end of a sequence.
pub const PAD: u32 = 0;
/// Id of `<unk>`, every token not in the vocabulary (and what token dropout writes).
pub const UNK: u32 = 1;
/// Id of `<mask>`, what span masking writes.
pub const MASK: u32 = 2;
/// The special tokens, at ids 0, 1, 2.
pub const SPECIALS: [&str; 3] = ["<pad>", "<unk>", "<mask>"];

/// Limits of the vocabulary built from the training split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VocabConfig {
    /// Largest number of ids, the three specials included, `>= 3`; default 20000.
    #[serde(default = "default_max_size")]
    pub max_size: usize,
    /// A token must occur at least this many times in the training split, `>= 1`; default 2.
    #[serde(default = "default_min_count")]
    pub min_count: usize,
}

fn default_max_size() -> usize {
    20_000
}
fn default_min_count() -> usize {
    2
}

impl Default for VocabConfig {
    fn default() -> Self {
        VocabConfig {
            max_size: default_max_size(),
            min_count: default_min_count(),
        }
    }
}

impl VocabConfig {
    /// Checks the limits; errors name `data.vocab.max_size` / `data.vocab.min_count`.
    ///
    /// # Errors
    /// [`DataError::Config`] if `max_size < 3` or `min_count < 1`.
    pub fn check(&self) -> Result<(), DataError> {
        let bad = |key: &str, value: usize, expected: &str| DataError::Config {
            key: format!("data.vocab.{key}"),
            value: value.to_string(),
            expected: expected.to_string(),
        };
        if self.max_size < SPECIALS.len() {
            return Err(bad(
                "max_size",
                self.max_size,
                "an integer >= 3 (the specials)",
            ));
        }
        if self.min_count < 1 {
            return Err(bad("min_count", self.min_count, "an integer >= 1"));
        }
        Ok(())
    }
}

/// Token strings and their ids: `<pad>` = 0, `<unk>` = 1, `<mask>` = 2, then the kept tokens by
/// decreasing count in the training split, ties broken by the token string (byte order), so the
/// vocabulary depends only on the multiset of training tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Vocab {
    /// Builds the vocabulary from the token counts of the training split: tokens occurring at least
    /// `min_count` times, the `max_size - 3` most frequent of them.
    ///
    /// # Panics
    /// If `config` was not checked (`max_size < 3`).
    pub fn from_counts(counts: &HashMap<String, usize>, config: &VocabConfig) -> Vocab {
        assert!(config.max_size >= SPECIALS.len(), "VocabConfig not checked");
        let mut kept: Vec<(&String, usize)> = counts
            .iter()
            .filter(|&(t, &c)| c >= config.min_count && !SPECIALS.contains(&t.as_str()))
            .map(|(t, &c)| (t, c))
            .collect();
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        kept.truncate(config.max_size - SPECIALS.len());
        let tokens: Vec<String> = SPECIALS
            .iter()
            .map(|s| s.to_string())
            .chain(kept.into_iter().map(|(t, _)| t.clone()))
            .collect();
        let ids = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        Vocab { tokens, ids }
    }

    /// Builds the vocabulary from tokenised training documents (see [`Vocab::from_counts`]).
    pub fn build<'a>(docs: impl IntoIterator<Item = &'a [String]>, config: &VocabConfig) -> Vocab {
        let mut counts = HashMap::new();
        for doc in docs {
            for t in doc {
                *counts.entry(t.clone()).or_insert(0) += 1;
            }
        }
        Vocab::from_counts(&counts, config)
    }

    /// Number of ids, the specials included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Always false: the specials are always there.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of `token`, or [`UNK`].
    pub fn id(&self, token: &str) -> u32 {
        self.ids.get(token).copied().unwrap_or(UNK)
    }

    /// The token string of `id`, if it is one.
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// All token strings, indexed by id.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The ids of `tokens`, unknown ones as [`UNK`].
    pub fn encode<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<u32> {
        tokens.iter().map(|t| self.id(t.as_ref())).collect()
    }

    /// The ids as token strings joined by spaces (`<pad>` ids are skipped); ids out of range
    /// print as `<?>`.
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter()
            .filter(|&&i| i != PAD)
            .map(|&i| self.token(i).unwrap_or("<?>"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
