//! `autotune()`'s configuration.

use super::{FinalModel, Strategy, TuneSpace};
use crate::Result;
use crate::data::Scaling;
use crate::error::ConfigError;
use crate::history::Direction;
use crate::pruner::{MedianPruner, NopPruner, Pruner, SuccessiveHalvingPruner};
use crate::sampler::{GpSampler, GpSamplerConfig, RandomSampler};
use crate::study::{Mode, StudyBuilder};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

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

/// At which epoch a trial is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreAt {
    /// The epoch of lowest validation loss (averaged over the folds with
    /// cross-validation). The default.
    #[default]
    BestEpoch,
    /// The last epoch all folds ran (as Optuna + PyTorch scripts usually
    /// score: the network at the end of its training).
    LastEpoch,
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

/// The largest epoch budget [`AutotuneConfig::check`] accepts (a hundred
/// million epochs, beyond any study that could run); larger ones are typos.
pub const MAX_BUDGET_EPOCHS: usize = 100_000_000;

/// The trials [`AutotuneConfig`] runs when neither a number of trials nor a
/// time limit is set.
pub const DEFAULT_TRIALS: usize = 30;

/// The settings of [`autotune`](super::autotune). Build from
/// [`AutotuneConfig::default`] with the setters; `autotune` calls
/// [`AutotuneConfig::check`] first.
///
/// By default: 30 trials ([`DEFAULT_TRIALS`]) on 1 worker in synchronous batches, seed 0, the validation loss as
/// objective, no cross-validation, the Gaussian-process sampler, the median
/// pruner, the default [`TuneSpace`], standardised features, no early
/// stopping inside trials, trials scored at their best epoch, the final model
/// the five best configurations retrained on train + validation
/// ([`FinalModel::default`]), no journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutotuneConfig {
    /// Trials to run (in total, counting those of a resumed journal), in
    /// `1..=`[`MAX_TRIALS`]. `None`: [`DEFAULT_TRIALS`], or with a
    /// [`timeout`](Self::timeout) as many as fit in it (see
    /// [`AutotuneConfig::planned_trials`]).
    pub n_trials: Option<usize>,
    /// A wall-clock limit on the study's trials (in this call), as Optuna's
    /// `timeout=`: trials are started while the next is expected to end
    /// within it (see [`crate::study::budget`]); with `n_trials` as well,
    /// the study ends at whichever is reached first. Data preparation and the
    /// final retraining are not counted. [`TuneReport::budget`](super::TuneReport::budget)
    /// says how it was spent.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// A limit on the training epochs of the study's trials (in this call),
    /// in `1..=`[`MAX_BUDGET_EPOCHS`]: beside `n_trials` and `timeout`,
    /// whichever is reached first ends the study. With it the default
    /// [`strategy`](Self::strategy) is multi-fidelity (the space's fixed
    /// epochs are then the full fidelity) and the budget is never exceeded;
    /// with the full-fidelity strategy a trial starts only while the mean
    /// epochs of the trials finished so far (its full epochs before any)
    /// still fit. [`TuneReport::budget`](super::TuneReport::budget) says
    /// how it was spent.
    #[serde(default)]
    pub budget_epochs: Option<usize>,
    /// How the budget is spent: full-fidelity trials or the multi-fidelity
    /// strategy ([`crate::tune::fidelity`]). By default
    /// [`Strategy::Auto`]: multi-fidelity with an epoch budget.
    #[serde(default)]
    pub strategy: Strategy,
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
    /// At which epoch trials are scored.
    #[serde(default)]
    pub score_at: ScoreAt,
    /// Make the final model (as `final_model` says) and score it on the test
    /// part (if the split has one).
    pub retrain: bool,
    /// How the final model is made from the study's trials.
    #[serde(default)]
    pub final_model: FinalModel,
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
            n_trials: None,
            timeout: None,
            budget_epochs: None,
            strategy: Strategy::Auto,
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
            score_at: ScoreAt::BestEpoch,
            retrain: true,
            final_model: FinalModel::default(),
            journal: None,
            resume: false,
            #[cfg(feature = "postgres")]
            postgres: None,
        }
    }
}

