//! What `autotune()` returns: a self-contained account of the study.

use super::TuneObjective;
use crate::error::Warning;
use crate::history::{Counts, Direction, History, Ranking, TrialRecord};
use crate::nn::{Network, TrainConfig};
use crate::space::{Params, SearchSpace};
use crate::study::StopReason;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The best trial and the configuration it trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestTrial {
    /// The trial's number.
    pub number: usize,
    /// Its configuration.
    pub params: Params,
    /// Its objective value (on the validation part, or cross-validated).
    pub value: f64,
    /// The training configuration it stands for (with the trial's seed).
    pub train_config: TrainConfig,
    /// The epoch (1-based) at which its value was scored (see
    /// [`autotune`](super::autotune)): the final retraining runs this many
    /// epochs.
    pub best_epoch: usize,
}

/// Scores of the retrained best configuration on the held-out test part,
/// computed from its predictions there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestScores {
    /// Test rows.
    pub n_samples: usize,
    /// The network head's mean loss: cross-entropy for classification, the
    /// squared-error loss on the standardised target for regression.
    pub loss: f64,
    /// Accuracy in `[0, 1]` (classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Mean cross-entropy of the labels (classification; equal to `loss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_loss: Option<f64>,
    /// Root mean squared error in the target's units (regression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    /// Coefficient of determination `1 - SS_res / SS_tot` of the test
    /// predictions, `SS_tot` around the test part's own mean (scikit-learn's
    /// `r2_score`; regression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
}

/// How [`autotune`](super::autotune) spent its budget in this call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSpent {
    /// The trials asked for (in total), if a number was set.
    pub trials: Option<usize>,
    /// The time limit on the study's trials, in seconds, if one was set.
    pub timeout_secs: Option<f64>,
    /// Wall time of the study's trials in this call, in seconds (without
    /// data preparation and the final retraining).
    pub study_secs: f64,
    /// Trials run in this call.
    pub trials_run: usize,
    /// Why the study stopped starting trials.
    pub stopped: StopReason,
    /// The epoch budget, if one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_epochs: Option<usize>,
    /// Training epochs run in this call (all folds with cross-validation).
    #[serde(default)]
    pub epochs_used: usize,
}

/// A duration for the budget line: two decimals below 10 s (the next trial's
/// expected time and what is left are often fractions of a second).
fn short_secs(secs: f64) -> String {
    if (0.0..10.0).contains(&secs) {
        format!("{secs:.2}s")
    } else {
        super::fmt_duration(secs)
    }
}

impl fmt::Display for BudgetSpent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = super::fmt_duration(self.study_secs);
        match (self.stopped, self.timeout_secs) {
            (
                StopReason::Time {
                    expected_secs,
                    left_secs,
                },
                Some(limit),
            ) => write!(
                f,
                "{} trials in {secs} of a {} limit; stopped: the next was expected to take {} with {} left",
                self.trials_run,
                super::fmt_duration(limit),
                short_secs(expected_secs),
                short_secs(left_secs),
            ),
            (StopReason::Trials, Some(limit)) => write!(
                f,
                "{} trials in {secs}, within the {} limit",
                self.trials_run,
                super::fmt_duration(limit)
            ),
            (StopReason::Stopped, _) => write!(f, "{} trials in {secs}; stopped", self.trials_run),
            (StopReason::Epochs { used, budget }, _) => write!(
                f,
                "{} trials in {secs}, {used} of {budget} epochs",
                self.trials_run
            ),
            _ => write!(f, "{} trials in {secs}", self.trials_run),
        }
    }
}

/// The result of [`autotune`](super::autotune): everything needed to
/// describe the study and write its results files
/// ([`write_results`](super::write_results)), without the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TuneReport {
    /// The data set's name.
    pub data: String,
    /// What was optimised.
    pub objective: TuneObjective,
    /// Minimised or maximised.
    pub direction: Direction,
    /// The seed.
    pub seed: u64,
    /// Trials trained side by side.
    pub workers: usize,
    /// Trials the study was asked for in all.
    pub n_trials: usize,
    /// The search space the trials were drawn from.
    pub space: SearchSpace,
    /// The best trial: the first of `ranking`.
    pub best: BestTrial,
    /// The complete trials' numbers, best first: by the sampler's model
    /// under noise (see `ranked_by`), else by value. The final model's
    /// `top_K` ensembles take the first `K`. Empty in reports written before
    /// autotune ranked its trials (then they are ranked by value).
    #[serde(default)]
    pub ranking: Vec<usize>,
    /// How `ranking` was made: by value, or by the GP's posterior mean when
    /// its fit says the trials' values are noisy
    /// ([`Study::ranked_trials`](crate::study::Study::ranked_trials)).
    #[serde(default)]
    pub ranked_by: Ranking,
    /// The final model's test scores (`None` without a test part, which a
    /// `no_test_part` warning then says, or with retraining off).
    pub test: Option<TestScores>,
    /// What the final model of `test` is, if it was made: for example the
    /// five best configurations retrained on train + validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_model: Option<String>,
    /// Every trial, in number order, with its per-epoch curve
    /// (`intermediate`: step = epoch, value = the objective after that
    /// epoch), its scored epoch and its duration.
    pub trials: Vec<TrialRecord>,
    /// The trials counted by how they ended.
    pub counts: Counts,
    /// Training epochs run by the trials (all folds with cross-validation;
    /// for trials loaded from a journal, counted from their recorded curves).
    pub epochs: usize,
    /// Wall time of this call, in seconds (a resumed study's earlier
    /// sessions are not included: see `resumed_trials`).
    pub wall_secs: f64,
    /// Trials finished in earlier sessions, loaded from the journal when this
    /// call resumed the study (0 for a study run in one call). When not 0,
    /// `wall_secs` covers this session only.
    #[serde(default)]
    pub resumed_trials: usize,
    /// How this call spent its budget of trials and time (`None` in reports
    /// written before autotune had time limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetSpent>,
    /// How the multi-fidelity strategy spent the epoch budget (`None` for
    /// full-fidelity studies): every step, and per trial its epochs, pauses
    /// and resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<super::FidelityReport>,
    /// Problems worked around, the first of each cause.
    pub warnings: Vec<Warning>,
    /// The final model's networks (not serialised; save them with the `nn`
    /// module): one, or the members of an ensemble whose predictions are
    /// averaged (see [`FinalModel`](super::FinalModel)); none without a test
    /// part or with retraining off.
    #[serde(skip)]
    pub model: Vec<Network>,
}

impl TuneReport {
    /// The best trial.
    #[must_use]
    pub fn best(&self) -> &BestTrial {
        &self.best
    }

    /// The trials as a [`History`].
    #[must_use]
    pub fn history(&self) -> History {
        History::from_trials(self.direction, self.trials.iter().cloned())
    }
}

impl fmt::Display for BestTrial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trial {} (value {:.6}, epoch {}): {}",
            self.number, self.value, self.best_epoch, self.params
        )
    }
}

/// The summary table of [`super::Summary`], without the files section.
impl fmt::Display for TuneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let history = self.history();
        f.write_str(&super::Summary::of_report(self, &history).render())
    }
}
