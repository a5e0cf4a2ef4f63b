//! What a training reports: the callback's answer, per-epoch stats, how the
//! run ended, and the final report.

use serde::{Deserialize, Serialize};

use super::metrics::Metric;
use super::network::Network;

/// What the per-epoch callback tells the trainer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop now (e.g. a pruner judged the run hopeless); the run ends with
    /// [`Outcome::Stopped`].
    Stop,
}

/// What happened in one epoch. Losses are mean data losses (without the
/// penalty); every value is finite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// The 0-based epoch.
    pub epoch: usize,
    /// The mean mini-batch loss over the epoch, as measured during training
    /// (with dropout, while the weights moved).
    pub train_loss: f64,
    /// The metric over the epoch's mini-batches, measured likewise.
    pub train_metric: f64,
    /// The validation loss after the epoch, if there is validation data.
    pub validation_loss: Option<f64>,
    /// The validation metric after the epoch, if there is validation data.
    pub validation_metric: Option<f64>,
    /// The learning rate of the epoch's first update.
    pub learning_rate: f64,
    /// The epoch's batch size.
    pub batch_size: usize,
}

impl EpochStats {
    /// The loss early stopping watches: validation if present, else training.
    #[must_use]
    pub fn monitored_loss(&self) -> f64 {
        self.validation_loss.unwrap_or(self.train_loss)
    }
}

/// Why a run counts as diverged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Divergence {
    /// A NaN or infinite training or validation loss.
    NonFiniteLoss,
    /// A mini-batch loss above `divergence_factor · max(L0, 1)`.
    ExplodingLoss {
        /// The loss seen.
        loss: f64,
        /// The threshold it crossed.
        threshold: f64,
    },
    /// NaN or infinite parameters after an epoch.
    NonFiniteParams,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// All configured epochs ran.
    Completed,
    /// Early stopping ended the run after `epoch` (0-based): the monitored
    /// loss had not improved since `best_epoch` for `patience` epochs.
    EarlyStopped {
        /// The last epoch run.
        epoch: usize,
        /// The epoch with the best monitored loss.
        best_epoch: usize,
    },
    /// The callback asked to stop after `epoch`.
    Stopped {
        /// The last epoch run.
        epoch: usize,
    },
    /// Training diverged during `epoch` (0-based); the history holds the
    /// epochs before it and the model is the best one before it (the
    /// initial one if none).
    Diverged {
        /// The epoch in which divergence was seen.
        epoch: usize,
        /// What was seen.
        reason: Divergence,
    },
}

/// The result of [`train`](super::train) (serialisable, the model included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// How the run ended.
    pub outcome: Outcome,
    /// One entry per completed epoch.
    pub history: Vec<EpochStats>,
    /// The trained network: the best epoch's parameters if
    /// [`TrainConfig::restore_best`](super::TrainConfig::restore_best) (always after divergence), else the last.
    pub model: Network,
    /// The metric in the history.
    pub metric: Metric,
    /// The epoch with the best monitored loss, if any epoch completed.
    pub best_epoch: Option<usize>,
}

impl TrainReport {
    /// The stats of the best epoch.
    #[must_use]
    pub fn best(&self) -> Option<&EpochStats> {
        self.best_epoch.and_then(|e| self.history.get(e))
    }

    /// The stats of the last completed epoch.
    #[must_use]
    pub fn last(&self) -> Option<&EpochStats> {
        self.history.last()
    }

    /// Whether the run diverged.
    #[must_use]
    pub fn diverged(&self) -> bool {
        matches!(self.outcome, Outcome::Diverged { .. })
    }
}
