/// A results file or plot that could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Drawing a plot failed.
    #[error("cannot draw {path}: {reason}")]
    Plot {
        /// The file.
        path: String,
        /// What the plotting library said.
        reason: String,
    },
    /// Parameter importance could not be estimated.
    #[error("no parameter importance: {reason}")]
    Importance {
        /// Why not (too few complete trials, no free parameter, a failed fit).
        reason: String,
    },
}
