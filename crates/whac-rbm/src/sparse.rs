//! Products with sparse binary state matrices, as sums of selected rows.
//!
//! The visible states of an RBM on thresholded MNIST are binary and sparse (about 13 % ones, in
//! the data and in the model's samples). Then `V · W` is, row by row, the sum of the rows of `W`
//! where `v = 1`, and `Vᵀ P` adds each row of `P` into the rows of the result named by the ones
//! of `V`: at density ρ that is ρ of a dense gemm's multiply-adds, done as vectorised row
//! additions. A gemm runs at the machine's peak and a row addition at about a third of it
//! (one load per add), so the row form wins below ρ ≈ 1/3; [`MAX_DENSITY`] keeps a margin and
//! everything denser (or not binary) goes to the dense gemm. No sparse-matrix crate fits: they
//! store values (here every value is 1) and their products are not vectorised for this shape.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

/// Above this fraction of ones a dense gemm is faster (see the module documentation).
pub(crate) const MAX_DENSITY: f64 = 0.25;

/// Rows per parallel task: enough for a tile of the right-hand matrix to be reused.
const ROWS_PER_TASK: usize = 32;

/// The positions of the ones of a binary matrix, row by row (compressed sparse rows without
/// values): the ones of row `r` are at columns `index[start[r]..start[r + 1]]`, ascending.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ones {
    cols: usize,
    start: Vec<usize>,
    index: Vec<u32>,
}

impl Ones {
    /// The ones of row-major `x` (rows of `cols`) when every value is exactly 0 or 1 and at most
    /// [`MAX_DENSITY`] of them are 1; otherwise `None`, and the caller uses a dense product.
    pub(crate) fn of(x: &[f32], cols: usize) -> Option<Self> {
        if cols == 0 || x.is_empty() || cols > u32::MAX as usize {
            return None;
        }
        let limit = (MAX_DENSITY * x.len() as f64) as usize;
        // Per block of rows: its ones, or None if a value is not binary.
        let blocks: Vec<Option<(Vec<usize>, Vec<u32>)>> = x
            .par_chunks(cols * ROWS_PER_TASK)
            .map(|block| Arch::new().dispatch(FindOnes { block, cols }))
            .collect();
        let total: usize = blocks
            .iter()
            .map(|b| b.as_ref().map_or(0, |b| b.1.len()))
            .sum();
        if blocks.iter().any(Option::is_none) || total > limit {
            return None;
        }
        let mut start = Vec::with_capacity(x.len() / cols + 1);
        start.push(0);
        let mut index = Vec::with_capacity(total);
        for (counts, ones) in blocks.into_iter().flatten() {
            for c in counts {
                start.push(start.last().copied().unwrap_or(0) + c);
            }
            index.extend(ones);
        }
        Some(Self { cols, start, index })
    }

    /// Rows of the matrix.
    pub(crate) fn rows(&self) -> usize {
        self.start.len() - 1
    }

    /// The ones of row `r`.
    fn row(&self, r: usize) -> &[u32] {
        &self.index[self.start[r]..self.start[r + 1]]
    }

    /// The same matrix transposed: for each column, the rows holding a one (ascending).
    pub(crate) fn transpose(&self) -> Self {
        let mut counts = vec![0usize; self.cols + 1];
        for &i in &self.index {
            counts[i as usize + 1] += 1;
        }
        for c in 1..counts.len() {
            counts[c] += counts[c - 1];
        }
        let start = counts.clone();
        let mut next = counts;
        let mut index = vec![0u32; self.index.len()];
        for r in 0..self.rows() {
            for &i in self.row(r) {
                index[next[i as usize]] = r as u32;
                next[i as usize] += 1;
            }
        }
        Self {
            cols: self.rows(),
            start,
            index,
        }
    }

    /// `X · W`: row `r` of the result is the sum of the rows `i` of `W` with `x[r, i] = 1` (in a
    /// fixed order, so the result is reproducible).
    ///
    /// # Shapes
    /// `X`: `n × cols` (self), `w`: `cols × k` (tiled) → `n × k`.
    pub(crate) fn mul(&self, w: &Tiled) -> Vec<f32> {
        assert_eq!(
            w.rows, self.cols,
            "W has {} rows, X {} columns",
            w.rows, self.cols
        );
        let k = w.cols;
        let mut out = vec![0.0f32; self.rows() * k];
        if k == 0 {
            return out;
        }
        out.par_chunks_mut(k * ROWS_PER_TASK)
            .enumerate()
            .for_each(|(b, out)| {
                Arch::new().dispatch(MulRows {
                    ones: self,
                    first: b * ROWS_PER_TASK,
                    out,
                    w,
                })
            });
        out
    }
}

