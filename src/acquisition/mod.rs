//! Acquisition functions over a Gaussian posterior, for **minimisation**, and
//! their maximiser over the encoded search space.
//!
//! A surrogate model gives, at a candidate `x`, a [`Posterior`] `N(μ, σ²)` of
//! the objective. An [`Acquisition`] turns it, together with the incumbent
//! value `best` to beat, into a score to **maximise**. Every acquisition also
//! returns its partial derivatives with respect to `μ` and `σ`
//! ([`AcquisitionValue`]); the caller chains them to `x` with the model's
//! `∂μ/∂x` and `∂σ²/∂x` ([`AcquisitionValue::chain`]).
//!
//! With `z = (best − μ)/σ` (positive when the mean improves on `best`):
//!
//! | variant | value | reference |
//! |---|---|---|
//! | [`Acquisition::Ei`] | `σ h(z)`, `h(z) = z Φ(z) + φ(z)` | Jones, Schonlau & Welch 1998 |
//! | [`Acquisition::LogEi`] | `log σ + log h(z)`, stable for `z ≪ 0` | Ament et al. 2023 |
//! | [`Acquisition::Pi`] | `Φ(z)` | Kushner 1964 |
//! | [`Acquisition::LogPi`] | `log Φ(z)`, stable for `z ≪ 0` | |
//! | [`Acquisition::Ucb`] | `−μ + √β σ` (the lower confidence bound of the objective, negated) | Srinivas et al. 2010 |
//!
//! **Incumbent.** `best` is chosen by the caller; see [`Incumbent`]. With a
//! noise-free objective the best observed value is right; when the noise is
//! learned, the best posterior mean at the observed points is less fooled by
//! one lucky noisy draw.
//!
//! Plain EI underflows to exactly `0.0` (with a zero gradient) once
//! `z ≲ −38`, which leaves a gradient-based maximiser nothing to climb; LogEI
//! stays finite and strictly increasing there (Ament et al. 2023, "Unexpected
//! Improvements to Expected Improvement for Bayesian Optimization",
//! NeurIPS). LogEI is the default of the GP sampler.

mod linesearch;
mod local;
mod maximand;
mod maximize;
pub(crate) mod normal;
pub mod trust_region;

pub use maximand::Maximand;
pub use maximize::{
    MAX_INTEGER_REFINEMENT, Maximizer, MaximizerConfig, Maximum, NEAR_REPEAT_TOLERANCE,
};
use serde::{Deserialize, Serialize};
pub use trust_region::TrustRegion;
/// Smallest standard deviation the acquisitions use: a smaller `σ`
/// (including 0 at an observed point of a noise-free model) is raised to this
/// value, and the derivative with respect to `σ` is then 0 (that of the
/// clamped function).
pub const MIN_STD: f64 = 1e-10;

/// A Gaussian posterior `N(mean, std²)` of the objective at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posterior {
    /// Posterior mean `μ`.
    pub mean: f64,
    /// Posterior standard deviation `σ` (not the variance).
    pub std: f64,
}

impl Posterior {
    /// The posterior with mean `mean` and variance `variance` (negative
    /// round-off is treated as 0).
    #[must_use]
    pub fn from_variance(mean: f64, variance: f64) -> Self {
        Self {
            mean,
            std: variance.max(0.0).sqrt(),
        }
    }
}

/// How the incumbent `best` passed to [`Acquisition::evaluate`] is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Incumbent {
    /// The smallest observed objective value. Right for noise-free
    /// objectives; the default.
    #[default]
    BestObserved,
    /// The smallest posterior mean over the observed points: with learned
    /// observation noise, an unusually lucky noisy observation does not set an
    /// unreachable target.
    BestPosteriorMean,
    /// Noisy EI against the point `x*` of smallest posterior mean among the
    /// observed (and pending) points, its latent value treated as the random
    /// variable it is: the improvement is `f(x*) − f(x)` under their joint
    /// posterior, normal with mean `μ(x*) − μ(x)` and variance
    /// `σ²(x) + σ²(x*) − 2 cov(x, x*)` (the one-point case of Letham et al.
    /// 2019, "Constrained Bayesian optimization with noisy experiments", who
    /// integrate over every observed point). Near `x*` the two values are
    /// correlated, so the variance of their difference vanishes and a
    /// re-evaluation there is not rewarded for the incumbent's own
    /// uncertainty. Used when the GP's fit says the values are noisy; the
    /// best observation otherwise.
    NoisyEi,
}

/// An acquisition function for minimisation (a closed set, see the module
/// docs for the formulas). Larger values are better candidates.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Acquisition {
    /// Expected improvement `σ h(z)`.
    Ei,
    /// Logarithm of the expected improvement, `log σ + log h(z)`, computed
    /// stably in the lower tail. The default.
    #[default]
    LogEi,
    /// Probability of improvement `Φ(z)`.
    Pi,
    /// Logarithm of the probability of improvement, stable in the lower tail.
    LogPi,
    /// Upper confidence bound on `−f`: `−μ + √β σ`.
    Ucb {
        /// Exploration weight `β ≥ 0` (Srinivas et al. 2010 use `β_t`
        /// growing like `log t`; a constant 2–4 is common).
        beta: f64,
    },
}

