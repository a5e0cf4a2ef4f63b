//! Small dense neural networks: build, train, evaluate, save.
//!
//! This module knows nothing about Bayesian optimisation or data sets:
//! plain row-major matrices go in ([`MatRef`], [`Targets`], [`TrainData`]),
//! reports come out ([`TrainReport`] with its [`EpochStats`] history and the
//! trained [`Network`]).
//!
//! # Overview
//!
//! - [`TrainConfig`] says what to train and how: the architecture
//!   ([`NetworkSpec`]: hidden widths, [`Activation`], [`Init`], [`Head`]),
//!   the [`Optimizer`], the base learning rate and its [`Schedule`], the
//!   [`BatchSize`], the [`Regularizer`] and dropout, epochs, early-stopping
//!   patience and the seed. Every field has a documented default and a
//!   `#[must_use]` setter; [`TrainConfig::check`] rejects invalid settings
//!   with a typed [`NnError`](crate::error::NnError).
//! - [`train`] runs it on [`TrainData`] and calls a per-epoch callback that
//!   may [`Control::Stop`] the run (a pruner's hook). The run ends
//!   [`Outcome::Completed`], [`Outcome::EarlyStopped`], [`Outcome::Stopped`]
//!   or [`Outcome::Diverged`] (NaN, infinity or an exploding loss: an
//!   outcome, never a panic, and never a NaN in the history).
//! - [`Training`] is the same run one epoch at a time: it can pause after
//!   any epoch, give a [`Snapshot`] of its whole state (weights, optimiser
//!   moments, generators, history, early-stopping and divergence state;
//!   serde-serialisable, fingerprinted against its configuration and data)
//!   and [`Training::resume`] from it, bit for bit as if never paused.
//!   [`train`] is a `Training` run to its end. A [`SnapshotStore`] keeps
//!   snapshots in memory up to a byte cap and spills the rest to files.
//! - [`Network`] predicts ([`Network::predict`], [`Network::predict_classes`]),
//!   evaluates ([`Network::evaluate`] with a [`Metric`]) and saves to and
//!   loads from JSON ([`Network::save`], [`Network::load`]).
//!
//! # Computation
//!
//! Forward and backward passes are batched matrix products through
//! `matrixmultiply::sgemm`, with transposes expressed as strides (no copies);
//! every buffer of a run (activations, deltas, dropout masks, the gradient,
//! the gathered mini-batch, optimiser moments) is allocated once before the
//! first epoch and reused by every mini-batch (`tests/nn_alloc.rs` counts
//! them; `matrixmultiply` still takes a packing buffer from the allocator
//! inside each product, which it offers no way to pass in). Training is
//! single-threaded: a study trains several networks in parallel instead.
//!
//! **Why `f32`.** Networks store and compute in `f32`. For the matrix
//! products that dominate training, `f32` packs twice as many lanes into
//! each SIMD register and halves memory traffic, so `sgemm` runs about twice
//! as fast as `dgemm`; the extra precision of `f64` buys nothing for
//! stochastic training whose gradient noise is many orders of magnitude
//! larger than `f32` rounding. Sums that are reported (losses, metrics,
//! penalties) are accumulated in `f64`. The Gaussian-process side of the
//! crate, where Cholesky factorisations need it, stays `f64`.
//!
//! # Example
//!
//! ```
//! use autotune::nn::{train, Control, MatRef, Outcome, Targets, TrainConfig, TrainData};
//!
//! // Two Gaussian-ish blobs in 2-D, labelled by the sign of x0 + x1.
//! let n = 200;
//! let x: Vec<f32> = (0..2 * n).map(|i| ((i * 7919 % 211) as f32 / 105.0) - 1.0).collect();
//! let y: Vec<usize> = x.chunks(2).map(|r| usize::from(r[0] + r[1] > 0.0)).collect();
//! let data = TrainData::new(MatRef::new(&x, n, 2)?, Targets::classes(&y, 2));
//!
//! let config = TrainConfig::default().hidden([16]).learning_rate(1e-2).epochs(40).seed(1);
//! let report = train(&config, &data, |_| Control::Continue)?;
//! assert_eq!(report.outcome, Outcome::Completed);
//! assert!(report.last().unwrap().train_metric > 0.9);
//! let classes = report.model.predict_classes(MatRef::new(&x[..4], 2, 2)?)?;
//! assert_eq!(classes.len(), 2);
//! # Ok::<(), autotune::Error>(())
//! ```

mod activation;
mod batch;
mod config;
mod fingerprint;
mod head;
mod init;
mod input;
mod io;
mod layout;
mod matrix;
mod metrics;
mod network;
mod optimizer;
mod outcome;
mod propagate;
mod regularization;
mod schedule;
mod snapshot;
mod snapshot_store;
mod spec;
mod trainer;

pub use activation::Activation;
pub use config::{BatchSize, MAX_EPOCHS, StepUnit, TrainConfig};
pub use head::Head;
pub use init::Init;
pub use input::{Targets, TrainData};
pub use io::MODEL_FORMAT;
pub use matrix::{MatRef, to_f32};
pub use metrics::{Metric, accuracy, log_loss, r2, rmse};
pub use network::{Evaluation, Network};
pub use optimizer::{Optimizer, OptimizerState};
pub use outcome::{Control, Divergence, EpochStats, Outcome, TrainReport};
pub use regularization::{Regularizer, check_dropout};
pub use schedule::Schedule;
pub use snapshot::{SNAPSHOT_FORMAT, Snapshot};
pub use snapshot_store::SnapshotStore;
pub use spec::NetworkSpec;
pub use trainer::{Training, train};
