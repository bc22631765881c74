//! The training loop on the embedded digits: the loss falls, runs are reproducible, and a saved
//! checkpoint reloads to the same representation.

use burn::prelude::*;
use whac::compatibility::{CompatibilityConfig, Model};
use whac::encoder::EncoderConfig;
use whac::eval::embed;
use whac::input::Examples;
use whac::input::InputShape;
use whac::objective::{Negatives, ObjectiveConfig, ObjectiveKind};
use whac::train::{
    NullObserver, Observer, Standardize, TrainConfig, TrainData, TrainReport, TrainState, fit,
    load_model, resume, save_model,
};
use whac_data::Transform;
use whac_data::TransformConfig;

/// The embedded digits: 8×8 grayscale.
const DIGITS: InputShape = InputShape::Images {
    channels: 1,
    height: 8,
    width: 8,
};

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
    let model = Model::new(&EncoderConfig::default(), &compat_cfg, &DIGITS, &device);
    let standardize = Standardize::fit(&split.train);
    let (model, report) = fit(
        model,
        objective,
        compatibility.clone(),
        &config,
        TrainData {
            train: Examples::images(&split.train, &transform, standardize),
            heldout: Some(Examples::images(&split.test, &transform, standardize)),
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
        // The online kNN monitor ran after every epoch and sees a representation that works.
        assert_eq!(report.monitor.len(), 6);
        let last = report.monitor.last().unwrap();
        assert_eq!(
            (last.epoch, last.train_examples, last.heldout_examples),
            (6, 1442, 355)
        );
        assert!(
            last.knn_accuracy > 0.85,
            "{kind:?}: online kNN {}",
            last.knn_accuracy
        );
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
    let (ha, dim) = embed(
        &a,
        &Examples::images(&split.test, &Transform::identity(), standardize),
        256,
        &device,
    );
    let (hb, _) = embed(
        &b,
        &Examples::images(&split.test, &Transform::identity(), standardize),
        256,
        &device,
    );
    assert_eq!(dim, 256);
    assert_eq!(ha, hb);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    save_model(&a, &path).unwrap();
    assert!(!dir.path().join("model.safetensors.tmp").exists());
    let mut fresh = Model::new(
        &EncoderConfig::default(),
        &CompatibilityConfig::default(),
        &DIGITS,
        &device,
    );
    let (before, _) = embed(
        &fresh,
        &Examples::images(&split.test, &Transform::identity(), standardize),
        256,
        &device,
    );
    assert_ne!(before, ha, "a fresh model should differ before loading");
    load_model(&mut fresh, &path).unwrap();
    let (after, _) = embed(
        &fresh,
        &Examples::images(&split.test, &Transform::identity(), standardize),
        256,
        &device,
    );
    assert_eq!(after, ha);

    std::fs::write(&path, b"not a safetensors file").unwrap();
    let err = load_model(&mut fresh, &path).unwrap_err().to_string();
    assert!(err.contains("model.safetensors"), "{err}");
}

/// Stops the loop after `after` steps and keeps the checkpoints in `dir`.
struct StopAfter {
    after: usize,
    steps: usize,
    dir: std::path::PathBuf,
}

impl Observer for StopAfter {
    fn on_step(&mut self, step: usize, _epoch: usize, _loss: f32) {
        self.steps = step;
    }
    fn on_checkpoint(&mut self, state: &TrainState) -> Result<(), whac::WhacError> {
        state.save(&self.dir)
    }
    fn should_stop(&self) -> bool {
        self.steps >= self.after
    }
}

/// Interrupted after 20 steps (mid-epoch 2 of 4), resumed from the checkpoint into a model
/// initialised differently: the final weights equal an uninterrupted run's bit for bit, for the
/// objective with the most state (memory bank, momentum encoder) and for MoCo's queue.
#[test]
fn interrupted_then_resumed_equals_uninterrupted() {
    let split = whac_data::digits().unwrap();
    let transform = TransformConfig::default().check().unwrap();
    let compat_cfg = CompatibilityConfig::default();
    let compatibility = compat_cfg.check().unwrap();
    let config = TrainConfig {
        epochs: 4,
        seed: 5,
        ..TrainConfig::default()
    };
    let standardize = Standardize::fit(&split.train);
    let data = || TrainData {
        train: Examples::images(&split.train, &transform, standardize),
        heldout: Some(Examples::images(&split.test, &transform, standardize)),
    };
    for (kind, negatives) in [
        (ObjectiveKind::Rbm, Negatives::All),
        (ObjectiveKind::Moco, Negatives::Importance),
    ] {
        let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let objective = ObjectiveConfig {
            kind,
            negatives,
            ..ObjectiveConfig::default()
        }
        .check()
        .unwrap();
        let device = Device::flex().autodiff();
        let model_with_seed = |seed: u64| {
            device.seed(seed);
            Model::new(&EncoderConfig::default(), &compat_cfg, &DIGITS, &device)
        };
        let (whole, whole_report) = fit(
            model_with_seed(5),
            objective,
            compatibility.clone(),
            &config,
            data(),
            &device,
            &mut NullObserver,
        )
        .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("state");
        let mut stopper = StopAfter {
            after: 20,
            steps: 0,
            dir: state_dir.clone(),
        };
        let err = fit(
            model_with_seed(5),
            objective,
            compatibility.clone(),
            &config,
            data(),
            &device,
            &mut stopper,
        )
        .unwrap_err();
        assert!(
            matches!(err, whac::WhacError::Interrupted { step: 20 }),
            "{err}"
        );
        let (resumed, resumed_report) = resume(
            &state_dir,
            model_with_seed(99),
            objective,
            compatibility.clone(),
            &config,
            data(),
            &device,
            &mut NullObserver,
        )
        .unwrap();
        assert_eq!(resumed_report.steps, whole_report.steps);
        assert_eq!(
            resumed_report.final_loss, whole_report.final_loss,
            "{kind:?}"
        );
        // The monitor of the epochs before the stop comes back through progress.json.
        let accuracies = |r: &TrainReport| -> Vec<(usize, f64)> {
            r.monitor.iter().map(|m| (m.step, m.knn_accuracy)).collect()
        };
        for (x, y) in accuracies(&resumed_report)
            .iter()
            .zip(accuracies(&whole_report))
        {
            assert!(
                x.0 == y.0 && (x.1 - y.1).abs() < 1e-12,
                "{kind:?}: {x:?} vs {y:?}"
            );
        }
        let cpu = Device::flex();
        let (a, _) = embed(
            &whole.valid(),
            &Examples::images(&split.test, &Transform::identity(), standardize),
            512,
            &cpu,
        );
        let (b, _) = embed(
            &resumed.valid(),
            &Examples::images(&split.test, &Transform::identity(), standardize),
            512,
            &cpu,
        );
        assert!(
            a == b,
            "{kind:?}: resumed weights differ from the uninterrupted run's"
        );
    }
}

/// A kill between the two renames of a checkpoint leaves `state.old` and no `state`: loading
/// falls back to it; a half-written `state.tmp` is ignored.
#[test]
fn a_checkpoint_interrupted_between_its_renames_still_loads() {
    let split = whac_data::digits().unwrap();
    let transform = TransformConfig::default().check().unwrap();
    let compat_cfg = CompatibilityConfig::default();
    let compatibility = compat_cfg.check().unwrap();
    let objective = ObjectiveConfig::default().check().unwrap();
    let config = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let standardize = Standardize::fit(&split.train);
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let device = Device::flex().autodiff();
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let mut stopper = StopAfter {
        after: 5,
        steps: 0,
        dir: state_dir.clone(),
    };
    let data = || TrainData {
        train: Examples::images(&split.train, &transform, standardize),
        heldout: None,
    };
    let fresh = || Model::new(&EncoderConfig::default(), &compat_cfg, &DIGITS, &device);
    let _ = fit(
        fresh(),
        objective,
        compatibility.clone(),
        &config,
        data(),
        &device,
        &mut stopper,
    );
    std::fs::rename(&state_dir, dir.path().join("state.old")).unwrap();
    std::fs::create_dir_all(dir.path().join("state.tmp")).unwrap();
    std::fs::write(
        dir.path().join("state.tmp/progress.json"),
        b"{ half written",
    )
    .unwrap();
    let (_, report) = resume(
        &state_dir,
        fresh(),
        objective,
        compatibility.clone(),
        &config,
        data(),
        &device,
        &mut NullObserver,
    )
    .unwrap();
    assert_eq!(report.steps, 2 * (1442 / 128));
    let err = resume(
        &dir.path().join("nothing"),
        fresh(),
        objective,
        compatibility.clone(),
        &config,
        data(),
        &device,
        &mut NullObserver,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("nothing") && err.contains("no training state"),
        "{err}"
    );
}
