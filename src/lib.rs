//! # autotune
//!
//! Tune neural-network hyperparameters by Bayesian optimisation.
//!
//! Modules are arranged in levels; a module uses only modules of lower levels:
//!
//! | level | modules | what |
//! |---|---|---|
//! | 0 | [`error`], [`rng`] | errors, the portable RNG and seed derivation |
//! | 1 | [`nn`], [`data`], [`space`], [`history`] | networks, data sets, search spaces, past trials |
//! | 2 | [`gp`], [`acquisition`] | Gaussian-process surrogate, acquisition functions |
//! | 3 | [`sampler`], [`pruner`], [`eval`], [`benchmarks`] | suggestion strategies, early stopping, parallel evaluation |
//! | 4 | [`study`], [`report`] | studies: ask/tell/optimize, journal and resume; results files and plots |
//! | 5 | [`tune`] | `autotune()`: networks tuned on data sets |

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

pub use error::{Error, Result};
