//! The training loop on the embedded digits: the loss falls, runs are reproducible, and a saved
//! checkpoint reloads to the same representation.

use burn::prelude::*;
use whac::compatibility::{CompatibilityConfig, Model};
use whac::encoder::EncoderConfig;
use whac::eval::embed;
use whac::objective::{Negatives, ObjectiveConfig, ObjectiveKind};
use whac::train::{
    NullObserver, Standardize, TrainConfig, TrainData, TrainReport, fit, load_model, save_model,
};
use whac_data::TransformConfig;

/// burn draws initial weights from the device's process-wide generator (`Device::seed`), so runs
/// in concurrent test threads would interleave their draws: trainings here take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn train(kind: ObjectiveKind, epochs: usize, seed: u64) -> (Model, TrainReport, Standardize) {
    let objective = ObjectiveConfig {
        kind,
        ..ObjectiveConfig::default()
    };
    train_with(&objective, epochs, seed)
}

fn train_with(
    objective: &ObjectiveConfig,
    epochs: usize,
    seed: u64,
) -> (Model, TrainReport, Standardize) {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let split = whac_data::digits().unwrap();
    let transform = TransformConfig::default().check().unwrap();
    let compat_cfg = CompatibilityConfig::default();
    let compatibility = compat_cfg.check().unwrap();
    let objective = objective.check().unwrap();
    let config = TrainConfig {
        epochs,
        seed,
        ..TrainConfig::default()
    };
    let device = Device::flex().autodiff();
    device.seed(seed);
    let model = Model::new(&EncoderConfig::default(), &compat_cfg, 8, 8, &device);
    let standardize = Standardize::fit(&split.train);
    let (model, report) = fit(
        model,
        objective,
        compatibility,
        &config,
        TrainData {
            train: &split.train,
            transform: &transform,
            standardize,
        },
        &device,
        &mut NullObserver,
    )
    .unwrap();
    (model, report, standardize)
}

#[test]
fn a_few_epochs_lower_the_loss_of_each_objective() {
    for kind in [ObjectiveKind::Rbm, ObjectiveKind::NtXent] {
        let (_, report, _) = train(kind, 6, 0);
        assert_eq!(report.steps, 6 * (1442 / 128));
        assert!(
            report.final_loss < report.first_epoch_loss - 0.2,
            "{kind:?}: loss {} → {}",
            report.first_epoch_loss,
            report.final_loss
        );
    }
}

#[test]
fn bank_queue_and_sampled_strategies_train() {
    let strategies = [
        (ObjectiveKind::Rbm, Negatives::All),
        (ObjectiveKind::Rbm, Negatives::Sampled),
        (ObjectiveKind::Moco, Negatives::Importance),
    ];
    for (kind, negatives) in strategies {
        let objective = ObjectiveConfig {
            kind,
            negatives,
            ..ObjectiveConfig::default()
        };
        let (_, report, _) = train_with(&objective, 4, 0);
        // MoCo's first epoch is scored against a queue of random keys, easy negatives, so its
        // loss is not comparable with later ones: it must instead beat chance among 1 + K keys
        // (K = 1442 − 128, the queue clamped to the set).
        let target = match kind {
            ObjectiveKind::Moco => (1.0f64 + 1314.0).ln() - 0.5,
            _ => report.first_epoch_loss - 0.1,
        };
        assert!(
            report.final_loss < target,
            "{kind:?} {negatives:?}: loss {} → {} (target below {target})",
            report.first_epoch_loss,
            report.final_loss
        );
    }
}

#[test]
fn same_seed_same_run_and_checkpoint_round_trip() {
    let split = whac_data::digits().unwrap();
    let (a, ra, standardize) = train(ObjectiveKind::Rbm, 1, 7);
    let (b, rb, _) = train(ObjectiveKind::Rbm, 1, 7);
    assert_eq!(ra.final_loss, rb.final_loss, "same seed, different loss");
    let device = Device::flex();
    let (a, b) = (a.valid(), b.valid());
    let (ha, dim) = embed(&a, &split.test, standardize, 256, &device);
    let (hb, _) = embed(&b, &split.test, standardize, 256, &device);
    assert_eq!(dim, 256);
    assert_eq!(ha, hb);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    save_model(&a, &path).unwrap();
    assert!(!dir.path().join("model.safetensors.tmp").exists());
    let mut fresh = Model::new(
        &EncoderConfig::default(),
        &CompatibilityConfig::default(),
        8,
        8,
        &device,
    );
    let (before, _) = embed(&fresh, &split.test, standardize, 256, &device);
    assert_ne!(before, ha, "a fresh model should differ before loading");
    load_model(&mut fresh, &path).unwrap();
    let (after, _) = embed(&fresh, &split.test, standardize, 256, &device);
    assert_eq!(after, ha);

    std::fs::write(&path, b"not a safetensors file").unwrap();
    let err = load_model(&mut fresh, &path).unwrap_err().to_string();
    assert!(err.contains("model.safetensors"), "{err}");
}
