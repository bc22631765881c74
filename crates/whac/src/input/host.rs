//! Examples on the host, before they become tensors.

use std::ops::Range;

use burn::prelude::*;

use super::{Input, InputShape};

/// `n` examples on the host, example after example, each [`InputShape::example_len`] values
/// (row-major within an example).
#[derive(Clone, Debug, PartialEq)]
pub enum HostValues {
    /// Standardised pixels or table features.
    Floats(Vec<f32>),
    /// Token ids, 0 = padding.
    Ids(Vec<i32>),
}

impl HostValues {
    /// An empty buffer of the kind `shape` takes.
    pub fn empty(shape: InputShape) -> Self {
        match shape {
            InputShape::Tokens { .. } => HostValues::Ids(Vec::new()),
            InputShape::Images { .. } | InputShape::Rows { .. } => HostValues::Floats(Vec::new()),
        }
    }

    /// Number of values (examples × example length).
    pub fn len(&self) -> usize {
        match self {
            HostValues::Floats(v) => v.len(),
            HostValues::Ids(v) => v.len(),
        }
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `other`'s values (of the same kind) after these.
    ///
    /// # Panics
    /// If the kinds differ (a programming error).
    pub fn append(&mut self, other: &HostValues) {
        match (self, other) {
            (HostValues::Floats(a), HostValues::Floats(b)) => a.extend_from_slice(b),
            (HostValues::Ids(a), HostValues::Ids(b)) => a.extend_from_slice(b),
            _ => panic!("HostValues::append: floats and ids do not mix"),
        }
    }

    /// Values `range` (in values, not examples).
    pub fn slice(&self, range: Range<usize>) -> HostValues {
        match self {
            HostValues::Floats(v) => HostValues::Floats(v[range].to_vec()),
            HostValues::Ids(v) => HostValues::Ids(v[range].to_vec()),
        }
    }

    /// Splits examples stored as `[n, parts, per]` into `parts` buffers of `[n, per]`: copy `p`
    /// of every example goes to buffer `p`.
    pub fn deinterleave(&self, parts: usize, per: usize) -> Vec<HostValues> {
        fn split<T: Copy>(v: &[T], parts: usize, per: usize) -> Vec<Vec<T>> {
            let n = v.len() / (parts * per).max(1);
            let mut out: Vec<Vec<T>> = (0..parts).map(|_| Vec::with_capacity(n * per)).collect();
            for example in v.chunks_exact(parts * per) {
                for (p, part) in example.chunks_exact(per).enumerate() {
                    out[p].extend_from_slice(part);
                }
            }
            out
        }
        match self {
            HostValues::Floats(v) => split(v, parts, per)
                .into_iter()
                .map(HostValues::Floats)
                .collect(),
            HostValues::Ids(v) => split(v, parts, per)
                .into_iter()
                .map(HostValues::Ids)
                .collect(),
        }
    }

    /// The tensors of these examples, read as `shape`, on `device`.
    ///
    /// # Shapes
    /// `[n · example_len]` → images `[n, C, H, W]`, tokens `[n, L]`, rows `[n, F]`
    ///
    /// # Panics
    /// If the kind or length does not fit `shape` (a programming error).
    pub fn to_input(self, shape: InputShape, device: &Device) -> Input {
        let len = shape.example_len().max(1);
        let n = self.len() / len;
        assert_eq!(
            n * len,
            self.len(),
            "HostValues::to_input: {} values are not whole examples of {len}",
            self.len()
        );
        match (shape, self) {
            (
                InputShape::Images {
                    channels,
                    height,
                    width,
                },
                HostValues::Floats(v),
            ) => Input::Images(Tensor::from_data(
                TensorData::new(v, [n, channels, height, width]),
                device,
            )),
            (InputShape::Tokens { max_len, .. }, HostValues::Ids(v)) => {
                Input::Tokens(Tensor::from_data(TensorData::new(v, [n, max_len]), device))
            }
            (InputShape::Rows { features }, HostValues::Floats(v)) => {
                Input::Rows(Tensor::from_data(TensorData::new(v, [n, features]), device))
            }
            (shape, _) => panic!("HostValues::to_input: wrong value kind for {shape:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deinterleave_splits_copies_and_append_joins() {
        // Two examples, two copies of three values: [e0c0, e0c1, e1c0, e1c1].
        let v = HostValues::Floats((0..12).map(|x| x as f32).collect());
        let parts = v.deinterleave(2, 3);
        assert_eq!(
            parts[0],
            HostValues::Floats(vec![0.0, 1.0, 2.0, 6.0, 7.0, 8.0])
        );
        assert_eq!(
            parts[1],
            HostValues::Floats(vec![3.0, 4.0, 5.0, 9.0, 10.0, 11.0])
        );
        let mut ids = HostValues::Ids(vec![1, 2]);
        ids.append(&HostValues::Ids(vec![3]));
        assert_eq!(ids, HostValues::Ids(vec![1, 2, 3]));
        assert_eq!(ids.slice(1..3), HostValues::Ids(vec![2, 3]));
    }
}
