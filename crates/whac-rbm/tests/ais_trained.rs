//! Issue 5's check on *trained* models: AIS (and reverse AIS) land within 3 standard errors of
//! the exact log Z for RBMs with J = 12, 16 and 20 hidden units trained by CD-1 on the embedded
//! digits (thresholded at 0.5, D = 64). Training sharpens the weights, so this is a harder
//! target than the random RBM of the unit test in `src/ais.rs`. Measured (release, 7 s):
//! J = 12: exact 42.6720, AIS 42.6732 ± 0.0064, reverse 42.6749 ± 0.0068;
//! J = 16: exact 45.6579, AIS 45.6631 ± 0.0063, reverse 45.6705 ± 0.0071;
//! J = 20: exact 48.3169, AIS 48.3168 ± 0.0063, reverse 48.3219 ± 0.0076.

use whac_rbm::{
    AisConfig, Algorithm, Binarization, EpochReport, Params, RbmTrainConfig, ais, base_rate_biases,
    binarize, exact_log_z, train,
};

/// The mean of each column of `x` (rows of `d`).
fn column_means(x: &[f32], d: usize) -> Vec<f64> {
    let n = x.len() / d;
    let mut m = vec![0.0f64; d];
    for row in x.chunks(d) {
        for (a, &v) in m.iter_mut().zip(row) {
            *a += f64::from(v);
        }
    }
    m.iter().map(|s| s / n as f64).collect()
}

#[test]
fn ais_matches_exact_log_z_on_trained_rbms_with_12_to_20_hidden_units() {
    let split = whac_data::digits().expect("embedded digits");
    let d = split.train.dim();
    let x = binarize(&split.train.pixels, d, Binarization::Threshold, 0);
    let base = base_rate_biases(&column_means(&x, d));
    for hidden in [12, 16, 20] {
        let config = RbmTrainConfig {
            hidden,
            algorithm: Algorithm::Cd { k: 1 },
            learning_rate: 0.05,
            batch_size: 20,
            epochs: 20,
            seed: hidden as u64,
            ..Default::default()
        };
        let trained = train(&config, &x, d, &mut |_: &EpochReport| {}).expect("training");
        let params: &Params = &trained.state.params;
        let exact = exact_log_z(&params.to_rbm()).expect("exact log Z");
        let ais_config = AisConfig {
            runs: 100,
            // 3000 intermediate distributions: 300 up to β = 0.5, 2700 to 1.
            schedule: vec![(0.5, 300), (1.0, 2700)],
            reverse: true,
            reverse_burn_in: 200,
            seed: 7,
        };
        // Reverse AIS starts from training images (then burns in under the model).
        let report = ais(params, &base, &x[..100 * d], &ais_config).expect("AIS");
        let f = &report.forward;
        assert!(
            f.stderr < 0.2,
            "J = {hidden}: AIS standard error {} too large to test anything",
            f.stderr
        );
        assert!(
            (f.log_z - exact).abs() < 3.0 * f.stderr + 1e-3,
            "J = {hidden}: AIS {} ± {} vs exact {exact}",
            f.log_z,
            f.stderr
        );
        let r = report.reverse.expect("reverse AIS was asked for");
        assert!(
            (r.log_z - exact).abs() < 3.0 * r.stderr + 1e-3,
            "J = {hidden}: reverse AIS {} ± {} vs exact {exact}",
            r.log_z,
            r.stderr
        );
        println!(
            "J = {hidden}: exact {exact:.4}, AIS {:.4} ± {:.4}, reverse {:.4} ± {:.4}",
            f.log_z, f.stderr, r.log_z, r.stderr
        );
    }
}
