//! The posterior mean alone, and the posterior covariance between the latent
//! values at a moving input and at a fixed one, with its input gradient.
//!
//! In standardised units, with `k(x) = σ²κ(r²(x, X))` and `w = K⁻¹k(x₀)`
//! (Rasmussen & Williams 2006, eq. 2.24):
//!
//! ```text
//! c(x, x₀) = σ²κ(r²(x, x₀)) − k(x)ᵀ w
//! ∂c/∂x_d  = σ²κ'(r²(x, x₀)) · 2(x_d − x₀_d)/ℓ_d² − Σᵢ σ²κ'(r²ᵢ) · 2(x_d − x_id)/ℓ_d² · wᵢ
//! ```
//!
//! `c(x₀, x₀)` is the posterior variance at `x₀`. Values are returned in the
//! original units of the outputs (`s²·c`). `O(n·dim)` per input once `w` is
//! known (two triangular solves, `O(n²)`, at [`Gp::covariance_anchor`]).

use super::linalg;
use super::posterior::Gp;
use crate::error::GpError;

/// A fixed input `x₀` of [`Gp::covariance_with_gradient`], with `K⁻¹k(x₀)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CovarianceAnchor {
    x0: Vec<f64>,
    /// `K⁻¹k(x₀)`, standardised units.
    w: Vec<f64>,
}

impl CovarianceAnchor {
    /// The anchor's input.
    #[must_use]
    pub fn point(&self) -> &[f64] {
        &self.x0
    }
}

impl Gp {
    /// The posterior mean at `x` alone (original units): `O(n·dim)`, where
    /// [`Gp::predict`] is `O(n²)`.
    ///
    /// # Errors
    /// As [`Gp::predict`].
    pub fn predict_mean(&self, x: &[f64]) -> Result<f64, GpError> {
        self.check_input(x)?;
        let (k, _) = self.cross_covariance(x, false);
        let mean = self.hp.mean + linalg::dot(&k, &self.alpha);
        let s = self.standardisation;
        Ok(s.mean + s.scale * mean)
    }

    /// The anchor at `x0` for [`Gp::covariance_with_gradient`].
    ///
    /// # Errors
    /// As [`Gp::predict`].
    pub fn covariance_anchor(&self, x0: &[f64]) -> Result<CovarianceAnchor, GpError> {
        self.check_input(x0)?;
        let n = self.n_points();
        let (mut w, _) = self.cross_covariance(x0, false);
        linalg::solve_lower(&self.l, n, &mut w);
        linalg::solve_upper_transposed(&self.l, n, &mut w);
        Ok(CovarianceAnchor { x0: x0.to_vec(), w })
    }

    /// The posterior covariance `cov(f(x), f(x₀))` of the latent function
    /// (noise excluded) between `x` and the anchor's `x₀`, and its gradient
    /// with respect to `x` (original output units).
    ///
    /// # Errors
    /// As [`Gp::predict`]; [`GpError::DimensionMismatch`] for an anchor of
    /// another GP's dimension or size.
    pub fn covariance_with_gradient(
        &self,
        x: &[f64],
        anchor: &CovarianceAnchor,
    ) -> Result<(f64, Vec<f64>), GpError> {
        self.check_input(x)?;
        let (n, d) = (self.n_points(), self.dim());
        if anchor.x0.len() != d || anchor.w.len() != n {
            return Err(GpError::DimensionMismatch {
                what: "covariance anchor",
                expected: n,
                found: anchor.w.len(),
            });
        }
        let (k, g) = self.cross_covariance(x, true);
        let ls = &self.hp.length_scales;
        let r2: f64 = x
            .iter()
            .zip(&anchor.x0)
            .zip(ls)
            .map(|((a, b), l)| ((a - b) / l).powi(2))
            .sum();
        let (k0, g0) = self.kernel.value_and_derivative(r2);
        let s2 = self.hp.signal_variance;
        let c = s2 * k0 - linalg::dot(&k, &anchor.w);
        let b: Vec<f64> = g.iter().zip(&anchor.w).map(|(g, w)| g * w).collect();
        let sum_b: f64 = b.iter().sum();
        let scale2 = self.standardisation.scale * self.standardisation.scale;
        let gradient = (0..d)
            .map(|kk| {
                let l = ls[kk];
                let zk = x[kk] / l;
                let z = &self.z[kk * n..(kk + 1) * n];
                // Σ_i b_i (z_k − z_ik), as for the mean's gradient.
                let db = zk * sum_b - linalg::dot(&b, z);
                let own = s2 * g0 * 2.0 * (x[kk] - anchor.x0[kk]) / (l * l);
                scale2 * (own - 2.0 * db / l)
            })
            .collect();
        Ok((scale2 * c, gradient))
    }
}

