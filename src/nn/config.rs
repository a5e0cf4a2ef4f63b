//! The training configuration: everything a run needs besides the data.

use serde::{Deserialize, Serialize};

use crate::error::NnError;

use super::activation::Activation;
use super::head::Head;
use super::init::Init;
use super::metrics::Metric;
use super::optimizer::Optimizer;
use super::regularization::{Regularizer, check_dropout};
use super::schedule::Schedule;
use super::spec::NetworkSpec;

/// How many rows each update sees. A batch larger than the training set is
/// the training set; the last batch of an epoch holds what is left.
///
/// By default, `Fixed(32)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchSize {
    /// The same size every epoch.
    Fixed(usize),
    /// A size drawn uniformly from `min..=max` at the start of every epoch
    /// (from the run's seed, so reproducibly).
    Random {
        /// The smallest size (`>= 1`).
        min: usize,
        /// The largest size (`>= min`).
        max: usize,
    },
    /// The whole training set (full-batch training).
    Full,
}

impl Default for BatchSize {
    fn default() -> Self {
        Self::Fixed(32)
    }
}

impl BatchSize {
    /// Checks the sizes.
    ///
    /// # Errors
    /// [`NnError::ZeroBatchSize`], [`NnError::BatchRange`].
    pub fn check(&self) -> Result<(), NnError> {
        match *self {
            Self::Fixed(0) | Self::Random { min: 0, .. } => Err(NnError::ZeroBatchSize),
            Self::Random { min, max } if min > max => Err(NnError::BatchRange { min, max }),
            _ => Ok(()),
        }
    }

    /// The largest batch this setting can produce for `n` training rows.
    #[must_use]
    pub fn max_rows(&self, n: usize) -> usize {
        match *self {
            Self::Fixed(b) | Self::Random { max: b, .. } => b.min(n),
            Self::Full => n,
        }
    }
}

/// The most epochs [`TrainConfig::check`] accepts: a million (a run keeps
/// one [`EpochStats`](super::EpochStats) per epoch; larger counts are typos,
/// caught before any memory is reserved for them).
pub const MAX_EPOCHS: usize = 1_000_000;

/// What the schedule's step `t` counts.
///
/// By default, [`StepUnit::Epoch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepUnit {
    /// `t` is the 0-based epoch; the rate is constant within an epoch.
    #[default]
    Epoch,
    /// `t` is the number of updates made before this one.
    Update,
}

/// The configuration of one training run. Build it from
/// [`TrainConfig::default`] with the setters and hand it to
/// [`train`](super::train), which calls [`TrainConfig::check`] first.
///
/// ```
/// use autotune::nn::{Activation, BatchSize, Optimizer, Schedule, TrainConfig};
/// let config = TrainConfig::default()
///     .hidden([128])
///     .activation(Activation::Relu)
///     .optimizer(Optimizer::adam())
///     .learning_rate(1e-3)
///     .schedule(Schedule::Cosine { steps: 30, floor: 0.01 })
///     .batch_size(BatchSize::Fixed(32))
///     .epochs(30)
///     .patience(5)
///     .seed(7);
/// assert!(config.check().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The architecture. By default, [`NetworkSpec::default`].
    pub network: NetworkSpec,
    /// The optimiser. By default, Adam (0.9, 0.999, 1e-8).
    pub optimizer: Optimizer,
    /// The base learning rate α0 the schedule scales. By default, 1e-3.
    pub learning_rate: f64,
    /// The learning-rate schedule. By default, constant.
    pub schedule: Schedule,
    /// What the schedule's step counts. By default, epochs.
    pub schedule_unit: StepUnit,
    /// Rows per update. By default, 32 (ignored by [`Optimizer::Gd`]).
    pub batch_size: BatchSize,
    /// The weight penalty. By default, none.
    pub regularizer: Regularizer,
    /// Whether penalties and AdamW's decay also cover biases. By default, no.
    pub penalize_biases: bool,
    /// The inverted-dropout rate of hidden outputs during training, in
    /// `[0, 1)`. By default, 0.
    pub dropout: f64,
    /// The number of epochs (at most; early stopping or the callback may
    /// end sooner), in `1..=`[`MAX_EPOCHS`]. By default, 50.
    pub epochs: usize,
    /// Stop after this many epochs without an improvement of the monitored
    /// loss (validation loss, or training loss without validation data) by
    /// more than `min_delta`. By default, `None` (no early stopping).
    pub patience: Option<usize>,
    /// The smallest decrease that counts as an improvement. By default, 0.
    pub min_delta: f64,
    /// Return the parameters of the epoch with the best monitored loss
    /// rather than the last. By default, true.
    pub restore_best: bool,
    /// The metric reported beside the loss; `None` picks accuracy for
    /// classification and R² for regression. By default, `None`.
    pub metric: Option<Metric>,
    /// A mini-batch loss above `divergence_factor · max(L0, 1)`, with `L0`
    /// the first mini-batch's loss, counts as divergence (as does any
    /// NaN or infinity). By default, 1e4.
    pub divergence_factor: f64,
    /// The seed of initialisation, shuffling, batch sizes and dropout
    /// (independent streams derived with [`crate::rng::derive_seed`]).
    /// By default, 0.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            network: NetworkSpec::default(),
            optimizer: Optimizer::adam(),
            learning_rate: 1e-3,
            schedule: Schedule::Constant,
            schedule_unit: StepUnit::Epoch,
            batch_size: BatchSize::Fixed(32),
            regularizer: Regularizer::None,
            penalize_biases: false,
            dropout: 0.0,
            epochs: 50,
            patience: None,
            min_delta: 0.0,
            restore_best: true,
            metric: None,
            divergence_factor: 1e4,
            seed: 0,
        }
    }
}

