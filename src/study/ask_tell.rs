//! Asking and telling: the queue of configurations, batches from the
//! sampler, and recording finished trials.

use super::record::make_record;
use super::storage::Update;
use super::{Progress, Study, Trial, Unfinished, lock, objective_seed};
use crate::Result;
use crate::error::{SpaceError, StudyError};
use crate::eval::Returned;
use crate::history::{History, TrialRecord};
use crate::rng::{rng_from_seed, trial_seed};
use crate::space::{Domain, Params};
use std::sync::Arc;

impl Study {
    /// Queues a configuration to be evaluated before any suggestion (a warm
    /// start). Fixed parameters may be left out; parameters are put in the
    /// space's order. A configuration already evaluated, running or queued is
    /// not queued again and `Ok(false)` is returned, so a resumed script can
    /// repeat its `enqueue` calls.
    ///
    /// # Errors
    /// A [`SpaceError`] if `params` does not fit the space.
    pub fn enqueue(&mut self, params: Params) -> Result<bool> {
        let params = self.normalize(&params)?;
        let seen = self.history.trials().iter().any(|t| t.params == params)
            || self.running.values().any(|p| *p == params)
            || self.unfinished.iter().any(|u| u.params == params)
            || self.queue.contains(&params);
        if !seen {
            self.queue.push_back(params.clone());
        }
        Ok(!seen)
    }

    fn normalize(&self, params: &Params) -> Result<Params, SpaceError> {
        for (name, _) in params.iter() {
            if self.space.param(name).is_none() {
                return Err(SpaceError::UnknownParam {
                    name: name.to_owned(),
                });
            }
        }
        let mut out = Params::new();
        for p in self.space.params() {
            match (params.get(&p.name), &p.domain) {
                (Some(v), _) | (None, Domain::Fixed { value: v }) => {
                    out.set(p.name.clone(), v.clone())
                }
                (None, _) => {
                    return Err(SpaceError::MissingParam {
                        name: p.name.clone(),
                    });
                }
            }
        }
        self.space.check(&out)?;
        Ok(out)
    }

    /// Asks for the next trial to evaluate by hand; finish it with
    /// [`Study::tell`] or [`Study::tell_failed`]. Trials left unfinished by
    /// an interrupted run come first, then enqueued configurations, then the
    /// sampler's suggestions (with the trials still running passed as pending).
    ///
    /// # Errors
    /// A sampler failure, or a storage failure;
    /// [`StudyError::BudgetReached`] if a shared study has run its budget.
    pub fn ask(&mut self) -> Result<Trial> {
        self.try_ask()?.ok_or_else(|| {
            StudyError::BudgetReached {
                storage: self.storage_location(),
            }
            .into()
        })
    }

    /// [`Study::ask`], or `None` once a shared study's budget is reached.
    pub(super) fn try_ask(&mut self) -> Result<Option<Trial>> {
        if let Some(u) = self.unfinished.pop_front() {
            return Ok(Some(self.start_unfinished(u)));
        }
        Ok(self.ask_batch(1)?.pop())
    }

    /// Records the `value` of a trial from [`Study::ask`]: a finite value
    /// completes it (or, if [`Trial::should_prune`] said so, prunes it), NaN
    /// or an infinity marks it diverged — as for [`Study::optimize`]'s
    /// objectives.
    ///
    /// # Errors
    /// [`StudyError::ForeignTrial`] if another study asked `trial`;
    /// [`StudyError::UnknownTrial`] if this study is not waiting for it;
    /// a journal write failure. The study is unchanged by an error.
    pub fn tell(&mut self, trial: Trial, value: f64) -> Result<&TrialRecord> {
        self.finish(trial, &Returned::Value(value))
    }

    /// Records that a trial from [`Study::ask`] failed, with the `reason`
    /// (an error message): it is never suggested again and, with the default
    /// samplers, its region is learnt to be risky.
    ///
    /// # Errors
    /// As [`Study::tell`].
    pub fn tell_failed(&mut self, trial: Trial, reason: impl Into<String>) -> Result<&TrialRecord> {
        self.finish(trial, &Returned::Error(reason.into()))
    }

