//! A safe, checked wrapper around `gemm::gemm` for f32 and f64 matrices.
//!
//! This is the only file of the crate with `unsafe`: gemm takes raw pointers and strides. The
//! wrapper checks every shape and bound before the call, so the rest of the crate stays safe.
#![allow(unsafe_code)]

use gemm::Parallelism;
use rayon::prelude::*;

/// The element types the wrapper accepts: those `gemm` supports (f32, f64). Sealed.
pub trait Element:
    Copy + Default + Send + Sync + std::ops::Mul<Output = Self> + 'static + sealed::Sealed
{
    /// The multiplicative identity.
    const ONE: Self;
}

impl Element for f32 {
    const ONE: Self = 1.0;
}

impl Element for f64 {
    const ONE: Self = 1.0;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A borrowed matrix with explicit element strides, so a transpose is free.
///
/// Invariant (set by [`MatRef::row_major`], kept by [`MatRef::t`]): when `rows` and `cols` are
/// non-zero, `(rows − 1)·row_stride + (cols − 1)·col_stride < data.len()`, so every element the
/// matrix names lies inside `data`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T = f32> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// The first `rows × cols` values of `data`, row-major.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        assert!(
            data.len() >= rows * cols,
            "matrix of {rows} × {cols} needs {} values, got {}",
            rows * cols,
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// Rows `first..first + rows` of the matrix, sharing storage.
    fn row_band(self, first: usize, rows: usize) -> Self {
        assert!(
            first + rows <= self.rows,
            "rows {first}..{} of {}",
            first + rows,
            self.rows
        );
        if rows == 0 {
            return Self { rows, ..self };
        }
        Self {
            data: &self.data[first * self.row_stride..],
            rows,
            ..self
        }
    }

