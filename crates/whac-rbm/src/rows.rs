//! The elementwise work of a Gibbs step, one row at a time, written so that the compiler
//! vectorises it: the logistic sigmoid (through a polynomial `exp`, since libm's `expf` is a
//! scalar call), Bernoulli draws from a counter-based generator, and a squared error with lane
//! accumulators.
//!
//! Each function runs under `pulp`'s runtime dispatch, so the loops are compiled for AVX-512 /
//! AVX2 and picked by the CPU at hand, with a baseline-x86 fallback; no `unsafe`. Written by
//! hand because no maintained crate offers a vectorisable f32 `exp` plus a SIMD-friendly
//! counter-based generator; the algorithms are the classic ones (Cephes' `expf` range reduction
//! and polynomial; SplitMix64's output function, Steele, Lea & Flood 2014).

use pulp::{Arch, Simd, WithSimd};

/// Lanes of the independent accumulators in [`squared_error`]: one AVX-512 register of f32.
const LANES: usize = 16;

/// `e^x` for f32, within 2 ulp of the correctly rounded value on `[−87, 88]` (checked against f64
/// in the tests); inputs outside are clamped, so the result is finite and positive. NaN stays
/// NaN (callers never pass it).
///
/// Cephes' `expf`: `x = n ln 2 + r` with `n` the nearest integer and `|r| ≤ ln 2 / 2` (`ln 2`
/// split in two for exactness), `e^r` by a degree-6 polynomial, `2^n` by building the exponent
/// bits.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 · 2²³: adding it rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let r2 = r * r;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e_r = p * r2 + r + 1.0;
    // n ∈ [−126, 127] after the clamp, so the biased exponent n + 127 is a normal one; its
    // integer value is t's mantissa bits minus ROUND's.
    let biased = t.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127);
    e_r * f32::from_bits(biased << 23)
}

/// Logistic sigmoid `1 / (1 + e^{−x})` on the vectorisable [`exp`]; within 3 ulp of the f64
/// value (tests).
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `row[j] = σ(β (row[j] + bias[j]))`.
pub(crate) fn sigmoid_row(row: &mut [f32], bias: &[f32], beta: f32) {
    Arch::new().dispatch(SigmoidRow { row, bias, beta });
}

/// The pulp kernel of [`sigmoid_row`]. Each kernel is a `WithSimd` type rather than a closure
/// passed to `dispatch`: closures are not reliably inlined into the vectorised context.
struct SigmoidRow<'a> {
    row: &'a mut [f32],
    bias: &'a [f32],
    beta: f32,
}

impl WithSimd for SigmoidRow<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        for (x, &c) in self.row.iter_mut().zip(self.bias) {
            *x = sigmoid(self.beta * (*x + c));
        }
    }
}

/// SplitMix64's output function: a bijective mix of 64 bits whose outputs over consecutive
/// counters pass BigCrush.
#[inline(always)]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The key of row `r` under `seed`: every row gets its own SplitMix64 stream.
pub(crate) fn row_key(seed: u64, r: usize) -> u64 {
    mix64(seed ^ mix64((r as u64).wrapping_add(1).wrapping_mul(GAMMA)))
}

/// The uniform number in `[0, 1)` of column `j` of the row with key `key`: the top 24 bits of
/// the `j`-th output of the row's SplitMix64 stream.
#[inline(always)]
pub(crate) fn uniform(key: u64, j: usize) -> f32 {
    let z = mix64(key.wrapping_add((j as u64).wrapping_add(1).wrapping_mul(GAMMA)));
    (z >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
}

/// `out[j] = 1` with probability `p[j]`, else 0, from the row's stream (see [`uniform`]): a pure
/// function of `(key, j)`, so any split of the work gives the same draws.
pub(crate) fn bernoulli_row(out: &mut [f32], p: &[f32], key: u64) {
    Arch::new().dispatch(BernoulliRow { out, p, key });
}

/// The pulp kernel of [`bernoulli_row`].
struct BernoulliRow<'a> {
    out: &'a mut [f32],
    p: &'a [f32],
    key: u64,
}

impl WithSimd for BernoulliRow<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        for (j, (s, &p)) in self.out.iter_mut().zip(self.p).enumerate() {
            *s = if uniform(self.key, j) < p { 1.0 } else { 0.0 };
        }
    }
}

/// `Σ (a[j] − b[j])²`, in [`LANES`] f32 accumulators (so it vectorises) summed in f64 at the end;
/// the same inputs always give the same value.
///
/// # Panics
/// If `a` and `b` differ in length.
pub(crate) fn squared_error(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(
        a.len(),
        b.len(),
        "squared error of {} and {} values",
        a.len(),
        b.len()
    );
    Arch::new().dispatch(SquaredError { a, b })
}