/// The ones of a block of rows (whole rows of `cols`): per row the count, and the column
/// indices; `None` if a value is neither 0 nor 1. A pulp kernel: each group of 16 values becomes
/// a bit mask in one vector compare, and only the set bits are visited, so there is no branch
/// per value to mispredict.
struct FindOnes<'a> {
    block: &'a [f32],
    cols: usize,
}

impl WithSimd for FindOnes<'_> {
    type Output = Option<(Vec<usize>, Vec<u32>)>;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> Self::Output {
        let mut counts = Vec::with_capacity(ROWS_PER_TASK);
        // Room for the densest block taken, so the vector rarely grows.
        let mut index = Vec::with_capacity((self.block.len() as f64 * MAX_DENSITY) as usize + 1);
        for row in self.block.chunks(self.cols) {
            let before = index.len();
            let mut other = false;
            for (g, group) in row.chunks(TILE).enumerate() {
                let mut mask = 0u32;
                for (l, &v) in group.iter().enumerate() {
                    mask |= u32::from(v == 1.0) << l;
                    other |= v != 0.0 && v != 1.0;
                }
                while mask != 0 {
                    index.push((g * TILE) as u32 + mask.trailing_zeros());
                    mask &= mask - 1;
                }
            }
            if other {
                return None;
            }
            counts.push(index.len() - before);
        }
        Some((counts, index))
    }
}

/// Columns per tile: one AVX-512 register, one cache line.
const TILE: usize = 16;

/// Sixteen f32 on one cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(align(64))]
struct Line([f32; TILE]);

/// A row-major `rows × cols` matrix stored as column tiles of [`TILE`]: tile `t` holds columns
/// `16t..16t + 16` of every row, one cache line per row, so a tile of `W` (50 kB for 784 rows)
/// is contiguous and each selected row is one aligned load. Columns past `cols` are zero.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tiled {
    rows: usize,
    cols: usize,
    lines: Vec<Line>,
}

impl Tiled {
    /// Tiles row-major `src` (rows of `cols`).
    pub(crate) fn new(src: &[f32], cols: usize) -> Self {
        let rows = src.len().checked_div(cols).unwrap_or(0);
        let tiles = cols.div_ceil(TILE);
        let mut lines = vec![Line::default(); tiles * rows];
        if rows > 0 {
            lines
                .par_chunks_mut(rows)
                .enumerate()
                .for_each(|(t, tile)| {
                    let (c0, c1) = (t * TILE, ((t + 1) * TILE).min(cols));
                    for (line, row) in tile.iter_mut().zip(src.chunks(cols)) {
                        line.0[..c1 - c0].copy_from_slice(&row[c0..c1]);
                    }
                });
        }
        Self { rows, cols, lines }
    }

    /// Tile `t`: one line per row.
    fn tile(&self, t: usize) -> &[Line] {
        &self.lines[t * self.rows..(t + 1) * self.rows]
    }
}

/// Rows `first..` of `X · W` into `out` (whole rows); a pulp kernel, so the loops are compiled for
/// the CPU's vector width (closures passed to `dispatch` are not reliably inlined into the
/// vectorised context; a `WithSimd` type is).
struct MulRows<'a> {
    ones: &'a Ones,
    first: usize,
    out: &'a mut [f32],
    w: &'a Tiled,
}

impl WithSimd for MulRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let k = self.w.cols;
        let rows = self.out.len() / k;
        // Tile-outer: one tile of W is reused by every row of the block.
        for t in 0..k.div_ceil(TILE) {
            let (c0, c1) = (t * TILE, ((t + 1) * TILE).min(k));
            let tile = self.w.tile(t);
            for i in 0..rows {
                let sum = row_sum(tile, self.ones.row(self.first + i));
                let out = &mut self.out[i * k + c0..i * k + c1];
                match <&mut [f32; TILE]>::try_from(&mut *out) {
                    Ok(full) => *full = sum,
                    Err(_) => out.copy_from_slice(&sum[..c1 - c0]),
                }
            }
        }
    }
}

