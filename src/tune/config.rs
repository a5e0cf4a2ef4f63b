//! `autotune()`'s configuration.

use super::TuneSpace;
use crate::Result;
use crate::data::Scaling;
use crate::error::ConfigError;
use crate::history::Direction;
use crate::pruner::{MedianPruner, NopPruner, Pruner, SuccessiveHalvingPruner};
use crate::sampler::{GpSampler, GpSamplerConfig, RandomSampler};
use crate::study::{Mode, StudyBuilder};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the tuner optimises, measured on the validation part (or averaged
/// over the folds of cross-validation) at the epoch of lowest validation loss
/// (see [`autotune`](super::autotune) for which epoch exactly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TuneObjective {
    /// The validation loss (cross-entropy, or mean squared error on the
    /// standardised target): minimised. The default.
    #[default]
    ValidationLoss,
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
            Self::ValidationLoss | Self::Rmse => Direction::Minimize,
        }
    }

    /// Its name in tables, plots and summaries: `validation loss`,
    /// `validation accuracy`, `validation RMSE`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::ValidationLoss => "validation loss",
            Self::Accuracy => "validation accuracy",
            Self::Rmse => "validation RMSE",
        }
    }
}

/// Which sampler suggests configurations, with all its settings (recorded in
/// the journal: resuming with other settings is refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SamplerConfig {
    /// Bayesian optimisation with a Gaussian process. The default, with
    /// `GpSamplerConfig::default()`.
    Gp(GpSamplerConfig),
    /// Independent uniform draws (a baseline).
    Random,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self::Gp(GpSamplerConfig::default())
    }
}

impl From<GpSamplerConfig> for SamplerConfig {
    fn from(c: GpSamplerConfig) -> Self {
        Self::Gp(c)
    }
}

/// Which pruner stops unpromising trials, judging their per-epoch values,
/// with all its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PrunerConfig {
    /// No pruning.
    None,
    /// The median rule. The default, with Optuna's defaults
    /// (`MedianPruner::default()`).
    Median(MedianPruner),
    /// Asynchronous successive halving.
    SuccessiveHalving(SuccessiveHalvingPruner),
}

impl Default for PrunerConfig {
    fn default() -> Self {
        Self::Median(MedianPruner::default())
    }
}

impl From<MedianPruner> for PrunerConfig {
    fn from(p: MedianPruner) -> Self {
        Self::Median(p)
    }
}

impl From<SuccessiveHalvingPruner> for PrunerConfig {
    fn from(p: SuccessiveHalvingPruner) -> Self {
        Self::SuccessiveHalving(p)
    }
}

impl SamplerConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the bad setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        match self {
            Self::Gp(c) => c.check(),
            Self::Random => Ok(()),
        }
    }

    /// Sets this sampler on `b`.
    pub(crate) fn apply(&self, b: StudyBuilder) -> Result<StudyBuilder> {
        Ok(match self {
            Self::Gp(c) => b.sampler(GpSampler::new(c.clone())?),
            Self::Random => b.sampler(RandomSampler),
        })
    }
}

impl PrunerConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the bad setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        match self {
            Self::None => Ok(()),
            Self::Median(p) => p.check(),
            Self::SuccessiveHalving(p) => p.check(),
        }
    }

    /// Sets this pruner on `b`.
    pub(crate) fn apply(&self, b: StudyBuilder) -> StudyBuilder {
        match self {
            Self::None => b.pruner(NopPruner),
            Self::Median(p) => b.pruner(p.clone()),
            Self::SuccessiveHalving(p) => b.pruner(p.clone()),
        }
    }
}

/// Serde for [`Scaling`] (which the data module does not derive).
#[derive(Serialize, Deserialize)]
#[serde(remote = "Scaling", rename_all = "snake_case")]
enum ScalingDef {
    None,
    Standardize,
    MinMax,
}

/// The most trials [`AutotuneConfig::check`] accepts: a million, already far
/// beyond what a Gaussian-process sampler can fit (its cost grows with the
/// cube of the trials) or a study can train in reasonable time; larger counts
/// are typos caught before any trial.
pub const MAX_TRIALS: usize = 1_000_000;

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
    /// Trials to run (in total, counting those of a resumed journal), in
    /// `1..=`[`MAX_TRIALS`].
    pub n_trials: usize,
    /// Trials trained side by side, in `1..=`[`max_workers`](crate::study::max_workers)
    /// (see [`StudyBuilder::workers`] for what it means beside the threads).
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
    /// The sampler and its settings.
    pub sampler: SamplerConfig,
    /// The pruner and its settings.
    pub pruner: PrunerConfig,
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
    /// Share the study through PostgreSQL (not with a journal; see
    /// [`StudyBuilder::postgres`]). Not serialised.
    #[cfg(feature = "postgres")]
    #[serde(skip)]
    pub postgres: Option<crate::study::storage::postgres::PostgresOptions>,
}

impl Default for AutotuneConfig {
    fn default() -> Self {
        Self {
            n_trials: 30,
            workers: 1,
            mode: Mode::Synchronous,
            seed: 0,
            objective: TuneObjective::ValidationLoss,
            cv_folds: None,
            sampler: SamplerConfig::default(),
            pruner: PrunerConfig::default(),
            space: TuneSpace::default(),
            scaling: Scaling::Standardize,
            patience: None,
            retrain: true,
            journal: None,
            resume: false,
            #[cfg(feature = "postgres")]
            postgres: None,
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

    /// Sets the sampler: a [`SamplerConfig`], or a [`GpSamplerConfig`].
    #[must_use]
    pub fn sampler(mut self, sampler: impl Into<SamplerConfig>) -> Self {
        self.sampler = sampler.into();
        self
    }

    /// Sets the pruner: a [`PrunerConfig`], or a [`MedianPruner`] or
    /// [`SuccessiveHalvingPruner`] with its settings.
    #[must_use]
    pub fn pruner(mut self, pruner: impl Into<PrunerConfig>) -> Self {
        self.pruner = pruner.into();
        self
    }

    /// Shares the study through PostgreSQL (see [`StudyBuilder::postgres`]).
    #[cfg(feature = "postgres")]
    #[must_use]
    pub fn postgres(mut self, options: crate::study::storage::postgres::PostgresOptions) -> Self {
        self.postgres = Some(options);
        self
    }

    /// Records the study in a journal at `path`.
    #[must_use]
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the setting: `n_trials` of 0 or above
    /// [`MAX_TRIALS`], `workers` of 0 or above
    /// [`max_workers`](crate::study::max_workers), `cv_folds` below 2, a
    /// `patience` of 0, invalid sampler or pruner settings, or an invalid
    /// space (epochs above [`MAX_EPOCHS`](crate::nn::MAX_EPOCHS) included).
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
        if self.n_trials > MAX_TRIALS {
            let reason = format!("at most {MAX_TRIALS} trials, got {}", self.n_trials);
            return invalid("n_trials", &reason);
        }
        crate::eval::check_workers(self.workers)?;
        if self.cv_folds.is_some_and(|k| k < 2) {
            return invalid("cv_folds", "cross-validation needs at least 2 folds");
        }
        if self.patience == Some(0) {
            return invalid("patience", "must be at least 1 epoch");
        }
        self.sampler.check()?;
        self.pruner.check()?;
        self.space.check().map(|_| ())
    }
}
