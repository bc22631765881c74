//! The parameters and the free energy.

/// A Bernoulli RBM with `D` visible and `J` hidden units.
#[derive(Clone, Debug, PartialEq)]
pub struct Rbm {
    /// Weights, row-major `D × J` (the layout other tools use for `W`).
    pub w: Vec<f64>,
    /// Visible biases, `D`.
    pub b: Vec<f64>,
    /// Hidden biases, `J`.
    pub c: Vec<f64>,
}

impl Rbm {
    /// Builds an RBM, checking that `w` is `b.len() × c.len()`.
    pub fn new(w: Vec<f64>, b: Vec<f64>, c: Vec<f64>) -> Self {
        assert_eq!(
            w.len(),
            b.len() * c.len(),
            "W has {} entries, expected D×J = {}×{}",
            w.len(),
            b.len(),
            c.len()
        );
        Self { w, b, c }
    }

    /// Visible units D.
    pub fn visible(&self) -> usize {
        self.b.len()
    }

    /// Hidden units J.
    pub fn hidden(&self) -> usize {
        self.c.len()
    }

    /// Energy `E(v, h) = −vᵀb − cᵀh − vᵀWh` of a joint binary state.
    pub fn energy(&self, v: &[u8], h: &[u8]) -> f64 {
        let j_n = self.hidden();
        let mut e = 0.0;
        for (i, &vi) in v.iter().enumerate() {
            if vi != 0 {
                e -= self.b[i];
                for (j, &hj) in h.iter().enumerate() {
                    if hj != 0 {
                        e -= self.w[i * j_n + j];
                    }
                }
            }
        }
        for (j, &hj) in h.iter().enumerate() {
            if hj != 0 {
                e -= self.c[j];
            }
        }
        e
    }

    /// Free energy `F(v) = −vᵀb − Σ_j softplus(vᵀW·j + c_j)`, so `log p(v) = −F(v) − log Z`.
    pub fn free_energy(&self, v: &[f64]) -> f64 {
        let j_n = self.hidden();
        let mut f = -v.iter().zip(&self.b).map(|(x, b)| x * b).sum::<f64>();
        for j in 0..j_n {
            let mut a = self.c[j];
            for (i, &vi) in v.iter().enumerate() {
                a += vi * self.w[i * j_n + j];
            }
            f -= softplus(a);
        }
        f
    }

    /// Free energy of a hidden state with the visible layer summed out:
    /// `G(h) = −cᵀh − Σ_i softplus(b_i + W_i·h)`.
    pub fn hidden_free_energy(&self, h: &[f64]) -> f64 {
        let j_n = self.hidden();
        let mut f = -h.iter().zip(&self.c).map(|(x, c)| x * c).sum::<f64>();
        for i in 0..self.visible() {
            let row = &self.w[i * j_n..(i + 1) * j_n];
            let a = self.b[i] + row.iter().zip(h).map(|(w, x)| w * x).sum::<f64>();
            f -= softplus(a);
        }
        f
    }
}

/// `ln(1 + eˣ)` without overflow.
pub(crate) fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}
