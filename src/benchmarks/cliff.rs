//! A training-like objective with a divergence cliff next to its optimum.

use super::MixedFunction;
use crate::Result;
use crate::space::{Params, SearchSpace};

/// [`MixedFunction`] whose "training" diverges (returns NaN) when the
/// learning rate exceeds [`DivergenceCliff::FACTOR`] times the best one for
/// the configuration's activation and batch size: with
/// `u = log₁₀ lr − log₁₀ lr₀(act) − ½ log₁₀(batch/64)` (the learning-rate
/// term of [`MixedFunction`]), the value is NaN for `u > log₁₀ 2 ≈ 0.3`,
/// i.e. just past the optimum `u = 0`, as a network trained with too high a
/// learning rate blows up. Everywhere else the value is [`MixedFunction`]'s,
/// so the minimum (0) and minimiser are the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DivergenceCliff;

impl DivergenceCliff {
    /// How far past the best learning rate the cliff lies (a factor).
    pub const FACTOR: f64 = 2.0;

    /// The search space ([`MixedFunction::space`]).
    #[must_use]
    pub fn space(&self) -> SearchSpace {
        MixedFunction.space()
    }

    /// The global minimum, 0.
    #[must_use]
    pub fn minimum(&self) -> f64 {
        0.0
    }

    /// The global minimiser ([`MixedFunction::minimiser`]).
    #[must_use]
    pub fn minimiser(&self) -> Params {
        MixedFunction.minimiser()
    }

    /// Whether `params` lies past the cliff (the run diverges).
    ///
    /// # Errors
    /// As [`MixedFunction::value`].
    pub fn diverges(&self, params: &Params) -> Result<bool> {
        Ok(MixedFunction.lr_term(params)? > Self::FACTOR.log10())
    }

    /// The value: NaN past the cliff, [`MixedFunction::value`] elsewhere.
    ///
    /// # Errors
    /// As [`MixedFunction::value`].
    pub fn value(&self, params: &Params) -> Result<f64> {
        if self.diverges(params)? {
            Ok(f64::NAN)
        } else {
            MixedFunction.value(params)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cliff_lies_just_past_the_optimum() {
        let f = DivergenceCliff;
        let best = f.minimiser();
        assert_eq!(f.value(&best).unwrap(), MixedFunction.value(&best).unwrap());
        // 1.9× the best learning rate trains, 2.1× diverges.
        assert!(
            !f.value(&best.clone().with("lr", 3e-3 * 1.9))
                .unwrap()
                .is_nan()
        );
        assert!(
            f.value(&best.clone().with("lr", 3e-3 * 2.1))
                .unwrap()
                .is_nan()
        );
        // The cliff moves with the batch size (√batch scaling): at 256 the
        // best rate is 6e-3 and 1.9× that still trains.
        let big = best.with("batch_size", 256_i64);
        assert!(
            !f.value(&big.clone().with("lr", 6e-3 * 1.9))
                .unwrap()
                .is_nan()
        );
        assert!(f.value(&big.with("lr", 6e-3 * 2.1)).unwrap().is_nan());
    }
}
