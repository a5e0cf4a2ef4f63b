//! The fitting objective as an argmin problem: the negative log posterior
//! per point over the log-hyperparameters.
//!
//! Parameters: `θ = (ln ℓ_1, …, ln ℓ_d, ln σ², [ln(σ_n² − floor)])`; the
//! noise entry is present only when the noise is learned, and the floor
//! enters through `σ_n² = floor + e^θ` (as GPyTorch's `GreaterThan`
//! constraint). The constant mean (flat prior) is profiled out: at every `θ`
//! it is set to its generalised-least-squares maximiser `1ᵀK⁻¹y / 1ᵀK⁻¹1`
//! ([`Workspace::evaluate_profiled`]), which leaves the optimum unchanged and
//! removes the slow mean/signal ridge from the search. The objective is
//! `−(log p(y|θ) + log p(θ))/n`, per point so that tolerances do not depend
//! on `n`. Each `θ` is clamped into a wide box (length scales in
//! `[1e-3, 1e4]`, signal variance in `[1e-6, 1e6]`, noise above the floor up to
//! `1e3`) with a quadratic penalty outside it, so that no line-search step can
//! overflow the kernel. One evaluation computes value and gradient together
//! and caches them, since L-BFGS and the Moré–Thuente line search ask for both
//! at the same point.

use std::cell::RefCell;

use argmin::core::{CostFunction, Gradient};
use nalgebra::DVector;

use super::config::{Noise, Priors};
use super::hyperparameters::Hyperparameters;
use super::likelihood::Workspace;
use super::priors;
use crate::error::GpError;

/// Curvature of the penalty outside the box.
const BOX_PENALTY: f64 = 10.0;

/// The map between hyperparameters and the optimiser's vector `θ`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packing {
    pub(crate) dim: usize,
    pub(crate) noise: Noise,
}

impl Packing {
    fn len(&self) -> usize {
        self.dim + 1 + usize::from(matches!(self.noise, Noise::Learned { .. }))
    }

    /// `θ` of `hp` (a learned noise at or below the floor maps to `floor·1e-3` above it).
    pub(crate) fn pack(&self, hp: &Hyperparameters) -> DVector<f64> {
        let mut theta = DVector::zeros(self.len());
        for (t, l) in theta.iter_mut().zip(&hp.length_scales) {
            *t = l.ln();
        }
        theta[self.dim] = hp.signal_variance.ln();
        if let Noise::Learned { floor } = self.noise {
            theta[self.dim + 1] = (hp.noise_variance - floor).max(1e-3 * floor).ln();
        }
        theta
    }

    /// The hyperparameters at `θ` (assumed inside the box), mean 0.
    pub(crate) fn unpack(&self, theta: &DVector<f64>) -> Hyperparameters {
        Hyperparameters {
            length_scales: theta.rows(0, self.dim).iter().map(|t| t.exp()).collect(),
            signal_variance: theta[self.dim].exp(),
            noise_variance: match self.noise {
                Noise::Learned { floor } => floor + theta[self.dim + 1].exp(),
                Noise::Fixed(v) => v,
            },
            mean: 0.0,
        }
    }

    /// Bounds of entry `i` of `θ`.
    fn bounds(&self, i: usize) -> (f64, f64) {
        if i < self.dim {
            (1e-3f64.ln(), 1e4f64.ln())
        } else if i == self.dim {
            (1e-6f64.ln(), 1e6f64.ln())
        } else {
            let floor = match self.noise {
                Noise::Learned { floor } => floor,
                Noise::Fixed(_) => 1.0,
            };
            ((1e-8 * floor).ln(), 1e3f64.ln())
        }
    }

    /// `θ` projected into the box.
    pub(crate) fn clamp(&self, theta: &DVector<f64>) -> DVector<f64> {
        DVector::from_iterator(
            theta.len(),
            theta.iter().enumerate().map(|(i, &t)| {
                let (lo, hi) = self.bounds(i);
                t.clamp(lo, hi)
            }),
        )
    }
}

/// A point `θ`, the objective there and its gradient.
pub(crate) type Evaluation = (DVector<f64>, f64, DVector<f64>);

/// The negative log posterior per point, as an argmin problem.
pub(crate) struct NegLogPosterior {
    pub(crate) workspace: RefCell<Workspace>,
    pub(crate) packing: Packing,
    pub(crate) priors: Priors,
    /// The last point evaluated, its value and gradient.
    pub(crate) cache: RefCell<Option<Evaluation>>,
}

impl NegLogPosterior {
    /// Value and gradient at `θ`, from the cache when `θ` was the last point.
    pub(crate) fn value_and_gradient(
        &self,
        theta: &DVector<f64>,
    ) -> Result<(f64, DVector<f64>), GpError> {
        if let Some((t, v, g)) = self.cache.borrow().as_ref()
            && t == theta
        {
            return Ok((*v, g.clone()));
        }
        let p = self.packing;
        let d = p.dim;
        let projected = p.clamp(theta);
        let hp = p.unpack(&projected);
        let mut ws = self.workspace.borrow_mut();
        let n = ws.n() as f64;
        let mut g = vec![0.0; d + 3];
        let (mut value, _) = ws.evaluate_profiled(&hp, &mut g)?;
        let learned = matches!(p.noise, Noise::Learned { .. });
        if self.priors == Priors::Weak {
            let mut gp = vec![0.0; d + 2];
            value += priors::log_prior(&hp, learned, &mut gp);
            for (g, gp) in g.iter_mut().zip(&gp) {
                *g += gp;
            }
        }
        // Chain rule to θ, then negate and scale.
        let mut grad = DVector::zeros(p.len());
        for i in 0..=d {
            grad[i] = g[i];
        }
        if let Noise::Learned { floor } = p.noise {
            grad[d + 1] = g[d + 1] * (hp.noise_variance - floor) / hp.noise_variance;
        }
        let mut cost = -value / n;
        grad /= -n;
        for i in 0..p.len() {
            let excess = theta[i] - projected[i];
            if excess != 0.0 {
                cost += 0.5 * BOX_PENALTY * excess * excess;
                grad[i] = BOX_PENALTY * excess;
            }
        }
        if !cost.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(GpError::NonFinite {
                what: "marginal likelihood",
            });
        }
        *self.cache.borrow_mut() = Some((theta.clone(), cost, grad.clone()));
        Ok((cost, grad))
    }
}

