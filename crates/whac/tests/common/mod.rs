//! Fixtures shared by the integration tests.

/// Deterministic pseudo-random numbers in [-1, 1] from a linear congruential generator, so
/// fixtures need no RNG crate and stay the same across rand versions.
pub fn fixture(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}
