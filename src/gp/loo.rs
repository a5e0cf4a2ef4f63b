//! The closed-form leave-one-out predictive log probability of a fitted GP.

use super::posterior::Gp;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

impl Gp {
    /// `Σᵢ log p(yᵢ | y₋ᵢ, θ)`: the log probability of each observation under
    /// the posterior of the other `n − 1` (same hyperparameters, noise
    /// included), summed, in the original units like
    /// [`log_marginal_likelihood`](Self::log_marginal_likelihood).
    ///
    /// Closed form (Rasmussen & Williams 2006, §5.4.2, eq. 5.10–5.12): with
    /// `α = K⁻¹(y − m)` and `[K⁻¹]ᵢᵢ = Σₖ (L⁻¹)²ₖᵢ`, the left-out mean is
    /// `μ₋ᵢ = yᵢ − αᵢ/[K⁻¹]ᵢᵢ` and the variance `σ²₋ᵢ = 1/[K⁻¹]ᵢᵢ`, so
    /// `LOO = Σᵢ −½ log σ²₋ᵢ − (yᵢ − μ₋ᵢ)²/(2σ²₋ᵢ) − ½ log 2π`, minus
    /// `n ln s` for the output scale `s`. Costs `O(n²)` from the stored
    /// `L⁻¹`. Zero for no points.
    #[must_use]
    pub fn log_loo_predictive(&self) -> f64 {
        let n = self.n_points();
        let mut total = 0.0;
        for i in 0..n {
            // Column i of K⁻¹ = L⁻ᵀL⁻¹ on the diagonal: L⁻¹ is lower
            // triangular, so only rows k ≥ i of its column i are non-zero.
            let col = &self.l_inv[i * n..(i + 1) * n];
            let kii: f64 = col[i..].iter().map(|v| v * v).sum();
            let a = self.alpha[i];
            total += 0.5 * kii.ln() - 0.5 * a * a / kii - 0.5 * LN_2PI;
        }
        total - n as f64 * self.standardisation.scale.ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::{Hyperparameters, Kernel};
    use crate::rng::{normal, rng_from_seed, unit_f64};
    use nalgebra::DMatrix;

    /// The closed form against refitting on each `n − 1` points with the
    /// same hyperparameters and standardisation and scoring the left-out
    /// output under the predictive `N(μ, σ² + s²σ_n²)`.
    #[test]
    fn matches_brute_force_leave_one_out() {
        let mut rng = rng_from_seed(4);
        let n = 9;
        let x = DMatrix::from_fn(n, 2, |_, _| unit_f64(&mut rng));
        let y: Vec<f64> = (0..n)
            .map(|i| 3.0 * (2.0 * x[(i, 0)]).cos() - x[(i, 1)] + normal(&mut rng, 5.0, 0.2))
            .collect();
        let hp = Hyperparameters {
            length_scales: vec![0.3, 0.7],
            signal_variance: 1.3,
            noise_variance: 0.05,
            mean: 0.2,
        };
        let gp = Gp::with_hyperparameters(&x, &y, Kernel::default(), hp.clone()).unwrap();
        assert_eq!(gp.jitter(), 0.0);
        let (_, s) = gp.output_standardisation();
        assert!((s - 1.0).abs() > 0.1, "the scale term is exercised");
        let mut brute = 0.0;
        for i in 0..n {
            let keep: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let xi = x.select_rows(&keep);
            let yi: Vec<f64> = keep.iter().map(|&j| y[j]).collect();
            let loo =
                Gp::build(xi, &yi, gp.standardisation, Kernel::default(), hp.clone()).unwrap();
            assert_eq!(loo.jitter(), 0.0);
            let p = loo
                .predict(&x.row(i).iter().copied().collect::<Vec<_>>())
                .unwrap();
            let var = p.variance + s * s * hp.noise_variance;
            let r = y[i] - p.mean;
            brute += -0.5 * var.ln() - 0.5 * r * r / var - 0.5 * LN_2PI;
        }
        // Both are sums of 9 terms of order 1 from factorisations with
        // cond(K) ≲ 1e3: agreement to 1e-9 leaves a wide rounding margin.
        approx::assert_relative_eq!(gp.log_loo_predictive(), brute, epsilon = 1e-9);
    }

    #[test]
    fn no_points_give_zero() {
        let x = DMatrix::zeros(0, 2);
        let hp = Hyperparameters::prior_mode(2, crate::gp::Noise::Fixed(0.01));
        let gp = Gp::with_hyperparameters(&x, &[], Kernel::default(), hp).unwrap();
        assert_eq!(gp.log_loo_predictive(), 0.0);
    }
}
