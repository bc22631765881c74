//! The one training loop on table rows and token ids: it trains (the loss falls), it is
//! reproducible, and evaluation measures the representation beside the raw-input baseline.

use burn::prelude::*;
use whac::compatibility::{CompatibilityConfig, Model, Similarity};
use whac::encoder::EncoderConfig;
use whac::eval::{EvalConfig, baseline_name, embed, evaluate_model};
use whac::input::Examples;
use whac::objective::ObjectiveConfig;
use whac::train::{
    NullObserver, Observer, TrainConfig, TrainData, TrainReport, TrainState, fit, resume,
};
use whac_data::{TableSet, TableTransformConfig, TextSet, TextTransformConfig};

mod common;
use common::fixture;

/// burn's initial weights come from a process-wide generator: trainings take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Two classes of `n` rows of 8 features: class c is centred on ±1 in the first 4 features.
fn table(n: usize, seed: u64) -> TableSet {
    let noise = fixture(n * 8, seed);
    let labels: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
    let features = (0..n * 8)
        .map(|k| {
            let (i, j) = (k / 8, k % 8);
            let centre = if j < 4 {
                2.0 * labels[i] as f32 - 1.0
            } else {
                0.0
            };
            centre + noise[k]
        })
        .collect();
    TableSet {
        features,
        labels,
        dim: 8,
    }
}

/// Two classes of documents over a vocabulary of 40 ids: class 0 uses ids 3..20, class 1 ids
/// 20..40; lengths 4..=19.
fn text(n: usize, seed: u64) -> TextSet {
    let u = fixture(n * 21, seed);
    let mut docs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let c = (i % 2) as u32;
        let len = 4 + ((u[i * 21].abs() * 16.0) as usize).min(15);
        let doc = (0..len)
            .map(|t| {
                let r = (u[i * 21 + 1 + t].abs() * 17.0) as u32 % 17;
                3 + 17 * c + r
            })
            .collect();
        docs.push(doc);
        labels.push(c);
    }
    TextSet { docs, labels }
}

fn train(
    encoder: &EncoderConfig,
    train: Examples<'_>,
    heldout: Examples<'_>,
    seed: u64,
) -> (Model, TrainReport) {
    let compat_cfg = CompatibilityConfig::default();
    let config = TrainConfig {
        epochs: 4,
        batch_size: 32,
        seed,
        log_every: 2,
        ..TrainConfig::default()
    };
    let device = Device::flex().autodiff();
    device.seed(seed);
    let model = Model::new(encoder, &compat_cfg, &train.shape(), &device);
    fit(
        model,
        ObjectiveConfig::default().check().unwrap(),
        compat_cfg.check().unwrap(),
        &config,
        TrainData {
            train,
            heldout: Some(heldout),
        },
        &device,
        &mut NullObserver,
    )
    .unwrap()
}

fn check_domain(encoder: EncoderConfig, train_set: Examples<'_>, test_set: Examples<'_>) {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    encoder.check(&train_set.shape()).unwrap();
    let (model, report) = train(&encoder, train_set, test_set, 3);
    let (_, again) = train(&encoder, train_set, test_set, 3);
    assert_eq!(
        report.final_loss, again.final_loss,
        "same seed, different run"
    );
    assert!(
        report.last_steps_loss < report.first_steps_loss,
        "loss did not fall: {} → {}",
        report.first_steps_loss,
        report.last_steps_loss
    );
    assert_eq!(report.monitor.len(), 4);
    let config = EvalConfig {
        knn_also_k: vec![],
        ..EvalConfig::default()
    };
    let compatibility = CompatibilityConfig::default().check().unwrap();
    let scores = evaluate_model(
        &model.valid(),
        &train_set,
        &test_set,
        &compatibility,
        2,
        0,
        &config,
        &Device::flex(),
    )
    .unwrap();
    assert_eq!(scores.representation.dim, encoder.representation_dim());
    let acc = scores.representation.linear_probe.test_accuracy;
    assert!(acc > 0.9, "linear probe {acc} on separable classes");
    let baseline = scores.baseline_pixels.unwrap();
    assert!(baseline.linear_probe.test_accuracy > 0.9);
    assert!(scores.induced_rbm.unwrap().test_log_likelihood.is_finite());
    assert!(scores.geometry.is_some());
}

#[test]
fn tables_train_and_evaluate() {
    let (a, b) = (table(256, 1), table(64, 2));
    let transform = TableTransformConfig::default().check().unwrap();
    let train_set = Examples::table(&a, &transform, 2).unwrap();
    let test_set = Examples::table(&b, &transform, 2).unwrap();
    assert_eq!(baseline_name(&train_set), "standardised features");
    let encoder = EncoderConfig::Mlp {
        hidden: vec![32, 16],
    };
    check_domain(encoder, train_set, test_set);
}

