//! The objective of a tuning study: train a network with the trial's
//! configuration and score it on validation data.

use super::data::Prepared;
use super::{ScoreAt, TuneObjective, TuneSpace};
use crate::Result;
use crate::nn::{Control, EpochStats, Metric, Outcome, TrainConfig, train};
use crate::study::{ObjectiveResult, Trial};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Trains the trial's configuration on every prepared fold (one, without
/// cross-validation) and scores it at one epoch shared by all folds.
pub(crate) struct TrainObjective<'a> {
    pub space: &'a TuneSpace,
    pub folds: &'a [Prepared],
    pub objective: TuneObjective,
    pub classification: bool,
    pub patience: Option<usize>,
    /// Which epoch scores a trial.
    pub score_at: ScoreAt,
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
            TuneObjective::ValidationLoss => e.validation_loss.unwrap_or(f64::NAN),
            TuneObjective::Accuracy => e.validation_metric.unwrap_or(f64::NAN),
            TuneObjective::Rmse => e.validation_metric.map_or(f64::NAN, |m| m * target_sd),
        }
    }

    /// The training configuration of a trial.
    pub fn config(&self, trial: &Trial) -> Result<TrainConfig> {
        self.config_of(trial.params(), trial.seed())
    }

    /// [`Self::config`] of a trial's `params` and `seed`.
    pub fn config_of(&self, params: &crate::space::Params, seed: u64) -> Result<TrainConfig> {
        let mut config = self.space.train_config(params, seed)?.metric(self.metric());
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

    /// Trains on each fold. The first fold reports its per-epoch values
    /// (steps 1, 2, ... = epochs completed) and may be pruned. The trial is
    /// scored at one epoch `E` for all folds: the epoch (1-based, the first
    /// among ties) of the lowest validation loss averaged over the folds, on
    /// the epochs every fold ran; its value is the objective at `E` averaged
    /// over the folds, and `E` is recorded as the trial's scored step, which
    /// is how many epochs the final retraining runs. With one validation part
    /// this is the epoch of lowest validation loss. A pruned trial is scored
    /// likewise on the epochs its first fold ran. A diverged run marks the
    /// trial diverged.
    pub fn evaluate(&self, trial: &mut Trial) -> ObjectiveResult {
        let config = self.config(trial)?;
        let mut curves: Vec<Vec<(f64, f64)>> = Vec::with_capacity(self.folds.len());
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
            curves.push(
                report
                    .history
                    .iter()
                    .map(|e| {
                        (
                            e.validation_loss.unwrap_or(f64::NAN),
                            self.value(e, fold.target_sd),
                        )
                    })
                    .collect(),
            );
            if trial.is_pruned() {
                break;
            }
        }
        let Some((epoch, value)) = score(&curves, self.score_at) else {
            return Ok(f64::NAN);
        };
        trial.set_scored_step(epoch);
        Ok(value)
    }
}

/// The shared epoch and score of per-fold curves of `(validation loss,
/// objective)` per epoch: the 1-based epoch of the lowest mean loss over the
/// epochs all folds ran (the first among ties; NaN losses never win), and the
/// mean objective there. `None` if no epoch has a finite mean loss.
/// With [`ScoreAt::LastEpoch`], the last epoch all folds ran instead (`None`
/// if its mean loss is not finite).
pub(super) fn score(curves: &[Vec<(f64, f64)>], at: ScoreAt) -> Option<(usize, f64)> {
    let epochs = curves.iter().map(Vec::len).min()?;
    let k = curves.len() as f64;
    let mean = |e: usize, part: fn(&(f64, f64)) -> f64| -> f64 {
        curves.iter().map(|c| part(&c[e])).sum::<f64>() / k
    };
    if at == ScoreAt::LastEpoch {
        let last = epochs.checked_sub(1)?;
        return mean(last, |p| p.0)
            .is_finite()
            .then(|| (epochs, mean(last, |p| p.1)));
    }
    let mut best: Option<(usize, f64)> = None;
    for e in 0..epochs {
        let loss = mean(e, |p| p.0);
        if loss.is_finite() && best.is_none_or(|(_, b)| loss < b) {
            best = Some((e, loss));
        }
    }
    best.map(|(e, _)| (e + 1, mean(e, |p| p.1)))
}

#[cfg(test)]
mod tests {
    use super::{ScoreAt, score};

    fn score_best(c: &[Vec<(f64, f64)>]) -> Option<(usize, f64)> {
        score(c, ScoreAt::BestEpoch)
    }

    #[test]
    fn the_last_epoch_scores_the_end_of_training() {
        let a = vec![(0.9, 0.1), (0.4, 0.7), (0.5, 0.8)];
        let b = vec![(0.8, 0.2), (0.6, 0.6), (0.4, 0.9), (0.1, 1.0)];
        // The last epoch both ran is 3: mean objective (0.8 + 0.9) / 2.
        let (epoch, value) = score(&[a, b], ScoreAt::LastEpoch).unwrap();
        assert_eq!(epoch, 3);
        assert!((value - 0.85).abs() < 1e-12, "{value}"); // one rounding
        assert_eq!(
            score(&[vec![(0.7, 0.3), (f64::NAN, 1.0)]], ScoreAt::LastEpoch),
            None
        );
    }

    #[test]
    fn the_shared_epoch_minimises_the_mean_loss() {
        // Fold 0 is best at epoch 2, fold 1 at epoch 3; their mean loss is
        // lowest at epoch 3 (0.45 against 0.5), and the score is the mean
        // objective there.
        let a = vec![(0.9, 0.1), (0.4, 0.7), (0.5, 0.8)];
        let b = vec![(0.8, 0.2), (0.6, 0.6), (0.4, 0.9), (0.1, 1.0)];
        let (epoch, value) = score_best(&[a.clone(), b]).unwrap();
        assert_eq!(epoch, 3);
        assert!((value - 0.85).abs() < 1e-12, "{value}"); // one rounding
        // One fold: the epoch of its own lowest loss, the first among ties.
        let tie = vec![(0.5, 0.1), (0.3, 0.2), (0.3, 0.9)];
        assert_eq!(score_best(&[tie]), Some((2, 0.2)));
        assert_eq!(score_best(&[a]).map(|s| s.0), Some(2));
        // NaN losses never win; no finite loss at all scores nothing.
        assert_eq!(
            score_best(&[vec![(f64::NAN, 1.0), (0.7, 0.3)]]),
            Some((2, 0.3))
        );
        assert_eq!(score_best(&[vec![(f64::NAN, 1.0)]]), None);
        assert_eq!(score_best(&[vec![]]), None);
    }
}
