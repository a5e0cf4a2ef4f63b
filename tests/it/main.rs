//! The integration tests, in one test crate: each file below is a module
//! (one area of the public API), so the suite links one binary instead of one
//! per file. `nn_alloc` stays a crate of its own: it installs a counting
//! global allocator, which must not count the allocations of other tests
//! running on parallel threads.

// The example tests compile each example's own source, and every example
// declares the shared `examples/common` module itself (it is a program of its
// own), so that file is loaded once per example tested.
#![allow(clippy::duplicate_mod)]

mod acquisition_functions;
mod acquisition_maximizer;
mod bo_robust;
mod bo_sampler;
#[cfg(feature = "cli")]
mod cli_errors;
#[cfg(feature = "cli")]
mod cli_resume;
#[cfg(feature = "cli")]
mod cli_storage;
#[cfg(feature = "cli")]
mod cli_tune;
mod data_builtin;
mod data_csv;
mod data_idx;
mod data_scale;
mod data_split;
mod data_synthetic;
mod examples_diabetes;
mod examples_flags;
mod examples_iris;
mod fidelity_resume;
mod gp_classifier;
mod gp_condition;
mod gp_gradients;
mod gp_robustness;
mod gp_sklearn;
mod helpers;
mod limits;
mod nn_digits;
mod nn_errors;
mod nn_gradients;
mod nn_init;
mod nn_optimizers;
mod nn_properties;
mod nn_schedules;
mod nn_snapshot;
mod nn_training;
mod study_budget;
mod study_detached;
mod study_failures;
mod study_journal;
#[cfg(feature = "postgres")]
mod study_postgres;
#[cfg(all(feature = "postgres", feature = "cli"))]
mod study_postgres_cli;
mod study_pruning;
mod study_reproducible;
mod study_resume;
mod tune_autotune;
mod tune_fidelity;
mod tune_iris;
