//! The augmentation benchmark: how many images per second the MNIST pipeline of issue 3
//! transforms, every copy materialised (compared with torchvision v2 by `bench/augment.sh`).

use std::time::Instant;

use serde::Serialize;

use crate::transform::{OpConfig, Transform, TransformConfig, augment_batch};
use crate::{DataError, ImageSet};

/// The benchmark pipeline, the same on both sides (torchvision's in
/// `bench/augment_torchvision.py`): random resized crop back to the full size (scale 0.4–1, ratio
/// 3/4–4/3), rotation ±15°, translation ±0.1, elastic distortion (α = 20, σ = 4) with p = 0.3,
/// brightness and contrast jitter 0.4 with p = 0.8.
pub fn mnist_pipeline() -> TransformConfig {
    TransformConfig {
        fill: 0.0,
        ops: vec![
            OpConfig::ResizedCrop {
                scale: [0.4, 1.0],
                ratio: [3.0 / 4.0, 4.0 / 3.0],
                p: 1.0,
            },
            OpConfig::Rotate {
                degrees: 15.0,
                p: 1.0,
            },
            OpConfig::Translate {
                fraction: 0.1,
                p: 1.0,
            },
            OpConfig::Elastic {
                alpha: 20.0,
                sigma: 4.0,
                p: 0.3,
            },
            OpConfig::Jitter {
                brightness: 0.4,
                contrast: 0.4,
                saturation: 0.0,
                hue: 0.0,
                p: 0.8,
            },
        ],
    }
}

/// What one benchmark run measured; serialised as the one JSON line `whac bench augment` prints.
#[derive(Debug, Clone, Serialize)]
pub struct AugmentBench {
    /// Always `"whac"` (the torchvision script prints `"torchvision"`).
    pub tool: &'static str,
    /// Images transformed (one copy each), after a warm-up batch that is not counted.
    pub images: usize,
    /// Wall-clock seconds for them.
    pub seconds: f64,
    /// `images / seconds`.
    pub images_per_second: f64,
    /// Worker threads.
    pub threads: usize,
    /// Images per call of [`augment_batch`].
    pub batch: usize,
    /// Mean value of the last batch of copies, a check that they were really made.
    pub mean_pixel: f64,
}

/// Transforms `images` images of `set` (its images in order, cycling) with `transform`, one copy
/// each, `batch` images per [`augment_batch`] call into a reused buffer, on a pool of `threads`
/// rayon threads (or rayon's default pool with `None`), and reports the rate. One batch is drawn
/// first, untimed, so that buffers are grown.
///
/// # Errors
/// [`DataError::Config`] for `images`, `batch` or `threads` of 0, or an empty `set`.
pub fn bench_augment(
    transform: &Transform,
    set: &ImageSet,
    images: usize,
    batch: usize,
    threads: Option<usize>,
) -> Result<AugmentBench, DataError> {
    let bad = |key: &str, value: usize, expected: &str| DataError::Config {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    };
    if images == 0 {
        return Err(bad("images", 0, "at least 1 image"));
    }
    if batch == 0 {
        return Err(bad("batch", 0, "at least 1 image per batch"));
    }
    if threads == Some(0) {
        return Err(bad("threads", 0, "at least 1 thread"));
    }
    if set.is_empty() {
        return Err(bad(
            "images in the data set",
            0,
            "a non-empty training split",
        ));
    }
    let run = || {
        let mut out = vec![0.0f32; batch * set.dim()];
        let mut idx = Vec::with_capacity(batch);
        let mut draw = |start: usize, len: usize, out: &mut Vec<f32>, epoch: u64| {
            idx.clear();
            idx.extend((start..start + len).map(|i| i % set.len()));
            out.resize(len * set.dim(), 0.0);
            augment_batch(transform, set, &idx, 1, 0, epoch, out);
        };
        draw(0, batch.min(images), &mut out, u64::MAX);
        let start = Instant::now();
        let mut done = 0;
        while done < images {
            let len = batch.min(images - done);
            draw(done, len, &mut out, 0);
            done += len;
        }
        let seconds = start.elapsed().as_secs_f64();
        let mean = out.iter().map(|&v| v as f64).sum::<f64>() / out.len().max(1) as f64;
        (seconds, mean)
    };
    let (seconds, mean_pixel, threads) = match threads {
        None => {
            let (s, m) = run();
            (s, m, rayon::current_num_threads())
        }
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .expect("building a rayon thread pool");
            let (s, m) = pool.install(run);
            (s, m, t)
        }
    };
    Ok(AugmentBench {
        tool: "whac",
        images,
        seconds,
        images_per_second: images as f64 / seconds.max(1e-12),
        threads,
        batch,
        mean_pixel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_the_digits_and_checks_its_arguments() {
        let set = crate::digits().unwrap().train;
        let t = mnist_pipeline().check().unwrap();
        let r = bench_augment(&t, &set, 300, 128, Some(2)).unwrap();
        assert_eq!(
            (r.images, r.threads, r.batch, r.tool),
            (300, 2, 128, "whac")
        );
        assert!(r.seconds > 0.0 && r.images_per_second > 0.0);
        assert!(r.mean_pixel > 0.0 && r.mean_pixel < 1.0);
        for (images, batch, threads, key) in [
            (0, 1, None, "images"),
            (1, 0, None, "batch"),
            (1, 1, Some(0), "threads"),
        ] {
            let msg = bench_augment(&t, &set, images, batch, threads)
                .unwrap_err()
                .to_string();
            assert!(msg.starts_with(&format!("{key} = 0")), "{msg}");
        }
    }
}
