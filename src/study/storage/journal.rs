//! The JSON-lines journal as a [`Storage`]: one writer, numbers counted in
//! the process from the last number the journal holds.

use super::{Batch, Storage, Suggest, Update, numbered};
use crate::Result;
use crate::error::StudyError;
use crate::history::TrialRecord;
use crate::study::journal::{Journal, Line, TrainingStep};

/// A journal and the next trial number.
#[derive(Debug)]
pub(crate) struct JournalStorage {
    journal: Journal,
    next: usize,
}

impl JournalStorage {
    /// `journal`, whose first new trial is `next`.
    pub fn new(journal: Journal, next: usize) -> Self {
        Self { journal, next }
    }
}

impl Storage for JournalStorage {
    fn location(&self) -> String {
        self.journal.path().display().to_string()
    }

    fn ask(&mut self, q: usize, suggest: &mut Suggest<'_>) -> Result<Batch> {
        let first = self.next;
        let trials = numbered(first, suggest(first, q, Update::default())?);
        self.journal.append(&Line::Asked {
            batch: first,
            trials: trials.clone(),
        })?;
        self.next = first + q;
        Ok(Batch {
            first,
            trials,
            finished: Vec::new(),
        })
    }

    fn tell(&mut self, record: &TrialRecord) -> Result<(), StudyError> {
        self.journal.append(&Line::Trial(record.clone()))
    }

    fn step(&mut self, step: &TrainingStep) -> Result<(), StudyError> {
        self.journal.append(&Line::Step(step.clone()))
    }
}
