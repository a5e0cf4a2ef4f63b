//! Settings of a Gaussian-process fit: kernel, noise model, priors, optimiser budget.

use serde::{Deserialize, Serialize};

use super::kernel::Kernel;
use crate::error::ConfigError;

/// The default lower bound on a learned noise variance (standardised units).
///
/// Optuna's `DEFAULT_MINIMUM_NOISE_VAR`; BoTorch uses 1e-4. A floor keeps the
/// kernel matrix well conditioned (its smallest eigenvalue is at least the
/// floor) while still letting a deterministic objective be interpolated to
/// within 0.1% of the output's standard deviation.
pub const DEFAULT_NOISE_FLOOR: f64 = 1e-6;

/// The observation-noise model, a variance in standardised output units
/// (outputs are divided by their standard deviation before fitting).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Noise {
    /// Learned with the other hyperparameters, never below `floor`.
    Learned {
        /// The smallest noise variance allowed (> 0).
        floor: f64,
    },
    /// Fixed at this variance (>= 0): for deterministic objectives. Zero is
    /// allowed; the Cholesky then relies on jitter if inputs repeat.
    Fixed(f64),
}

impl Default for Noise {
    /// `Learned { floor: DEFAULT_NOISE_FLOOR }` (1e-6).
    fn default() -> Self {
        Self::Learned {
            floor: DEFAULT_NOISE_FLOOR,
        }
    }
}

/// Which log-priors are added to the log marginal likelihood when fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Priors {
    /// Weak priors (maximum a posteriori): a dimension-scaled LogNormal on
    /// each length scale (BoTorch), Gamma(2, 1) on the signal variance
    /// (Optuna), LogNormal(−4, 1) on the noise.
    #[default]
    Weak,
    /// No priors: plain maximum likelihood (type-II), as scikit-learn does.
    Flat,
}

/// How [`Gp::fit`](super::Gp::fit) chooses hyperparameters.
///
/// By default: Matérn 5/2, learned noise with floor 1e-6, weak priors,
/// 2 random restarts besides the warm (or default) start, at most 200 L-BFGS
/// iterations, gradient tolerance 1e-4, restarts screened on all available
/// threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpConfig {
    /// The kernel (default Matérn 5/2).
    pub kernel: Kernel,
    /// The noise model (default learned, floor 1e-6).
    pub noise: Noise,
    /// Priors added to the marginal likelihood (default weak priors).
    pub priors: Priors,
    /// Random starts drawn around the prior mode, in addition to the warm
    /// start (or the prior mode when there is none). Default 2. Every start
    /// first runs a few L-BFGS iterations; only the best continues to
    /// convergence (see [`Gp::fit`](super::Gp::fit)).
    pub n_restarts: usize,
    /// Most L-BFGS iterations from the start that goes on to convergence,
    /// its screening iterations included (default 200, must be >= 1).
    pub max_iters: u64,
    /// L-BFGS stops when the Euclidean norm of the objective's gradient falls
    /// below this; the objective is the negative log posterior divided by the
    /// number of points, so the tolerance does not depend on `n`. Default 1e-4:
    /// near the optimum the remaining gain in log marginal likelihood is then
    /// below 1e-3 on the test problems, far below what changes a suggestion.
    pub grad_tolerance: f64,
    /// Threads that screen the starts in parallel (data sets of 100 points or
    /// more): 0, the default, uses as many as
    /// [`std::thread::available_parallelism`] reports. The fitted
    /// hyperparameters do not depend on it. Set 1 when fitting many GPs in
    /// parallel yourself.
    pub threads: usize,
}

impl Default for GpConfig {
    fn default() -> Self {
        Self {
            kernel: Kernel::default(),
            noise: Noise::default(),
            priors: Priors::default(),
            n_restarts: 2,
            max_iters: 200,
            grad_tolerance: 1e-4,
            threads: 0,
        }
    }
}

impl GpConfig {
    /// Sets the kernel.
    #[must_use]
    pub fn kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// Sets the noise model.
    #[must_use]
    pub fn noise(mut self, noise: Noise) -> Self {
        self.noise = noise;
        self
    }

    /// Sets the priors.
    #[must_use]
    pub fn priors(mut self, priors: Priors) -> Self {
        self.priors = priors;
        self
    }

    /// Sets the number of random restarts.
    #[must_use]
    pub fn n_restarts(mut self, n_restarts: usize) -> Self {
        self.n_restarts = n_restarts;
        self
    }

    /// Sets the most L-BFGS iterations per start.
    #[must_use]
    pub fn max_iters(mut self, max_iters: u64) -> Self {
        self.max_iters = max_iters;
        self
    }

    /// Sets the gradient tolerance.
    #[must_use]
    pub fn grad_tolerance(mut self, grad_tolerance: f64) -> Self {
        self.grad_tolerance = grad_tolerance;
        self
    }

    /// Sets the number of screening threads (0: all available).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first invalid setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        match self.noise {
            Noise::Learned { floor } if !(floor > 0.0 && floor.is_finite()) => {
                return Err(invalid(
                    "noise.floor",
                    format!("must be finite and > 0, got {floor}"),
                ));
            }
            Noise::Fixed(v) if !(v >= 0.0 && v.is_finite()) => {
                return Err(invalid(
                    "noise",
                    format!("fixed variance must be finite and >= 0, got {v}"),
                ));
            }
            _ => {}
        }
        if self.max_iters == 0 {
            return Err(invalid("max_iters", "must be >= 1".to_owned()));
        }
        if !(self.grad_tolerance >= 0.0 && self.grad_tolerance.is_finite()) {
            return Err(invalid(
                "grad_tolerance",
                format!("must be finite and >= 0, got {}", self.grad_tolerance),
            ));
        }
        Ok(())
    }
}

fn invalid(name: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { name, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert_eq!(GpConfig::default().check(), Ok(()));
    }

    #[test]
    fn setters_set() {
        let c = GpConfig::default()
            .kernel(Kernel::Rbf)
            .noise(Noise::Fixed(0.0))
            .priors(Priors::Flat)
            .n_restarts(5)
            .max_iters(10)
            .grad_tolerance(1e-3)
            .threads(1);
        assert_eq!(c.kernel, Kernel::Rbf);
        assert_eq!(c.noise, Noise::Fixed(0.0));
        assert_eq!(c.priors, Priors::Flat);
        assert_eq!((c.n_restarts, c.max_iters, c.grad_tolerance), (5, 10, 1e-3));
        assert_eq!(c.threads, 1);
        assert_eq!(c.check(), Ok(()));
    }

    #[test]
    fn each_invalid_setting_is_named() {
        let name = |c: GpConfig| match c.check() {
            Err(ConfigError::Invalid { name, .. }) => name,
            other => panic!("expected an error, got {other:?}"),
        };
        let d = GpConfig::default;
        assert_eq!(
            name(d().noise(Noise::Learned { floor: 0.0 })),
            "noise.floor"
        );
        assert_eq!(
            name(d().noise(Noise::Learned { floor: f64::NAN })),
            "noise.floor"
        );
        assert_eq!(name(d().noise(Noise::Fixed(-1.0))), "noise");
        assert_eq!(name(d().noise(Noise::Fixed(f64::INFINITY))), "noise");
        assert_eq!(name(d().max_iters(0)), "max_iters");
        assert_eq!(name(d().grad_tolerance(-1.0)), "grad_tolerance");
        assert_eq!(name(d().grad_tolerance(f64::NAN)), "grad_tolerance");
    }
}
