//! Hidden-layer activations, applied element-wise.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::NnError;

/// An element-wise activation of the hidden layers.
///
/// Every activation here is monotone, so its derivative can be computed
/// from its *output* `y = f(z)`; the trainer therefore keeps only the
/// outputs of each layer.
///
/// By default, [`Activation::Relu`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Activation {
    /// `max(0, z)` (Nair & Hinton 2010); `f' = 1` if `y > 0` else `0`.
    #[default]
    Relu,
    /// `z` if `z > 0` else `slope * z` (Maas et al. 2013); `f' = 1` if
    /// `y > 0` else `slope`. The slope must be finite and `>= 0`.
    LeakyRelu {
        /// The slope for negative inputs (commonly 0.01).
        slope: f32,
    },
    /// The logistic function `1 / (1 + e^-z)`; `f' = y (1 - y)`.
    Sigmoid,
    /// `tanh z`; `f' = 1 - y^2`.
    Tanh,
    /// `z`; `f' = 1`.
    Identity,
}

impl Activation {
    /// The names [`FromStr`] accepts, in order.
    pub const NAMES: &'static str = "relu, leaky_relu, sigmoid, tanh, identity";

    /// Leaky ReLU with the customary slope 0.01.
    #[must_use]
    pub const fn leaky_relu() -> Self {
        Self::LeakyRelu { slope: 0.01 }
    }

    /// Checks the activation's parameter.
    ///
    /// # Errors
    /// [`NnError::Hyperparameter`] for a negative or non-finite slope.
    pub fn check(&self) -> Result<(), NnError> {
        match *self {
            Self::LeakyRelu { slope } if !(slope.is_finite() && slope >= 0.0) => {
                Err(NnError::Hyperparameter {
                    name: "leaky_relu slope",
                    value: f64::from(slope),
                    expected: "finite and >= 0",
                })
            }
            _ => Ok(()),
        }
    }

    /// `f(z)`.
    #[must_use]
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Self::Relu => {
                // Written as a comparison (not `max`) so that NaN propagates.
                if z < 0.0 { 0.0 } else { z }
            }
            Self::LeakyRelu { slope } => {
                if z < 0.0 {
                    slope * z
                } else {
                    z
                }
            }
            Self::Sigmoid => 1.0 / (1.0 + (-z).exp()),
            Self::Tanh => z.tanh(),
            Self::Identity => z,
        }
    }

    /// `f'(z)` expressed through the output `y = f(z)`.
    #[must_use]
    pub fn derivative(self, y: f32) -> f32 {
        match self {
            Self::Relu => {
                if y > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::LeakyRelu { slope } => {
                if y > 0.0 {
                    1.0
                } else {
                    slope
                }
            }
            Self::Sigmoid => y * (1.0 - y),
            Self::Tanh => 1.0 - y * y,
            Self::Identity => 1.0,
        }
    }

    /// Applies `f` in place to every element of `z`.
    pub fn apply_slice(self, z: &mut [f32]) {
        // One loop per variant keeps the match out of the hot loop; the
        // ReLU-type loops are branch-free selects so they vectorise (their
        // signs are random, so branches would mispredict).
        match self {
            Self::Relu => z
                .iter_mut()
                .for_each(|v| *v = if *v < 0.0 { 0.0 } else { *v }),
            Self::LeakyRelu { slope } => z
                .iter_mut()
                .for_each(|v| *v = if *v < 0.0 { *v * slope } else { *v }),
            Self::Sigmoid => z.iter_mut().for_each(|v| *v = Self::Sigmoid.apply(*v)),
            Self::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Self::Identity => {}
        }
    }

    /// Multiplies `delta` element-wise by `f'` evaluated at the outputs `y`
    /// (the chain rule through this activation).
    pub fn backprop_slice(self, y: &[f32], delta: &mut [f32]) {
        debug_assert_eq!(y.len(), delta.len());
        let pairs = delta.iter_mut().zip(y);
        match self {
            Self::Relu => pairs.for_each(|(d, &y)| *d = if y > 0.0 { *d } else { 0.0 }),
            Self::LeakyRelu { slope } => {
                pairs.for_each(|(d, &y)| *d *= if y > 0.0 { 1.0 } else { slope });
            }
            Self::Sigmoid => pairs.for_each(|(d, &y)| *d *= y * (1.0 - y)),
            Self::Tanh => pairs.for_each(|(d, &y)| *d *= 1.0 - y * y),
            Self::Identity => {}
        }
    }

    /// The activation's name as [`FromStr`] reads it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::LeakyRelu { .. } => "leaky_relu",
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
            Self::Identity => "identity",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LeakyRelu { slope } => write!(f, "leaky_relu({slope})"),
            other => f.write_str(other.name()),
        }
    }
}

impl FromStr for Activation {
    type Err = NnError;

    /// Reads `relu`, `leaky_relu` (slope 0.01), `sigmoid`, `tanh` or
    /// `identity` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Self::Relu),
            "leaky_relu" | "leakyrelu" => Ok(Self::leaky_relu()),
            "sigmoid" | "logistic" => Ok(Self::Sigmoid),
            "tanh" => Ok(Self::Tanh),
            "identity" | "linear" => Ok(Self::Identity),
            _ => Err(NnError::UnknownName {
                kind: "activation",
                name: s.to_owned(),
                expected: Self::NAMES,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Activation; 5] = [
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Identity,
    ];

    #[test]
    fn slices_agree_with_scalars() {
        let z: Vec<f32> = (-20..=20).map(|i| i as f32 * 0.37).collect();
        for act in ALL {
            let mut y = z.clone();
            act.apply_slice(&mut y);
            let mut d = vec![1.5f32; z.len()];
            act.backprop_slice(&y, &mut d);
            for i in 0..z.len() {
                assert_eq!(y[i], act.apply(z[i]), "{act} at {}", z[i]);
                assert_eq!(d[i], 1.5 * act.derivative(y[i]), "{act} at {}", z[i]);
            }
        }
    }

    #[test]
    fn relu_propagates_nan() {
        assert!(Activation::Relu.apply(f32::NAN).is_nan());
        let mut v = [f32::NAN];
        Activation::Relu.apply_slice(&mut v);
        assert!(v[0].is_nan());
    }

    #[test]
    fn names_round_trip() {
        for act in [
            Activation::Relu,
            Activation::leaky_relu(),
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Identity,
        ] {
            assert_eq!(act.name().parse::<Activation>().unwrap(), act);
        }
        assert!(matches!(
            "swish".parse::<Activation>(),
            Err(NnError::UnknownName {
                kind: "activation",
                ..
            })
        ));
    }

    #[test]
    fn negative_slope_is_rejected() {
        assert!(matches!(
            Activation::LeakyRelu { slope: -0.1 }.check(),
            Err(NnError::Hyperparameter {
                name: "leaky_relu slope",
                ..
            })
        ));
        Activation::leaky_relu().check().unwrap();
    }
}