    /// The transpose, sharing storage.
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// `dst = a · b` (or `dst += a · b` when `accumulate`), with `dst` contiguous row-major.
///
/// # Shapes
/// `a`: m × k, `b`: k × n, `dst`: m × n (`dst.len() == m · n`). Runs on the rayon pool.
pub fn matmul<T: Element>(dst: &mut [T], a: MatRef<T>, b: MatRef<T>, accumulate: bool) {
    let alpha = accumulate.then_some(T::ONE);
    parallel_gemm(dst, a, b, alpha, T::ONE);
}

/// `dst = alpha · dst + beta · a · b`, or `dst = beta · a · b` when `alpha` is `None` (`dst` is
/// then not read, so it may hold anything). The scaling happens inside gemm's store, so a
/// scaled update such as `v = μ·v + η·aᵀb` costs no extra pass over `dst`.
///
/// # Shapes
/// As [`matmul`]. Runs on the rayon pool.
pub fn matmul_scaled<T: Element>(
    dst: &mut [T],
    a: MatRef<T>,
    b: MatRef<T>,
    alpha: Option<T>,
    beta: T,
) {
    parallel_gemm(dst, a, b, alpha, beta);
}

/// Rows of `dst` below which one thread does the whole product.
const MIN_ROWS_TO_SPLIT: usize = 64;

/// The product on the rayon pool as one serial gemm per thread, each on its own band of `dst`'s
/// rows. gemm's own rayon mode splits shapes like the RBM's (m = 256, k = 784, n = 500) poorly
/// over two threads; equal bands keep both cores in their micro-kernels. Every element is
/// computed by one serial gemm with the same blocking of `k`, so the banded result does not
/// depend on the number of threads (tested). Below [`MIN_ROWS_TO_SPLIT`] rows (for example a
/// few kNN queries against many training rows) or on one thread, gemm's own rayon mode runs the
/// product, splitting the columns; a malformed `dst` goes there too, for `checked_gemm`'s
/// message.
fn parallel_gemm<T: Element>(dst: &mut [T], a: MatRef<T>, b: MatRef<T>, alpha: Option<T>, beta: T) {
    let (m, n) = (a.rows, b.cols);
    let threads = rayon::current_num_threads();
    if threads < 2 || m < MIN_ROWS_TO_SPLIT || n == 0 || dst.len() != m * n {
        return checked_gemm(dst, a, b, alpha, beta, Parallelism::Rayon(0));
    }
    // Bands in multiples of 16 rows (the micro-kernel's height).
    let band = m.div_ceil(threads).next_multiple_of(16);
    dst.par_chunks_mut(band * n).enumerate().for_each(|(i, d)| {
        let rows = d.len() / n;
        checked_gemm(
            d,
            a.row_band(i * band, rows),
            b,
            alpha,
            beta,
            Parallelism::None,
        );
    });
}

/// [`matmul`] on the calling thread only, for small blocks inside an outer parallel loop.
pub fn matmul_serial<T: Element>(dst: &mut [T], a: MatRef<T>, b: MatRef<T>, accumulate: bool) {
    let alpha = accumulate.then_some(T::ONE);
    checked_gemm(dst, a, b, alpha, T::ONE, Parallelism::None);
}

fn checked_gemm<T: Element>(
    dst: &mut [T],
    a: MatRef<T>,
    b: MatRef<T>,
    alpha: Option<T>,
    beta: T,
    par: Parallelism,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(
        b.rows, k,
        "matmul inner dimensions differ: {m} × {k} times {} × {n}",
        b.rows
    );
    assert_eq!(
        dst.len(),
        m * n,
        "matmul destination has {} values, needs {m} × {n}",
        dst.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        match alpha {
            None => dst.fill(T::default()),
            Some(alpha) => dst.iter_mut().for_each(|x| *x = alpha * *x),
        }
        return;
    }
    // Strides are element counts of in-bounds offsets, so they fit in isize.
    let s = |x: usize| x as isize;
    // SAFETY: `dst` holds exactly m·n contiguous values addressed with row stride n and column
    // stride 1, and is borrowed mutably, so nothing aliases it. By the `MatRef` invariant every
    // element of `a` (m × k) and `b` (k × n) read through its strides lies inside its slice, and
    // both are shared borrows that cannot overlap `dst`. `gemm` computes
    // dst := alpha·dst + beta·lhs·rhs and reads `dst` only when `read_dst` is true; the sealed
    // `Element` admits only f32 and f64, element types gemm supports, so it does not panic on the
    // type.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            s(n),
            alpha.is_some(),
            a.data.as_ptr(),
            s(a.col_stride),
            s(a.row_stride),
            b.data.as_ptr(),
            s(b.col_stride),
            s(b.row_stride),
            alpha.unwrap_or(T::ONE),
            beta,
            false,
            false,
            false,
            par,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Naive triple loop over row-major `a` (m × k) and `b` (k × n).
    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn matches_naive_loops_with_and_without_transposes() {
        let (m, k, n) = (7, 5, 3);
        let a = values(m * k, 1);
        let b = values(k * n, 2);
        let want = naive(&a, &b, m, k, n);
        let mut got = vec![f32::NAN; m * n];
        matmul(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            false,
        );
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-5, "{g} vs {w}");
        }
        // aᵀ stored as k × m, bᵀ stored as n × k: transposing both views gives a · b again.
        let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        let mut got_t = vec![0.0; m * n];
        matmul(
            &mut got_t,
            MatRef::row_major(&at, k, m).t(),
            MatRef::row_major(&bt, n, k).t(),
            false,
        );
        for (g, w) in got_t.iter().zip(&want) {
            assert!((g - w).abs() < 1e-5, "{g} vs {w}");
        }
        // Accumulating adds a second product on top (here on the calling thread only).
        matmul_serial(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            true,
        );
        for (g, w) in got.iter().zip(&want) {
            assert!((g - 2.0 * w).abs() < 1e-5, "{g} vs {}", 2.0 * w);
        }
        // Scaled: 0.5 · (2 a·b) + (−3) · a·b = −2 a·b; without alpha, dst is overwritten.
        matmul_scaled(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            Some(0.5),
            -3.0,
        );
        for (g, w) in got.iter().zip(&want) {
            assert!((g + 2.0 * w).abs() < 1e-5, "{g} vs {}", -2.0 * w);
        }
        let mut fresh = vec![f32::NAN; m * n];
        matmul_scaled(
            &mut fresh,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            None,
            0.25,
        );
        for (g, w) in fresh.iter().zip(&want) {
            assert!((g - 0.25 * w).abs() < 1e-5, "{g} vs {}", 0.25 * w);
        }
    }

    /// Large enough to be split into bands of rows: the same bits on 1 and 3 threads, and the
    /// naive product to rounding.
    #[test]
    fn row_bands_do_not_change_the_result() {
        let (m, k, n) = (150, 33, 17);
        let a = values(m * k, 3);
        let b = values(k * n, 4);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut out = vec![0.0f32; m * n];
            pool.install(|| {
                matmul(
                    &mut out,
                    MatRef::row_major(&a, m, k),
                    MatRef::row_major(&b, k, n),
                    false,
                )
            });
            out
        };
        let (one, three) = (run(1), run(3));
        assert_eq!(one, three);
        for (g, w) in three.iter().zip(naive(&a, &b, m, k, n)) {
            assert!((g - w).abs() < 1e-4, "{g} vs {w}");
        }
    }

    #[test]
    fn f64_matches_naive_loops_to_rounding() {
        let (m, k, n) = (9, 6, 4);
        let a: Vec<f64> = values(m * k, 3).iter().map(|&x| x as f64 / 3.0).collect();
        let b: Vec<f64> = values(k * n, 4).iter().map(|&x| x as f64 / 7.0).collect();
        let mut got = vec![f64::NAN; m * n];
        matmul(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            false,
        );
        for i in 0..m {
            for j in 0..n {
                let w: f64 = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
                assert!(
                    (got[i * n + j] - w).abs() < 1e-14,
                    "{} vs {w}",
                    got[i * n + j]
                );
            }
        }
    }
}
