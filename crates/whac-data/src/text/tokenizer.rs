//! Splitting text into tokens on Unicode word boundaries.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Splits text into tokens at the word boundaries of Unicode Standard Annex #29 (via the
/// `unicode-segmentation` crate).
///
/// A segment between two boundaries that holds a letter or digit is a word token (`can't`,
/// `3.14`, `naïve`, `東`); a segment of whitespace is dropped; any other segment (a punctuation
/// mark or symbol, one character each) is a token only if `punctuation` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokenizer {
    /// Lower-case every token (Unicode lower case, `str::to_lowercase`); default true.
    #[serde(default = "yes")]
    pub lowercase: bool,
    /// Keep punctuation and symbols as tokens of their own; default true.
    #[serde(default = "yes")]
    pub punctuation: bool,
}

fn yes() -> bool {
    true
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            lowercase: true,
            punctuation: true,
        }
    }
}

impl Tokenizer {
    /// The tokens of `text`, in order.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(text, |t| out.push(t.to_string()));
        out
    }

    /// Calls `f` on every token of `text`, in order, without collecting them.
    pub fn for_each_token(&self, text: &str, mut f: impl FnMut(&str)) {
        for seg in text.split_word_bounds() {
            let word = seg.chars().any(char::is_alphanumeric);
            let keep = word || (self.punctuation && !seg.chars().all(char::is_whitespace));
            if !keep {
                continue;
            }
            if self.lowercase && seg.chars().any(char::is_uppercase) {
                f(&seg.to_lowercase());
            } else {
                f(seg);
            }
        }
    }
}