/// An acquisition value with its partial derivatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcquisitionValue {
    /// The acquisition value.
    pub value: f64,
    /// `∂a/∂μ`.
    pub d_mean: f64,
    /// `∂a/∂σ` (0 where `σ` was clamped to [`MIN_STD`]).
    pub d_std: f64,
}

impl AcquisitionValue {
    /// The gradient with respect to `x`, by the chain rule
    /// `∂a/∂x = ∂a/∂μ ∂μ/∂x + ∂a/∂σ ∂σ²/∂x / (2σ)`, given the model's
    /// `∂μ/∂x`, `∂σ²/∂x` and the posterior `std` the value was computed at
    /// (the same clamping to [`MIN_STD`] applies).
    #[must_use]
    pub fn chain(&self, std: f64, d_mean_dx: &[f64], d_var_dx: &[f64]) -> Vec<f64> {
        let s = 0.5 * self.d_std / std.max(MIN_STD);
        d_mean_dx
            .iter()
            .zip(d_var_dx)
            .map(|(dm, dv)| self.d_mean * dm + s * dv)
            .collect()
    }
}

impl Acquisition {
    /// The acquisition value at posterior `p` against incumbent `best`.
    #[must_use]
    pub fn value(&self, p: Posterior, best: f64) -> f64 {
        self.evaluate(p, best).value
    }

    /// The acquisition value at posterior `p` against incumbent `best`, with
    /// its derivatives with respect to `μ` and `σ`.
    ///
    /// With `z = (best − μ)/σ`, `g` the derivative of the logarithm used:
    /// - EI: `∂/∂μ = −Φ(z)`, `∂/∂σ = φ(z)`;
    /// - LogEI: `g = Φ(z)/h(z)`, `∂/∂μ = −g/σ`, `∂/∂σ = (1 − g z)/σ`;
    /// - PI: `∂/∂μ = −φ(z)/σ`, `∂/∂σ = −z φ(z)/σ`;
    /// - LogPI: `g = φ(z)/Φ(z)`, `∂/∂μ = −g/σ`, `∂/∂σ = −g z/σ`;
    /// - UCB: `∂/∂μ = −1`, `∂/∂σ = √β`.
    ///
    /// Finite inputs give finite outputs (EI and PI may be exactly 0 far in
    /// the tail; their logarithms are not).
    #[must_use]
    pub fn evaluate(&self, p: Posterior, best: f64) -> AcquisitionValue {
        let clamped = p.std.is_nan() || p.std < MIN_STD;
        let sigma = if clamped { MIN_STD } else { p.std };
        let z = (best - p.mean) / sigma;
        let (value, d_mean, d_std) = match *self {
            Self::Ei => (sigma * normal::h(z), -normal::cdf(z), normal::pdf(z)),
            Self::LogEi => {
                let (lh, g) = normal::log_h(z);
                (sigma.ln() + lh, -g / sigma, (1.0 - g * z) / sigma)
            }
            Self::Pi => {
                let d = normal::pdf(z);
                (normal::cdf(z), -d / sigma, -z * d / sigma)
            }
            Self::LogPi => {
                let (lc, g) = normal::log_cdf(z);
                (lc, -g / sigma, -g * z / sigma)
            }
            Self::Ucb { beta } => {
                let k = beta.max(0.0).sqrt();
                (-p.mean + k * sigma, -1.0, k)
            }
        };
        AcquisitionValue {
            value,
            d_mean,
            d_std: if clamped { 0.0 } else { d_std },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn zero_std_is_clamped_with_zero_std_gradient() {
        let p = Posterior {
            mean: 1.0,
            std: 0.0,
        };
        let a = Acquisition::Ei.evaluate(p, 2.0);
        // σ → 0 with μ below best: EI → best − μ (σ h(z) with z = 1/σ huge:
        // a few roundings).
        assert_relative_eq!(a.value, 1.0, max_relative = 1e-12);
        assert_eq!(a.d_std, 0.0);
        assert!(Acquisition::LogEi.evaluate(p, 0.0).value.is_finite());
    }

    #[test]
    fn ucb_prefers_low_mean_and_high_std() {
        let a = Acquisition::Ucb { beta: 4.0 };
        let low = a.value(
            Posterior {
                mean: 0.0,
                std: 1.0,
            },
            0.0,
        );
        let high = a.value(
            Posterior {
                mean: 1.0,
                std: 1.0,
            },
            0.0,
        );
        let wide = a.value(
            Posterior {
                mean: 1.0,
                std: 2.0,
            },
            0.0,
        );
        assert_relative_eq!(low, 2.0);
        assert_relative_eq!(high, 1.0);
        assert_relative_eq!(wide, 3.0);
    }

    #[test]
    fn chain_rule_combines_mean_and_variance_gradients() {
        let v = AcquisitionValue {
            value: 0.0,
            d_mean: 2.0,
            d_std: 3.0,
        };
        // σ = 0.5 → ∂σ/∂σ² = 1/(2σ) = 1.
        let g = v.chain(0.5, &[1.0, 0.0], &[0.0, 1.0]);
        assert_relative_eq!(g[0], 2.0);
        assert_relative_eq!(g[1], 3.0);
    }
}