#[cfg(test)]
mod tests {
    use crate::gp::{Gp, Hyperparameters, Kernel};
    use crate::rng::{rng_from_seed, unit_f64};
    use nalgebra::DMatrix;

    fn gp(n: usize, kernel: Kernel) -> Gp {
        let mut rng = rng_from_seed(n as u64 + 7);
        let x = DMatrix::from_fn(n, 3, |_, _| unit_f64(&mut rng));
        let y: Vec<f64> = (0..n)
            .map(|i| (3.0 * x[(i, 0)]).sin() + x[(i, 1)] * x[(i, 2)] + 10.0)
            .collect();
        let hp = Hyperparameters {
            length_scales: vec![0.3, 0.5, 0.7],
            signal_variance: 1.3,
            noise_variance: 1e-3,
            mean: 0.1,
        };
        Gp::with_hyperparameters(&x, &y, kernel, hp).unwrap()
    }

    #[test]
    fn the_covariance_of_a_point_with_itself_is_its_variance() {
        let g = gp(20, Kernel::Matern52);
        let x0 = [0.2, 0.7, 0.4];
        let anchor = g.covariance_anchor(&x0).unwrap();
        let (c, _) = g.covariance_with_gradient(&x0, &anchor).unwrap();
        let v = g.predict(&x0).unwrap().variance;
        assert!((c - v).abs() <= 1e-10 * v.max(1e-12), "{c} vs {v}");
        assert_eq!(anchor.point(), &x0);
        let mean = g.predict_mean(&[0.3, 0.1, 0.9]).unwrap();
        let full = g.predict(&[0.3, 0.1, 0.9]).unwrap().mean;
        assert!((mean - full).abs() < 1e-12, "{mean} vs {full}");
    }

    /// Conditioning on a fantasy `y` at `x₀` (noise variance `σₙ²`) moves the
    /// mean at `x` by `c(x, x₀)·(y − μ(x₀))/(v(x₀) + σₙ²)`: an independent
    /// check of the covariance through the GP's own one-point extension.
    #[test]
    fn the_covariance_matches_conditioning() {
        let g = gp(25, Kernel::Matern52);
        let x0 = [0.6, 0.3, 0.8];
        let anchor = g.covariance_anchor(&x0).unwrap();
        let p0 = g.predict(&x0).unwrap();
        let (_, s) = g.output_standardisation();
        let noise = (g.hyperparameters().noise_variance + g.jitter()) * s * s;
        let y = p0.mean + 0.5;
        let h = g.condition_on(&x0, y).unwrap();
        for x in [[0.55, 0.35, 0.7], [0.1, 0.9, 0.2], [0.6, 0.3, 0.81]] {
            let (c, _) = g.covariance_with_gradient(&x, &anchor).unwrap();
            let shift = h.predict(&x).unwrap().mean - g.predict(&x).unwrap().mean;
            let expected = c * 0.5 / (p0.variance + noise);
            assert!(
                (shift - expected).abs() < 1e-7 * (1.0 + expected.abs()),
                "{x:?}: {shift} vs {expected}"
            );
        }
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        for kernel in [Kernel::Matern52, Kernel::Matern32, Kernel::Rbf] {
            let g = gp(30, kernel);
            let anchor = g.covariance_anchor(&[0.4, 0.5, 0.6]).unwrap();
            let x = [0.45, 0.42, 0.7];
            let (_, grad) = g.covariance_with_gradient(&x, &anchor).unwrap();
            for d in 0..3 {
                let h = 1e-6;
                let (mut a, mut b) = (x, x);
                a[d] += h;
                b[d] -= h;
                let fd = (g.covariance_with_gradient(&a, &anchor).unwrap().0
                    - g.covariance_with_gradient(&b, &anchor).unwrap().0)
                    / (2.0 * h);
                // Central differences: error O(h²) plus round-off ~1e-10/h.
                assert!(
                    (fd - grad[d]).abs() < 1e-5 * (1.0 + fd.abs()),
                    "{kernel:?} d={d}: {fd} vs {}",
                    grad[d]
                );
            }
        }
    }
}
