//! Weight initialisers. Biases always start at zero.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::NnError;
use crate::rng::{standard_normal, uniform};

/// How the weights of a dense layer with `fan_in` inputs and `fan_out`
/// outputs are drawn. Each draws independent values with mean 0 and the
/// variance given below; uniform variants draw from `U(-a, a)` with
/// `a = sqrt(3 Var)`, normal variants from `N(0, Var)` (not truncated).
///
/// By default, [`Init::HeNormal`] (the match for the default ReLU).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Init {
    /// Glorot & Bengio (2010), "Understanding the difficulty of training
    /// deep feedforward neural networks": `Var = 2 / (fan_in + fan_out)`,
    /// i.e. `a = sqrt(6 / (fan_in + fan_out))`. Suited to tanh and sigmoid.
    XavierUniform,
    /// Glorot & Bengio (2010), normal form: `Var = 2 / (fan_in + fan_out)`.
    XavierNormal,
    /// He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers":
    /// `Var = 2 / fan_in`, i.e. `a = sqrt(6 / fan_in)`. Suited to ReLU.
    HeUniform,
    /// He et al. (2015), normal form: `Var = 2 / fan_in`.
    #[default]
    HeNormal,
    /// LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp":
    /// `Var = 1 / fan_in`, normal.
    LeCunNormal,
}

impl Init {
    /// The names [`FromStr`] accepts, in order.
    pub const NAMES: &'static str =
        "xavier_uniform, xavier_normal, he_uniform, he_normal, lecun_normal";

    /// Every initialiser.
    pub const ALL: [Self; 5] = [
        Self::XavierUniform,
        Self::XavierNormal,
        Self::HeUniform,
        Self::HeNormal,
        Self::LeCunNormal,
    ];

    /// The variance of each weight of a `fan_in x fan_out` layer.
    #[must_use]
    pub fn variance(self, fan_in: usize, fan_out: usize) -> f64 {
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match self {
            Self::XavierUniform | Self::XavierNormal => 2.0 / (fi + fo),
            Self::HeUniform | Self::HeNormal => 2.0 / fi,
            Self::LeCunNormal => 1.0 / fi,
        }
    }

    /// Fills `weights` (a `fan_in x fan_out` layer) with fresh draws, in
    /// order, from the crate's portable draws: [`uniform`]`(−a, a)` or
    /// `sd · `[`standard_normal`], computed in `f64` and rounded to `f32`.
    pub fn fill<R: RngCore + ?Sized>(
        self,
        weights: &mut [f32],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) {
        let var = self.variance(fan_in.max(1), fan_out);
        match self {
            Self::XavierUniform | Self::HeUniform => {
                let a = (3.0 * var).sqrt();
                for w in weights {
                    *w = uniform(rng, -a, a) as f32;
                }
            }
            Self::XavierNormal | Self::HeNormal | Self::LeCunNormal => {
                let std = var.sqrt();
                for w in weights {
                    *w = (std * standard_normal(rng)) as f32;
                }
            }
        }
    }

    /// The initialiser's name as [`FromStr`] reads it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::XavierUniform => "xavier_uniform",
            Self::XavierNormal => "xavier_normal",
            Self::HeUniform => "he_uniform",
            Self::HeNormal => "he_normal",
            Self::LeCunNormal => "lecun_normal",
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Init {
    type Err = NnError;

    /// Reads the names of [`Init::NAMES`] (case-insensitive); `xavier`,
    /// `glorot`, `he`, `kaiming` and `lecun` alone name the uniform Xavier,
    /// normal He and LeCun initialisers.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "xavier_uniform" | "glorot_uniform" | "xavier" | "glorot" => Ok(Self::XavierUniform),
            "xavier_normal" | "glorot_normal" => Ok(Self::XavierNormal),
            "he_uniform" | "kaiming_uniform" => Ok(Self::HeUniform),
            "he_normal" | "kaiming_normal" | "he" | "kaiming" => Ok(Self::HeNormal),
            "lecun_normal" | "lecun" => Ok(Self::LeCunNormal),
            _ => Err(NnError::UnknownName {
                kind: "initialiser",
                name: s.to_owned(),
                expected: Self::NAMES,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    /// Computed once by `Init::HeNormal.fill` (seed 21, 6 x 4 layer) and
    /// checked against tests/fixtures/rng_golden.py's normal draws.
    const GOLDEN_HE_NORMAL: [f32; 3] = [0.704_544_2, 1.000_64, 0.585_487_1];

    #[test]
    fn names_round_trip() {
        for init in Init::ALL {
            assert_eq!(init.name().parse::<Init>().unwrap(), init);
        }
        assert!(matches!(
            "orthogonal".parse::<Init>(),
            Err(NnError::UnknownName {
                kind: "initialiser",
                ..
            })
        ));
    }

    /// Weights are the crate's portable draws, in order (they were `rand`'s
    /// `random_range` and `rand_distr`'s ziggurat normal, whose algorithms
    /// may change between versions): `uniform(−a, a)` and `sd · N(0, 1)`.
    #[test]
    fn weights_are_the_portable_draws() {
        use crate::rng::{standard_normal, uniform};
        let (fan_in, fan_out) = (6, 4);
        for init in Init::ALL {
            let mut w = vec![0.0f32; fan_in * fan_out];
            init.fill(&mut w, fan_in, fan_out, &mut rng_from_seed(21));
            let var = init.variance(fan_in, fan_out);
            let mut rng = rng_from_seed(21);
            let expected: Vec<f32> = (0..w.len())
                .map(|_| match init {
                    Init::XavierUniform | Init::HeUniform => {
                        let a = (3.0 * var).sqrt();
                        uniform(&mut rng, -a, a) as f32
                    }
                    _ => (var.sqrt() * standard_normal(&mut rng)) as f32,
                })
                .collect();
            assert_eq!(w, expected, "{init:?}");
        }
        // And pinned: the first He-normal weights of a 6 x 4 layer, seed 21.
        let mut w = vec![0.0f32; 3];
        Init::HeNormal.fill(&mut w, 6, 4, &mut rng_from_seed(21));
        assert_eq!(w, GOLDEN_HE_NORMAL);
    }

    #[test]
    fn uniform_draws_stay_inside_the_bound() {
        let mut w = vec![0.0f32; 4096];
        Init::HeUniform.fill(&mut w, 16, 8, &mut rng_from_seed(1));
        let a = (6.0f32 / 16.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= a));
        // The draws fill the interval: P(no |v| > 0.9 a in 4096 draws) = 0.9^4096.
        assert!(w.iter().any(|v| v.abs() > 0.9 * a));
    }
}
