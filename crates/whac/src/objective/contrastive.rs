//! Two-view contrastive baselines with a debiasing correction: DCL and HCL.

use burn::prelude::*;

use super::shifted_index;
use crate::compatibility::Compatibility;

/// Hard-negative contrastive loss of Robinson, Chuang, Sra & Jegelka, "Contrastive Learning with
/// Hard Negative Samples", ICLR 2021 (their reference code's estimator): negatives are reweighted
/// by `exp(β s)`, then debiased with the class prior τ⁺ as in DCL:
///
/// `Ng = max((−τ⁺ N e^{s⁺} + Σ_k e^{s_k} e^{β s_k} / mean_k e^{β s_k}) / (1 − τ⁺), N e^{−1/τ})`,
/// `loss = mean −log(e^{s⁺} / (e^{s⁺} + Ng))` over the 2B anchors, N = 2B − 2 negatives each.
///
/// With β = 0 this is the debiased contrastive loss ([`debiased_contrastive`]). The clamp's
/// `e^{−1/τ}` is the smallest value of `e^s` for cosine similarity, which these losses assume.
///
/// # Shapes
/// - `view_a`, `view_b`: `[B, d]` embedded views, row i of each from the same example → `[1]`
pub fn hard_negative(
    view_a: Tensor<2>,
    view_b: Tensor<2>,
    compatibility: &Compatibility,
    tau_plus: f64,
    beta: f64,
) -> Tensor<1> {
    let [b, _] = view_a.dims();
    let n2 = 2 * b;
    let device = view_a.device();
    let z = Tensor::cat(vec![view_a, view_b], 0); // [2B, d]
    let scores = compatibility.scores(z.clone(), z); // [2B, 2B]
    let positive = scores.clone().gather(1, shifted_index(n2, b, &device)); // [2B, 1]
    // Negatives: everything but self and partner.
    let eye = Tensor::<2, Bool>::diag_mask([n2, n2], 0, &device).bool_not();
    let partner = Tensor::<2, Bool>::diag_mask([n2, n2], b as i64, &device)
        .bool_not()
        .bool_or(Tensor::<2, Bool>::diag_mask([n2, n2], -(b as i64), &device).bool_not());
    let negative_mask = eye.bool_or(partner).bool_not().float(); // 1 on negatives
    let negatives = (n2 - 2) as f64;
    let exp_neg = scores.clone().exp() * negative_mask.clone(); // [2B, 2B]
    let importance = scores.mul_scalar(beta).exp() * negative_mask; // exp(β s) on negatives
    let reweighted =
        (importance.clone() * exp_neg).sum_dim(1) / importance.sum_dim(1).div_scalar(negatives); // Σ imp·e^s / mean imp
    let exp_pos = positive.clone().exp();
    let ng = (exp_pos.clone().mul_scalar(-tau_plus * negatives) + reweighted)
        .div_scalar(1.0 - tau_plus)
        .clamp_min(negatives * (-1.0 / compatibility.current_temperature()).exp());
    ((exp_pos + ng).log() - positive).mean()
}

/// Debiased contrastive loss of Chuang, Robinson, Lin, Torralba & Jegelka, "Debiased Contrastive
/// Learning", NeurIPS 2020: the sum over negatives is corrected for same-class "negatives" with
/// the class prior τ⁺. [`hard_negative`] with β = 0.
///
/// # Shapes
/// - `view_a`, `view_b`: `[B, d]` → `[1]`
pub fn debiased_contrastive(
    view_a: Tensor<2>,
    view_b: Tensor<2>,
    compatibility: &Compatibility,
    tau_plus: f64,
) -> Tensor<1> {
    hard_negative(view_a, view_b, compatibility, tau_plus, 0.0)
}
