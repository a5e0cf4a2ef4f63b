//! Observers: follow a study's progress (a progress bar, a log) without
//! printing from library code.

use crate::error::Warning;
use crate::history::{Counts, TrialRecord};

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

    /// Something the user should know that did not stop the study (a torn
    /// journal line that was skipped, a GP that could not be fitted): called
    /// once per [`Warning::cause`].
    fn warning(&mut self, warning: &Warning) {
        let _ = warning;
    }
}