/// The pulp kernel of [`squared_error`].
struct SquaredError<'a> {
    a: &'a [f32],
    b: &'a [f32],
}

impl WithSimd for SquaredError<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> f64 {
        let (a, b) = (self.a, self.b);
        let mut acc = [0.0f32; LANES];
        let (a_main, a_tail) = a.split_at(a.len() - a.len() % LANES);
        let (b_main, b_tail) = b.split_at(a_main.len());
        for (ca, cb) in a_main.chunks_exact(LANES).zip(b_main.chunks_exact(LANES)) {
            for l in 0..LANES {
                let e = ca[l] - cb[l];
                acc[l] += e * e;
            }
        }
        let tail: f64 = a_tail
            .iter()
            .zip(b_tail)
            .map(|(&x, &y)| ((x - y) as f64).powi(2))
            .sum();
        acc.iter().map(|&x| x as f64).sum::<f64>() + tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two f32 values of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_is_within_2_ulp_of_the_f64_value() {
        let mut worst = 0;
        let mut x = -87.0f32;
        while x < 88.0 {
            let want = (x as f64).exp() as f32;
            let got = exp(x);
            worst = worst.max(ulps(got, want));
            x += 0.000_731;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        // Clamped, never infinite or zero.
        assert!(exp(1000.0).is_finite() && exp(-1000.0) > 0.0);
    }

    #[test]
    fn sigmoid_is_within_3_ulp_of_the_f64_value_and_saturates() {
        let mut worst = 0;
        let mut x = -80.0f32;
        while x < 80.0 {
            let want = (1.0 / (1.0 + (-(x as f64)).exp())) as f32;
            worst = worst.max(ulps(sigmoid(x), want));
            x += 0.000_577;
        }
        assert!(worst <= 3, "worst error {worst} ulp");
        assert_eq!(sigmoid(200.0), 1.0);
        assert!(sigmoid(-200.0) >= 0.0 && sigmoid(-200.0) < 1e-37);
        let mut row = vec![0.5, -1.0, 3.0];
        sigmoid_row(&mut row, &[0.5, 1.0, -1.0], 2.0);
        assert!((row[0] - 0.880_797).abs() < 1e-6 && (row[1] - 0.5).abs() < 1e-7);
    }

    /// The draws are Bernoulli: frequencies within 5 standard errors for several `p`, columns
    /// and rows uncorrelated (neighbouring columns and neighbouring rows agree as often as
    /// independence predicts), and `p = 0` / `p = 1` are exact.
    #[test]
    fn draws_are_bernoulli_and_uncorrelated() {
        let cols = 1000;
        for &p in &[0.01f32, 0.13, 0.5, 0.9] {
            let probs = vec![p; cols];
            let rows = 400;
            let mut draws = vec![0.0f32; rows * cols];
            for (r, out) in draws.chunks_mut(cols).enumerate() {
                bernoulli_row(out, &probs, row_key(77, r));
            }
            let n = draws.len() as f64;
            let mean = draws.iter().map(|&x| x as f64).sum::<f64>() / n;
            let se = (p as f64 * (1.0 - p as f64) / n).sqrt();
            assert!((mean - p as f64).abs() < 5.0 * se, "p = {p}: mean {mean}");
            // P(both 1) for neighbours along a row and across rows is p².
            let both_cols = draws
                .chunks(cols)
                .flat_map(|row| row.windows(2).map(|w| (w[0] * w[1]) as f64))
                .sum::<f64>()
                / (rows * (cols - 1)) as f64;
            let both_rows = draws
                .chunks(cols)
                .zip(draws.chunks(cols).skip(1))
                .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x * y) as f64))
                .sum::<f64>()
                / ((rows - 1) * cols) as f64;
            let p2 = (p * p) as f64;
            let se2 = (p2 * (1.0 - p2) / n).sqrt();
            assert!(
                (both_cols - p2).abs() < 6.0 * se2,
                "p = {p}: columns {both_cols}"
            );
            assert!(
                (both_rows - p2).abs() < 6.0 * se2,
                "p = {p}: rows {both_rows}"
            );
        }
        let mut out = vec![0.5f32; 64];
        let edge: Vec<f32> = (0..64).map(|j| (j % 2) as f32).collect();
        bernoulli_row(&mut out, &edge, row_key(1, 0));
        assert_eq!(out, edge);
    }

    #[test]
    fn squared_error_matches_a_plain_sum() {
        let a: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).cos()).collect();
        let want: f64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| ((x - y) as f64).powi(2))
            .sum();
        assert!((squared_error(&a, &b) - want).abs() < 1e-5 * want);
    }
}
