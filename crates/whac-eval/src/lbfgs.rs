//! Full-batch limited-memory BFGS (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
//! Algorithm 7.4 with the two-loop recursion 7.5) with a backtracking Armijo line search.
//!
//! Hand-written on purpose: the probe needs L-BFGS on a flat `&[f64]` with a fused
//! loss-and-gradient callback, a few hundred lines at most. `argmin`, the maintained Rust
//! option, pulls in a large generic math stack for this, and the smaller crates are unmaintained.
//! A backtracking (Armijo) search is enough here because the probe's objective is convex: the
//! curvature condition `sᵀy > 0` then holds for every step, and a pair that fails it (rounding)
//! is simply not stored.

use std::collections::VecDeque;

/// Sufficient-decrease constant of the Armijo condition.
const ARMIJO_C1: f64 = 1e-4;
/// Trial steps per line search before it gives up.
const MAX_BACKTRACKS: usize = 40;
/// Relative loss decrease, `(f_old − f_new) / max(|f_old|, |f_new|, 1)`, at or below which the
/// run counts as converged (the loss has stopped moving at the precision it is computed in).
const REL_LOSS_TOL: f64 = 1e-10;

/// Settings of one minimisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LbfgsSettings {
    /// Most L-BFGS iterations (accepted steps).
    pub max_iters: usize,
    /// Converged when `max |g_i| < tol · max(1, |f|)`.
    pub tol: f64,
    /// Number of `(s, y)` pairs kept.
    pub history: usize,
}

/// Where a minimisation ended.
#[derive(Debug, Clone)]
pub(crate) struct LbfgsOutcome {
    /// Final parameters.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub loss: f64,
    /// Accepted steps taken.
    pub iterations: usize,
    /// Calls of the loss-and-gradient function, line-search trials included.
    pub evaluations: usize,
    /// Whether a stopping criterion (gradient or relative loss change) was met, as opposed to
    /// running out of iterations or a line search that could not decrease the loss.
    pub converged: bool,
}

/// One stored curvature pair.
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Search direction `−H·g` by the two-loop recursion, with `H₀ = (sᵀy / yᵀy)·I` from the newest
/// pair (or `I` when there is none).
fn direction(g: &[f64], hist: &VecDeque<Pair>) -> Vec<f64> {
    let mut q: Vec<f64> = g.to_vec();
    let mut alpha = vec![0.0; hist.len()];
    for (i, p) in hist.iter().enumerate().rev() {
        alpha[i] = p.rho * dot(&p.s, &q);
        q.iter_mut().zip(&p.y).for_each(|(q, y)| *q -= alpha[i] * y);
    }
    let gamma = hist.back().map_or(1.0, |p| 1.0 / (p.rho * dot(&p.y, &p.y)));
    q.iter_mut().for_each(|v| *v *= gamma);
    for (i, p) in hist.iter().enumerate() {
        let beta = p.rho * dot(&p.y, &q);
        q.iter_mut()
            .zip(&p.s)
            .for_each(|(q, s)| *q += (alpha[i] - beta) * s);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Minimises `f` from `x0`. `f(x, grad)` returns the objective at `x` and writes its gradient
/// into `grad` (same length as `x`).
pub(crate) fn minimize(
    x0: Vec<f64>,
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    settings: &LbfgsSettings,
) -> LbfgsOutcome {
    let dim = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; dim];
    let mut fx = f(&x, &mut g);
    let mut evaluations = 1;
    let grad_small = |g: &[f64], fx: f64| max_abs(g) < settings.tol * fx.abs().max(1.0);
    let mut hist: VecDeque<Pair> = VecDeque::with_capacity(settings.history);
    let mut x_new = vec![0.0; dim];
    let mut g_new = vec![0.0; dim];
    let mut iterations = 0;
    let mut converged = grad_small(&g, fx);

    while !converged && iterations < settings.max_iters {
        let mut d = direction(&g, &hist);
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (rounding in the stored pairs): restart from −g.
            hist.clear();
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
        }
        // Without curvature information, take a first step of unit length.
        let mut step = if hist.is_empty() {
            1.0 / dot(&d, &d).sqrt().max(1.0)
        } else {
            1.0
        };
        let mut f_new = f64::NAN;
        let mut accepted = false;
        for _ in 0..MAX_BACKTRACKS {
            x_new
                .iter_mut()
                .zip(&x)
                .zip(&d)
                .for_each(|((xn, x), d)| *xn = x + step * d);
            f_new = f(&x_new, &mut g_new);
            evaluations += 1;
            if f_new.is_finite() && f_new <= fx + ARMIJO_C1 * step * slope {
                accepted = true;
                break;
            }
            // Minimiser of the quadratic through f(0), f'(0) and f(step), kept in
            // [0.1, 0.5]·step; plain halving when the trial was not finite.
            let shrunk = if f_new.is_finite() {
                -slope * step * step / (2.0 * (f_new - fx - slope * step))
            } else {
                0.5 * step
            };
            step = shrunk.clamp(0.1 * step, 0.5 * step);
        }
        if !accepted {
            if hist.is_empty() {
                // Even steepest descent cannot lower the loss: stalled at working precision.
                break;
            }
            hist.clear();
            continue;
        }
        iterations += 1;

        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) && sy > 0.0 {
            if hist.len() == settings.history {
                hist.pop_front();
            }
            hist.push_back(Pair {
                s,
                y,
                rho: 1.0 / sy,
            });
        }
        let rel_change = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        converged = grad_small(&g, fx) || rel_change <= REL_LOSS_TOL;
    }
    LbfgsOutcome {
        x,
        loss: fx,
        iterations,
        evaluations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_iters: usize) -> LbfgsSettings {
        LbfgsSettings {
            max_iters,
            tol: 1e-10,
            history: 10,
        }
    }

    #[test]
    fn minimises_an_ill_conditioned_quadratic_to_its_closed_form() {
        // f(x) = ½ Σ a_i (x_i − c_i)², minimum 0 at x = c.
        let a = [1.0, 10.0, 100.0, 1000.0];
        let c = [1.0, -2.0, 3.0, -4.0];
        let out = minimize(
            vec![0.0; 4],
            |x, g| {
                let mut f = 0.0;
                for i in 0..4 {
                    g[i] = a[i] * (x[i] - c[i]);
                    f += 0.5 * a[i] * (x[i] - c[i]).powi(2);
                }
                f
            },
            &settings(200),
        );
        assert!(out.converged);
        for i in 0..4 {
            assert!((out.x[i] - c[i]).abs() < 1e-6, "x = {:?}", out.x);
        }
        assert!(out.iterations < 50, "{} iterations", out.iterations);
    }

    #[test]
    fn minimises_rosenbrock() {
        let out = minimize(
            vec![-1.2, 1.0],
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &settings(500),
        );
        assert!(out.converged);
        assert!(
            (out.x[0] - 1.0).abs() < 1e-4 && (out.x[1] - 1.0).abs() < 1e-4,
            "{:?}",
            out.x
        );
    }

    #[test]
    fn reports_not_converged_when_iterations_run_out() {
        let mut calls = 0;
        let out = minimize(
            vec![-1.2, 1.0],
            |x, g| {
                calls += 1;
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &settings(3),
        );
        assert!(!out.converged);
        assert_eq!(out.iterations, 3);
        // The start, one trial per accepted step, and the backtracks the Rosenbrock valley forces.
        assert_eq!(out.evaluations, calls);
        assert!(calls > 4, "{calls} evaluations");
    }
}
