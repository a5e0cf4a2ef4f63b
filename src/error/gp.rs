/// A Gaussian-process failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GpError {
    /// The kernel matrix stayed non-positive-definite even with the largest jitter.
    #[error("Cholesky factorisation failed even with jitter {jitter:e}")]
    NotPositiveDefinite {
        /// The largest jitter tried.
        jitter: f64,
    },
}
