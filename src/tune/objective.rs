//! The objective of a tuning study: train a network with the trial's
//! configuration and score it on validation data.

use super::data::Prepared;
use super::{TuneObjective, TuneSpace};
use crate::Result;
use crate::nn::{Control, EpochStats, Metric, Outcome, TrainConfig, train};
use crate::study::{Objective, Trial};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Trains the trial's configuration on every prepared fold (one, without
/// cross-validation) and returns the mean score.
pub(crate) struct TrainObjective<'a> {
    pub space: &'a TuneSpace,
    pub folds: &'a [Prepared],
    pub objective: TuneObjective,
    pub classification: bool,
    pub patience: Option<usize>,
    /// Epochs trained by each trial run in this process, by trial number.
    pub epochs: Mutex<BTreeMap<usize, usize>>,
}

impl TrainObjective<'_> {
    /// The metric the trainer reports beside the loss.
    pub fn metric(&self) -> Metric {
        if self.classification {
            Metric::Accuracy
        } else {
            Metric::Rmse
        }
    }

    /// The objective's value after an epoch, in the study's direction.
    fn value(&self, e: &EpochStats, target_sd: f64) -> f64 {
        match self.objective {
            TuneObjective::ValidLoss => e.valid_loss.unwrap_or(f64::NAN),
            TuneObjective::Accuracy => e.valid_metric.unwrap_or(f64::NAN),
            TuneObjective::Rmse => e.valid_metric.map_or(f64::NAN, |m| m * target_sd),
        }
    }

    /// The training configuration of a trial.
    pub fn config(&self, trial: &Trial) -> Result<TrainConfig> {
        let mut config = self
            .space
            .train_config(trial.params(), trial.seed())?
            .metric(self.metric());
        config.patience = self.patience;
        Ok(config)
    }

    fn count_epochs(&self, trial: usize, n: usize) {
        let mut map = self
            .epochs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(trial).or_insert(0) += n;
    }
}

impl Objective for TrainObjective<'_> {
    type Error = crate::Error;

    /// Trains on each fold. The first fold reports its per-epoch values
    /// (steps 1, 2, ... = epochs completed) and may be pruned; the score is
    /// the mean over folds of the objective at each run's best epoch (lowest
    /// validation loss). A diverged run marks the trial diverged.
    fn evaluate(&self, trial: &mut Trial) -> Result<f64> {
        let config = self.config(trial)?;
        let mut total = 0.0;
        for (k, fold) in self.folds.iter().enumerate() {
            let data = fold.with_validation()?;
            let report = if k == 0 {
                train(&config, &data, |e| {
                    trial.report(e.epoch + 1, self.value(e, fold.target_sd));
                    if trial.should_prune() {
                        Control::Stop
                    } else {
                        Control::Continue
                    }
                })?
            } else {
                train(&config, &data, |_| Control::Continue)?
            };
            let ran = report.history.len() + usize::from(report.diverged());
            self.count_epochs(trial.number(), ran);
            if let Outcome::Diverged { epoch, reason } = report.outcome {
                trial.set_diverged(format!(
                    "training diverged in epoch {} ({reason:?})",
                    epoch + 1
                ));
                return Ok(f64::NAN);
            }
            let Some(best) = report.best() else {
                return Ok(f64::NAN);
            };
            let score = self.value(best, fold.target_sd);
            if trial.is_pruned() {
                return Ok(score);
            }
            total += score;
        }
        Ok(total / self.folds.len() as f64)
    }
}