impl CostFunction for &NegLogPosterior {
    type Param = DVector<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.value_and_gradient(theta)?.0)
    }
}

impl Gradient for &NegLogPosterior {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<DVector<f64>, argmin::core::Error> {
        Ok(self.value_and_gradient(theta)?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::standardise::Standardisation;
    use approx::assert_relative_eq;
    use nalgebra::DMatrix;

    fn objective(priors: Priors, noise: Noise) -> NegLogPosterior {
        let n = 25;
        let x = DMatrix::from_fn(n, 2, |i, j| ((i * 5 + j * 7) % 13) as f64 / 13.0);
        let y: Vec<f64> = (0..n)
            .map(|i| (3.0 * x[(i, 0)]).sin() - x[(i, 1)])
            .collect();
        let s = Standardisation::of(&y);
        let y: Vec<f64> = y.iter().map(|&v| s.forward(v)).collect();
        NegLogPosterior {
            workspace: RefCell::new(Workspace::new(&x, &y, Default::default())),
            packing: Packing { dim: 2, noise },
            priors,
            cache: RefCell::new(None),
        }
    }

    #[test]
    fn objective_gradient_matches_finite_differences() {
        // Covers the priors, the floor reparametrisation and the scaling by n.
        let noises = [Noise::Learned { floor: 1e-3 }, Noise::Fixed(0.01)];
        for (priors, noise) in [Priors::Weak, Priors::Flat]
            .into_iter()
            .flat_map(|p| noises.map(|n| (p, n)))
        {
            let f = objective(priors, noise);
            let hp = Hyperparameters {
                length_scales: vec![0.4, 0.7],
                signal_variance: 1.2,
                noise_variance: 0.02,
                mean: 0.1,
            };
            let theta = f.packing.pack(&hp);
            let (_, grad) = f.value_and_gradient(&theta).unwrap();
            let h = 1e-6;
            for i in 0..theta.len() {
                let mut plus = theta.clone();
                plus[i] += h;
                let mut minus = theta.clone();
                minus[i] -= h;
                let fd = (f.value_and_gradient(&plus).unwrap().0
                    - f.value_and_gradient(&minus).unwrap().0)
                    / (2.0 * h);
                // h = 1e-6: truncation O(h²) ~ 1e-12, rounding |f|·ε/h ~ 1e-9 for
                // an objective of order 1 per point.
                assert_relative_eq!(grad[i], fd, max_relative = 1e-6, epsilon = 1e-7);
            }
        }
    }

    #[test]
    fn pack_unpack_round_trip() {
        let p = Packing {
            dim: 3,
            noise: Noise::Learned { floor: 1e-6 },
        };
        let hp = Hyperparameters {
            length_scales: vec![0.1, 1.0, 3.0],
            signal_variance: 2.0,
            noise_variance: 0.01,
            mean: -0.3,
        };
        let back = p.unpack(&p.pack(&hp));
        // exp(ln v) and exp(ln(v − floor)) + floor: a few ulps.
        for (a, b) in back.length_scales.iter().zip(&hp.length_scales) {
            assert_relative_eq!(a, b, max_relative = 1e-14);
        }
        assert_relative_eq!(back.signal_variance, 2.0, max_relative = 1e-14);
        assert_relative_eq!(back.noise_variance, 0.01, max_relative = 1e-14);
        assert_eq!(back.mean, 0.0);
        let fixed = Packing {
            dim: 3,
            noise: Noise::Fixed(0.5),
        };
        assert_eq!(fixed.pack(&hp).len(), 4);
        assert_eq!(fixed.unpack(&fixed.pack(&hp)).noise_variance, 0.5);
    }

    #[test]
    fn box_penalty_is_continuous_and_pushes_back() {
        let f = objective(Priors::Flat, Noise::default());
        let mut theta = f.packing.pack(&priors::prior_mode(2, Noise::default()));
        theta[0] = 1e4f64.ln();
        let at_bound = f.value_and_gradient(&theta).unwrap();
        theta[0] += 1e-9;
        let just_out = f.value_and_gradient(&theta).unwrap();
        // A step of 1e-9 moves a continuous objective by |∂f/∂θ| · 1e-9 (∂f of
        // order 1), so 1e-9 relative; a jump at the bound shows at its size.
        assert_relative_eq!(at_bound.0, just_out.0, max_relative = 1e-9);
        theta[0] += 5.0;
        let far = f.value_and_gradient(&theta).unwrap();
        assert!(far.0 > at_bound.0 && far.1[0] > 0.0);
    }
}
