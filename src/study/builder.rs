//! Setting a study up: sampler, pruner, direction, seed, workers, journal.

use super::journal::{
    DataFingerprint, JOURNAL_FORMAT, JOURNAL_VERSION, JOURNAL_VERSION_WITHOUT_STEPS, Journal,
    JournalHeader, TrainingStep,
};
use super::storage::{JournalStorage, Memory, Storage};
use super::{Observer, Study, Unfinished};
use crate::Result;
use crate::error::Warning;
use crate::eval::Evaluator;
use crate::history::{Direction, History};
use crate::pruner::{NopPruner, Pruner};
use crate::sampler::{RandomSampler, Sampler};
use crate::space::SearchSpace;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A shared storage as opened: the storage, the trials finished so far, and
/// a warning (a stored study with no data fingerprint to check).
type Shared = (
    Box<dyn Storage>,
    Vec<crate::history::TrialRecord>,
    Option<String>,
);

/// How trials are scheduled on the workers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Batches of `workers` trials: a batch is suggested together from the
    /// trials finished before it, evaluated in parallel, and recorded in
    /// trial-number order. The same seed and worker count give the same study
    /// whatever the thread timing. The default.
    #[default]
    Synchronous,
    /// A new trial is suggested as soon as a worker is free, with the running
    /// trials passed to the sampler as pending. Keeps every worker busy when
    /// trials are of uneven length, but the study depends on which trial
    /// finishes first: **not reproducible** bit for bit.
    Asynchronous,
}

/// Builds a [`Study`]; see [`Study::builder`].
///
/// By default: [`RandomSampler`], no pruning ([`NopPruner`]), minimise, seed 0, one worker,
/// synchronous batches, no journal.
#[must_use]
pub struct StudyBuilder {
    space: SearchSpace,
    sampler: Box<dyn Sampler>,
    pruner: Arc<dyn Pruner>,
    direction: Direction,
    seed: u64,
    workers: usize,
    mode: Mode,
    journal: Option<PathBuf>,
    resume: bool,
    fingerprint: Option<DataFingerprint>,
    schedule: Option<crate::strategy::Strategy>,
    observers: Vec<Box<dyn Observer>>,
    #[cfg(feature = "postgres")]
    postgres: Option<super::storage::postgres::PostgresOptions>,
}

impl StudyBuilder {
    pub(super) fn new(space: SearchSpace) -> Self {
        Self {
            space,
            sampler: Box::new(RandomSampler),
            pruner: Arc::new(NopPruner),
            direction: Direction::Minimize,
            seed: 0,
            workers: 1,
            mode: Mode::Synchronous,
            journal: None,
            resume: false,
            fingerprint: None,
            schedule: None,
            observers: Vec::new(),
            #[cfg(feature = "postgres")]
            postgres: None,
        }
    }