/// `Σ_{r ∈ rows} tile[r]`, in four independent accumulators (rows `4q + p` into accumulator
/// `p`, then `(a₀ + a₁) + (a₂ + a₃)`), so the adds do not wait on each other; the order is
/// fixed, so the result is too.
#[inline(always)]
fn row_sum(tile: &[Line], rows: &[u32]) -> [f32; TILE] {
    let mut acc = [[0.0f32; TILE]; 4];
    let mut quads = rows.chunks_exact(4);
    for q in &mut quads {
        for (a, &r) in acc.iter_mut().zip(q) {
            let s = &tile[r as usize].0;
            for l in 0..TILE {
                a[l] += s[l];
            }
        }
    }
    for &r in quads.remainder() {
        let s = &tile[r as usize].0;
        for l in 0..TILE {
            acc[0][l] += s[l];
        }
    }
    let mut sum = [0.0f32; TILE];
    for l in 0..TILE {
        sum[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    sum
}

/// One term `β · (X − 1μᵀ)ᵀ (P − 1λᵀ)` of [`scaled_products`]: `ones_t` is `Xᵀ` as [`Ones`]
/// (`D` rows over the `m` rows of `X`), `p` is `P` (`m × k`) tiled.
pub(crate) struct Term<'a> {
    pub ones_t: &'a Ones,
    pub p: &'a Tiled,
    pub beta: f32,
}

/// `dst = α · dst + Σ_terms β (X − 1μᵀ)ᵀ (P − 1λᵀ)`, or without the `α · dst` when `alpha` is
/// `None`; `offsets = Some((μ, λ))` centres, `None` is `μ = λ = 0`.
///
/// Row `i` of `XᵀP` is the sum of the rows `r` of `P` with `x[r, i] = 1`; centring adds the
/// rank-one terms of `(X − 1μᵀ)ᵀ(P − 1λᵀ) = XᵀP − t λᵀ − μ (s − mλ)ᵀ`, with `t = Xᵀ1` (the
/// ones per column of `X`) and `s = Pᵀ1`, so the centred matrices are never formed.
///
/// # Shapes
/// `dst`: `D × k`; `μ`: `D`; `λ`: `k`.
pub(crate) fn scaled_products(
    dst: &mut [f32],
    k: usize,
    alpha: Option<f32>,
    terms: &[Term<'_>],
    offsets: Option<(&[f32], &[f32])>,
) {
    if k == 0 {
        return;
    }
    // Per term, for centring: u = s − mλ.
    let rank_one: Vec<Option<Vec<f32>>> = terms
        .iter()
        .map(|t| {
            assert_eq!(dst.len(), t.ones_t.rows() * k, "destination is not D × {k}");
            assert_eq!((t.p.rows, t.p.cols), (t.ones_t.cols, k), "P is not m × {k}");
            offsets.map(|(_, lambda)| {
                let m = t.p.rows as f32;
                (0..k)
                    .map(|c| {
                        let s: f32 = t.p.tile(c / TILE).iter().map(|l| l.0[c % TILE]).sum();
                        s - m * lambda[c]
                    })
                    .collect()
            })
        })
        .collect();
    dst.par_chunks_mut(k * ROWS_PER_TASK)
        .enumerate()
        .for_each(|(b, dst)| {
            Arch::new().dispatch(ProductRows {
                dst,
                first: b * ROWS_PER_TASK,
                k,
                alpha,
                terms,
                rank_one: &rank_one,
                offsets,
            })
        });
}

/// Rows `first..` of [`scaled_products`] (whole rows of `k` in `dst`); a pulp kernel like
/// [`MulRows`].
struct ProductRows<'a> {
    dst: &'a mut [f32],
    first: usize,
    k: usize,
    alpha: Option<f32>,
    terms: &'a [Term<'a>],
    rank_one: &'a [Option<Vec<f32>>],
    offsets: Option<(&'a [f32], &'a [f32])>,
}

