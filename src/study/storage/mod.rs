//! Where a study keeps its trials: the storage trait and its backends.
//!
//! The study asks its storage for trial numbers and records asked batches and
//! finished trials through one (crate-internal) trait, whatever the backend:
//! - memory: nothing is kept beyond the process (the default);
//! - the JSON-lines journal ([`super::journal`]): one machine, one process at
//!   a time, durable and exactly resumable;
//! - PostgreSQL (the `postgres` feature, module `postgres`): one study shared
//!   by many processes on many machines.
//!
//! The contract every backend keeps: a trial number is given once (`ask`
//! claims numbers and records the batch atomically), a finished trial is
//! durable before `tell` returns, and the study
//! sees the same history (its own trials and, for a shared storage, the other
//! workers') through every backend.

mod journal;
#[cfg(feature = "postgres")]
pub mod postgres;

pub(crate) use journal::JournalStorage;

use super::journal::{AskedTrial, TrainingStep};
use crate::Result;
use crate::error::StudyError;
use crate::history::TrialRecord;
use crate::space::Params;

/// What other workers of a shared study did since this worker last looked:
/// handed to the suggestion of every batch, so the sampler sees the whole
/// study. Always empty for a storage with one writer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Update {
    /// Trials that finished since the last update (this worker's own
    /// included: the study skips those it has recorded already).
    pub finished: Vec<TrialRecord>,
    /// Configurations other workers are running now (pending trials, which
    /// the sampler fantasises).
    pub pending: Vec<Params>,
}

/// A batch handed out by [`Storage::ask`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Batch {
    /// The number of the batch's first new trial (pruning snapshots are
    /// taken at it).
    pub first: usize,
    /// The trials to run, in number order: trials claimed from the storage's
    /// waiting list (retries of lost trials, enqueued configurations) and
    /// new trials. Fewer than asked, or none, only when the study's budget
    /// is reached.
    pub trials: Vec<AskedTrial>,
    /// Trials other workers finished that the suggestion was not given
    /// (none was made: the batch holds only waiting trials, or none).
    pub finished: Vec<TrialRecord>,
}

/// The suggestion of a batch: called by [`Storage::ask`] with the first
/// number claimed, how many, and what changed; returns the configurations
/// of the numbers `first..first + q`.
pub(crate) type Suggest<'a> = dyn FnMut(usize, usize, Update) -> Result<Vec<Params>> + 'a;

/// A study's storage. One value per study (per worker process of a shared
/// study); the study calls [`Storage::tell`] from its worker threads through
/// a mutex.
pub(crate) trait Storage: Send + std::fmt::Debug {
    /// Where the study is stored, for messages: `memory`, the journal's
    /// path, or the database URL without its password and the study name.
    fn location(&self) -> String;

    /// Claims up to `q` trials: trials waiting to be run first, then new
    /// numbers whose configurations `suggest` chooses. A claimed number is
    /// never handed out again, and the batch is recorded as running before
    /// this returns (all of it or none: an error leaves nothing claimed).
    fn ask(&mut self, q: usize, suggest: &mut Suggest<'_>) -> Result<Batch>;

    /// Records a finished trial, durably, before returning.
    ///
    /// # Errors
    /// A write failure; for a shared storage,
    /// [`StudyError::TrialLost`] if the trial had been given up as lost (no
    /// heartbeat within the grace period) and handed to another worker.
    fn tell(&mut self, record: &TrialRecord) -> Result<(), StudyError>;

    /// Hands the running trial `number` over to whoever will tell its
    /// result, possibly another process ([`crate::study::Study::ask_detached`]):
    /// a shared storage stops stamping it, and never gives it up as lost.
    /// Nothing for a storage with one writer (its unfinished trials are
    /// found again when it is reopened).
    fn detach(&mut self, _number: usize) -> Result<(), StudyError> {
        Ok(())
    }

    /// Takes over a trial another process detached, to tell its result:
    /// its configuration, or `None` if the storage holds no such trial (for
    /// a storage with one writer, always: the study finds it among its
    /// unfinished trials).
    fn adopt(&mut self, _number: usize) -> Result<Option<Params>, StudyError> {
        Ok(None)
    }

    /// Records a step of a paused and resumed training, durably, before
    /// returning. Nothing for memory; a shared storage does not record
    /// steps (a schedule that pauses trainings runs in one process).
    fn step(&mut self, _step: &TrainingStep) -> Result<(), StudyError> {
        Ok(())
    }
}

/// No storage: numbers counted in memory, nothing written.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    next: usize,
}

impl Storage for Memory {
    fn location(&self) -> String {
        "memory".to_owned()
    }

    fn ask(&mut self, q: usize, suggest: &mut Suggest<'_>) -> Result<Batch> {
        let first = self.next;
        let trials = numbered(first, suggest(first, q, Update::default())?);
        self.next = first + q;
        Ok(Batch {
            first,
            trials,
            finished: Vec::new(),
        })
    }

    fn tell(&mut self, _record: &TrialRecord) -> Result<(), StudyError> {
        Ok(())
    }
}

/// `params` numbered from `first`.
pub(crate) fn numbered(first: usize, params: Vec<Params>) -> Vec<AskedTrial> {
    params
        .into_iter()
        .enumerate()
        .map(|(i, params)| AskedTrial {
            number: first + i,
            params,
        })
        .collect()
}