#[test]
fn text_trains_and_evaluates() {
    let (a, b) = (text(256, 3), text(64, 4));
    let transform = TextTransformConfig::default().check().unwrap();
    let train_set = Examples::text(&a, &transform, 16, 40, 2).unwrap();
    let test_set = Examples::text(&b, &transform, 16, 40, 2).unwrap();
    assert_eq!(baseline_name(&train_set), "tf-idf bag of words");
    let encoder = EncoderConfig::TextCnn {
        embedding: 8,
        channels: vec![16],
        kernel: 3,
        hidden: 16,
    };
    check_domain(encoder, train_set, test_set);
}

#[test]
fn clean_text_is_truncated_and_padded() {
    let set = TextSet {
        docs: vec![vec![5, 6, 7, 8], vec![9]],
        labels: vec![0, 1],
    };
    let transform = TextTransformConfig { ops: vec![] }.check().unwrap();
    let ex = Examples::text(&set, &transform, 3, 10, 2).unwrap();
    assert_eq!(
        ex.clean(&[0, 1]),
        whac::input::HostValues::Ids(vec![5, 6, 7, 9, 0, 0])
    );
    // The identity transformation's copies are the clean examples.
    assert_eq!(ex.augment(&[1, 0], 1, 0, 0), ex.clean(&[1, 0]));
    let err = Examples::text(&set, &transform, 0, 10, 2).unwrap_err();
    assert!(err.to_string().contains("data.max_len"), "{err}");
    let err = Examples::text(&set, &transform, 3, 10, 300).unwrap_err();
    assert!(err.to_string().contains("300 classes"), "{err}");
}

/// Stops after `after` steps, saving the state at every checkpoint.
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

/// Text with a bilinear similarity and a learned temperature (the model's own similarity
/// parameters): interrupted mid-epoch and resumed into a differently initialised model, it ends
/// with the uninterrupted run's weights, bit for bit.
#[test]
fn text_with_learned_similarity_resumes_exactly() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (a, b) = (text(128, 5), text(32, 6));
    let transform = TextTransformConfig::default().check().unwrap();
    let train_set = Examples::text(&a, &transform, 16, 40, 2).unwrap();
    let test_set = Examples::text(&b, &transform, 16, 40, 2).unwrap();
    let encoder = EncoderConfig::TextCnn {
        embedding: 8,
        channels: vec![8],
        kernel: 3,
        hidden: 8,
    };
    let compat_cfg = CompatibilityConfig {
        similarity: Similarity::Bilinear,
        learn_temperature: true,
        projection: vec![8],
        ..CompatibilityConfig::default()
    };
    let config = TrainConfig {
        epochs: 3,
        batch_size: 32,
        seed: 2,
        ..TrainConfig::default()
    };
    let objective = ObjectiveConfig::default().check().unwrap();
    let device = Device::flex().autodiff();
    let fresh = |seed: u64| {
        device.seed(seed);
        Model::new(&encoder, &compat_cfg, &train_set.shape(), &device)
    };
    let data = || TrainData {
        train: train_set,
        heldout: None,
    };
    let (whole, _) = fit(
        fresh(2),
        objective,
        compat_cfg.check().unwrap(),
        &config,
        data(),
        &device,
        &mut NullObserver,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut stopper = StopAfter {
        after: 5,
        steps: 0,
        dir: state.clone(),
    };
    let stopped = fit(
        fresh(2),
        objective,
        compat_cfg.check().unwrap(),
        &config,
        data(),
        &device,
        &mut stopper,
    );
    assert!(matches!(
        stopped,
        Err(whac::WhacError::Interrupted { step: 5 })
    ));
    let (resumed, report) = resume(
        &state,
        fresh(99),
        objective,
        compat_cfg.check().unwrap(),
        &config,
        data(),
        &device,
        &mut NullObserver,
    )
    .unwrap();
    assert_eq!(report.steps, 3 * (128 / 32));
    let cpu = Device::flex();
    let (x, _) = embed(&whole.valid(), &test_set, 64, &cpu);
    let (y, _) = embed(&resumed.valid(), &test_set, 64, &cpu);
    assert_eq!(x, y);
    let t = |m: &Model| {
        compat_cfg
            .check()
            .unwrap()
            .with_model(m)
            .current_temperature()
    };
    assert_eq!(t(&whole), t(&resumed));
    assert_ne!(t(&whole), 0.2, "the temperature was learned");
}
