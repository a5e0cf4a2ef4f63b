//! Gradient-based optimisers. Hyperparameters live in [`Optimizer`], the
//! running state in [`OptimizerState`]; the learning rate is passed to each
//! update (it comes from the [`Schedule`](super::Schedule)).
//!
//! (Over 400 lines because its unit tests, 117 of the 544 lines, stay beside the code they check.)

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::NnError;

/// An optimiser and its hyperparameters. `η` below is the learning rate of
/// the current update, `g` the gradient, `θ` the parameters.
///
/// By default, [`Optimizer::adam`] with the paper's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Full-batch gradient descent, `θ ← θ - η g`: every update sees the
    /// whole training set (the configured batch size is ignored).
    Gd,
    /// Mini-batch stochastic gradient descent, `θ ← θ - η g`.
    Sgd,
    /// SGD with momentum μ (Polyak 1964; Sutskever, Martens, Dahl & Hinton
    /// 2013): `v ← μ v - η g`, then classical `θ ← θ + v` or Nesterov
    /// `θ ← θ + μ v - η g` (the look-ahead form of Sutskever et al.).
    Momentum {
        /// μ in `[0, 1)`; commonly 0.9.
        momentum: f64,
        /// Nesterov's accelerated gradient instead of classical momentum.
        nesterov: bool,
    },
    /// Adam (Kingma & Ba 2014, Algorithm 1): with `t` the update count,
    /// `m ← β1 m + (1-β1) g`, `v ← β2 v + (1-β2) g²`,
    /// `m̂ = m / (1-β1^t)`, `v̂ = v / (1-β2^t)`, `θ ← θ - η m̂ / (√v̂ + ε)`.
    Adam {
        /// β1 in `[0, 1)`; 0.9 in the paper.
        beta1: f64,
        /// β2 in `[0, 1)`; 0.999 in the paper.
        beta2: f64,
        /// ε `> 0`; 1e-8 in the paper.
        epsilon: f64,
    },
    /// AdamW (Loshchilov & Hutter 2019, "Decoupled weight decay
    /// regularization", Algorithm 2): Adam plus a decay applied to the
    /// parameters directly rather than through the gradient,
    /// `θ ← θ - η (m̂ / (√v̂ + ε) + λ θ)`. The paper writes
    /// `η_t (α m̂/(√v̂+ε) + λ θ)` with `η_t` a schedule multiplier; here the
    /// scheduled rate `η = η_t α` multiplies both terms (as in PyTorch), so
    /// this λ is the paper's divided by α. The decay applies to the weights
    /// (and to biases only when biases are penalised).
    AdamW {
        /// β1 in `[0, 1)`.
        beta1: f64,
        /// β2 in `[0, 1)`.
        beta2: f64,
        /// ε `> 0`.
        epsilon: f64,
        /// λ `>= 0`; commonly 0.01.
        weight_decay: f64,
    },
    /// RMSProp (Hinton, Coursera lecture 6e, 2012): `s ← ρ s + (1-ρ) g²`,
    /// `θ ← θ - η g / (√s + ε)`.
    RmsProp {
        /// ρ in `[0, 1)`; commonly 0.9.
        rho: f64,
        /// ε `> 0`.
        epsilon: f64,
    },
}

impl Default for Optimizer {
    fn default() -> Self {
        Self::adam()
    }
}

impl Optimizer {
    /// Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8 (the paper's defaults).
    #[must_use]
    pub const fn adam() -> Self {
        Self::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// AdamW with Adam's defaults and decay λ.
    #[must_use]
    pub const fn adamw(weight_decay: f64) -> Self {
        Self::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay,
        }
    }

    /// Classical momentum μ.
    #[must_use]
    pub const fn momentum(momentum: f64) -> Self {
        Self::Momentum {
            momentum,
            nesterov: false,
        }
    }

    /// Nesterov momentum μ.
    #[must_use]
    pub const fn nesterov(momentum: f64) -> Self {
        Self::Momentum {
            momentum,
            nesterov: true,
        }
    }

