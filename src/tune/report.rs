//! What `autotune()` returns.

use super::TuneObjective;
use crate::history::{Direction, TrialRecord};
use crate::nn::{Network, TrainConfig};
use crate::space::Params;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The best trial and the configuration it trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestTrial {
    /// The trial's number.
    pub number: usize,
    /// Its configuration.
    pub params: Params,
    /// Its objective value (validation, or cross-validated).
    pub value: f64,
    /// The training configuration it stands for (with the trial's seed).
    pub train_config: TrainConfig,
    /// The epoch (1-based) at which its reported value was best: the final
    /// retraining runs this many epochs.
    pub best_epoch: usize,
}

/// Scores of the retrained best configuration on the held-out test part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestScores {
    /// Test rows.
    pub n_samples: usize,
    /// The network head's mean loss (cross-entropy; for regression, the
    /// squared-error loss on the standardised target).
    pub loss: f64,
    /// Accuracy (classification).
    pub accuracy: Option<f64>,
    /// Root mean squared error in the target's units (regression).
    pub rmse: Option<f64>,
}

/// Totals over the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Trials in the study.
    pub trials: usize,
    /// Complete trials.
    pub complete: usize,
    /// Pruned trials.
    pub pruned: usize,
    /// Failed trials (errors, panics).
    pub failed: usize,
    /// Diverged trials.
    pub diverged: usize,
    /// Training epochs run by the trials (all folds with cross-validation;
    /// for trials loaded from a journal, counted from their recorded curves).
    pub epochs: usize,
    /// Wall time of the whole call, in seconds.
    pub wall_secs: f64,
}

/// The result of [`autotune`](super::autotune).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TuneReport {
    /// What was optimised.
    pub objective: TuneObjective,
    /// Minimised or maximised.
    pub direction: Direction,
    /// The seed.
    pub seed: u64,
    /// The best trial.
    pub best: BestTrial,
    /// The retrained best configuration's test scores (`None` without a test
    /// part or with retraining off).
    pub test: Option<TestScores>,
    /// Every trial, with its per-epoch curve (`intermediate`: step = epoch,
    /// value = the objective after that epoch) and its duration.
    pub trials: Vec<TrialRecord>,
    /// Totals.
    pub totals: Totals,
    /// Problems worked around (e.g. a torn journal line).
    pub warnings: Vec<String>,
    /// The retrained network (not serialised; save it with the `nn` module).
    #[serde(skip)]
    pub model: Option<Network>,
}

impl TuneReport {
    /// The best trial.
    #[must_use]
    pub fn best(&self) -> &BestTrial {
        &self.best
    }
}

impl fmt::Display for BestTrial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trial {} (value {:.6}, best epoch {}): {}",
            self.number, self.value, self.best_epoch, self.params
        )
    }
}

impl fmt::Display for TuneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.totals;
        writeln!(f, "best {}", self.best)?;
        writeln!(
            f,
            "trials {} ({} complete, {} pruned, {} failed, {} diverged), {} epochs, {:.1} s",
            t.trials, t.complete, t.pruned, t.failed, t.diverged, t.epochs, t.wall_secs
        )?;
        if let Some(s) = &self.test {
            write!(f, "test ({} rows): loss {:.4}", s.n_samples, s.loss)?;
            if let Some(a) = s.accuracy {
                write!(f, ", accuracy {:.2}%", 100.0 * a)?;
            }
            if let Some(r) = s.rmse {
                write!(f, ", RMSE {r:.4}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
