//! Noisy benchmarks: a noise-free objective plus Gaussian noise, for
//! samplers that must not trust the luckiest observation.

use super::Function;
use crate::Result;
use crate::error::ConfigError;
use crate::rng::{derive_seed, normal, rng_from_seed};
use crate::space::Params;

/// A [`Function`] observed with additive Gaussian noise of standard
/// deviation `sd`: trial `trial` of a run seeded `seed` observes
/// `f(x) + sd·ε`, `ε ~ N(0, 1)` drawn from its own stream
/// (`derive_seed(seed, trial)`), so a run replays exactly. A run is scored
/// by the noise-free value [`Function::value_at`] of the configuration it
/// reports as best.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noisy {
    /// The noise-free objective.
    pub function: Function,
    /// The noise standard deviation (finite, >= 0), in the function's units.
    pub sd: f64,
}

impl Noisy {
    /// `function` with noise of standard deviation `sd`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] (`sd`) unless `sd` is finite and >= 0, or
    /// as [`Function::check`].
    pub fn new(function: Function, sd: f64) -> Result<Self> {
        function.check()?;
        if !(sd.is_finite() && sd >= 0.0) {
            return Err(ConfigError::Invalid {
                name: "sd",
                reason: format!("the noise sd must be finite and >= 0, got {sd}"),
            }
            .into());
        }
        Ok(Self { function, sd })
    }

    /// The noisy observation of trial `trial` at `params` in the run seeded
    /// `seed`, and the noise-free value there: `(f + sd·ε, f)`.
    ///
    /// # Errors
    /// As [`Function::value_at`].
    pub fn observe(&self, params: &Params, seed: u64, trial: usize) -> Result<(f64, f64)> {
        let f = self.function.value_at(params)?;
        let mut rng = rng_from_seed(derive_seed(seed ^ 0x0015_e000, trial as u64));
        Ok((normal(&mut rng, f, self.sd), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noise_has_the_stated_sd_and_replays() {
        let f = Noisy::new(Function::Branin, 0.5).unwrap();
        let p = f.function.space().unwrap().decode(&[0.3, 0.6]).unwrap();
        let draws: Vec<f64> = (0..4000)
            .map(|t| {
                let (y, v) = f.observe(&p, 7, t).unwrap();
                y - v
            })
            .collect();
        assert_eq!(f.observe(&p, 7, 3).unwrap(), f.observe(&p, 7, 3).unwrap());
        assert_ne!(f.observe(&p, 7, 3).unwrap(), f.observe(&p, 8, 3).unwrap());
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let sd = (draws.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Standard errors for n = 4000: mean 0.5/√n ≈ 0.008, sd ≈ 0.5/√(2n)
        // ≈ 0.0056; four of each.
        assert!(mean.abs() < 0.032, "mean {mean}");
        assert!((sd - 0.5).abs() < 0.023, "sd {sd}");
    }

    #[test]
    fn a_bad_sd_is_an_error() {
        for sd in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Noisy::new(Function::Branin, sd),
                Err(crate::Error::Config(ConfigError::Invalid {
                    name: "sd",
                    ..
                }))
            ));
        }
    }
}
