//! The raw-input baseline: the features a linear probe and kNN are given when no encoder is
//! trained, so that the learned representation has something to beat.

use crate::input::Examples;

/// The raw features of a training and a test split, and their width:
/// - images: the pixels in [0, 1];
/// - table rows: the standardised features (the training split's mean and standard deviation);
/// - text: tf-idf bag of words over the whole vocabulary of the run (the training split's),
///   from each document's full token list: `tf = 1 + ln(count)` for a present token,
///   `idf = ln((1 + N) / (1 + df)) + 1` with `N` training documents of which `df` hold the token
///   (scikit-learn's smoothed idf), each row scaled to unit L2 norm; `<pad>` is left out.
///
/// # Shapes
/// `([train.len(), d], [test.len(), d], d)`
pub fn baseline_features(train: &Examples<'_>, test: &Examples<'_>) -> (Vec<f32>, Vec<f32>, usize) {
    match (*train, *test) {
        (Examples::Images { set: a, .. }, Examples::Images { set: b, .. }) => {
            (a.pixels.clone(), b.pixels.clone(), a.dim())
        }
        (Examples::Table { set: a, .. }, Examples::Table { set: b, .. }) => {
            (a.features.clone(), b.features.clone(), a.dim)
        }
        (Examples::Text { set: a, vocab, .. }, Examples::Text { set: b, .. }) => {
            let idf = inverse_document_frequency(&a.docs, vocab);
            (tf_idf(&a.docs, &idf), tf_idf(&b.docs, &idf), vocab)
        }
        _ => panic!("baseline_features: the training and test examples are of different kinds"),
    }
}

/// What [`baseline_features`] gives for these examples, in words: `raw pixels`,
/// `standardised features` or `tf-idf bag of words`.
pub fn baseline_name(examples: &Examples<'_>) -> &'static str {
    match examples {
        Examples::Images { .. } => "raw pixels",
        Examples::Table { .. } => "standardised features",
        Examples::Text { .. } => "tf-idf bag of words",
    }
}

/// `ln((1 + N) / (1 + df)) + 1` for each id below `vocab`.
pub fn inverse_document_frequency(docs: &[Vec<u32>], vocab: usize) -> Vec<f32> {
    let mut df = vec![0usize; vocab];
    let mut seen = vec![usize::MAX; vocab];
    for (d, doc) in docs.iter().enumerate() {
        for &t in doc {
            let t = t as usize;
            if t < vocab && seen[t] != d {
                seen[t] = d;
                df[t] += 1;
            }
        }
    }
    let n = docs.len() as f64;
    df.iter()
        .map(|&f| ((1.0 + n) / (1.0 + f as f64)).ln() as f32 + 1.0)
        .collect()
}

/// Rows `[docs.len(), idf.len()]` of L2-normalised `(1 + ln count) · idf` (see
/// [`baseline_features`]).
pub fn tf_idf(docs: &[Vec<u32>], idf: &[f32]) -> Vec<f32> {
    let vocab = idf.len();
    let mut out = vec![0.0f32; docs.len() * vocab];
    for (row, doc) in out.chunks_exact_mut(vocab.max(1)).zip(docs) {
        for &t in doc {
            let t = t as usize;
            if t != whac_data::text::PAD as usize && t < vocab {
                row[t] += 1.0;
            }
        }
        let mut norm = 0.0f64;
        for (v, &w) in row.iter_mut().zip(idf) {
            if *v > 0.0 {
                *v = (1.0 + v.ln()) * w;
                norm += f64::from(*v) * f64::from(*v);
            }
        }
        if norm > 0.0 {
            let inv = (1.0 / norm.sqrt()) as f32;
            row.iter_mut().for_each(|v| *v *= inv);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_idf_by_hand() {
        // Vocabulary of 5 ids; id 3 in both documents, id 4 twice in the first only.
        let docs = vec![vec![3, 4, 4], vec![3, 0]];
        let idf = inverse_document_frequency(&docs, 5);
        let n = 2.0f64;
        let expect_idf = |df: f64| (((1.0 + n) / (1.0 + df)).ln() + 1.0) as f32;
        assert_eq!(idf[3], expect_idf(2.0));
        assert_eq!(idf[4], expect_idf(1.0));
        assert_eq!(idf[1], expect_idf(0.0));
        let rows = tf_idf(&docs, &idf);
        // Document 0: id 3 → 1·idf3, id 4 → (1 + ln 2)·idf4, then unit norm.
        let (a, b) = (f64::from(idf[3]), (1.0 + 2f64.ln()) * f64::from(idf[4]));
        let norm = (a * a + b * b).sqrt();
        assert!((f64::from(rows[3]) - a / norm).abs() < 1e-6);
        assert!((f64::from(rows[4]) - b / norm).abs() < 1e-6);
        assert_eq!(&rows[..3], &[0.0, 0.0, 0.0]);
        // Document 1: only id 3 counts (0 is padding), so it is a unit vector on id 3.
        assert_eq!(&rows[5..8], &[0.0, 0.0, 0.0]);
        assert!(
            (rows[8] - 1.0).abs() < 1e-6 && rows[9] == 0.0,
            "{:?}",
            &rows[5..]
        );
    }
}