    /// Asks for the next trial to be told by another process, or by this
    /// study after it was reopened (`autotune ask` / `autotune tell`): its
    /// number and configuration, recorded as running, or `None` once a
    /// shared study's budget is reached. Unlike [`Study::ask`], trials a
    /// journal shows unfinished are not handed out again: they were asked
    /// this way too and are still out (the sampler treats them as pending).
    /// A shared storage does not stamp a detached trial nor give it up as
    /// lost, so it waits for its result however long it takes.
    ///
    /// # Errors
    /// As [`Study::ask`].
    pub fn ask_detached(&mut self) -> Result<Option<crate::study::journal::AskedTrial>> {
        for u in self.unfinished.drain(..) {
            self.running.insert(u.number, u.params);
        }
        let Some(trial) = self.ask_batch(1)?.pop() else {
            return Ok(None);
        };
        lock(&self.storage).detach(trial.number())?;
        Ok(Some(crate::study::journal::AskedTrial {
            number: trial.number(),
            params: trial.params().clone(),
        }))
    }

    /// Records the result of trial `number`, asked with
    /// [`Study::ask_detached`] by this or another process: `Ok(value)` as
    /// [`Study::tell`] (a value that is not finite marks it diverged),
    /// `Err(reason)` as [`Study::tell_failed`]. The trial's duration is not
    /// known here and is recorded as 0.
    ///
    /// # Errors
    /// [`StudyError::UnknownTrial`] if the study has no such trial waiting
    /// for its result (never asked, already told, or asked by a worker that
    /// runs it itself); a storage failure.
    pub fn tell_detached(
        &mut self,
        number: usize,
        result: std::result::Result<f64, String>,
    ) -> Result<&TrialRecord> {
        let waiting = match self.unfinished.iter().position(|u| u.number == number) {
            Some(i) => self.unfinished.remove(i),
            None => lock(&self.storage).adopt(number)?.map(|params| Unfinished {
                batch: number,
                number,
                params,
            }),
        };
        let Some(u) = waiting else {
            return Err(StudyError::UnknownTrial { number }.into());
        };
        let trial = self.start_unfinished(u);
        let returned = match result {
            Ok(v) => Returned::Value(v),
            Err(reason) => Returned::Error(reason),
        };
        let record = make_record(&trial, &returned, 0.0);
        self.store(record)
    }

    /// Records a finished trial told by hand: in the storage first, then
    /// in the history; returns its record there.
    fn store(&mut self, record: TrialRecord) -> Result<&TrialRecord> {
        lock(&self.storage).tell(&record)?;
        let number = record.number;
        self.record(record, 0, 0);
        Ok(self
            .history
            .trials()
            .iter()
            .find(|t| t.number == number)
            .expect("just recorded"))
    }

    fn finish(&mut self, trial: Trial, returned: &Returned) -> Result<&TrialRecord> {
        if trial.study_id() != self.id {
            return Err(StudyError::ForeignTrial {
                number: trial.number(),
            }
            .into());
        }
        if !self.running.contains_key(&trial.number()) {
            return Err(StudyError::UnknownTrial {
                number: trial.number(),
            }
            .into());
        }
        let record = make_record(&trial, returned, trial.elapsed_secs());
        self.store(record)
    }

