use super::ConfigError;

/// A Gaussian-process failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GpError {
    /// The kernel matrix stayed non-positive-definite even with the largest jitter.
    #[error("Cholesky factorisation failed even with jitter {jitter:e}")]
    NotPositiveDefinite {
        /// The largest jitter tried (added to every diagonal entry, in
        /// standardised output units).
        jitter: f64,
    },
    /// Two inputs whose sizes do not fit together.
    #[error("{what}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// What was being compared (e.g. "number of outputs").
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// An input, output or hyperparameter that is NaN or infinite.
    #[error("non-finite value in {what}")]
    NonFinite {
        /// Where the value was found.
        what: &'static str,
    },
    /// A hyperparameter outside its domain (e.g. a length scale <= 0).
    #[error("invalid hyperparameter `{name}`: {reason}")]
    InvalidHyperparameter {
        /// The hyperparameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An invalid [`GpConfig`](crate::gp::GpConfig).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Every start of the hyperparameter optimisation failed.
    #[error("hyperparameter optimisation failed from every start: {reason}")]
    FitFailed {
        /// The last failure seen.
        reason: String,
    },
}
