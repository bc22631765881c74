//! Range checks of one configured operation, each error naming `transform.ops[i].key`.

use crate::DataError;

/// Checks of operation number `index` of a `[[transform.ops]]` list.
pub(crate) struct Checker {
    pub(crate) index: usize,
}

impl Checker {
    pub(crate) fn ensure(
        &self,
        ok: bool,
        key: &str,
        value: impl std::fmt::Debug,
        expected: &str,
    ) -> Result<(), DataError> {
        if ok {
            Ok(())
        } else {
            Err(DataError::Config {
                key: format!("transform.ops[{}].{key}", self.index),
                value: format!("{value:?}"),
                expected: expected.to_string(),
            })
        }
    }

    /// `lo <= v <= hi` (false for NaN).
    pub(crate) fn within(&self, key: &str, v: f32, lo: f32, hi: f32) -> Result<(), DataError> {
        self.ensure(
            v >= lo && v <= hi,
            key,
            v,
            &format!("a number in [{lo}, {hi}]"),
        )
    }

    /// `v >= 0` and finite.
    pub(crate) fn non_negative(&self, key: &str, v: f32) -> Result<(), DataError> {
        self.ensure(v >= 0.0 && v.is_finite(), key, v, "a finite number >= 0")
    }
}
