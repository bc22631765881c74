//! A set of images (grayscale or colour) with class labels, and a train/test split of them.

/// Images with class labels: grayscale (`channels = 1`) or RGB (`channels = 3`).
///
/// `pixels` holds `len() * channels * height * width` values in `[0, 1]`, image after image, each
/// planar (channel after channel, as `[C, H, W]` tensors), each plane row-major. Every label is
/// below `num_classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// Pixel values in `[0, 1]`, shape `[len, channels, height, width]`, row-major.
    pub pixels: Vec<f32>,
    /// One label per image, each `< num_classes`.
    pub labels: Vec<u8>,
    /// Number of channels: 1 (grayscale) or 3 (RGB, in that order).
    pub channels: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// Number of classes.
    pub num_classes: usize,
}

/// A training set and a test set of images of the same size.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The training images.
    pub train: ImageSet,
    /// The held-out test images.
    pub test: ImageSet,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of values of one image: `channels * height * width`.
    pub fn dim(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The values of image `i`, `[channels, height, width]` row-major: `dim()` values.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn image(&self, i: usize) -> &[f32] {
        assert!(
            i < self.len(),
            "image index {i} out of range for {} images",
            self.len()
        );
        let d = self.dim();
        &self.pixels[i * d..(i + 1) * d]
    }

    /// Mean and (population) standard deviation over all pixels of all images; `(0, 0)` for an
    /// empty set. Accumulated in `f64`.
    pub fn pixel_mean_std(&self) -> (f32, f32) {
        if self.pixels.is_empty() {
            return (0.0, 0.0);
        }
        let n = self.pixels.len() as f64;
        let (sum, sum_sq) = self.pixels.iter().fold((0.0f64, 0.0f64), |(s, q), &x| {
            (s + x as f64, q + (x as f64) * (x as f64))
        });
        let mean = sum / n;
        let var = (sum_sq / n - mean * mean).max(0.0);
        (mean as f32, var.sqrt() as f32)
    }

    /// The images at `idx`, in that order (repetitions allowed).
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn subset(&self, idx: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(idx.len() * self.dim());
        let mut labels = Vec::with_capacity(idx.len());
        for &i in idx {
            pixels.extend_from_slice(self.image(i));
            labels.push(self.labels[i]);
        }
        ImageSet {
            pixels,
            labels,
            channels: self.channels,
            height: self.height,
            width: self.width,
            num_classes: self.num_classes,
        }
    }

    /// Number of images of each class; `num_classes` entries (more if a label is out of range).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.num_classes];
        for &l in &self.labels {
            let l = l as usize;
            if l >= counts.len() {
                counts.resize(l + 1, 0);
            }
            counts[l] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ImageSet {
        // Three 1×2 images.
        ImageSet {
            pixels: vec![0.0, 1.0, 0.5, 0.5, 1.0, 1.0],
            labels: vec![0, 2, 2],
            channels: 1,
            height: 1,
            width: 2,
            num_classes: 3,
        }
    }

    #[test]
    fn accessors() {
        let s = tiny();
        assert_eq!((s.len(), s.dim(), s.is_empty()), (3, 2, false));
        assert_eq!(s.image(1), &[0.5, 0.5]);
        assert_eq!(s.class_counts(), vec![1, 0, 2]);
    }

    #[test]
    fn mean_std_by_hand() {
        // values 0, 1, .5, .5, 1, 1: mean 4/6, E[x²] = 3.5/6.
        let (m, sd) = tiny().pixel_mean_std();
        let mean = 4.0f64 / 6.0;
        let var = 3.5 / 6.0 - mean * mean;
        assert!((m as f64 - mean).abs() < 1e-6);
        assert!((sd as f64 - var.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn subset_keeps_order() {
        let s = tiny().subset(&[2, 0]);
        assert_eq!(s.pixels, vec![1.0, 1.0, 0.0, 1.0]);
        assert_eq!(s.labels, vec![2, 0]);
        assert_eq!(s.num_classes, 3);
    }
}
