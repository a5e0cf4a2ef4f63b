//! # autotune
//!
//! Tune neural-network hyperparameters by Bayesian optimisation: small dense
//! networks trained fast on the CPU, a Gaussian-process surrogate with log
//! expected improvement, and a parallel, failure-safe, resumable study.
//!
//! ## The main types
//!
//! - [`tune::autotune`] tunes a network on a [`data::Split`] as an
//!   [`tune::AutotuneConfig`] says (the searched hyperparameters are a
//!   [`tune::TuneSpace`]) and returns a self-contained [`tune::TuneReport`];
//!   [`tune::write_results`] writes its results directory and
//!   [`tune::Summary`] its summary table.
//! - For any objective, a [`study::Study`] over a [`space::SearchSpace`]:
//!   [`study::Study::optimize`] evaluates `Fn(&mut Trial) -> ObjectiveResult`
//!   on parallel workers, or drive it by hand with `ask` / `tell`. A
//!   [`sampler::Sampler`] ([`sampler::GpSampler`], [`sampler::RandomSampler`])
//!   suggests configurations, a [`pruner::Pruner`] stops poor trials early,
//!   and a JSON-lines journal makes the study durable and exactly resumable.
//! - Below them: [`nn`] (the networks and their trainer), [`gp`] (the
//!   Gaussian process), [`acquisition`] (acquisition functions and their
//!   maximiser), [`data`] (built-in and CSV data sets, splits, scaling).
//!
//! [`prelude`] brings the common types in with one `use`. Every fallback a
//! study takes is an [`error::Warning`]; every failure a typed [`Error`].
//!
//! ```
//! use autotune::prelude::*;
//!
//! // A network for the iris flowers, tuned in 10 trials of 20 epochs.
//! let split = Dataset::builtin(Builtin::Iris)?.split(SplitFractions::new(0.6, 0.2, 0.2), 42)?;
//! let space = TuneSpace::default().epochs(Domain::fixed(20));
//! let report = autotune(&split, &AutotuneConfig::default().n_trials(10).space(space).seed(7))?;
//! let test = report.test.as_ref().expect("the split has a test part");
//! assert!(test.accuracy.unwrap() > 0.8, "{report}");
//!
//! // Any objective: a study over a search space.
//! let space = SearchSpace::builder().float("x", -5.0..=5.0, Scale::Linear).build()?;
//! let mut study = Study::builder(space).sampler(GpSampler::default()).seed(7).build()?;
//! study.optimize(|t| Ok((t.float("x")? - 1.0).powi(2)), 15)?;
//! assert!(study.best_value().unwrap() < 1e-2);
//! # Ok::<(), autotune::Error>(())
//! ```
//!
//! ## Levels
//!
//! Modules are arranged in levels; a module uses only modules of lower levels:
//!
//! | level | modules | what |
//! |---|---|---|
//! | 0 | [`error`], [`rng`] | errors and warnings, the portable RNG and seed derivation |
//! | 1 | [`nn`], [`data`], [`space`], [`history`], [`strategy`] | networks, data sets, search spaces, past trials |
//! | 2 | [`gp`], [`acquisition`] | Gaussian-process surrogate, acquisition functions |
//! | 3 | [`sampler`], [`pruner`], [`benchmarks`] | suggestion strategies, early stopping, test functions |
//! | 4 | [`study`], [`report`] | studies: ask/tell/optimize, journal and resume; trials.csv and plots |
//! | 5 | [`tune`] | `autotune()`: networks tuned on data sets, results files, summary |
//!
//! ## Features
//!
//! - `cli` (default): the `autotune` command (clap, indicatif, ctrlc, anyhow).
//! - `plots` (default): the SVG plots of a results directory (plotters).
//!
//! Without either, the library depends on neither group.

#![deny(missing_docs)]

/// A documented `#[must_use]` builder setter: `setter!(/// doc. name: Type);`
/// expands to `pub fn name(mut self, name: Type) -> Self`. Used by the
/// configuration structs (`TrainConfig`, `AutotuneConfig`, `TuneSpace`).
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $name: $ty) -> Self {
            self.$name = $name;
            self
        }
    };
}

pub mod error;
pub mod rng;

pub mod data;
pub mod history;
pub mod nn;
pub mod space;
pub mod strategy;

pub mod acquisition;
pub mod gp;

pub mod benchmarks;
pub(crate) mod eval;
pub mod pruner;
pub mod sampler;

pub mod report;
pub mod study;

pub mod tune;

pub mod prelude;

pub use error::{Error, Result};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