    /// Asks a batch of up to `q >= 1` trials: trials waiting in a shared
    /// storage first, then enqueued configurations, then `suggest_batch`
    /// from the current history (with the trials running here and, in a
    /// shared storage, elsewhere, as pending); the storage numbers and
    /// records the batch. Fewer than `q` trials, or none, only when a shared
    /// study's budget is reached.
    pub(super) fn ask_batch(&mut self, q: usize) -> Result<Vec<Trial>> {
        let storage = Arc::clone(&self.storage);
        let mut n_queued = 0;
        let batch = lock(&storage).ask(q, &mut |first, q, update| {
            n_queued = q.min(self.queue.len());
            self.suggest(first, q, n_queued, update)
        })?;
        self.queue.drain(..n_queued);
        self.merge(batch.finished);
        let snapshot = Arc::clone(&self.history);
        Ok(batch
            .trials
            .into_iter()
            .map(|a| {
                self.running.insert(a.number, a.params.clone());
                Trial::new(
                    self.id,
                    a.number,
                    objective_seed(self.seed, a.number),
                    a.params,
                    Arc::clone(&self.pruner),
                    Arc::clone(&snapshot),
                    self.observers.clone(),
                )
            })
            .collect())
    }

    /// The configurations of the new trials `first..first + q`: the first
    /// `n_queued` of the queue, then the sampler's, after adding the trials
    /// other workers finished (`update`) to the history.
    fn suggest(
        &mut self,
        first: usize,
        q: usize,
        n_queued: usize,
        update: Update,
    ) -> Result<Vec<Params>> {
        self.merge(update.finished);
        let mut params: Vec<Params> = self.queue.iter().take(n_queued).cloned().collect();
        if n_queued < q {
            let pending: Vec<Params> = self
                .running
                .values()
                .chain(update.pending.iter())
                .chain(params.iter())
                .cloned()
                .collect();
            let mut rngs: Vec<_> = (first + n_queued..first + q)
                .map(|n| rng_from_seed(trial_seed(self.seed, n as u64)))
                .collect();
            let suggested =
                self.sampler
                    .suggest_batch(&self.space, &self.history, &pending, &mut rngs)?;
            if suggested.len() != q - n_queued {
                return Err(StudyError::Sampler {
                    reason: format!(
                        "asked for {} configurations, got {}",
                        q - n_queued,
                        suggested.len()
                    ),
                }
                .into());
            }
            for s in &suggested {
                self.space.check(&s.params)?;
            }
            for s in suggested {
                for w in s.warnings {
                    self.warn(w);
                }
                params.push(s.params);
            }
        }
        Ok(params)
    }

    /// Adds trials that other workers of a shared study finished to the
    /// history (those already in it, this worker's own, are skipped).
    fn merge(&mut self, finished: Vec<TrialRecord>) {
        if finished.is_empty() {
            return;
        }
        let known: std::collections::HashSet<usize> =
            self.history.trials().iter().map(|t| t.number).collect();
        let history = Arc::make_mut(&mut self.history);
        for t in finished {
            if !known.contains(&t.number) && !self.running.contains_key(&t.number) {
                history.push(t);
            }
        }
    }

    /// Restarts a trial the journal shows unfinished, with the pruning snapshot
    /// of its batch: the finished trials numbered before the batch.
    pub(super) fn start_unfinished(&mut self, u: Unfinished) -> Trial {
        let mut snapshot = History::new(self.history.direction());
        for t in self.history.trials().iter().filter(|t| t.number < u.batch) {
            snapshot.push(t.clone());
        }
        self.running.insert(u.number, u.params.clone());
        Trial::new(
            self.id,
            u.number,
            objective_seed(self.seed, u.number),
            u.params,
            Arc::clone(&self.pruner),
            Arc::new(snapshot),
            self.observers.clone(),
        )
    }

    /// Adds a finished (and journaled) trial to the history and tells the observers.
    pub(super) fn record(&mut self, record: TrialRecord, done_in_run: usize, total_in_run: usize) {
        self.running.remove(&record.number);
        let number = record.number;
        Arc::make_mut(&mut self.history).push(record);
        if self.observers.is_empty() {
            return;
        }
        let trial = self
            .history
            .trials()
            .iter()
            .find(|t| t.number == number)
            .expect("just pushed");
        let progress = Progress {
            trial,
            best: self.history.best(),
            counts: self.history.counts(),
            done_in_run,
            total_in_run,
        };
        self.observers.each(|o| o.trial_finished(&progress));
    }
}
