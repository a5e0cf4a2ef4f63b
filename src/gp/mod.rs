//! Gaussian-process regression on plain vectors and matrices (level 2).
//!
//! [`Gp`] is the surrogate of Bayesian optimisation: an exact GP posterior
//! with a constant mean, an ARD [`Kernel`] (Matérn 5/2 by default) and
//! Gaussian [`Noise`], in `f64` on nalgebra. Inputs live in the unit cube;
//! outputs are standardised internally (mean 0, standard deviation 1) and every
//! [`Prediction`] is mapped back to the original units.
//!
//! * [`Gp::fit`] chooses [`Hyperparameters`] by maximising the log marginal
//!   likelihood plus weak log-priors ([`Priors::Weak`]) with argmin's L-BFGS and analytic
//!   gradients, from a warm start and a few random restarts ([`GpConfig`]).
//! * [`Gp::with_hyperparameters`] builds the posterior for given values.
//! * [`Gp::predict`], [`Gp::predict_with_gradient`] (for acquisition
//!   maximisers) and the batched [`Gp::predict_many`] give the posterior mean
//!   and latent variance, or a typed error for an input of the wrong length
//!   or with a NaN or infinite coordinate.
//! * [`Gp::condition_on`] adds one observation in `O(n²)` by extending the
//!   Cholesky factor: fantasies for pending trials. [`Gp::extended`] adds
//!   many in `O(n²)` each, with the constant mean re-profiled for new
//!   outputs: the sampler's posterior between hyperparameter refits.
//! * [`Classifier`]: binary GP classification (Laplace approximation,
//!   logistic likelihood) of the probability that a configuration succeeds.
//!
//! Robust on the data real studies produce: repeated inputs, constant outputs,
//! one point and no points (the prior) all give finite predictions; a kernel
//! matrix that rounding makes indefinite gets escalating jitter, and a typed
//! [`GpError`](crate::error::GpError) when even that fails.
//!
//! ```
//! use autotune::gp::{Gp, GpConfig};
//! use autotune::rng::rng_from_seed;
//! use nalgebra::DMatrix;
//!
//! // Ten points of a 2-D function in the unit cube.
//! let x = DMatrix::from_fn(10, 2, |i, j| ((i * 3 + j * 5) % 10) as f64 / 10.0);
//! let y: Vec<f64> = (0..10).map(|i| (4.0 * x[(i, 0)]).sin() + x[(i, 1)]).collect();
//!
//! let gp = Gp::fit(&x, &y, &GpConfig::default(), None, &mut rng_from_seed(7))?;
//! let p = gp.predict(&[0.25, 0.5])?;
//! assert!(p.mean.is_finite() && p.variance >= 0.0);
//!
//! // A fantasy: condition on a pending point at its predicted mean.
//! let fantasy = gp.condition_on(&[0.25, 0.5], p.mean)?;
//! assert!(fantasy.predict(&[0.25, 0.5])?.variance <= p.variance);
//! # Ok::<(), autotune::error::GpError>(())
//! ```

mod cholesky;
mod classifier;
mod config;
mod covariance;
mod exp;
mod extend;
mod fit;
mod hyperparameters;
mod kernel;
mod likelihood;
mod linalg;
mod loo;
mod objective;
mod posterior;
mod predict;
pub(crate) mod priors;
mod simd;
mod standardise;

pub use classifier::{Classifier, log_expected_sigmoid};
pub use config::{DEFAULT_NOISE_FLOOR, GpConfig, Noise, Priors};
pub use covariance::CovarianceAnchor;
pub use hyperparameters::{Hyperparameters, LmlGradient};
pub use kernel::Kernel;
pub use posterior::Gp;
pub use predict::Prediction;

/// The matrix type of the GP's inputs (`n × d`, one row per point), from
/// nalgebra, re-exported so callers need no nalgebra dependency of their own.
pub use nalgebra::DMatrix;