impl TrainConfig {
    setter!(/// Sets the architecture.
        network: NetworkSpec);
    setter!(/// Sets the optimiser.
        optimizer: Optimizer);
    setter!(/// Sets the base learning rate.
        learning_rate: f64);
    setter!(/// Sets the schedule.
        schedule: Schedule);
    setter!(/// Sets what the schedule's step counts.
        schedule_unit: StepUnit);
    setter!(/// Sets the batch size.
        batch_size: BatchSize);
    setter!(/// Sets the weight penalty.
        regularizer: Regularizer);
    setter!(/// Sets whether biases are penalised and decayed.
        penalize_biases: bool);
    setter!(/// Sets the dropout rate.
        dropout: f64);
    setter!(/// Sets the number of epochs.
        epochs: usize);
    setter!(/// Sets the smallest improvement early stopping counts.
        min_delta: f64);
    setter!(/// Sets whether the best epoch's parameters are returned.
        restore_best: bool);
    setter!(/// Sets the divergence factor.
        divergence_factor: f64);
    setter!(/// Sets the seed.
        seed: u64);

    /// Sets the hidden widths.
    #[must_use]
    pub fn hidden(mut self, widths: impl Into<Vec<usize>>) -> Self {
        self.network.hidden = widths.into();
        self
    }

    /// Sets the hidden activation.
    #[must_use]
    pub fn activation(mut self, activation: Activation) -> Self {
        self.network.activation = activation;
        self
    }

    /// Sets the weight initialiser.
    #[must_use]
    pub fn init(mut self, init: Init) -> Self {
        self.network.init = init;
        self
    }

    /// Sets the output head.
    #[must_use]
    pub fn head(mut self, head: Head) -> Self {
        self.network.head = Some(head);
        self
    }

    /// Turns on early stopping with this patience.
    #[must_use]
    pub fn patience(mut self, epochs: usize) -> Self {
        self.patience = Some(epochs);
        self
    }

    /// Sets the reported metric.
    #[must_use]
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = Some(metric);
        self
    }

    /// Checks every setting on its own (fit to the data is checked by
    /// [`train`](super::train)).
    ///
    /// # Errors
    /// [`NnError::ZeroWidth`], [`NnError::LearningRate`],
    /// [`NnError::ZeroBatchSize`], [`NnError::BatchRange`],
    /// [`NnError::ZeroEpochs`], [`NnError::TooManyEpochs`] (above
    /// [`MAX_EPOCHS`]), and [`NnError::Hyperparameter`] naming the
    /// offending optimiser, schedule, penalty, dropout, patience, min_delta
    /// or divergence setting.
    pub fn check(&self) -> Result<(), NnError> {
        self.network.check()?;
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(NnError::LearningRate {
                value: self.learning_rate,
            });
        }
        self.optimizer.check()?;
        self.schedule.check()?;
        self.batch_size.check()?;
        self.regularizer.check()?;
        check_dropout(self.dropout)?;
        if self.epochs == 0 {
            return Err(NnError::ZeroEpochs);
        }
        if self.epochs > MAX_EPOCHS {
            return Err(NnError::TooManyEpochs {
                epochs: self.epochs,
                max: MAX_EPOCHS,
            });
        }
        if self.patience == Some(0) {
            return Err(NnError::Hyperparameter {
                name: "patience",
                value: 0.0,
                expected: ">= 1 epoch",
            });
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(NnError::Hyperparameter {
                name: "min_delta",
                value: self.min_delta,
                expected: "finite and >= 0",
            });
        }
        if !(self.divergence_factor.is_finite() && self.divergence_factor > 1.0) {
            return Err(NnError::Hyperparameter {
                name: "divergence_factor",
                value: self.divergence_factor,
                expected: "finite and > 1",
            });
        }
        Ok(())
    }
}
