//! Studies: tune any objective with a sampler, a pruner and parallel workers.
//!
//! Optuna's vocabulary. A [`Study`] holds the search space, the
//! [`Sampler`] that suggests configurations, the [`Pruner`]
//! that stops unpromising trials, and the [`History`] of finished trials. Drive
//! it with [`Study::optimize`] (an objective, `Fn(&mut Trial) ->`
//! [`ObjectiveResult`], evaluated on `workers` threads) or by hand with
//! [`Study::ask`] and [`Study::tell`] / [`Study::tell_failed`].
//!
//! **Reproducible.** The sampler is seeded, for trial `n`, with
//! [`crate::rng::trial_seed`]`(seed, n)`, and the objective gets its own seed
//! [`Trial::seed`] derived from the same pair; nothing depends on a running
//! generator. In the default [`Mode::Synchronous`], trials run in batches of
//! `workers`: a batch is suggested from the trials finished before it,
//! evaluated in parallel, pruned against the history as it was when the batch
//! started, and recorded in trial-number order. So the same seed and worker
//! count give the same study whatever the thread timing.
//!
//! **Failure-safe.** An objective that returns an error, NaN or infinity, or
//! panics, ends as a failed or diverged trial with its reason; the study goes
//! on ([`Study::counts`] says how many).
//!
//! **Durable and exactly resumable.** With a [`journal`], every asked
//! batch and every finished trial is written and `fsync`ed before it is used.
//! A study rebuilt with the same settings and `.resume(true)` reloads the
//! finished trials, re-runs the trials that were running (same numbers, same
//! configurations, same pruning snapshot) and continues. Because every
//! suggestion is a function of the history before its batch, the seed and the
//! trial number, an interrupted-and-resumed study with a deterministic
//! objective ends identical to an uninterrupted one. `optimize(objective, n)`
//! runs `n` more trials, so resume with
//! `study.optimize(objective, total.saturating_sub(study.history().len()))`.
//!
//! **Stoppable.** [`Study::stop_handle`] gives a [`StopHandle`] that another
//! thread (a Ctrl-C handler) sets to make `optimize` return early once the
//! running trials are recorded.
//!
//! ```
//! use autotune::space::{Scale, SearchSpace};
//! use autotune::study::Study;
//! let space = SearchSpace::builder()
//!     .float("x", -5.0..=5.0, Scale::Linear)
//!     .build()?;
//! let mut study = Study::builder(space).seed(7).workers(2).build()?;
//! study.optimize(|t| Ok((t.float("x")? - 1.0).powi(2)), 20)?;
//!
//! // By hand: ask, evaluate, tell.
//! let trial = study.ask()?;
//! let x = trial.float("x")?;
//! study.tell(trial, (x - 1.0).powi(2))?;
//! let trial = study.ask()?;
//! study.tell_failed(trial, "the simulation crashed")?;
//! assert_eq!(study.history().len(), 22);
//! assert!(study.best_value().unwrap() < 1.0);
//! # Ok::<(), autotune::Error>(())
//! ```

mod ask_tell;
pub mod budget;
mod builder;
pub mod journal;
mod objective;
mod observer;
mod optimize;
mod record;
mod stop;
pub mod storage;
mod trial;

pub use crate::eval::{WORKERS_PER_CORE, available_cores, max_workers};
pub use crate::history::Counts;
pub use budget::{Budget, Spent, StopReason};
pub use builder::{Mode, StudyBuilder};
pub use journal::{
    DataFingerprint, JournalContents, JournalHeader, StudyLock, read_existing, read_journal,
};
pub use objective::{ObjectiveError, ObjectiveResult};
use observer::Observers;
pub use observer::{Observer, Progress};
pub use stop::StopHandle;
pub use trial::Trial;

use crate::error::Warning;
use crate::history::{Direction, History, Ranking, TrialRecord};
use crate::pruner::Pruner;
use crate::rng::{derive_seed, trial_seed};
use crate::sampler::Sampler;
use crate::space::{Params, SearchSpace};
use record::make_record;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use storage::Storage;