    /// The strategy that suggests configurations. By default
    /// [`RandomSampler`]. At `build` the sampler is given the study seed
    /// ([`Sampler::set_study_seed`]).
    pub fn sampler<S: Sampler + 'static>(mut self, sampler: S) -> Self {
        self.sampler = Box::new(sampler);
        self
    }

    /// The rule that stops unpromising trials. By default none ([`NopPruner`]).
    pub fn pruner<P: Pruner + 'static>(mut self, pruner: P) -> Self {
        self.pruner = Arc::new(pruner);
        self
    }

    /// Minimise or maximise. By default minimise.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// The study seed: every trial's sampler rng and objective seed derive from
    /// it and the trial number. By default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Trials evaluated at once, each on its own thread. By default 1; at
    /// least 1 and at most [`max_workers`](crate::study::max_workers)
    /// ([`WORKERS_PER_CORE`](crate::study::WORKERS_PER_CORE) per available
    /// core; above one per core the study warns that trials share the cores).
    ///
    /// `workers` is a setting of the study, not a thread count: in
    /// [`Mode::Synchronous`] it is the batch size (a batch is `workers`
    /// trials, or the trials left), so the same seed and worker count give the
    /// same study on any machine. The threads started are never more than the
    /// trials that can be in flight, `min(workers, n_trials)` of an
    /// [`optimize`](Study::optimize) call: a study of 4 trials with 8 workers
    /// runs one batch of 4 on 4 threads, the study it would be with 8.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Synchronous batches (reproducible, the default) or asynchronous.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Record every trial in a JSON-lines journal at `path` (see
    /// [`crate::study::journal`]). By default no journal. The study holds an
    /// exclusive lock on `<path>.lock` from `build` until it is dropped: a
    /// second study on the same journal, in this process or another, is
    /// refused ([`crate::error::StudyError::Locked`]).
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Continue the study recorded in the journal if it exists (its header must
    /// match this study's settings and data fingerprint); start it otherwise
    /// (also when the journal is empty or holds only its header: no trial
    /// was ever asked). By default `false`: a journal that already holds a
    /// study is an error.
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// The fingerprint of the data the objective uses, recorded in the
    /// journal's header: resuming the journal with a different fingerprint
    /// is refused ([`crate::error::StudyError::DataMismatch`], saying what
    /// changed), and so is resuming it without one. By default none (the
    /// data is not checked); [`crate::tune::autotune`] gives its split's.
    pub fn fingerprint(mut self, fingerprint: DataFingerprint) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }

    /// Share the study with other processes and machines through
    /// PostgreSQL (see [`crate::study::storage::postgres`]): the study is
    /// created with this builder's settings if the database has none of
    /// that name, and joined otherwise (its settings must match: `resume`
    /// is not needed). By default the study is not shared. Not with a
    /// [`journal`](Self::journal).
    #[cfg(feature = "postgres")]
    pub fn postgres(mut self, options: super::storage::postgres::PostgresOptions) -> Self {
        self.postgres = Some(options);
        self
    }

    /// Declares the schedule that pauses and resumes the trials' trainings
    /// (its name and settings): the journal is then written as version 4,
    /// records it in its header (a resume with another schedule is refused)
    /// and takes the trials' training steps ([`Study::journal_step`]). By
    /// default none.
    pub(crate) fn schedule(mut self, schedule: crate::strategy::Strategy) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Adds an observer of the study's progress.
    pub fn observer<O: Observer + 'static>(mut self, observer: O) -> Self {
        self.observers.push(Box::new(observer));
        self
    }

    /// Checks the settings and opens (or resumes) the journal; the worker
    /// threads start with the first trials of [`Study::optimize`].
    ///
    /// # Errors
    /// [`ConfigError::Invalid`](crate::error::ConfigError::Invalid) for `workers` of 0 or above
    /// [`max_workers`](crate::study::max_workers), or an invalid pruner setting;
    /// [`crate::error::StudyError`] for journal problems
    /// (`Locked`, `JournalExists`, `HeaderMismatch`, `DataMismatch`,
    /// `Journal`, `Io`).
    pub fn build(self) -> Result<Study> {
        let workers_warning = crate::eval::check_workers(self.workers)?;
        self.pruner.check()?;
        let mut sampler = self.sampler;
        sampler.set_study_seed(self.seed);
        let evaluator = Evaluator::new(self.workers)?;
        let header = JournalHeader {
            format: JOURNAL_FORMAT.to_owned(),
            version: if self.schedule.is_some() {
                JOURNAL_VERSION
            } else {
                JOURNAL_VERSION_WITHOUT_STEPS
            },
            space: self.space.clone(),
            direction: self.direction,
            seed: self.seed,
            workers: self.workers,
            mode: self.mode,
            sampler: sampler.strategy(),
            pruner: self.pruner.strategy(),
            data: self.fingerprint,
            schedule: self.schedule,
        };
        let mut history = History::new(self.direction);
        let mut unfinished = Vec::new();
        let mut steps: Vec<TrainingStep> = Vec::new();
        let mut warnings = Vec::new();
        #[cfg(feature = "postgres")]
        let shared = match &self.postgres {
            Some(_) if self.journal.is_some() => {
                return Err(crate::error::ConfigError::Invalid {
                    name: "storage",
                    reason: "a study is stored in a journal or in PostgreSQL, not both".into(),
                }
                .into());
            }
            Some(options) => Some(open_postgres(options, &header)?),
            None => None,
        };
        #[cfg(not(feature = "postgres"))]
        let shared: Option<Shared> = None;
        let storage: Box<dyn Storage> = match (shared, &self.journal) {
            (Some((storage, trials, warning)), _) => {
                for t in trials {
                    history.push(t);
                }
                warnings.extend(warning.map(|w| Warning::new("storage", w)));
                storage
            }
            (None, None) => Box::new(Memory::default()),
            (None, Some(path)) if !self.resume => {
                Box::new(JournalStorage::new(Journal::create(path, &header)?, 0))
            }
            (None, Some(path)) => {
                let (journal, contents, journal_warnings) = Journal::resume(path, &header)?;
                warnings = journal_warnings
                    .into_iter()
                    .map(|w| Warning::new("journal", w))
                    .collect();
                let mut next_number = 0;
                if let Some(c) = contents {
                    for t in c.trials {
                        history.push(t);
                    }
                    unfinished = c.unfinished;
                    steps = c.steps;
                    next_number = c.last_number.map_or(0, |n| n + 1);
                }
                Box::new(JournalStorage::new(journal, next_number))
            }
        };
        let mut study = Study {
            id: super::next_study_id(),
            space: self.space,
            sampler,
            pruner: self.pruner,
            seed: self.seed,
            mode: self.mode,
            history: Arc::new(history),
            queue: VecDeque::new(),
            unfinished: unfinished
                .into_iter()
                .map(|(batch, number, params)| Unfinished {
                    batch,
                    number,
                    params,
                })
                .collect(),
            running: BTreeMap::new(),
            steps,
            storage: Arc::new(Mutex::new(storage)),
            journal_path: self.journal,
            evaluator: Arc::new(evaluator),
            observers: super::Observers::new(self.observers),
            warnings: Vec::new(),
            stop: super::StopHandle::new(),
        };
        for w in warnings.into_iter().chain(workers_warning) {
            study.warn(w);
        }
        Ok(study)
    }
}

/// Opens (creates or joins) a study in PostgreSQL and checks its stored
/// settings against `header`: the storage, the finished trials, and a
/// warning if the stored study has no data fingerprint to check.
#[cfg(feature = "postgres")]
fn open_postgres(
    options: &super::storage::postgres::PostgresOptions,
    header: &JournalHeader,
) -> Result<Shared> {
    use super::journal::{check_data, check_header};
    let opened = super::storage::postgres::Postgres::open(options, header)?;
    let location = opened.storage.location();
    let place = std::path::Path::new(&location);
    let warning = check_data(place, &opened.header, header)?;
    check_header(place, &opened.header, header)?;
    Ok((Box::new(opened.storage), opened.trials, warning))
}
