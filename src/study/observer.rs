//! Observers: follow a study's progress (a progress bar, a log) without
//! printing from library code.

use crate::error::Warning;
use crate::history::{Counts, TrialRecord};
use std::sync::{Arc, Mutex, PoisonError};

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

/// Follows a study. Every method has a no-op default. All but
/// [`Observer::trial_progress`] are called on the thread that drives the
/// study, in trial-number order within a batch; `trial_progress` is called on
/// the thread running the trial. The study keeps its observers under one
/// lock, so no two calls ever overlap.
pub trait Observer: Send {
    /// An `optimize` call is about to run `n_trials` trials.
    fn run_started(&mut self, n_trials: usize) {
        let _ = n_trials;
    }

    /// Trial `trial` reported the intermediate `value` at `step` (e.g. the
    /// validation loss after epoch `step`, see [`Trial::report`](super::Trial::report)),
    /// while it is still running: called once per step the trial records,
    /// on the worker thread running it, as often as the objective reports
    /// (throttle the display yourself). Trials of a batch report
    /// concurrently, so calls for different trials interleave.
    fn trial_progress(&mut self, trial: usize, step: usize, value: f64) {
        let _ = (trial, step, value);
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

/// A study's observers, shared with its running trials (which report their
/// progress from the worker threads) under one lock.
#[derive(Clone, Default)]
pub(crate) struct Observers {
    list: Arc<Mutex<Vec<Box<dyn Observer>>>>,
    /// Whether `list` is empty (known without taking the lock).
    empty: bool,
}

impl Observers {
    /// Observers `list`.
    pub fn new(list: Vec<Box<dyn Observer>>) -> Self {
        Self {
            empty: list.is_empty(),
            list: Arc::new(Mutex::new(list)),
        }
    }

    /// Whether there is no observer.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Calls `f` on each observer in turn, holding the lock (an observer
    /// that panicked once is still called).
    pub fn each(&self, mut f: impl FnMut(&mut dyn Observer)) {
        if self.empty {
            return;
        }
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        for o in list.iter_mut() {
            f(o.as_mut());
        }
    }
}
