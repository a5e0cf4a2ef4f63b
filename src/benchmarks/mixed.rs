//! A mixed-type benchmark shaped like a small network-tuning problem.

use crate::Result;
use crate::space::{Params, Scale, SearchSpace, SpaceError};

/// A synthetic "training loss" over a mixed space with interactions:
///
/// | parameter | domain |
/// |---|---|
/// | `lr` | float, log, `1e-5..=1` |
/// | `batch_size` | int, log, `8..=512` |
/// | `layers` | int, linear, `1..=6` |
/// | `activation` | `relu`, `tanh`, `sigmoid` |
/// | `dropout` | float, linear, `0..=0.8` |
///
/// ```text
/// f = c(act) + (log₁₀ lr − log₁₀ lr₀(act) − ½ log₁₀(batch/64))²
///       + 0.3 log₂(batch/64)² + 0.1 (layers − 3)² + 2 (dropout − 0.2)²
/// ```
///
/// with `c = (0, 0.2, 0.5)` and `lr₀ = (3e-3, 1e-3, 1e-2)` for
/// (relu, tanh, sigmoid): the best learning rate depends on the activation
/// and grows like `√batch` (the square-root scaling rule), so `lr` and
/// `batch_size` interact. The unique minimum is 0 at `lr = 3e-3`,
/// `batch_size = 64`, `layers = 3`, `relu`, `dropout = 0.2`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MixedFunction;

const ACTIVATIONS: [&str; 3] = ["relu", "tanh", "sigmoid"];
const OFFSET: [f64; 3] = [0.0, 0.2, 0.5];
const BASE_LR: [f64; 3] = [3e-3, 1e-3, 1e-2];

impl MixedFunction {
    /// The search space (see the type's docs).
    ///
    /// # Panics
    /// Never: the space is valid by construction.
    #[must_use]
    pub fn space(&self) -> SearchSpace {
        SearchSpace::builder()
            .float("lr", 1e-5..=1.0, Scale::Log)
            .int("batch_size", 8..=512, Scale::Log)
            .int("layers", 1..=6, Scale::Linear)
            .categorical("activation", ACTIVATIONS)
            .float("dropout", 0.0..=0.8, Scale::Linear)
            .build()
            .expect("a valid space")
    }

    /// The global minimum, 0.
    #[must_use]
    pub fn minimum(&self) -> f64 {
        0.0
    }

    /// The global minimiser.
    #[must_use]
    pub fn minimiser(&self) -> Params {
        Params::new()
            .with("lr", 3e-3)
            .with("batch_size", 64_i64)
            .with("layers", 3_i64)
            .with("activation", "relu")
            .with("dropout", 0.2)
    }

    /// The value of a configuration.
    ///
    /// # Errors
    /// A [`SpaceError`] if a parameter is missing or of the wrong type, or
    /// the activation is not one of the three.
    pub fn value(&self, params: &Params) -> Result<f64> {
        let batch = params.int("batch_size")? as f64;
        let layers = params.int("layers")? as f64;
        let dropout = params.float("dropout")?;
        let a = activation(params)?;
        let lr_term = self.lr_term(params)?;
        Ok(OFFSET[a]
            + lr_term * lr_term
            + 0.3 * (batch / 64.0).log2().powi(2)
            + 0.1 * (layers - 3.0).powi(2)
            + 2.0 * (dropout - 0.2).powi(2))
    }
}

impl MixedFunction {
    /// The learning-rate term `log₁₀ lr − log₁₀ lr₀(act) − ½ log₁₀(batch/64)`:
    /// 0 at the best learning rate, positive above it.
    pub(crate) fn lr_term(&self, params: &Params) -> Result<f64> {
        let lr = params.float("lr")?;
        let batch = params.int("batch_size")? as f64;
        let a = activation(params)?;
        Ok(lr.log10() - BASE_LR[a].log10() - 0.5 * (batch / 64.0).log10())
    }
}

/// The index of the activation of `params`.
fn activation(params: &Params) -> Result<usize> {
    let act = params.categorical("activation")?;
    Ok(ACTIVATIONS
        .iter()
        .position(|&c| c == act)
        .ok_or_else(|| SpaceError::OutOfDomain {
            name: "activation".to_owned(),
            value: act.to_owned(),
        })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn minimiser_is_in_the_space_and_gives_the_minimum() {
        let f = MixedFunction;
        let space = f.space();
        space.check(&f.minimiser()).unwrap();
        // Every term vanishes but for the rounding of log10 of exact ratios.
        approx::assert_abs_diff_eq!(f.value(&f.minimiser()).unwrap(), 0.0, epsilon = 1e-15);
    }

    #[test]
    fn random_configurations_are_worse() {
        let f = MixedFunction;
        let space = f.space();
        let mut rng = rng_from_seed(0);
        for _ in 0..1000 {
            let p = space.sample(&mut rng);
            assert!(f.value(&p).unwrap() > f.minimum());
        }
    }

    #[test]
    fn lr_optimum_follows_activation_and_batch() {
        let f = MixedFunction;
        // tanh at batch 256: lr₀ = 1e-3 · √4 = 2e-3 zeroes the lr term.
        let p = f
            .minimiser()
            .with("activation", "tanh")
            .with("batch_size", 256_i64)
            .with("lr", 2e-3);
        let want = 0.2 + 0.3 * 4.0;
        // log10 of 2e-3 and of √4: rounding of terms of order 1.
        approx::assert_relative_eq!(f.value(&p).unwrap(), want, max_relative = 1e-12);
    }
}
