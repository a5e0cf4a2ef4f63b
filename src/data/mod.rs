//! Data sets: the [`Dataset`] type, built-in real data, CSV and IDX loading,
//! synthetic generators, splits and scaling.
//!
//! Level 1: knows nothing of networks or Bayesian optimisation.
//!
//! - [`Dataset`]: a row-major `f64` feature matrix and a [`Target`] (class
//!   labels with names, or real values).
//! - [`Builtin`]: iris, wine, breast cancer, digits, diabetes, embedded in the
//!   crate ([`Dataset::builtin`]).
//! - [`CsvOptions`] with [`Dataset::from_csv_path`]; [`Dataset::from_idx_paths`]
//!   for MNIST-format files.
//! - [`Synthetic`]: two moons, circles, spirals, XOR, Gaussian blobs, Friedman #1.
//! - [`Dataset::split`] into a [`Split`] (stratified train/validation/test),
//!   [`stratified_parts`], [`kfold_indices`].
//! - [`Standardizer`], [`MinMaxScaler`], [`TargetStandardizer`]: fitted on
//!   training rows only; [`Target::one_hot`] for class targets.
//!
//! ```
//! use autotune::data::{Builtin, Dataset, Scaling, SplitFractions};
//!
//! let iris = Dataset::builtin(Builtin::Iris)?;
//! let split = iris
//!     .split(SplitFractions::new(0.6, 0.2, 0.2), 42)?
//!     .scaled(Scaling::Standardize)?;
//! assert_eq!(split.train.n_samples() + split.validation.n_samples() + split.test.n_samples(), 150);
//! # Ok::<(), autotune::Error>(())
//! ```

mod builtin;
mod csv;
mod dataset;
mod idx;
mod scale;
mod split;
mod synthetic;
mod target;
mod target_scale;

pub use builtin::Builtin;
pub use csv::{CsvOptions, CsvTask, Header, MAX_INFERRED_CLASSES, READ_BUFFER, TargetColumn};
pub use dataset::{Dataset, MAX_VALUE, is_valid_value};
pub use idx::{IdxArray, IdxType};
pub(crate) use scale::FeatureMap;
pub use scale::{MinMaxScaler, Scaling, Standardizer};
pub use split::{Fold, Split, SplitFractions, kfold_indices, stratified_parts};
pub use synthetic::Synthetic;
pub use target::{Target, Task};
pub use target_scale::TargetStandardizer;
