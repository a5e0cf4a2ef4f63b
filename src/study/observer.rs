//! Observers: follow a study's progress (a progress bar, a log) without
//! printing from library code.

use crate::history::{History, TrialRecord, TrialState};
use serde::{Deserialize, Serialize};

/// Trials counted by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Complete trials.
    pub complete: usize,
    /// Pruned trials.
    pub pruned: usize,
    /// Failed trials (error or panic).
    pub failed: usize,
    /// Diverged trials (NaN or infinity).
    pub diverged: usize,
}

impl Counts {
    /// All trials counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.complete + self.pruned + self.failed + self.diverged
    }

    /// Counts one more trial in `state`.
    pub fn add(&mut self, state: &TrialState) {
        match state {
            TrialState::Complete { .. } => self.complete += 1,
            TrialState::Pruned { .. } => self.pruned += 1,
            TrialState::Failed { .. } => self.failed += 1,
            TrialState::Diverged { .. } => self.diverged += 1,
        }
    }

    /// The counts of a history.
    #[must_use]
    pub fn of(history: &History) -> Self {
        let mut c = Self::default();
        for t in history.trials() {
            c.add(&t.state);
        }
        c
    }
}

/// What an observer is told when a trial finishes.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The trial just recorded.
    pub trial: &'a TrialRecord,
    /// The best complete trial so far (this one included).
    pub best: Option<&'a TrialRecord>,
    /// Counts over the whole study so far.
    pub counts: Counts,
    /// Trials finished in the current `optimize` call (0 for `tell`).
    pub done_in_run: usize,
    /// Trials the current `optimize` call will run (0 for `tell`).
    pub total_in_run: usize,
}

/// Follows a study. Every method has a no-op default; all are called on the
/// thread that drives the study, in trial-number order within a batch.
pub trait Observer: Send {
    /// An `optimize` call is about to run `n_trials` trials.
    fn run_started(&mut self, n_trials: usize) {
        let _ = n_trials;
    }

    /// A trial was recorded (journaled first, if the study has a journal).
    fn trial_finished(&mut self, progress: &Progress<'_>) {
        let _ = progress;
    }

    /// Something the user should know that did not stop the study (e.g. a
    /// torn journal line that was skipped).
    fn warning(&mut self, message: &str) {
        let _ = message;
    }
}
