//! The online kNN monitor: how good the representation is while it trains.

use std::time::Instant;

use burn::prelude::*;
use whac_eval::{Features, KnnConfig, knn_accuracy};

use super::MonitorRecord;
use crate::compatibility::Model;
use crate::eval::{Side, embed_first};
use crate::input::Examples;

/// Training examples the monitor votes with, at most.
pub const MONITOR_TRAIN: usize = 10_000;
/// Held-out examples the monitor classifies, at most.
pub const MONITOR_HELDOUT: usize = 2_000;
/// Neighbours of the monitor's weighted vote (temperature 0.1).
pub const MONITOR_K: usize = 20;

/// Weighted kNN (k = [`MONITOR_K`]) of the first [`MONITOR_HELDOUT`] examples of `heldout`
/// against the first [`MONITOR_TRAIN`] of `train`, on `model`'s representation (`model` without
/// autodiff, on `device`).
pub(crate) fn knn_monitor(
    model: &Model,
    train: &Examples<'_>,
    heldout: &Examples<'_>,
    device: &Device,
    epoch: usize,
    step: usize,
) -> MonitorRecord {
    let start = Instant::now();
    let (n, m) = (
        train.len().min(MONITOR_TRAIN),
        heldout.len().min(MONITOR_HELDOUT),
    );
    let embed = |set: &Examples<'_>, rows: usize| {
        embed_first(model, set, rows, 1024, device, Side::Representation)
    };
    let (train_h, d) = embed(train, n);
    let (test_h, _) = embed(heldout, m);
    let knn_accuracy = knn_accuracy(
        Features::new(&train_h, n, d),
        &train.labels()[..n],
        Features::new(&test_h, m, d),
        &heldout.labels()[..m],
        train.num_classes().max(heldout.num_classes()),
        &KnnConfig {
            k: MONITOR_K,
            temperature: 0.1,
        },
    )
    // A non-finite representation is caught by the loss check first; report it as NaN.
    .unwrap_or(f64::NAN);
    MonitorRecord {
        kind: "monitor",
        epoch,
        step,
        knn_accuracy,
        k: MONITOR_K,
        train_examples: n,
        heldout_examples: m,
        seconds: start.elapsed().as_secs_f64(),
    }
}