/// The stream of a trial's seed that the objective gets (the sampler uses
/// `trial_seed(seed, n)` itself).
const OBJECTIVE_STREAM: u64 = 0x6f62_6a65_6374_6976; // "objectiv"

/// The seed [`Trial::seed`] hands to the objective of trial `number` in a
/// study seeded with `study_seed` (a stream of `trial_seed(study_seed, number)`
/// distinct from the sampler's).
#[must_use]
pub fn objective_seed(study_seed: u64, number: usize) -> u64 {
    derive_seed(trial_seed(study_seed, number as u64), OBJECTIVE_STREAM)
}

/// A number unique to each study built in this process: a [`Trial`] carries
/// its study's, so telling it to another study is an error.
fn next_study_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A trial asked but not yet finished, recovered from the journal.
#[derive(Debug, Clone)]
struct Unfinished {
    batch: usize,
    number: usize,
    params: Params,
}

/// An optimisation study. Build one with [`Study::builder`].
pub struct Study {
    /// Unique in the process (see [`next_study_id`]).
    id: u64,
    space: SearchSpace,
    sampler: Box<dyn Sampler>,
    pruner: Arc<dyn Pruner>,
    seed: u64,
    mode: Mode,
    /// Shared with the running trials as their pruning snapshot; copied on
    /// write only if a snapshot is still alive when a trial is recorded.
    history: Arc<History>,
    /// Configurations enqueued by the user, not yet asked.
    queue: VecDeque<Params>,
    /// Trials the journal shows asked but not finished: re-run first.
    unfinished: VecDeque<Unfinished>,
    /// Trials asked and not yet recorded, by number.
    running: BTreeMap<usize, Params>,
    /// The training steps a resumed journal holds (a schedule that pauses
    /// trainings replays them), in the order written.
    steps: Vec<journal::TrainingStep>,
    /// Where trials are numbered and recorded: memory, the journal, or a
    /// shared database; shared with the worker threads, which record
    /// finished trials.
    storage: Arc<Mutex<Box<dyn Storage>>>,
    journal_path: Option<PathBuf>,
    evaluator: Arc<crate::eval::Evaluator>,
    observers: Observers,
    /// The first warning of each cause, in the order they happened.
    warnings: Vec<Warning>,
    /// Set to stop `optimize` after the running trials.
    stop: StopHandle,
}

impl std::fmt::Debug for Study {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Study")
            .field("seed", &self.seed)
            .field("workers", &self.workers())
            .field("mode", &self.mode)
            .field("trials", &self.history.len())
            .field("journal", &self.journal_path)
            .finish_non_exhaustive()
    }
}

impl Study {
    /// A builder for a study over `space`.
    pub fn builder(space: SearchSpace) -> StudyBuilder {
        StudyBuilder::new(space)
    }

    /// The search space.
    #[must_use]
    pub fn space(&self) -> &SearchSpace {
        &self.space
    }

    /// The finished trials, in number order.
    #[must_use]
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The best complete trial (the earliest among ties).
    #[must_use]
    pub fn best_trial(&self) -> Option<&TrialRecord> {
        self.history.best()
    }

    /// The complete trial the sampler's model recommends as best
    /// ([`Sampler::recommend`]): under noise (a training run's seed, a
    /// cross-validation split) the trial of best posterior mean rather than
    /// the luckiest observation; [`Study::best_trial`] when the sampler makes
    /// no recommendation (an interpolating GP fit, the random sampler).
    /// Costs one GP fit with the GP sampler.
    #[must_use]
    pub fn recommended_trial(&self) -> Option<&TrialRecord> {
        self.sampler
            .recommend(&self.space, &self.history)
            .and_then(|n| self.complete_trial(n))
            .or_else(|| self.best_trial())
    }

