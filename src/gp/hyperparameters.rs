//! Kernel and likelihood hyperparameters, in standardised output units.

use serde::{Deserialize, Serialize};

use crate::error::GpError;

/// The hyperparameters of a GP with constant mean and Gaussian noise:
/// `y = ȳ + s·(mean + f(x) + ε)`, `f ~ GP(0, signal_variance·κ(r²))`,
/// `ε ~ N(0, noise_variance)`, where `ȳ` and `s` are the sample mean and
/// (population) standard deviation of the outputs: every value here is in
/// those standardised units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// One length scale per input dimension (ARD), each > 0 (inputs in the unit cube).
    pub length_scales: Vec<f64>,
    /// Signal (output-scale) variance `σ²` > 0.
    pub signal_variance: f64,
    /// Observation-noise variance `σ_n²` >= 0.
    pub noise_variance: f64,
    /// Constant prior mean.
    pub mean: f64,
}

impl Hyperparameters {
    /// The fit's default start in `dim` dimensions: the mode of each prior
    /// (`ℓ = e^{μ_d − 3} ≈ 0.2√d`, `σ² = 1`, `σ_n² = e⁻⁵ ≈ 0.0067` or the
    /// noise floor if larger, or the fixed noise), with mean 0.
    #[must_use]
    pub fn prior_mode(dim: usize, noise: super::Noise) -> Self {
        super::priors::prior_mode(dim, noise)
    }

    /// Checks that there are `dim` length scales and every value is in its domain.
    ///
    /// # Errors
    /// [`GpError::DimensionMismatch`] or [`GpError::InvalidHyperparameter`].
    pub fn check(&self, dim: usize) -> Result<(), GpError> {
        if self.length_scales.len() != dim {
            return Err(GpError::DimensionMismatch {
                what: "number of length scales",
                expected: dim,
                found: self.length_scales.len(),
            });
        }
        let invalid = |name, value: f64, need: &str| GpError::InvalidHyperparameter {
            name,
            reason: format!("must be finite and {need}, got {value}"),
        };
        if let Some(&l) = self
            .length_scales
            .iter()
            .find(|l| !(**l > 0.0 && l.is_finite()))
        {
            return Err(invalid("length_scales", l, "> 0"));
        }
        if !(self.signal_variance > 0.0 && self.signal_variance.is_finite()) {
            return Err(invalid("signal_variance", self.signal_variance, "> 0"));
        }
        if !(self.noise_variance >= 0.0 && self.noise_variance.is_finite()) {
            return Err(invalid("noise_variance", self.noise_variance, ">= 0"));
        }
        if !self.mean.is_finite() {
            return Err(GpError::NonFinite { what: "mean" });
        }
        Ok(())
    }
}

/// The gradient of the log marginal likelihood with respect to the
/// log-hyperparameters (and the mean, which is unconstrained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmlGradient {
    /// `∂ log p(y) / ∂ log ℓ_k`.
    pub log_length_scales: Vec<f64>,
    /// `∂ log p(y) / ∂ log σ²`.
    pub log_signal_variance: f64,
    /// `∂ log p(y) / ∂ log σ_n²`.
    pub log_noise_variance: f64,
    /// `∂ log p(y) / ∂ mean` (mean in standardised units).
    pub mean: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp() -> Hyperparameters {
        Hyperparameters {
            length_scales: vec![0.5, 1.0],
            signal_variance: 1.0,
            noise_variance: 0.0,
            mean: 0.0,
        }
    }

    #[test]
    fn valid_passes() {
        assert_eq!(hp().check(2), Ok(()));
    }

    #[test]
    fn each_invalid_value_is_reported() {
        assert!(matches!(
            hp().check(3),
            Err(GpError::DimensionMismatch {
                expected: 3,
                found: 2,
                ..
            })
        ));
        let name = |h: Hyperparameters| match h.check(2) {
            Err(GpError::InvalidHyperparameter { name, .. }) => name,
            other => panic!("expected InvalidHyperparameter, got {other:?}"),
        };
        assert_eq!(
            name(Hyperparameters {
                length_scales: vec![0.5, 0.0],
                ..hp()
            }),
            "length_scales"
        );
        assert_eq!(
            name(Hyperparameters {
                length_scales: vec![f64::NAN, 1.0],
                ..hp()
            }),
            "length_scales"
        );
        assert_eq!(
            name(Hyperparameters {
                signal_variance: 0.0,
                ..hp()
            }),
            "signal_variance"
        );
        assert_eq!(
            name(Hyperparameters {
                noise_variance: -1e-9,
                ..hp()
            }),
            "noise_variance"
        );
        assert_eq!(
            name(Hyperparameters {
                noise_variance: f64::INFINITY,
                ..hp()
            }),
            "noise_variance"
        );
        assert!(matches!(
            Hyperparameters {
                mean: f64::NAN,
                ..hp()
            }
            .check(2),
            Err(GpError::NonFinite { what: "mean" })
        ));
    }
}
