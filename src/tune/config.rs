//! `autotune()`'s configuration.

use super::TuneSpace;
use crate::Result;
use crate::data::Scaling;
use crate::error::ConfigError;
use crate::history::Direction;
use crate::study::Mode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the tuner optimises, measured on the validation part (or averaged
/// over the folds of cross-validation) at the epoch of lowest validation loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TuneObjective {
    /// The validation loss (cross-entropy, or mean squared error on the
    /// standardised target): minimised. The default.
    #[default]
    ValidLoss,
    /// The validation accuracy (classification): maximised.
    Accuracy,
    /// The validation root mean squared error in the target's units
    /// (regression): minimised.
    Rmse,
}

impl TuneObjective {
    /// Minimise or maximise.
    #[must_use]
    pub fn direction(self) -> Direction {
        match self {
            Self::Accuracy => Direction::Maximize,
            Self::ValidLoss | Self::Rmse => Direction::Minimize,
        }
    }
}

/// Which sampler suggests configurations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerKind {
    /// Bayesian optimisation with a Gaussian process (the sampler's defaults).
    /// The default.
    #[default]
    Gp,
    /// Independent uniform draws (a baseline).
    Random,
}

/// Which pruner stops unpromising trials, judging their per-epoch values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrunerKind {
    /// No pruning.
    None,
    /// The median rule with Optuna's defaults. The default.
    #[default]
    Median,
    /// Asynchronous successive halving with Optuna's defaults.
    SuccessiveHalving,
}

/// Serde for [`Scaling`] (which the data module does not derive).
#[derive(Serialize, Deserialize)]
#[serde(remote = "Scaling", rename_all = "snake_case")]
enum ScalingDef {
    None,
    Standardize,
    MinMax,
}

/// The settings of [`autotune`](super::autotune). Build from
/// [`AutotuneConfig::default`] with the setters; `autotune` calls
/// [`AutotuneConfig::check`] first.
///
/// By default: 30 trials on 1 worker in synchronous batches, seed 0, the validation loss as
/// objective, no cross-validation, the Gaussian-process sampler, the median
/// pruner, the default [`TuneSpace`], standardised features, no early
/// stopping inside trials, the best configuration retrained on train +
/// validation, no journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutotuneConfig {
    /// Trials to run (in total, counting those of a resumed journal).
    pub n_trials: usize,
    /// Trials trained side by side.
    pub workers: usize,
    /// Synchronous batches of `workers` trials (reproducible) or asynchronous.
    pub mode: Mode,
    /// The one seed everything derives from: splits of cross-validation, the
    /// sampler, every trial's training, the final retraining.
    pub seed: u64,
    /// What is optimised.
    pub objective: TuneObjective,
    /// `Some(k)`: score each configuration by `k`-fold cross-validation on
    /// train + validation (for small data) instead of the validation part.
    pub cv_folds: Option<usize>,
    /// The sampler.
    pub sampler: SamplerKind,
    /// The pruner.
    pub pruner: PrunerKind,
    /// The hyperparameters searched or fixed.
    pub space: TuneSpace,
    /// Feature scaling, fitted on the rows trained on.
    #[serde(with = "ScalingDef")]
    pub scaling: Scaling,
    /// Early-stopping patience inside each training (epochs), or none.
    pub patience: Option<usize>,
    /// Retrain the best configuration on train + validation and score it on
    /// the test part (if the split has one).
    pub retrain: bool,
    /// Record the study in this journal (see [`crate::study::journal`]).
    pub journal: Option<PathBuf>,
    /// Continue the study of an existing journal.
    pub resume: bool,
}

impl Default for AutotuneConfig {
    fn default() -> Self {
        Self {
            n_trials: 30,
            workers: 1,
            mode: Mode::Synchronous,
            seed: 0,
            objective: TuneObjective::ValidLoss,
            cv_folds: None,
            sampler: SamplerKind::Gp,
            pruner: PrunerKind::Median,
            space: TuneSpace::default(),
            scaling: Scaling::Standardize,
            patience: None,
            retrain: true,
            journal: None,
            resume: false,
        }
    }
}

impl AutotuneConfig {
    setter!(/// Sets the number of trials.
        n_trials: usize);
    setter!(/// Sets the number of workers.
        workers: usize);
    setter!(/// Sets synchronous or asynchronous scheduling.
        mode: Mode);
    setter!(/// Sets the seed.
        seed: u64);
    setter!(/// Sets the objective.
        objective: TuneObjective);
    setter!(/// Sets k-fold cross-validation (`None` for the validation part).
        cv_folds: Option<usize>);
    setter!(/// Sets the sampler.
        sampler: SamplerKind);
    setter!(/// Sets the pruner.
        pruner: PrunerKind);
    setter!(/// Sets the search space.
        space: TuneSpace);
    setter!(/// Sets the feature scaling.
        scaling: Scaling);
    setter!(/// Sets early stopping inside trials.
        patience: Option<usize>);
    setter!(/// Sets whether the best configuration is retrained and tested.
        retrain: bool);
    setter!(/// Sets whether a journal is resumed.
        resume: bool);

    /// Records the study in a journal at `path`.
    #[must_use]
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the setting: `n_trials` or `workers`
    /// of 0, `cv_folds` below 2, a `patience` of 0, or an invalid space.
    pub fn check(&self) -> Result<()> {
        let invalid = |name: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                name,
                reason: reason.to_owned(),
            }
            .into())
        };
        if self.n_trials == 0 {
            return invalid("n_trials", "at least one trial is needed");
        }
        if self.workers == 0 {
            return invalid("workers", "at least one worker is needed");
        }
        if self.cv_folds.is_some_and(|k| k < 2) {
            return invalid("cv_folds", "cross-validation needs at least 2 folds");
        }
        if self.patience == Some(0) {
            return invalid("patience", "must be at least 1 epoch");
        }
        self.space.check().map(drop)
    }
}