    /// RMSProp with ρ = 0.9, ε = 1e-8.
    #[must_use]
    pub const fn rmsprop() -> Self {
        Self::RmsProp {
            rho: 0.9,
            epsilon: 1e-8,
        }
    }

    /// The optimiser's name (`"adam"`, `"sgd"`, ...).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Gd => "gd",
            Self::Sgd => "sgd",
            Self::Momentum {
                nesterov: false, ..
            } => "momentum",
            Self::Momentum { nesterov: true, .. } => "nesterov",
            Self::Adam { .. } => "adam",
            Self::AdamW { .. } => "adamw",
            Self::RmsProp { .. } => "rmsprop",
        }
    }

    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`NnError::Hyperparameter`] naming the first one out of range.
    pub fn check(&self) -> Result<(), NnError> {
        match *self {
            Self::Gd | Self::Sgd => Ok(()),
            Self::Momentum { momentum, .. } => unit("momentum", momentum),
            Self::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                positive("epsilon", epsilon)
            }
            Self::AdamW {
                beta1,
                beta2,
                epsilon,
                weight_decay,
            } => {
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                positive("epsilon", epsilon)?;
                if weight_decay.is_finite() && weight_decay >= 0.0 {
                    Ok(())
                } else {
                    Err(NnError::Hyperparameter {
                        name: "weight_decay",
                        value: weight_decay,
                        expected: "finite and >= 0",
                    })
                }
            }
            Self::RmsProp { rho, epsilon } => {
                unit("rho", rho)?;
                positive("epsilon", epsilon)
            }
        }
    }

    /// Fresh state for `n_params` parameters (moments at zero, no updates).
    #[must_use]
    pub fn init_state(&self, n_params: usize) -> OptimizerState {
        let (first, second) = match self {
            Self::Gd | Self::Sgd => (0, 0),
            Self::Momentum { .. } | Self::RmsProp { .. } => (n_params, 0),
            Self::Adam { .. } | Self::AdamW { .. } => (n_params, n_params),
        };
        OptimizerState {
            updates: 0,
            n_params,
            first: vec![0.0; first],
            second: vec![0.0; second],
        }
    }

    /// One update of `params` by `grads` with learning rate `lr`. AdamW's
    /// decoupled decay applies to `params[..n_decayed]` only (the network
    /// stores its weights before its biases).
    ///
    /// # Errors
    /// [`NnError::Shape`] if `params`, `grads` and the state differ in
    /// length or `n_decayed` exceeds it.
    pub fn update(
        &self,
        state: &mut OptimizerState,
        params: &mut [f32],
        grads: &[f32],
        lr: f64,
        n_decayed: usize,
    ) -> Result<(), NnError> {
        for (what, found) in [
            ("optimizer gradient length", grads.len()),
            ("optimizer state length", state.n_params),
            ("optimizer decayed prefix", n_decayed.max(params.len())),
        ] {
            if found != params.len() {
                return Err(NnError::Shape {
                    what,
                    expected: params.len(),
                    found,
                });
            }
        }
        state.updates += 1;
        let eta = lr as f32;
        match *self {
            Self::Gd | Self::Sgd => {
                params
                    .iter_mut()
                    .zip(grads)
                    .for_each(|(p, &g)| *p -= eta * g);
            }
            Self::Momentum { momentum, nesterov } => {
                let mu = momentum as f32;
                let it = params.iter_mut().zip(grads).zip(state.first.iter_mut());
                if nesterov {
                    it.for_each(|((p, &g), v)| {
                        *v = mu * *v - eta * g;
                        *p += mu * *v - eta * g;
                    });
                } else {
                    it.for_each(|((p, &g), v)| {
                        *v = mu * *v - eta * g;
                        *p += *v;
                    });
                }
            }
            Self::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                adam(state, params, grads, eta, beta1, beta2, epsilon);
            }
            Self::AdamW {
                beta1,
                beta2,
                epsilon,
                weight_decay,
            } => {
                // θ_{t-1} enters the decay term: apply it before the Adam step.
                let keep = 1.0 - eta * weight_decay as f32;
                params[..n_decayed].iter_mut().for_each(|p| *p *= keep);
                adam(state, params, grads, eta, beta1, beta2, epsilon);
            }
            Self::RmsProp { rho, epsilon } => {
                let (rho, eps) = (rho as f32, epsilon as f32);
                params
                    .iter_mut()
                    .zip(grads)
                    .zip(state.first.iter_mut())
                    .for_each(|((p, &g), s)| {
                        *s = rho * *s + (1.0 - rho) * g * g;
                        *p -= eta * g / (s.sqrt() + eps);
                    });
            }
        }
        Ok(())
    }
}