impl AutotuneConfig {
    /// Sets the number of trials (with a [`timeout`](Self::timeout) too,
    /// whichever is reached first ends the study).
    #[must_use]
    pub fn n_trials(mut self, n: usize) -> Self {
        self.n_trials = Some(n);
        self
    }

    /// Sets a wall-clock limit on the study's trials (see the field).
    #[must_use]
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Sets an epoch budget (see the field).
    #[must_use]
    pub fn budget_epochs(mut self, epochs: usize) -> Self {
        self.budget_epochs = Some(epochs);
        self
    }

    setter!(/// Sets the strategy.
        strategy: Strategy);

    /// The trials the study runs at most: `n_trials`, or without it
    /// [`DEFAULT_TRIALS`] — or [`MAX_TRIALS`] with a time limit or an epoch
    /// budget, which then decides.
    #[must_use]
    pub fn planned_trials(&self) -> usize {
        match (
            self.n_trials,
            self.timeout.is_some() || self.budget_epochs.is_some(),
        ) {
            (Some(n), _) => n,
            (None, false) => DEFAULT_TRIALS,
            (None, true) => MAX_TRIALS,
        }
    }

    /// The multi-fidelity settings if the study runs the multi-fidelity
    /// driver: [`Strategy::MultiFidelity`]'s, or the default ones for
    /// [`Strategy::Auto`] with an epoch budget and for
    /// [`Strategy::OneEpochTopK`] (which uses only their snapshot cap), and
    /// for [`Strategy::Hyperband`] the default ones with its `min_epochs`
    /// and `eta`.
    #[must_use]
    pub fn multi_fidelity(&self) -> Option<crate::tune::fidelity::FidelityConfig> {
        match (&self.strategy, self.budget_epochs) {
            (Strategy::MultiFidelity(c), _) => Some(c.clone()),
            (&Strategy::Hyperband { min_epochs, eta }, _) => Some(
                crate::tune::fidelity::FidelityConfig::default()
                    .min_epochs(min_epochs)
                    .eta(eta),
            ),
            (Strategy::Auto | Strategy::OneEpochTopK { .. }, Some(_))
            | (Strategy::OneEpochTopK { .. }, None) => Some(Default::default()),
            _ => None,
        }
    }
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
    setter!(/// Sets whether the final model is made and tested.
        retrain: bool);
    setter!(/// Sets how the final model is made.
        final_model: FinalModel);
    setter!(/// Sets at which epoch trials are scored.
        score_at: ScoreAt);
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
    /// [`MAX_TRIALS`], a `timeout` of zero, `budget_epochs` of 0 or above
    /// [`MAX_BUDGET_EPOCHS`], the multi-fidelity strategy without an epoch
    /// budget or with epochs that are not whole numbers, `workers` of 0 or above
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
        let n_trials = self.planned_trials();
        if n_trials == 0 {
            return invalid("n_trials", "at least one trial is needed");
        }
        if n_trials > MAX_TRIALS {
            let reason = format!("at most {MAX_TRIALS} trials, got {n_trials}");
            return invalid("n_trials", &reason);
        }
        if self.timeout == Some(Duration::ZERO) {
            return invalid("timeout", "a time limit must be above zero");
        }
        match self.budget_epochs {
            Some(0) => return invalid("budget_epochs", "at least one epoch is needed"),
            Some(n) if n > MAX_BUDGET_EPOCHS => {
                let reason = format!("at most {MAX_BUDGET_EPOCHS} epochs, got {n}");
                return invalid("budget_epochs", &reason);
            }
            _ => {}
        }
        if let Some(mf) = self.multi_fidelity() {
            mf.check()?;
            if self.strategy == (Strategy::OneEpochTopK { k: 0 }) {
                return invalid("k", "at least one configuration must be finished");
            }
            if self.budget_epochs.is_none() {
                return invalid(
                    "strategy",
                    "the multi-fidelity strategy needs an epoch budget",
                );
            }
            if !matches!(
                self.space.epochs,
                crate::space::Domain::Fixed { .. } | crate::space::Domain::Int { .. }
            ) {
                return invalid(
                    "epochs",
                    "the multi-fidelity strategy needs whole epochs, fixed or searched as an integer \
                     (each configuration's full fidelity)",
                );
            }
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
        self.final_model.check()?;
        self.space.check().map(|_| ())
    }
}
