//! Errors, one `thiserror` enum per area, joined in [`Error`].
//!
//! Each area owns one file here (`space.rs`, `data.rs`, ...). Library code
//! never panics on bad input: it returns one of these.

mod config;
mod data;
mod gp;
mod nn;
mod report;
mod space;
mod study;
mod warning;

pub use config::ConfigError;
pub use data::{CsvErrorKind, DataError, IdxErrorKind};
pub use gp::GpError;
pub use nn::NnError;
pub use report::ReportError;
pub use space::SpaceError;
pub use study::StudyError;
pub use warning::Warning;

/// Any error autotune returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An invalid search space or parameter set.
    #[error(transparent)]
    Space(#[from] SpaceError),
    /// A data set that could not be read or used.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A Gaussian-process failure.
    #[error(transparent)]
    Gp(#[from] GpError),
    /// A network that could not be built or trained.
    #[error(transparent)]
    Nn(#[from] NnError),
    /// An invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A study that could not go on (storage, journal, ...).
    #[error(transparent)]
    Study(#[from] StudyError),
    /// A results file or plot that could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// `Result` with autotune's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