impl FromStr for Optimizer {
    type Err = NnError;

    /// Reads an optimiser by name with its customary hyperparameters:
    /// `gd`, `sgd`, `momentum` and `nesterov` (μ = 0.9), `adam` (0.9,
    /// 0.999, 1e-8), `adamw` (the same, λ = 0.01), `rmsprop` (ρ = 0.9,
    /// ε = 1e-8); case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gd" => Ok(Self::Gd),
            "sgd" => Ok(Self::Sgd),
            "momentum" => Ok(Self::momentum(0.9)),
            "nesterov" => Ok(Self::nesterov(0.9)),
            "adam" => Ok(Self::adam()),
            "adamw" => Ok(Self::adamw(0.01)),
            "rmsprop" => Ok(Self::rmsprop()),
            _ => Err(NnError::UnknownName {
                kind: "optimizer",
                name: s.to_owned(),
                expected: "gd, sgd, momentum, nesterov, adam, adamw, rmsprop",
            }),
        }
    }
}

/// Adam's moment updates and step, with the bias corrections computed in
/// `f64` (β^t underflows gracefully there) and applied as two factors.
fn adam(
    state: &mut OptimizerState,
    params: &mut [f32],
    grads: &[f32],
    eta: f32,
    b1: f64,
    b2: f64,
    eps: f64,
) {
    let t = i32::try_from(state.updates).unwrap_or(i32::MAX);
    let inv_c1 = (1.0 / (1.0 - b1.powi(t))) as f32;
    let inv_c2 = (1.0 / (1.0 - b2.powi(t))) as f32;
    let (b1, b2, eps) = (b1 as f32, b2 as f32, eps as f32);
    params
        .iter_mut()
        .zip(grads)
        .zip(state.first.iter_mut().zip(state.second.iter_mut()))
        .for_each(|((p, &g), (m, v))| {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= eta * (*m * inv_c1) / ((*v * inv_c2).sqrt() + eps);
        });
}

/// An optimiser's running state: the update count and the moment buffers
/// it needs (none for SGD, one for momentum and RMSProp, two for Adam).
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerState {
    updates: u64,
    n_params: usize,
    first: Vec<f32>,
    second: Vec<f32>,
}

impl OptimizerState {
    /// The number of updates made so far (Adam's `t`).
    #[must_use]
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The first moment (Adam's `m`), velocity (momentum's `v`) or squared
    /// average (RMSProp's `s`); empty for SGD.
    #[must_use]
    pub fn first_moment(&self) -> &[f32] {
        &self.first
    }

    /// Adam's second moment `v`; empty for the others.
    #[must_use]
    pub fn second_moment(&self) -> &[f32] {
        &self.second
    }

    /// Overwrites this state with a saved one (a resumed training's): the
    /// update count and the moments, which must have this state's lengths.
    ///
    /// # Errors
    /// [`NnError::InvalidSnapshot`] naming the moment of the wrong length.
    pub(crate) fn restore(
        &mut self,
        updates: u64,
        first: impl ExactSizeIterator<Item = f32>,
        second: impl ExactSizeIterator<Item = f32>,
    ) -> Result<(), NnError> {
        for (buf, src, what) in [
            (
                &mut self.first,
                first.len(),
                "optimizer first moment length",
            ),
            (
                &mut self.second,
                second.len(),
                "optimizer second moment length",
            ),
        ] {
            if buf.len() != src {
                return Err(NnError::InvalidSnapshot { what });
            }
        }
        self.first.iter_mut().zip(first).for_each(|(d, s)| *d = s);
        self.second.iter_mut().zip(second).for_each(|(d, s)| *d = s);
        self.updates = updates;
        Ok(())
    }
}