    /// The complete trials, best first, as the sampler's model ranks them
    /// ([`Sampler::rank`]; under noise by posterior mean), or by their
    /// observed values ([`History::ranked`]) when it does not rank them, and
    /// which of the two it is. Complete trials the model's ranking leaves out
    /// follow in observed order. The first is [`Study::recommended_trial`].
    /// Costs one GP fit with the GP sampler.
    #[must_use]
    pub fn ranked_trials(&self) -> (Vec<&TrialRecord>, Ranking) {
        let observed = self.history.ranked();
        let Some(ranking) = self.sampler.rank(&self.space, &self.history) else {
            return (observed, Ranking::Observed);
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut ranked: Vec<&TrialRecord> = Vec::with_capacity(observed.len());
        for t in ranking.into_iter().filter_map(|n| self.complete_trial(n)) {
            if seen.insert(t.number) {
                ranked.push(t);
            }
        }
        ranked.extend(observed.into_iter().filter(|t| seen.insert(t.number)));
        (ranked, Ranking::Model)
    }

    /// The complete trial numbered `n`.
    fn complete_trial(&self, n: usize) -> Option<&TrialRecord> {
        self.history
            .trials()
            .iter()
            .find(|t| t.number == n && t.state.value().is_some())
    }

    /// The best complete trial's value.
    #[must_use]
    pub fn best_value(&self) -> Option<f64> {
        self.best_trial().and_then(|t| t.state.value())
    }

    /// Finished trials by how they ended.
    #[must_use]
    pub fn counts(&self) -> Counts {
        self.history.counts()
    }

    /// Minimise or maximise.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.history.direction()
    }

    /// The study seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Trials evaluated at once (see [`StudyBuilder::workers`]).
    #[must_use]
    pub fn workers(&self) -> usize {
        self.evaluator.workers()
    }

    /// Synchronous or asynchronous scheduling.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The journal's path, if the study has one.
    #[must_use]
    pub fn journal_path(&self) -> Option<&Path> {
        self.journal_path.as_deref()
    }

    /// Where the study is stored: `memory`, the journal's path, or the
    /// database and study name (without the password).
    #[must_use]
    pub fn storage_location(&self) -> String {
        lock(&self.storage).location()
    }

    /// Problems that were worked around, the first of each cause (a torn
    /// journal line skipped on resume, a GP that could not be fitted, ...);
    /// observers are told each one as it happens ([`Observer::warning`]).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The training steps the resumed journal holds, in the order written
    /// (none for a new study); taken once.
    pub(crate) fn take_journaled_steps(&mut self) -> Vec<journal::TrainingStep> {
        std::mem::take(&mut self.steps)
    }

    /// Records a step of a paused and resumed training in the storage
    /// (durably, with a journal) before returning.
    ///
    /// # Errors
    /// A storage write failure.
    pub(crate) fn journal_step(&mut self, step: &journal::TrainingStep) -> crate::Result<()> {
        lock(&self.storage).step(step)?;
        Ok(())
    }

    /// Whether `params` is a trial the resumed journal shows asked and not
    /// finished (which [`Study::ask`] hands out again first).
    pub(crate) fn is_unfinished(&self, params: &Params) -> bool {
        self.unfinished.iter().any(|u| u.params == *params)
    }

    /// Tells the observers that a run of up to `n_trials` trials starts
    /// (as [`Study::optimize`] does), for a schedule that drives the study
    /// by [`Study::ask`] and [`Study::tell`].
    pub(crate) fn run_started(&mut self, n_trials: usize) {
        self.observers.each(|o| o.run_started(n_trials));
    }

    /// Records `warning` and tells the observers, unless a warning of the
    /// same cause was recorded before.
    fn warn(&mut self, warning: Warning) {
        if self.warnings.iter().any(|w| w.cause == warning.cause) {
            return;
        }
        self.observers.each(|o| o.warning(&warning));
        self.warnings.push(warning);
    }
}

fn lock(j: &Mutex<Box<dyn Storage>>) -> std::sync::MutexGuard<'_, Box<dyn Storage>> {
    j.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