impl WithSimd for ProductRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let k = self.k;
        let rows = self.dst.len() / k;
        // Tile-outer: the tiles of P₀ and P̃ (m lines each) are reused by every row.
        for t in 0..k.div_ceil(TILE) {
            let (c0, c1) = (t * TILE, ((t + 1) * TILE).min(k));
            for ii in 0..rows {
                let i = self.first + ii;
                let out = &mut self.dst[ii * k + c0..ii * k + c1];
                match self.alpha {
                    None => out.fill(0.0),
                    Some(a) => out.iter_mut().for_each(|x| *x *= a),
                }
                for (term, u) in self.terms.iter().zip(self.rank_one) {
                    let ones = term.ones_t.row(i);
                    let sum = row_sum(term.p.tile(t), ones);
                    match <&mut [f32; TILE]>::try_from(&mut *out) {
                        Ok(full) => {
                            for l in 0..TILE {
                                full[l] += term.beta * sum[l];
                            }
                        }
                        Err(_) => {
                            for (x, s) in out.iter_mut().zip(sum) {
                                *x += term.beta * s;
                            }
                        }
                    }
                    if let (Some((mu, lambda)), Some(u)) = (self.offsets, u) {
                        let (a, b) = (-term.beta * ones.len() as f32, -term.beta * mu[i]);
                        for ((x, &l), &u) in out.iter_mut().zip(&lambda[c0..c1]).zip(&u[c0..c1]) {
                            *x += a * l + b * u;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    fn binary(rows: usize, cols: usize, density: f32, seed: u64) -> Vec<f32> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..rows * cols)
            .map(|_| f32::from(rng.random::<f32>() < density))
            .collect()
    }

    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..len).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
    }

    #[test]
    fn only_sparse_binary_matrices_are_taken() {
        assert!(Ones::of(&binary(20, 30, 0.1, 1), 30).is_some());
        assert!(Ones::of(&binary(20, 30, 0.6, 1), 30).is_none());
        let mut x = binary(20, 30, 0.1, 1);
        x[77] = 0.5;
        assert!(Ones::of(&x, 30).is_none());
    }

    /// `X · W` and the centred, scaled `Σ β (X − μ)ᵀ(P − λ)` against triple loops over dense
    /// copies; the transpose against the definition.
    #[test]
    fn products_match_dense_loops() {
        let (n, m, d, k) = (13, 11, 37, 19);
        let x = binary(n, d, 0.2, 2);
        let y = binary(m, d, 0.15, 3);
        let w = values(d * k, 4);
        let ones = Ones::of(&x, d).unwrap();
        let got = ones.mul(&Tiled::new(&w, k));
        for r in 0..n {
            for c in 0..k {
                let want: f32 = (0..d).map(|i| x[r * d + i] * w[i * k + c]).sum();
                assert!((got[r * k + c] - want).abs() < 1e-5, "({r}, {c})");
            }
        }
        let t = ones.transpose();
        for i in 0..d {
            let want: Vec<u32> = (0..n as u32)
                .filter(|&r| x[r as usize * d + i] == 1.0)
                .collect();
            assert_eq!(t.row(i), &want[..]);
        }

        let (p, q) = (values(n * k, 5), values(m * k, 6));
        let (mu, lambda) = (values(d, 7), values(k, 8));
        let start = values(d * k, 9);
        let y_t = Ones::of(&y, d).unwrap().transpose();
        for offsets in [None, Some((&mu[..], &lambda[..]))] {
            let mut got = start.clone();
            let (pt, qt) = (Tiled::new(&p, k), Tiled::new(&q, k));
            let terms = [
                Term {
                    ones_t: &t,
                    p: &pt,
                    beta: 0.3,
                },
                Term {
                    ones_t: &y_t,
                    p: &qt,
                    beta: -0.7,
                },
            ];
            scaled_products(&mut got, k, Some(0.9), &terms, offsets);
            let (mu0, la0) = offsets.unwrap_or((&[0.0; 37][..], &[0.0; 19][..]));
            for i in 0..d {
                for c in 0..k {
                    let mut want = 0.9 * start[i * k + c];
                    for r in 0..n {
                        want += 0.3 * (x[r * d + i] - mu0[i]) * (p[r * k + c] - la0[c]);
                    }
                    for r in 0..m {
                        want -= 0.7 * (y[r * d + i] - mu0[i]) * (q[r * k + c] - la0[c]);
                    }
                    let g = got[i * k + c];
                    assert!((g - want).abs() < 1e-4, "({i}, {c}): {g} vs {want}");
                }
            }
        }
    }
}
