//! The optimisation loops: synchronous batches and asynchronous refills.

use super::{Counts, Mode, ObjectiveResult, Study, Trial, lock, make_record};
use crate::Result;
use crate::eval::Finished;
use crate::history::TrialRecord;

impl Study {
    /// Runs `n_trials` more trials of `objective` (see [`ObjectiveResult`]
    /// for how its results are recorded) on the study's workers and
    /// returns how the trials of this call ended. Trials left unfinished by an
    /// interrupted run (see [`Study::builder`]'s `resume`) are run first and
    /// count toward `n_trials`.
    ///
    /// Failed, diverged and pruned trials are recorded and the study goes on;
    /// only a sampler failure or a storage failure stops it (the trials
    /// finished so far stay recorded). A study shared through a database
    /// also stops when the study's budget is reached (by all its workers):
    /// run a worker with `optimize(objective, usize::MAX)`.
    ///
    /// # Errors
    /// A sampler failure; a journal write failure;
    /// [`StudyError::ThreadPool`](crate::error::StudyError::ThreadPool) if
    /// the worker threads cannot start.
    pub fn optimize<F>(&mut self, objective: F, n_trials: usize) -> Result<Counts>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        for o in &mut self.observers {
            o.run_started(n_trials);
        }
        match self.mode {
            Mode::Synchronous => self.run_synchronous(&objective, n_trials),
            Mode::Asynchronous => self.run_asynchronous(&objective, n_trials),
        }
    }

    /// The job each worker runs, and the callback that records it in the
    /// journal on the worker thread.
    fn done_fn(&self) -> impl Fn(Trial, Finished) -> Result<TrialRecord> + Sync + use<> {
        let storage = std::sync::Arc::clone(&self.storage);
        move |trial: Trial, ev: Finished| {
            let record = make_record(&trial, &ev.returned, ev.duration_secs);
            lock(&storage).tell(&record)?;
            Ok(record)
        }
    }

    fn run_synchronous<F>(&mut self, objective: &F, n_trials: usize) -> Result<Counts>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        let evaluator = std::sync::Arc::clone(&self.evaluator);
        let done = self.done_fn();
        let run = |t: &mut Trial| objective(t);
        let mut counts = Counts::default();
        while counts.total() < n_trials {
            let q = evaluator.workers().min(n_trials - counts.total());
            let batch = if self.unfinished.is_empty() {
                let batch = self.ask_batch(q)?;
                if batch.is_empty() {
                    break; // a shared study's budget is reached
                }
                batch
            } else {
                let k = q.min(self.unfinished.len());
                let us: Vec<_> = self.unfinished.drain(..k).collect();
                us.into_iter().map(|u| self.start_unfinished(u)).collect()
            };
            let results = evaluator.run_batch(batch, &run, &done)?;
            let mut first_error = None;
            for r in results {
                match r {
                    Ok(record) => {
                        counts.add(&record.state);
                        self.record(record, counts.total(), n_trials);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        Ok(counts)
    }

    fn run_asynchronous<F>(&mut self, objective: &F, n_trials: usize) -> Result<Counts>
    where
        F: Fn(&mut Trial) -> ObjectiveResult + Sync,
    {
        let evaluator = std::sync::Arc::clone(&self.evaluator);
        let done = self.done_fn();
        let run = |t: &mut Trial| objective(t);
        let mut counts = Counts::default();
        let mut error = None;
        let mut initial = Vec::new();
        let mut to_start = n_trials;
        while initial.len() < evaluator.workers() && to_start > 0 {
            let Some(trial) = self.try_ask()? else {
                to_start = 0; // a shared study's budget is reached
                break;
            };
            initial.push(trial);
            to_start -= 1;
        }
        if initial.is_empty() {
            return Ok(counts);
        }
        evaluator.run_async(initial, &run, &done, |result| {
            match result {
                Ok(record) => {
                    counts.add(&record.state);
                    self.record(record, counts.total(), n_trials);
                }
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
            if error.is_some() || to_start == 0 {
                return None;
            }
            match self.try_ask() {
                Ok(Some(t)) => {
                    to_start -= 1;
                    Some(t)
                }
                Ok(None) => {
                    to_start = 0;
                    None
                }
                Err(e) => {
                    error = Some(e);
                    None
                }
            }
        })?;
        error.map_or(Ok(counts), Err)
    }
}