fn unit(name: &'static str, value: f64) -> Result<(), NnError> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(NnError::Hyperparameter {
            name,
            value,
            expected: "in [0, 1)",
        })
    }
}

fn positive(name: &'static str, value: f64) -> Result<(), NnError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(NnError::Hyperparameter {
            name,
            value,
            expected: "finite and > 0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "gd", "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop",
        ] {
            let opt: Optimizer = name.parse().unwrap();
            assert_eq!(opt.name(), name);
            opt.check().unwrap();
        }
        assert!(matches!(
            "lbfgs".parse::<Optimizer>(),
            Err(NnError::UnknownName {
                kind: "optimizer",
                ..
            })
        ));
    }

    #[test]
    fn sgd_steps_against_the_gradient() {
        let opt = Optimizer::Sgd;
        let mut st = opt.init_state(2);
        let mut p = [1.0f32, -1.0];
        opt.update(&mut st, &mut p, &[0.5, -0.25], 0.1, 2).unwrap();
        assert_eq!(p, [0.95, -0.975]);
        assert_eq!(st.updates(), 1);
    }

    #[test]
    fn momentum_accumulates_velocity() {
        // g = 1 each step, η = 0.1, μ = 0.5: v = -0.1, -0.15; θ = -0.1, -0.25.
        let opt = Optimizer::momentum(0.5);
        let mut st = opt.init_state(1);
        let mut p = [0.0f32];
        opt.update(&mut st, &mut p, &[1.0], 0.1, 1).unwrap();
        opt.update(&mut st, &mut p, &[1.0], 0.1, 1).unwrap();
        // Two f32 updates of values ≤ 0.25: a few ulps (u = 6e-8 relative).
        approx::assert_relative_eq!(p[0], -0.25, max_relative = 1e-6);
        // Nesterov: θ += μ v - η g: -0.05 - 0.1 = -0.15, then -0.075 - 0.1 = -0.175 more.
        let opt = Optimizer::nesterov(0.5);
        let mut st = opt.init_state(1);
        let mut p = [0.0f32];
        opt.update(&mut st, &mut p, &[1.0], 0.1, 1).unwrap();
        opt.update(&mut st, &mut p, &[1.0], 0.1, 1).unwrap();
        // As above.
        approx::assert_relative_eq!(p[0], -0.325, max_relative = 1e-6);
    }

    #[test]
    fn mismatched_lengths_are_errors() {
        let opt = Optimizer::adam();
        let mut st = opt.init_state(3);
        let mut p = [0.0f32; 3];
        assert!(matches!(
            opt.update(&mut st, &mut p, &[0.0; 2], 0.1, 0),
            Err(NnError::Shape { found: 2, .. })
        ));
        assert!(matches!(
            opt.update(&mut st, &mut p, &[0.0; 3], 0.1, 4),
            Err(NnError::Shape { found: 4, .. })
        ));
        let mut st2 = opt.init_state(5);
        assert!(matches!(
            opt.update(&mut st2, &mut p, &[0.0; 3], 0.1, 0),
            Err(NnError::Shape { found: 5, .. })
        ));
    }

    #[test]
    fn out_of_range_hyperparameters_are_named() {
        let cases = [
            (Optimizer::momentum(1.0), "momentum"),
            (
                Optimizer::Adam {
                    beta1: -0.1,
                    beta2: 0.999,
                    epsilon: 1e-8,
                },
                "beta1",
            ),
            (
                Optimizer::Adam {
                    beta1: 0.9,
                    beta2: 1.0,
                    epsilon: 1e-8,
                },
                "beta2",
            ),
            (
                Optimizer::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                    epsilon: 0.0,
                },
                "epsilon",
            ),
            (Optimizer::adamw(-1.0), "weight_decay"),
            (
                Optimizer::RmsProp {
                    rho: f64::NAN,
                    epsilon: 1e-8,
                },
                "rho",
            ),
        ];
        for (opt, name) in cases {
            match opt.check() {
                Err(NnError::Hyperparameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{opt:?}: expected a `{name}` error, got {other:?}"),
            }
        }
        Optimizer::default().check().unwrap();
    }
}
