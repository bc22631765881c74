//! Cosine similarities between two views of the same examples: positives (an example with its
//! own other view) and negatives (an example with other examples' views), and a fixed-bin
//! histogram to compare their distributions.

/// Cosine similarities of `a_i` with `b_i` (positives, `n` of them) and of `a_i` with
/// `b_{(i+o) mod n}` for `o = 1..=offsets` (negatives, `n · min(offsets, n − 1)` of them).
/// `a` and `b` are `n × d` row-major; a zero row has similarity 0 with everything.
///
/// # Panics
/// If `a` and `b` differ in length or are not a multiple of `d`.
pub fn pair_similarities(a: &[f32], b: &[f32], d: usize, offsets: usize) -> (Vec<f32>, Vec<f32>) {
    assert!(
        d > 0 && a.len() == b.len() && a.len().is_multiple_of(d),
        "views are not both n × {d}"
    );
    let n = a.len() / d;
    let unit = |m: &[f32]| -> Vec<f32> {
        m.chunks(d)
            .flat_map(|r| {
                let norm = r.iter().map(|x| x * x).sum::<f32>().sqrt();
                let s = if norm > 0.0 { 1.0 / norm } else { 0.0 };
                r.iter().map(move |x| x * s)
            })
            .collect()
    };
    let (a, b) = (unit(a), unit(b));
    let cos = |i: usize, j: usize| -> f32 {
        a[i * d..(i + 1) * d]
            .iter()
            .zip(&b[j * d..(j + 1) * d])
            .map(|(x, y)| x * y)
            .sum()
    };
    let positives = (0..n).map(|i| cos(i, i)).collect();
    let offsets = offsets.min(n.saturating_sub(1));
    let negatives = (0..n)
        .flat_map(|i| (1..=offsets).map(move |o| (i, (i + o) % n)))
        .map(|(i, j)| cos(i, j))
        .collect();
    (positives, negatives)
}

/// Counts of `values` in `bins` equal bins over `[lo, hi]` (the last bin includes `hi`); values
/// outside the range or not finite are not counted.
pub fn histogram(values: &[f32], lo: f32, hi: f32, bins: usize) -> Vec<usize> {
    let mut counts = vec![0usize; bins];
    if bins == 0 || hi <= lo {
        return counts;
    }
    let width = (hi - lo) / bins as f32;
    for &v in values {
        if v.is_finite() && v >= lo && v <= hi {
            let k = (((v - lo) / width) as usize).min(bins - 1);
            counts[k] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positives_pair_rows_and_negatives_pair_other_rows() {
        // Three examples on the axes of the plane; view b is view a scaled (cosine ignores it).
        let a = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
        let b = [2.0, 0.0, 0.0, 3.0, -0.5, 0.0];
        let (pos, neg) = pair_similarities(&a, &b, 2, 5);
        assert_eq!(pos, vec![1.0, 1.0, 1.0]);
        // offsets capped at n − 1 = 2: (0,1) (0,2) (1,2) (1,0) (2,0) (2,1).
        assert_eq!(neg, vec![0.0, -1.0, 0.0, 0.0, -1.0, 0.0]);
    }

    #[test]
    fn histogram_counts_each_value_once_in_its_bin() {
        let counts = histogram(
            &[-1.0, -0.5, 0.0, 0.49, 0.5, 1.0, 1.5, f32::NAN],
            -1.0,
            1.0,
            4,
        );
        assert_eq!(counts, vec![1, 1, 2, 2]);
        assert_eq!(histogram(&[0.0], 1.0, 1.0, 3), vec![0, 0, 0]);
    }
}
