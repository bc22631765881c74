//! Range checks of one configured operation, each error naming its full key, such as
//! `transform.ops[2].degrees` or, inside a group, `transform.ops[2].ops[0].degrees`.

use crate::DataError;

/// Checks of one operation of a `[[transform.ops]]` list (possibly nested in a group).
pub(crate) struct Checker {
    /// The operation's key, e.g. `transform.ops[2]` or `transform.ops[2].ops[0]`.
    path: String,
}

impl Checker {
    /// Operation number `index` of the top-level `transform.ops` list.
    pub(crate) fn op(index: usize) -> Checker {
        Checker {
            path: format!("transform.ops[{index}]"),
        }
    }

    /// Operation number `index` of this operation's own `ops` list (a group).
    pub(crate) fn child(&self, index: usize) -> Checker {
        Checker {
            path: format!("{}.ops[{index}]", self.path),
        }
    }

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
                key: format!("{}.{key}", self.path),
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
