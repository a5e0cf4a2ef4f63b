//! A running trial: its configuration, its seed, its intermediate reports.

use super::observer::Observers;
use crate::error::SpaceError;
use crate::history::History;
use crate::pruner::Pruner;
use crate::space::Params;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// One evaluation of the objective, as the objective sees it (Optuna's `Trial`).
///
/// It carries the configuration to evaluate ([`Trial::params`], or typed access
/// with [`Trial::float`], [`Trial::int`], [`Trial::categorical`]), a seed for the
/// objective's own randomness ([`Trial::seed`]), and the pruning protocol:
/// [`Trial::report`] an intermediate value after each step (e.g. the validation
/// loss after each epoch), then ask [`Trial::should_prune`] and return early if
/// it says so. Once `should_prune` has returned `true` the trial ends as
/// *pruned* whatever the objective returns afterwards (a panic still makes it
/// failed), so `return Ok(f64::NAN)` is a fine way to stop. Likewise, an
/// objective that detects divergence itself (a training loss gone to NaN)
/// can say why with [`Trial::set_diverged`]; the trial then ends as diverged
/// with that reason whatever it returns (unless it panics).
pub struct Trial {
    /// The study that asked it.
    study_id: u64,
    number: usize,
    seed: u64,
    params: Params,
    intermediate: Vec<(usize, f64)>,
    pruned: bool,
    diverged: Option<String>,
    scored_step: Option<usize>,
    started: Instant,
    pruner: Arc<dyn Pruner>,
    snapshot: Arc<History>,
    /// The study's observers, told of each step reported.
    observers: Observers,
}

impl fmt::Debug for Trial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trial")
            .field("number", &self.number)
            .field("seed", &self.seed)
            .field("params", &self.params)
            .field("intermediate", &self.intermediate)
            .field("pruned", &self.pruned)
            .field("diverged", &self.diverged)
            .finish_non_exhaustive()
    }
}

impl Trial {
    /// A trial consulting `pruner` with the history `snapshot`, reporting
    /// its steps to `observers`.
    pub(crate) fn new(
        study_id: u64,
        number: usize,
        seed: u64,
        params: Params,
        pruner: Arc<dyn Pruner>,
        snapshot: Arc<History>,
        observers: Observers,
    ) -> Self {
        Self {
            study_id,
            number,
            seed,
            params,
            intermediate: Vec::new(),
            pruned: false,
            diverged: None,
            scored_step: None,
            started: Instant::now(),
            pruner,
            snapshot,
            observers,
        }
    }

    /// The trial's number: 0, 1, 2, ... in the order trials are asked.
    #[must_use]
    pub fn number(&self) -> usize {
        self.number
    }

    /// A seed for the objective's own randomness (weight initialisation,
    /// shuffling): a function of the study seed and the trial number only, so a
    /// deterministic objective gives the same result when the trial is re-run.
    /// It is a different stream from the one the sampler drew this trial's
    /// configuration with.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration to evaluate.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The float parameter `name` (an integer parameter is converted).
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn float(&self, name: &str) -> Result<f64, SpaceError> {
        self.params.float(name)
    }

    /// The integer parameter `name`.
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn int(&self, name: &str) -> Result<i64, SpaceError> {
        self.params.int(name)
    }

    /// The categorical parameter `name`.
    ///
    /// # Errors
    /// [`SpaceError::UnknownParam`] or [`SpaceError::WrongType`].
    pub fn categorical(&self, name: &str) -> Result<&str, SpaceError> {
        self.params.categorical(name)
    }

    /// Reports the intermediate `value` at `step` (e.g. the validation loss
    /// after epoch `step`), in the study's direction. A step reported twice
    /// keeps its first value (as Optuna). Non-finite values are seen by the
    /// pruner but not recorded in the history. The study's observers are
    /// told of each step kept ([`Observer::trial_progress`](super::Observer::trial_progress)),
    /// so a progress display can follow a long trial.
    pub fn report(&mut self, step: usize, value: f64) {
        if !self.intermediate.iter().any(|(s, _)| *s == step) {
            self.intermediate.push((step, value));
            let number = self.number;
            self.observers
                .each(|o| o.trial_progress(number, step, value));
        }
    }

    /// The intermediate values reported so far, in report order.
    #[must_use]
    pub fn intermediate(&self) -> &[(usize, f64)] {
        &self.intermediate
    }

    /// Whether the trial should stop now, as the study's pruner judges from the
    /// values reported so far and the trials finished before this trial's batch
    /// started. Once it has returned `true` it keeps returning `true`.
    pub fn should_prune(&mut self) -> bool {
        if !self.pruned && !self.intermediate.is_empty() {
            self.pruned = self
                .pruner
                .prune(&self.snapshot, self.number, &self.intermediate);
        }
        self.pruned
    }

    /// Whether [`Trial::should_prune`] has returned `true`.
    #[must_use]
    pub fn is_pruned(&self) -> bool {
        self.pruned
    }

    /// Marks the trial as diverged, with the reason (e.g. "training loss
    /// became NaN in epoch 3"). The first reason given is kept.
    pub fn set_diverged(&mut self, reason: impl Into<String>) {
        if self.diverged.is_none() {
            self.diverged = Some(reason.into());
        }
    }

    /// The reason given to [`Trial::set_diverged`], if any.
    #[must_use]
    pub fn diverged(&self) -> Option<&str> {
        self.diverged.as_deref()
    }

    /// Records the step at which the value the objective returns was
    /// measured (e.g. the epoch whose weights a training keeps), stored as
    /// [`TrialRecord::scored_step`](crate::history::TrialRecord::scored_step).
    /// The last call wins.
    pub fn set_scored_step(&mut self, step: usize) {
        self.scored_step = Some(step);
    }

    /// The step given to [`Trial::set_scored_step`], if any.
    #[must_use]
    pub fn scored_step(&self) -> Option<usize> {
        self.scored_step
    }

    /// The study that asked this trial.
    pub(crate) fn study_id(&self) -> u64 {
        self.study_id
    }

    /// Seconds since the trial was asked.
    pub(crate) fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
